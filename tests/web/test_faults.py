"""Faults: the database failing mid-request leaves nothing half-written, and the app recovers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from familyapp.core.db import Base, db
from tests.factories import Api, family_with_child

PLAN = {
    "summary": "Sam, 6: trach and G-tube; seizures stop with midazolam.",
    "medications": [{"name": "Levetiracetam", "dose_amount": "250", "dose_unit": "mg"}],
}


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def _kill(connection: Any) -> None:
    """End this connection's server process, as a PostgreSQL restart would."""
    pid = connection.connection.dbapi_connection.info.backend_pid
    assert db.engine is not None
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


@contextmanager
def failing_on(app: Flask, statement_start: str) -> Iterator[list[str]]:
    """The first statement starting with `statement_start` fails as if the server went away:
    on PostgreSQL its connection is really ended; on SQLite the driver error is raised."""
    engine = db.engine
    assert engine is not None
    fired: list[str] = []

    def before(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if fired or not statement.lstrip().upper().startswith(statement_start):
            return
        fired.append(statement)
        if engine.dialect.name == "postgresql":
            _kill(connection)  # the statement now runs on a dead connection
        else:
            import sqlite3

            raise sqlite3.OperationalError("disk I/O error")

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _put(api: Api, child_id: Any, etag: str) -> Any:
    headers = {"X-CSRFToken": api.csrf, "If-Match": etag}
    return api.client.put(f"/api/v1/children/{child_id}/plan", json=PLAN, headers=headers)


def test_a_write_cut_off_mid_transaction_leaves_no_partial_rows(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    before = _counts(app)
    # Saving the plan updates care_plans, then inserts the version: fail on the insert.
    with failing_on(app, "INSERT INTO CARE_PLAN_VERSIONS") as fired:
        response = _put(api, child.id, '"plan-0"')
    assert fired, "the plan save never inserted a version"
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert "nothing was saved" in response.get_json()["detail"]
    after = _counts(app)
    after.pop("server_sessions"), before.pop("server_sessions")  # sign-in state, not data
    assert after == before
    read = api.get(f"/api/v1/children/{child.id}/plan")
    assert read.status_code == 200 and read.headers["ETag"] == '"plan-0"'
    assert read.get_json()["document"]["medications"] == []
    # The next request, on a fresh connection, saves it.
    again = _put(api, child.id, '"plan-0"')
    assert again.status_code == 200 and again.headers["ETag"] == '"plan-1"'


def test_a_page_cut_off_says_try_again_in_the_readers_language(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    with failing_on(app, "SELECT") as fired:
        page = api.client.get(f"/children/{child.id}/plan", headers={"Accept-Language": "es"})
    assert fired
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Inténtelo de nuevo" in page.get_data(as_text=True)
    assert api.client.get(f"/children/{child.id}/plan").status_code == 200


def test_every_connection_dropped_between_requests_the_next_ones_succeed(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    assert api.get(f"/api/v1/children/{child.id}/plan").status_code == 200
    engine = db.engine
    assert engine is not None
    if engine.dialect.name == "postgresql":
        # A server restart: every backend of this database is ended under the pool's feet.
        admin = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
        with admin.connect() as other:
            ended = other.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        admin.dispose()
        assert ended >= 1
    else:
        engine.dispose()  # SQLite has no server; its connections are closed instead
    for _ in range(3):
        assert api.get(f"/api/v1/children/{child.id}/plan").status_code == 200
    assert _put(api, child.id, '"plan-0"').status_code == 200
