"""Importing existing history: one rule for how a refused row is reported, in every service.

An import applies its rows through the service's own use cases in one transaction; a broken rule
in any row refuses the whole file, naming the row and the field (`referrals.<row>.<field>`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from runtime.domain import DomainError, FieldError, ImportRefused

T = TypeVar("T")


@dataclass
class Imported(Generic[T]):
    """What one run did: the rows it imported, the rows an earlier run had, and the records it
    made of the rows it imported."""

    imported: list[str] = field(default_factory=list)
    already_imported: list[str] = field(default_factory=list)
    records: list[T] = field(default_factory=list)


class ImportReport(BaseModel):
    """The answer of every service's `POST /v1/admin/imports`; each adds the ids it made."""

    source_system: str
    rows: int
    imported: list[str] = Field(description="rows this run imported (their import_id)")
    already_imported: list[str] = Field(description="rows an earlier run had imported")

    @staticmethod
    def of(source_system: str, rows: int, result: Imported[Any]) -> dict[str, Any]:
        """The fields every service's report shares, from one run's result."""
        return {
            "source_system": source_system,
            "rows": rows,
            "imported": result.imported,
            "already_imported": result.already_imported,
        }


def refuse(errors: Sequence[tuple[str, str]]) -> ImportRefused:
    return ImportRefused(
        detail=f"{len(errors)} problem(s) in the file: {errors[0][0]}: {errors[0][1]}",
        errors=[FieldError(f, m) for f, m in errors],
    )


@contextmanager
def importing_row(
    index: int, import_id: str, prefix: str = "", rename: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Re-raise a broken rule of this row as the file's refusal, its fields under the row (and
    `rename`d where the use case calls a field otherwise than the file)."""
    rename = rename or {}
    try:
        yield
    except ImportRefused:
        raise  # an inner part of the row already named it
    except DomainError as broken:
        where = f"referrals.{index}" + (f".{prefix}" if prefix else "")
        fields = [
            FieldError(f"{where}.{rename.get(e.field, e.field)}", e.message) for e in broken.errors
        ]
        detail = f"row {index} ({import_id}): {broken.detail or broken.title}"
        raise ImportRefused(
            detail=detail,
            errors=fields or [FieldError(where, broken.detail or broken.title)],
            extra={"row": index, "import_id": import_id, "rule": broken.code},
        ) from broken
