"""Backup and restore (`familyapp backup` / `familyapp restore`): every table, all or nothing."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

from familyapp import create_app
from familyapp.cli import main as cli_main
from familyapp.core.db import Base, db, make_engine
from familyapp.core.models import DataGeneration
from familyapp.demo import create_demo
from familyapp.system import backup
from tests.conftest import PG_URL, build_settings, make_pg_database
from tests.factories import Api

# Some tests here make their own PostgreSQL databases: they run in the PostgreSQL pass too.
pytestmark = pytest.mark.postgres


def _data_tables() -> list[sa.Table]:
    """Every table but the data generation (the running processes', raised by a restore)."""
    return [table for table in Base.metadata.sorted_tables if table.name != "data_generation"]


def _generation(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(DataGeneration.value)).scalar_one())


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order, as Python values."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in _data_tables():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(sa.select(table).order_by(*order)).all()
            found[table.name] = [tuple(row) for row in rows]
    return found


def _counts(engine: Engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in _contents(engine).items()}


@pytest.fixture
def demo(app: Flask, client: Any) -> Engine:
    """The demo family, and a signed-in session, in the test database."""
    with app.app_context():
        create_demo()
    assert Api(client).login("parent@example.org", "familyapp-demo").status_code == 200
    assert db.engine is not None
    return db.engine


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> Iterator[Engine]:
    """A second, empty SQLite database with the schema."""
    engine = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _backup(app: Flask, engine: Engine) -> bytes:
    out = io.BytesIO()
    with app.app_context():
        backup.backup(engine, out)
    return out.getvalue()


def test_backup_round_trips_every_table(app: Flask, demo: Engine, empty_sqlite: Engine) -> None:
    original = _contents(demo)
    data = _backup(app, demo)
    before = _generation(empty_sqlite)
    with app.app_context():
        summary = backup.restore(empty_sqlite, io.BytesIO(data))
    assert summary.tables == {name: len(rows) for name, rows in original.items()}
    assert _contents(empty_sqlite) == original
    # What the processes remember of the database before the restore is not served after it.
    assert _generation(empty_sqlite) == before + 1
    # The demo fills most tables, and every kind of column holds a value somewhere, so each
    # codec (dates, times, UUIDs, decimals, JSON...) is proven by the round trip.
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    filled = [name for name, rows in original.items() if rows]
    assert len(filled) >= 25, filled
    needed = {codec for entry in manifest["tables"].values() for codec in entry["columns"].values()}
    used = set()
    for table in _data_tables():
        codecs = manifest["tables"][table.name]["columns"]
        for index, column in enumerate(table.columns):
            if any(row[index] is not None for row in original[table.name]):
                used.add(codecs[column.name])
    assert needed - used <= {"bytes"}, needed - used  # no table holds binary data yet
    if PG_URL:  # the PostgreSQL run also moves the restored SQLite copy to a new PostgreSQL
        url, drop = make_pg_database("familyapp_bk")
        target = make_engine(url)
        try:
            Base.metadata.create_all(target)
            with app.app_context():
                backup.restore(target, io.BytesIO(_backup(app, empty_sqlite)))
            assert _contents(target) == original
        finally:
            target.dispose()
            drop()


def test_restore_refuses_a_database_that_is_not_empty(
    app: Flask, demo: Engine, empty_sqlite: Engine
) -> None:
    data = _backup(app, demo)
    with app.app_context():
        backup.restore(empty_sqlite, io.BytesIO(data))
        before = _contents(empty_sqlite)
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(empty_sqlite, io.BytesIO(data))
        assert _contents(empty_sqlite) == before
        # With replace, what is there is swapped for the backup, exactly.
        with empty_sqlite.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_events"))
        backup.restore(empty_sqlite, io.BytesIO(data), replace=True)
    assert _contents(empty_sqlite) == _contents(demo)


def _tampered(data: bytes, change: Any) -> bytes:
    """The backup with its files passed through `change(name, bytes) -> bytes`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def _with_rows(data: bytes, table: str, lines: list[bytes]) -> bytes:
    """The backup with a table's rows replaced and its manifest entry made to match."""
    import hashlib

    body = b"".join(lines)

    def change(name: str, content: bytes) -> bytes:
        if name == f"tables/{table}.jsonl":
            return body
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["tables"][table]["sha256"] = hashlib.sha256(body).hexdigest()
            manifest["tables"][table]["rows"] = len(lines)
            return json.dumps(manifest).encode()
        return content

    return _tampered(data, change)


