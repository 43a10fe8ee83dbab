"""The data generation (core/generation.py): every committed write raises it once, reads raise
nothing, and what a process remembers under it is never served after a change, whichever
process (here: a second app on the same database) made the change."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text, update

from familyapp import create_app
from familyapp.accounts.models import User
from familyapp.core import audit, clock, generation, ratelimit, sessions
from familyapp.core.db import db
from familyapp.core.models import DataGeneration, ServerSession
from familyapp.families import service as families
from familyapp.families.models import Membership
from tests.conftest import build_settings
from tests.factories import add_member, family_with_child, form_login

pytestmark = pytest.mark.postgres


def _value() -> int:
    with db.engine.connect() as connection:  # type: ignore[union-attr]
        return int(connection.execute(select(DataGeneration.value)).scalar_one())


def _guardian() -> User:
    """The test family's guardian, in the current session."""
    found = db.session.scalar(select(User).where(User.email == "g@example.org"))
    assert found is not None
    return found


def _rename(email: str, name: str) -> None:
    db.session.execute(update(User).where(User.email == email).values(name=name))


def test_each_committed_write_raises_it_once_and_reads_raise_nothing(app: Flask) -> None:
    family_with_child(app, "g@example.org", "Sam")
    with app.test_request_context("/"):
        start = _value()
        person = _guardian()
        person.name = "Renamed"  # an ORM flush
        _rename("g@example.org", "Again")  # a Core statement in the same transaction
        db.session.commit()
        assert _value() == start + 1  # once per transaction, not per statement
        db.session.connection().execute(text("UPDATE users SET locale = 'es'"))  # text SQL
        db.session.commit()
        assert _value() == start + 2
        _rename("g@example.org", "Undone")
        db.session.rollback()
        db.session.scalars(select(User)).all()
        db.session.commit()
        assert _value() == start + 2  # a rolled-back write and a read raise nothing
        # Written on reads, and nothing remembered is made of them:
        audit.record_now("phi.read", actor_id=person.id)
        ratelimit.hit("sign-in:127.0.0.1")
        db.session.commit()
        assert _value() == start + 2


def test_a_request_uses_nothing_remembered_once_it_has_written(app: Flask) -> None:
    family_with_child(app, "g@example.org", "Sam")
    loads: list[str] = []

    def load(value: str) -> Any:
        loads.append(value)
        return value

    with app.test_request_context("/"):
        seen = generation.current()
        assert seen is not None
        assert generation.remember("test", 1, lambda: load("first")) == "first"
        assert generation.remember("test", 1, lambda: load("again")) == "first"
        _rename("g@example.org", "Renamed")
        assert generation.current() is None  # written, not committed: its own rows are newer
        assert generation.remember("test", 1, lambda: load("mine")) == "mine"
        db.session.commit()
        assert generation.current() == seen + 1  # read again after its own commit
        assert generation.remember("test", 1, lambda: load("after")) == "after"
    assert loads == ["first", "mine", "after"]


def test_nothing_is_kept_from_a_load_that_wrote(app: Flask) -> None:
    family_with_child(app, "g@example.org", "Sam")

    def writing_load() -> str:
        _rename("g@example.org", "Renamed")
        return "made while writing"

    with app.test_request_context("/"):
        assert generation.remember("test", 2, writing_load) == "made while writing"
        db.session.rollback()
        assert generation.remember("test", 2, lambda: "read afresh") == "read afresh"


@pytest.fixture
def other_worker(app: Flask, tmp_path: Any) -> Flask:
    """A second app on the same database: another gunicorn worker, with its own memory."""
    assert db.engine is not None
    url = db.engine.url.render_as_string(hide_password=False)
    (tmp_path / "second").mkdir()
    return create_app(build_settings(tmp_path / "second", url))


