"""Aggregate snapshots: domain dataclasses to JSON-ready dicts and back, guided by type hints.

Repositories store an aggregate's whole state as one JSON document beside the columns they
query on, so the domain model stays free of ORM mapping. Handles nested dataclasses, enums,
UUIDs, dates, datetimes, Decimals, lists, tuples, sets, frozensets, dicts and optionals.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

T = TypeVar("T")

# Fields that hold pending domain events, not state.
TRANSIENT_FIELDS = frozenset({"events"})


# Types stored as they are, told apart by exact type (a StrEnum is a str, but stored by value).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def to_snapshot(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    names = _state_fields(kind)
    if names is not None:
        return {name: to_snapshot(getattr(value, name)) for name in names}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(to_snapshot(k)): to_snapshot(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [to_snapshot(v) for v in value]
        return sorted(items, key=str)
    if isinstance(value, list | tuple):
        return [to_snapshot(v) for v in value]
    return value


_STATE_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _state_fields(kind: type) -> tuple[str, ...] | None:
    """The fields a dataclass's snapshot keeps (looked up once per class); None for others."""
    try:
        return _STATE_FIELDS[kind]
    except KeyError:
        pass
    names = None
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind) if f.name not in TRANSIENT_FIELDS)
    _STATE_FIELDS[kind] = names
    return names


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_snapshot(cls: type[T], data: Any) -> T:
    return typing.cast(T, _build(cls, data))


def _build(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return _build(options[0], data)
        for option in options:
            try:
                return _build(option, data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"cannot read {data!r} as {tp}")
    if origin is typing.Literal:
        return data
    if origin in (list, tuple, set, frozenset):
        args = get_args(tp)
        inner = args[0] if args else Any
        items = [_build(inner, v) for v in data]
        return origin(items)
    if origin is dict:
        key_t, val_t = get_args(tp) or (Any, Any)
        return {_build(key_t, k): _build(val_t, v) for k, v in data.items()}
    if tp is Any:
        return data
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            hints = _hints(tp)
            kwargs = {
                f.name: _build(hints[f.name], data[f.name])
                for f in dataclasses.fields(tp)
                if f.init and f.name in data and f.name not in TRANSIENT_FIELDS
            }
            obj = tp(**kwargs)
            for f in dataclasses.fields(tp):
                if not f.init and f.name in data:
                    object.__setattr__(obj, f.name, _build(hints[f.name], data[f.name]))
            return obj
        if issubclass(tp, Enum):
            return tp(data)
        if tp is uuid.UUID:
            return uuid.UUID(str(data))
        if tp is datetime:
            return datetime.fromisoformat(data)
        if tp is date:
            return date.fromisoformat(data)
        if tp is Decimal:
            return Decimal(str(data))
    return data
