"""Errors shown the GOV.UK way: a summary at the top, each message linked to its field, the
field marked with its message, and the person's input kept.

An API names fields by their JSON path (`caller.name`, `consent.status`, `child_ids.0`); a page
says which input shows which field (`fields={"caller.name": "caller-name"}`), a path's first
parts being enough (`child_ids` covers `child_ids.0`). A field with no input on the page is
still listed, linked to `fallback` (the part of the page about it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from staff.entrypoints.web.api import ApiError


@dataclass
class FormErrors:
    summary: list[dict[str, str]] = field(default_factory=list)
    by_input: dict[str, str] = field(default_factory=dict)
    title: str = "There is a problem"
    description: str = ""

    def __bool__(self) -> bool:
        return bool(self.summary)

    def add(self, input_id: str, message: str) -> None:
        self.summary.append({"text": message, "href": f"#{input_id}"})
        self.by_input.setdefault(input_id, message)

    def message(self, input_id: str) -> dict[str, str] | None:
        """The `errorMessage` parameter of a GOV.UK component, or None."""
        text = self.by_input.get(input_id)
        return {"text": text} if text else None

    @classmethod
    def from_api(
        cls,
        error: ApiError,
        fields: Mapping[str, str] | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        fallback: str = "main-content",
    ) -> FormErrors:
        """Map a problem's `errors` to inputs; a problem without field errors shows its detail."""
        found = cls(description=error.detail if error.errors else "")
        for item in error.errors:
            path = item["field"]
            input_id = input_for(path, fields or {})
            message = item["message"] or "Check this answer"
            label = _label_for(path, labels or {})
            text = f"{label}: {message}" if label and not input_id else message
            found.add(input_id or fallback, _sentence(text))
        if not found.summary:
            found.add(fallback, _sentence(error.detail or error.title or "Something went wrong"))
        return found


def input_for(path: str, fields: Mapping[str, str]) -> str | None:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in fields:
            return fields[key]
    return None


def _label_for(path: str, labels: Mapping[str, str]) -> str:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in labels:
            return labels[key]
    return path.replace("_", " ").replace(".", " ")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def kept(form: Mapping[str, Any]) -> dict[str, Any]:
    """The person's input to show again: every field but the CSRF token."""
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = form.getlist(key) if hasattr(form, "getlist") else [form[key]]
        out[key] = values if len(values) > 1 else values[0]
    return out
