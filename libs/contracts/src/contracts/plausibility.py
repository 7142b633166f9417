"""What input can be true of a record, the same for every service: the characters text may
hold, and the dates of birth a living person can have.

Text refuses control characters (but tab, line feed and carriage return) and the Unicode
direction embeddings, overrides and isolates: they are never typed by a person, and they make
a stored name or note display as something other than what it holds (U+202E turns
"Hart\u202egnp.exe" into "Hartexe.png"), or corrupt a terminal, an export or a log.
"""

from __future__ import annotations

import re
from datetime import date

# The ranges written as regex escapes, so the same text serves Python here and ECMA-262 in the
# API documents (`TEXT_PATTERN`, the `pattern` of every string a request may send).
_FORBIDDEN_RANGES = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
FORBIDDEN_IN_TEXT = re.compile(f"[{_FORBIDDEN_RANGES}]")
TEXT_PATTERN = f"^[^{_FORBIDDEN_RANGES}]*$"

# Nobody on record has lived longer; an older date of birth is a typing slip (1800-01-01).
OLDEST_AGE_YEARS = 120


def text_problem(text: str) -> str | None:
    """Why `text` may not be stored, or None when it may."""
    found = FORBIDDEN_IN_TEXT.search(text)
    if found is None:
        return None
    return f"holds U+{ord(found.group()):04X}, a control or direction-override character"


def date_of_birth_problem(born: date, on: date) -> str | None:
    """Why `born` is no one's date of birth on `on` (in the future, or too long ago), or None."""
    if born > on:
        return f"{born} is in the future"
    if on.year - born.year > OLDEST_AGE_YEARS:
        return f"{born} is more than {OLDEST_AGE_YEARS} years ago"
    return None
