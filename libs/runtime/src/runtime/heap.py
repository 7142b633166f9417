"""What a process builds at start-up, kept out of the garbage collector's full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_frozen() -> Iterator[None]:
    """Freeze what start-up made (modules, routes, schemas, engines, templates): it lives as
    long as the process, and a full collection that scans it takes a hundred milliseconds or
    more, in the middle of whichever request set it off. Frozen, a full collection scans only
    what requests made since, a few milliseconds. On leaving (the app stops), everything goes
    back to the collector, so a process that builds apps one after another (the tests) still
    collects what each left behind."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