@pytest.mark.parametrize(
    "damage",
    [
        "flipped byte",
        "no manifest",
        "missing table",
        "not a zip",
        "other format",
        "wrong schema",
        "bad value",
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    app: Flask, demo: Engine, empty_sqlite: Engine, damage: str
) -> None:
    data = _backup(app, demo)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))

    def manifest_with(**changes: Any) -> bytes:
        edited = {**manifest, **changes}
        return _tampered(
            data,
            lambda name, content: (
                json.dumps(edited).encode() if name == "manifest.json" else content
            ),
        )

    users = zipfile.ZipFile(io.BytesIO(data)).read("tables/users.jsonl").splitlines(True)
    broken = json.loads(users[0])
    broken["created_at"] = "last Tuesday"
    damaged = {
        "flipped byte": _tampered(
            data,
            lambda name, content: (
                content.replace(b"Maya", b"Mayo") if name == "tables/children.jsonl" else content
            ),
        ),
        "no manifest": _tampered(
            data, lambda name, content: b"" if name == "manifest.json" else content
        ),
        "missing table": manifest_with(
            tables={name: entry for name, entry in manifest["tables"].items() if name != "users"}
        ),
        "not a zip": b"PK\x03\x04 but nothing after",
        "other format": manifest_with(format="something-else/9"),
        "wrong schema": manifest_with(revision="0001_foundation"),
        "bad value": _with_rows(data, "users", [json.dumps(broken).encode() + b"\n", *users[1:]]),
    }[damage]
    with app.app_context(), pytest.raises(backup.BackupError):
        backup.restore(empty_sqlite, io.BytesIO(damaged))
    assert not any(_counts(empty_sqlite).values())


def test_restore_is_all_or_nothing(app: Flask, demo: Engine, empty_sqlite: Engine) -> None:
    data = _backup(app, demo)
    # The last filled table written holds a row that breaks a constraint (the same id twice):
    # the tables before it were already inserted in the transaction, and all is rolled back.
    archive = zipfile.ZipFile(io.BytesIO(data))
    last, lines = next(
        (table.name, found)
        for table in reversed(_data_tables())
        if (found := archive.read(f"tables/{table.name}.jsonl").splitlines(True))
    )
    with app.app_context(), pytest.raises(backup.BackupError, match=last):
        backup.restore(empty_sqlite, io.BytesIO(_with_rows(data, last, [*lines, lines[0]])))
    assert not any(_counts(empty_sqlite).values())


def test_the_commands_move_an_installation(tmp_path: Path) -> None:
    """`familyapp backup` on one server, `familyapp restore` into a new, empty one."""
    archive = tmp_path / "familyapp-backup.zip"
    (tmp_path / "old").mkdir()
    source = create_app(build_settings(tmp_path / "old", f"sqlite:///{tmp_path / 'old.db'}"))
    runner = source.test_cli_runner()
    assert runner.invoke(cli_main, ["db", "upgrade"]).exit_code == 0
    with source.app_context():
        create_demo()
    done = runner.invoke(cli_main, ["backup", str(archive)])
    assert done.exit_code == 0, done.output
    assert "Backup written" in done.output and archive.is_file()
    assert not archive.with_name(archive.name + ".partial").exists()
    assert db.engine is not None
    expected = _counts(db.engine)
    db.remove()

    (tmp_path / "new").mkdir()
    target = create_app(build_settings(tmp_path / "new", f"sqlite:///{tmp_path / 'new.db'}"))
    runner = target.test_cli_runner()
    done = runner.invoke(cli_main, ["restore", str(archive)])
    assert done.exit_code == 0, done.output
    assert db.engine is not None
    assert _counts(db.engine) == expected
    again = runner.invoke(cli_main, ["restore", str(archive)])
    assert again.exit_code != 0 and "Nothing was restored" in again.output
    assert _counts(db.engine) == expected
    db.remove()
    db.engine.dispose()
