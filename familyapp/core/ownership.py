"""What belongs to a family, found by following foreign keys (no features in here).

A row belongs to the family when one of its foreign keys points at a row that does: the family
itself, its children, and from there plans, versions, appointments, care entries, survey
responses... Users, programs and questionnaires are referenced by those rows but not owned by
them (a person's account and a program's survey outlive one family). The same definition
serves the family's export of everything and the deletion of everything, so neither can
forget a table added later. Text that names a child without a foreign key (a reminder's
source) is erased by hooks the features register.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import LargeBinary, Table, delete, select

from familyapp.core.db import Base, db

Erasure = Callable[[uuid.UUID, list[uuid.UUID]], int]
_erasures: list[Erasure] = []
# Never exported: secrets that would let a copy of the export open something.
SECRET_COLUMNS = frozenset({"token_hash", "token_sealed", "password_hash", "auth", "p256dh"})
BATCH = 500


def register_erasure(hook: Erasure) -> None:
    """Add a hook that deletes what names a family's children outside foreign keys."""
    if hook not in _erasures:
        _erasures.append(hook)


def _pk(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


def owned(family_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to the family, by table, parents before children."""
    tables = Base.metadata.sorted_tables
    families = next(t for t in tables if t.name == "families")
    ids: dict[str, set[Any]] = {families.name: {family_id}}
    found: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        if table.name == "families":
            rows = db.session.execute(select(table).where(_pk(table) == family_id)).mappings()
            found[table.name] = [dict(row) for row in rows]
            continue
        links = [
            (fk.parent, fk.column.table.name)
            for fk in table.foreign_keys
            if fk.column.table.name in ids
        ]
        if not links:
            continue
        picked: dict[Any, dict[str, Any]] = {}
        for column, parent in links:
            parents = list(ids[parent])
            for start in range(0, len(parents), BATCH):
                chunk = parents[start : start + BATCH]
                for row in db.session.execute(select(table).where(column.in_(chunk))).mappings():
                    picked[row[_pk(table).name]] = dict(row)
        if picked:
            found[table.name] = list(picked.values())
            ids[table.name] = set(picked)
    return found


def child_ids(rows: dict[str, list[dict[str, Any]]]) -> list[uuid.UUID]:
    """The ids of the family's children among its rows."""
    return [row["id"] for row in rows.get("children", [])]


def erase(family_id: uuid.UUID) -> dict[str, int]:
    """Delete every row of the family, children first (in the caller's transaction)."""
    rows = owned(family_id)
    counts: dict[str, int] = {}
    by_name = {t.name: t for t in Base.metadata.sorted_tables}
    children = child_ids(rows)
    for hook in _erasures:
        removed = hook(family_id, children)
        if removed:
            counts[hook.__module__] = removed
    for name in reversed([t.name for t in Base.metadata.sorted_tables]):
        if name not in rows:
            continue
        table = by_name[name]
        keys = [row[_pk(table).name] for row in rows[name]]
        for start in range(0, len(keys), BATCH):
            db.session.execute(delete(table).where(_pk(table).in_(keys[start : start + BATCH])))
        counts[name] = len(keys)
    return counts


def exportable(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The rows as plain JSON values, secrets left out."""
    binary = {
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, LargeBinary)
    }
    return {
        table: [
            {
                key: _plain(value)
                for key, value in row.items()
                if key not in SECRET_COLUMNS and (table, key) not in binary
            }
            for row in table_rows
        ]
        for table, table_rows in rows.items()
    }


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
