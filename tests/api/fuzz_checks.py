"""A schemathesis check of our own, loaded by the fuzzing run (SCHEMATHESIS_HOOKS): a request
its operation's schema allows is never refused for its form. The platform marks the problem
types that mean "the request is malformed" (`ProblemType.malformed_request`); a positive case
answered with one of them means the schema promises more than the server accepts."""

from __future__ import annotations

from typing import Any

import schemathesis
from runtime.problems import STANDARD
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

MALFORMED = {p.uri for p in STANDARD if p.malformed_request}


@schemathesis.check
def schema_valid_requests_are_not_refused_for_their_form(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or is_unexpected_http_status_case(case):
        return None
    content_type = " ".join(
        " ".join(values)
        for name, values in response.headers.items()
        if name.lower() == "content-type"
    )
    if "problem+json" not in content_type:
        return None
    try:
        problem = response.json()
    except ValueError:
        return None
    if isinstance(problem, dict) and problem.get("type") in MALFORMED:
        raise AssertionError(
            f"a schema-valid request was refused as {problem['type']}: "
            f"{problem.get('errors') or problem.get('detail')}"
        )
    return None
