"""Whole-database backup and restore: every table, portable between SQLite and PostgreSQL.

A backup is a zip: manifest.json (format, schema revision, and for each table its row count, the
codec of each column and a SHA-256 of its data) and one JSON-lines file per table. It is read
from one snapshot (PostgreSQL REPEATABLE READ, SQLite one read transaction), so rows that
reference each other are consistent. A restore checks everything before it writes, then writes
every table in one transaction (parents first): it lands whole or not at all. The same file
moves an installation from SQLite to PostgreSQL.

Not in the database, so not in the backup: the instance folder's keys (secret_key, the VAPID
keys that push subscriptions are bound to). Copy that folder with the backup (README.md).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.engine import Connection, Engine

from familyapp.core import clock, generation
from familyapp.core.db import Base
from familyapp.core.models import DataGeneration

FORMAT = "familyapp-backup/1"
BATCH = 1000  # rows inserted per statement on restore

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]  # (to JSON, from JSON)


CODECS: dict[str, Codec] = {
    "plain": (lambda value: value, lambda value: value),
    "uuid": (str, uuid.UUID),
    "datetime": (lambda value: value.isoformat(), datetime.fromisoformat),
    "date": (lambda value: value.isoformat(), date.fromisoformat),
    "time": (lambda value: value.isoformat(), time.fromisoformat),
    "decimal": (str, Decimal),
    "bytes": (lambda value: base64.b64encode(value).decode(), base64.b64decode),
    "json": (lambda value: value, lambda value: value),
}


class BackupError(Exception):
    """A backup that cannot be restored here; nothing was written."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore covered."""

    revision: str | None
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        """All rows, every table."""
        return sum(self.tables.values())


def _codec(column: sa.Column[Any]) -> str:
    """The codec of a column, from its type (custom types by the type they wrap)."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    checks: tuple[tuple[type[Any], str], ...] = (
        (sa.JSON, "json"),
        (sa.Uuid, "uuid"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Time, "time"),
        (sa.Numeric, "decimal"),  # Float is a Numeric with asdecimal=False: below
        (sa.LargeBinary, "bytes"),
    )
    for base, name in checks:
        if isinstance(kind, base):
            if name == "decimal" and not getattr(kind, "asdecimal", True):
                return "plain"
            return name
    return "plain"


def _tables() -> list[sa.Table]:
    # Parents before the tables that reference them. Not the data generation: it belongs to
    # this database's running processes (what they remember), not to the data; a restore
    # raises it instead, so nothing remembered from before is served after.
    generation_table = DataGeneration.__tablename__
    return [table for table in Base.metadata.sorted_tables if table.name != generation_table]


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def _ordered(table: sa.Table) -> sa.Select[Any]:
    # A stable order makes the same data give the same file (and checksum).
    return sa.select(table).order_by(*(table.primary_key.columns or table.columns))


@dataclass
class _Snapshot:
    connection: Connection

    def rows(self, table: sa.Table) -> Iterator[dict[str, Any]]:
        result = self.connection.execute(_ordered(table)).mappings()
        for row in result:
            yield dict(row)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[_Snapshot]:
    """One consistent view of the whole database, for the length of the backup."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            # pysqlite only opens a transaction before writes; a read transaction has to be
            # begun by hand so that every table is read from the same WAL snapshot.
            connection.exec_driver_sql("BEGIN")
            try:
                yield _Snapshot(connection)
            finally:
                connection.exec_driver_sql("ROLLBACK")
        return
    connection = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with connection, connection.begin():
        connection.execute(sa.text("SET TRANSACTION READ ONLY"))
        yield _Snapshot(connection)