def _remembered_plan(worker: Flask, email: str, child_id: Any) -> Any:
    client = worker.test_client()
    assert form_login(client, email).status_code == 302
    path = f"/children/{child_id}/plan"
    client.get(path)  # the sign-in message is shown (and so not cached)
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200  # now from this worker's memory
    return client


def test_signing_out_in_one_worker_ends_the_session_in_the_other(
    app: Flask, other_worker: Flask
) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    path = f"/children/{child.id}/plan"
    client = _remembered_plan(other_worker, "g@example.org", child.id)
    hits = generation.memo_of(other_worker).hits
    assert client.get(path).status_code == 200
    assert generation.memo_of(other_worker).hits > hits  # served from what it remembered
    # Signed out everywhere, by the first worker (a password change does this).
    with app.test_request_context("/"):
        person = _guardian()
        assert sessions.end_user_sessions(person.id) == 1
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_membership_ended_in_one_worker_is_refused_in_the_other_at_once(
    app: Flask, other_worker: Flask
) -> None:
    _, family, child = family_with_child(app, "g@example.org", "Sam")
    nurse = add_member(app, family, "nurse@example.org", "caregiver")
    path = f"/children/{child.id}/plan"
    client = _remembered_plan(other_worker, "nurse@example.org", child.id)
    with app.test_request_context("/"):
        guardian = _guardian()
        membership = db.session.scalar(select(Membership).where(Membership.user_id == nurse.id))
        assert guardian is not None and membership is not None
        families.remove_membership(guardian, families.get_family(family.id), membership.id)
        db.session.commit()
    assert client.get(path).status_code == 404


def test_a_change_made_in_one_worker_shows_in_the_other_at_once(
    app: Flask, other_worker: Flask
) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _remembered_plan(other_worker, "g@example.org", child.id)
    with app.test_request_context("/"):
        families.update_child(
            _guardian(),
            families.get_child(child.id),
            {"display_name": "Samuel"},
        )
        db.session.commit()
    assert "Samuel" in client.get(f"/children/{child.id}/plan").get_data(as_text=True)


def test_a_remembered_session_still_times_out_and_keeps_its_idle_clock(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _remembered_plan(app, "g@example.org", child.id)
    path = f"/children/{child.id}/plan"

    def last_seen() -> Any:
        with app.app_context():
            return db.session.scalar(select(ServerSession.last_seen_at))

    before = last_seen()
    clock.travel(61)  # the idle clock is refreshed at most once a minute, memory or not
    assert client.get(path).status_code == 200
    assert last_seen() > before
    clock.travel(app.session_interface.idle.total_seconds() + 1)  # type: ignore[attr-defined]
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_kept_alive_in_one_worker_is_not_timed_out_by_the_others_memory(
    app: Flask, other_worker: Flask
) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    path = f"/children/{child.id}/plan"
    client = _remembered_plan(other_worker, "g@example.org", child.id)
    first = app.test_client()
    cookie = client.get_cookie("familyapp_session")
    assert cookie is not None
    first.set_cookie("familyapp_session", cookie.value)
    idle = app.session_interface.idle.total_seconds()  # type: ignore[attr-defined]
    for _ in range(3):  # the person goes on in the first worker, past one idle timeout in all
        clock.travel(idle / 2)
        assert first.get(path).status_code == 200
    assert client.get(path).status_code == 200  # the second worker reads the clock afresh


def test_a_database_gone_at_the_generation_read_answers_503(app: Flask, monkeypatch: Any) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    client = _remembered_plan(app, "g@example.org", child.id)
    assert db.engine is not None
    engine = db.engine
    refused = engine.dialect.loaded_dbapi.OperationalError

    def gone(_raw: Any) -> Any:
        raise refused("server closed the connection unexpectedly")

    monkeypatch.setattr(generation, "_fetch", gone)  # the server went away at this read
    page = client.get(f"/children/{child.id}/plan", headers={"Accept-Language": "es"})
    assert page.status_code == 503
    monkeypatch.undo()
    assert client.get(f"/children/{child.id}/plan").status_code == 200
