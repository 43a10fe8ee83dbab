"""Fixtures shared by every layer: an app on SQLite or PostgreSQL, clients, factories.

FAMILYAPP_TEST_DATABASE_URL=postgresql://... runs the suite on PostgreSQL: a fresh database is
created on that server for the run and dropped afterwards. Without it, each test gets its own
SQLite file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from familyapp import create_app, import_models
from familyapp.core import clock, mail
from familyapp.core.db import Base, db
from familyapp.settings import Settings

PG_URL = os.environ.get("FAMILYAPP_TEST_DATABASE_URL", "")


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the tests that never reach a database server (pure
    functions: valuation, recurrence, parsers): the SQLite pass ran them, and a second run
    could only repeat its answer. Each test that uses an app (pg_database) or opens its own
    PostgreSQL databases (the postgres marker) runs on both."""
    if not PG_URL:
        return
    keep: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        uses_server = "pg_database" in getattr(item, "fixturenames", ()) or bool(
            item.get_closest_marker("postgres")
        )
        (keep if uses_server else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A throwaway PostgreSQL database for this run (None when running on SQLite)."""
    if not PG_URL:
        yield None
        return
    server = _driver_url(PG_URL)
    name = f"familyapp_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    import_models()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    db.remove()
    if db.engine is not None:
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_pg_database(prefix: str = "familyapp_m") -> tuple[str, Any]:
    """Create an empty PostgreSQL database; returns its URL and a function that drops it."""
    server = _driver_url(PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.rsplit("/", 1)[0] + "/" + name, drop


def _truncate_all() -> None:
    """Empty every table the last test wrote to. Asking which tables hold rows (one query) and
    deleting from those, children first, takes a few milliseconds where a TRUNCATE of all forty
    tables took a tenth of a second, for each of 800 tests."""
    assert db.engine is not None
    # Not the data generation: its one row is the database's, as a migration made it.
    tables = [
        table.name
        for table in reversed(Base.metadata.sorted_tables)
        if table.name != "data_generation"
    ]
    probe = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    with db.engine.begin() as conn:
        filled = {row[0] for row in conn.execute(text(probe))}
        if len(filled) > 12:  # a whole demo family: one TRUNCATE beats many large DELETEs
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
            return
        for name in tables:
            if name in filled:
                conn.execute(text(f'DELETE FROM "{name}"'))


def build_settings(tmp_path: Path, database_url: str, **changes: Any) -> Settings:
    """Settings for a test app in its own instance folder."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    base = Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        testing=True,
    )
    return base.with_changes(**changes)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Tests override this to change settings (timeouts, limits)."""
    return {}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every table and no rows, made once: each test gets a copy (a copy
    takes a millisecond, creating the tables a tenth of a second, for every one of 800 tests)."""
    import_models()
    path = tmp_path_factory.mktemp("template") / "empty.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def app(
    tmp_path: Path,
    pg_database: str | None,
    settings_overrides: dict[str, Any],
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """A configured app with empty tables."""
    if not pg_database:
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    url = pg_database or f"sqlite:///{tmp_path / 'test.db'}"
    application = create_app(build_settings(tmp_path, url, **settings_overrides))
    if pg_database:
        _truncate_all()
    mail.OUTBOX.clear()
    yield application
    db.remove()
    clock.reset()
    if not pg_database and db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for calling services directly."""
    with app.test_request_context("/"):
        yield
        db.remove()


@pytest.fixture(scope="session")
def push_emulator() -> Iterator[str]:
    """The web-push-testing push-service emulator, started once for the session."""
    from tests.push_peers import run_emulator

    yield from run_emulator()