def backup(engine: Engine, out: IO[bytes]) -> Summary:
    """Write every table of the database to `out` as a backup zip."""
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": clock.utcnow().isoformat()}
    tables: dict[str, Any] = {}
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with _snapshot(engine) as snapshot:
            manifest["revision"] = _revision(snapshot.connection)
            for table in _tables():
                codecs = {column.name: _codec(column) for column in table.columns}
                digest = hashlib.sha256()
                count = 0
                with archive.open(f"tables/{table.name}.jsonl", "w") as member:
                    for row in snapshot.rows(table):
                        encoded = {
                            name: None if value is None else CODECS[codecs[name]][0](value)
                            for name, value in row.items()
                        }
                        line = json.dumps(encoded, ensure_ascii=False, sort_keys=True) + "\n"
                        data = line.encode()
                        digest.update(data)
                        member.write(data)
                        count += 1
                tables[table.name] = {
                    "rows": count,
                    "sha256": digest.hexdigest(),
                    "columns": codecs,
                }
                counts[table.name] = count
        manifest["tables"] = tables
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return Summary(manifest.get("revision"), counts)


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as error:
        raise BackupError(_("Not a Familyapp backup: it has no readable manifest.")) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("Not a Familyapp backup in format %(format)s.", format=FORMAT))
    return manifest


def _decoded(
    archive: zipfile.ZipFile, table: sa.Table, entry: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rows of one table, checked against the manifest and decoded to Python values."""
    try:
        data = archive.read(f"tables/{table.name}.jsonl")
    except KeyError as error:
        raise BackupError(
            _("%(table)s: its file is missing from the backup.", table=table.name)
        ) from error
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise BackupError(
            _("%(table)s: the data does not match its checksum (a damaged file).", table=table.name)
        )
    codecs = entry.get("columns") or {}
    known = {column.name for column in table.columns}
    if set(codecs) != known:
        raise BackupError(
            _("%(table)s: its columns differ from this version's schema.", table=table.name)
        )
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(io.TextIOWrapper(io.BytesIO(data), "utf-8"), start=1):
        try:
            raw = json.loads(line)
            rows.append(
                {
                    name: None if value is None else CODECS[codecs[name]][1](value)
                    for name, value in raw.items()
                }
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(
                _("%(table)s, line %(line)s: unreadable.", table=table.name, line=number)
            ) from error
    if len(rows) != entry.get("rows"):
        raise BackupError(
            _(
                "%(table)s: %(found)s rows where the manifest says %(expected)s.",
                table=table.name,
                found=len(rows),
                expected=entry.get("rows"),
            )
        )
    return rows


def revision_of(source: Path | IO[bytes]) -> str | None:
    """The schema revision a backup was made at."""
    try:
        with zipfile.ZipFile(source) as archive:
            return _manifest(archive).get("revision")
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(_("Not a readable zip file.")) from error


def restore(engine: Engine, source: Path | IO[bytes], *, replace: bool = False) -> Summary:
    """Load a backup into this database: all of it in one transaction, or nothing."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(_("Not a readable zip file.")) from error
    with archive:
        manifest = _manifest(archive)
        entries = manifest.get("tables") or {}
        missing = [table.name for table in _tables() if table.name not in entries]
        if missing:
            raise BackupError(_("The backup lacks tables: %(tables)s.", tables=", ".join(missing)))
        loaded = {table.name: _decoded(archive, table, entries[table.name]) for table in _tables()}
    with engine.begin() as connection:
        here = _revision(connection)
        if manifest.get("revision") != here:
            raise BackupError(
                _(
                    "The backup is of schema %(backup)s and this database is at %(here)s: "
                    "bring both to the same version first.",
                    backup=manifest.get("revision"),
                    here=here,
                )
            )
        occupied = [
            table.name
            for table in _tables()
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        ]
        if occupied and not replace:
            raise BackupError(
                _(
                    "The database is not empty (%(tables)s): restore into an empty database, "
                    "or pass --replace to delete what is there.",
                    tables=", ".join(occupied),
                )
            )
        try:
            for table in reversed(_tables()):  # children first: no reference left dangling
                connection.execute(table.delete())
            for table in _tables():
                rows = loaded[table.name]
                for start in range(0, len(rows), BATCH):
                    connection.execute(table.insert(), rows[start : start + BATCH])
            generation.changed(connection)
        except sa.exc.DBAPIError as error:  # the transaction is rolled back as this leaves
            raise BackupError(
                _(
                    "A row of %(table)s does not fit this database: %(why)s",
                    table=table.name,
                    why=str(error.orig).splitlines()[0],
                )
            ) from error
    return Summary(manifest.get("revision"), {name: len(rows) for name, rows in loaded.items()})
