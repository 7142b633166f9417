"""Optimistic concurrency for updates: ETag on reads, If-Match required on writes (412/428)."""

from __future__ import annotations

from fastapi import Request, Response

from runtime.domain import FieldError
from runtime.errors import ProblemError


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def require_if_match(request: Request, current_version: int) -> None:
    """Refuse a write unless it is based on the current version of the record."""
    header = request.headers.get("if-match")
    if not header:
        raise ProblemError(
            428,
            "send If-Match with the ETag you last read",
            errors=[FieldError("If-Match", "required on every update: the ETag you last read")],
        )
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    if "*" in candidates:
        # "*" matches every version, which would let a write overwrite changes it never saw.
        raise ProblemError(
            428,
            "If-Match: * is not accepted; send the ETag you last read",
            errors=[FieldError("If-Match", "name the ETag you last read, not *")],
        )
    if etag(current_version) in candidates:
        return
    raise ProblemError(
        412,
        f"the record is at version {current_version}; re-read it and apply your change again",
        errors=[FieldError("If-Match", f"{header[:80]} is not the current ETag")],
        extra={"current_etag": etag(current_version)},
    )
