"""Push reminders through the API, the CLI and real peers: the web-push-testing emulator (it
checks the VAPID signature and decrypts) and a scripted local push service for the failures."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from familyapp import cli
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.push import reminders
from familyapp.push.models import PushSubscription, Reminder, ReminderDelivery
from tests.factories import Api, add_member, family_with_child
from tests.push_peers import LOCAL_HOSTS, emulated_messages, emulated_subscription, post_json


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Let the app POST to push services on this machine (the emulator and the stub)."""
    return {"push_service_hosts": LOCAL_HOSTS}


@dataclass
class Stub:
    """A push service on loopback that answers from a script and keeps what it was sent."""

    url: str
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)

    def endpoint(self, name: str) -> str:
        return f"{self.url}/push/{name}"


@pytest.fixture
def stub() -> Iterator[Stub]:
    """A scripted push service: each POST takes the next (status, headers); 201 when empty."""
    state = Stub("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(
                {"path": self.path, "headers": dict(self.headers.items()), "size": len(body)}
            )
            status, headers = state.script.pop(0) if state.script else (201, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _browser_keys() -> dict[str, str]:
    """Keys a browser would make for a subscription: a P-256 public point and a secret."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


@pytest.fixture
def family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    return fam, child


def signed_in(app, email: str) -> Api:
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def _count(app, model) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _subscribe(api: Api, endpoint: str) -> None:
    made = api.post("/api/v1/push/subscriptions", {"endpoint": endpoint, "keys": _browser_keys()})
    assert made.status_code == 201, made.get_json()


def _appointment(api: Api, child_id: Any, starts_in: timedelta, offsets: list[int], **extra):
    start = (clock.utcnow() + starts_in).replace(second=0, microsecond=0, tzinfo=None)
    body = {
        "title": "Neurology: seizure medicine review",
        "discipline": "neurology",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
        "timezone": "UTC",
        "reminder_offsets_minutes": offsets,
        **extra,
    }
    made = api.post(f"/api/v1/children/{child_id}/appointments", body)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def _cli(app, *args: str) -> Any:
    """`familyapp reminders ...` against the test app (the real command builds its own app)."""
    with app.app_context():
        try:
            return CliRunner().invoke(cli.reminders, list(args), catch_exceptions=False)
        finally:
            db.remove()


def _send(app) -> reminders.Outcome:
    with app.app_context():
        settings = app.extensions["familyapp.settings"]
        sender = reminders.sender_for(settings.instance_path, settings.vapid_subject)
        try:
            return reminders.send_due(sender)
        finally:
            sender.close()
            db.remove()


def test_contract_public_key_subscribe_list_unsubscribe(app, family, stub):
    api = signed_in(app, "g@example.org")
    key = api.get("/api/v1/push/public-key").get_json()["public_key"]
    assert len(base64.urlsafe_b64decode(key + "=")) == 65  # an uncompressed P-256 point
    body = {"endpoint": stub.endpoint("a"), "expirationTime": None, "keys": _browser_keys()}
    made = api.post("/api/v1/push/subscriptions", {**body, "label": "Chrome · Android"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["label"] == "Chrome · Android"
    # The same browser again takes over its row instead of adding a second device.
    assert api.post("/api/v1/push/subscriptions", body).status_code == 201
    listed = api.get("/api/v1/push/subscriptions").get_json()
    assert [d["service"] for d in listed] == ["127.0.0.1"]
    assert "endpoint" not in listed[0]
    assert (
        api.send("DELETE", "/api/v1/push/subscriptions", {"endpoint": body["endpoint"]}).status_code
        == 204
    )
    assert api.get("/api/v1/push/subscriptions").get_json() == []
    assert (
        api.send("DELETE", "/api/v1/push/subscriptions", {"endpoint": body["endpoint"]}).status_code
        == 404
    )
    assert app.test_client().get("/api/v1/push/public-key").status_code == 401


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"endpoint": "https://10.0.0.5/internal"}, "endpoint"),  # not a push service
        ({"endpoint": "http://localhost.evil.example/x"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": "x"}}, "keys"),
        ({"keys": None}, "keys"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_saved(app, family, stub, change, field_name):
    api = signed_in(app, "g@example.org")
    body = {"endpoint": stub.endpoint("a"), "keys": _browser_keys(), **change}
    response = api.post("/api/v1/push/subscriptions", body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field_name in response.get_json()["errors"]
    assert _count(app, PushSubscription) == 0


def test_a_device_is_turned_off_only_by_its_owner(app, family, stub):
    api = signed_in(app, "g@example.org")
    endpoint = stub.endpoint("mine")
    api.post("/api/v1/push/subscriptions", {"endpoint": endpoint, "keys": _browser_keys()})
    family_with_child(app, "other@example.org", "Ola")
    other = signed_in(app, "other@example.org")
    assert (
        other.send("DELETE", "/api/v1/push/subscriptions", {"endpoint": endpoint}).status_code
        == 404
    )
    assert _count(app, PushSubscription) == 1


def test_reminders_are_planned_once_for_the_people_who_care_for_the_child(app, family, stub):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    add_member(app, fam, "coordinator@example.org", "care_team")
    api = signed_in(app, "g@example.org")
    _subscribe(signed_in(app, "coordinator@example.org"), stub.endpoint("coordinator"))
    _appointment(api, child.id, timedelta(hours=2), [120, 1440 * 7])
    with app.app_context():
        # Nobody who cares for Sam day to day has a device yet: nothing is queued.
        assert reminders.plan_reminders() == 0
        db.remove()
    _subscribe(api, stub.endpoint("guardian"))
    _subscribe(signed_in(app, "nurse@example.org"), stub.endpoint("nurse"))
    with app.app_context():
        assert reminders.plan_reminders() == 2  # the 2-hour one, for guardian and nurse
        assert reminders.plan_reminders() == 0  # planning again adds nothing
        rows = db.session.scalars(select(Reminder)).all()
        assert {r.urgency for r in rows} == {"high"}
        assert all(0 < r.ttl_seconds <= 7200 for r in rows)
        db.remove()


def test_reminder_arrives_decrypted_in_the_readers_language(app, family, push_emulator):
    _, child = family
    api = signed_in(app, "g@example.org")
    with app.app_context():
        from familyapp.accounts.models import User

        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        assert guardian is not None
        guardian.locale, guardian.time_zone = "es", "America/Chicago"
        db.session.commit()
        db.remove()
    key = api.get("/api/v1/push/public-key").get_json()["public_key"]
    subscription = emulated_subscription(push_emulator, key)
    client_hash = subscription.pop("clientHash")
    made = api.post("/api/v1/push/subscriptions", subscription)
    assert made.status_code == 201, made.get_json()
    appointment = _appointment(api, child.id, timedelta(hours=2), [120])

    result = _cli(app, "send", "--once")
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    [message] = emulated_messages(push_emulator, client_hash)
    assert message["url"] == f"/appointments/{appointment['id']}"
    chicago = ZoneInfo("America/Chicago")
    start = datetime.fromisoformat(appointment["starts_at"]).replace(tzinfo=UTC)
    same_day = start.astimezone(chicago).date() == clock.utcnow().astimezone(chicago).date()
    assert message["body"].startswith("Cita hoy a las " if same_day else "Cita mañana a las ")
    assert "Familyapp" in message["body"]
    assert "seizure" not in json.dumps(message) and "Neurology" not in json.dumps(message)
    # Once only: running again delivers nothing new.
    again = _cli(app, "send", "--once")
    assert "sent 0" in again.output
    assert len(emulated_messages(push_emulator, client_hash)) == 1

    # The subscription expires at the push service: the app deletes it on the 410.
    post_json(f"{push_emulator}/expire-subscription/{client_hash}", {})
    tested = api.post("/api/v1/push/test")
    assert tested.status_code == 200
    assert tested.get_json() == {"sent": 0, "failed": 0, "gone": 1}
    assert _count(app, PushSubscription) == 0


def test_headers_ttl_urgency_topic_and_vapid(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("h"), "keys": _browser_keys()}
    )
    _appointment(api, child.id, timedelta(minutes=90), [90])
    assert _send(app).sent == 1
    [request] = stub.received
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["content-type"] == "application/octet-stream"
    assert 60 <= int(headers["ttl"]) <= 90 * 60
    assert headers["urgency"] == "high"
    assert (
        len(headers["topic"]) <= 32 and headers["topic"].replace("-", "").replace("_", "").isalnum()
    )
    assert headers["authorization"].startswith("vapid t=") and ", k=" in headers["authorization"]
    assert request["size"] < 4096


def test_429_waits_for_retry_after_then_delivers(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("r"), "keys": _browser_keys()}
    )
    _appointment(api, child.id, timedelta(minutes=90), [90])
    stub.script.append((429, {"Retry-After": "120"}))
    first = _send(app)
    assert (first.sent, first.retried) == (0, 1)
    assert _send(app).sent == 0  # not before Retry-After
    clock.travel(121)
    assert _send(app).sent == 1
    with app.app_context():
        assert db.session.scalar(select(Reminder.status)) == "sent"
        db.remove()
    assert len(stub.received) == 2


def test_5xx_backs_off_then_gives_up_and_records_it(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("s"), "keys": _browser_keys()}
    )
    _appointment(api, child.id, timedelta(hours=3), [180])
    stub.script.extend([(503, {})] * 10)
    waits = []
    for _ in range(10):
        _send(app)
        with app.app_context():
            row = db.session.scalar(select(Reminder))
            assert row is not None
            status, next_at = row.status, row.next_attempt_at
            db.remove()
        if status != "pending":
            break
        assert next_at is not None
        waits.append((next_at - clock.utcnow()).total_seconds())
        clock.travel(waits[-1] + 1)
    assert status == "failed"
    assert len(stub.received) == 5  # MAX_ATTEMPTS
    assert waits[2] > waits[0]  # backing off
    with app.app_context():
        delivery = db.session.scalar(select(ReminderDelivery))
        assert delivery is not None and (delivery.status, delivery.http_status) == ("failed", 503)
        db.remove()


def test_413_and_401_fail_at_once_and_401_is_logged_loudly(app, family, stub, caplog):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("x"), "keys": _browser_keys()}
    )
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("y"), "keys": _browser_keys()}
    )
    _appointment(api, child.id, timedelta(minutes=90), [90])
    stub.script.extend([(413, {}), (401, {})])
    result = _send(app)
    assert (result.sent, result.failed, result.retried) == (0, 2, 0)
    assert any(r.levelname == "ERROR" and "VAPID" in r.getMessage() for r in caplog.records)
    assert _send(app).failed == 0 and len(stub.received) == 2  # never retried


def test_quiet_hours_defer_to_their_end_and_drop_what_would_be_too_late(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("q"), "keys": _browser_keys()}
    )
    now = clock.utcnow()
    # Quiet from an hour ago for four hours, in the user's zone (UTC here).
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    page = api.client.get("/account/notifications")
    assert page.status_code == 200
    saved = api.client.post(
        "/account/notifications",
        data={
            "quiet_start": start.strftime("%H:%M"),
            "quiet_end": end.strftime("%H:%M"),
            "csrf_token": api.csrf,
        },
    )
    assert saved.status_code == 302
    _appointment(api, child.id, timedelta(hours=5), [300])  # due now, visit after quiet
    _appointment(api, child.id, timedelta(hours=2), [120])  # due now, visit inside quiet
    result = _send(app)
    assert (result.sent, result.deferred, result.dropped) == (0, 1, 1)
    assert stub.received == []
    clock.travel(3 * 3600 + 60)
    assert _send(app).sent == 1


def test_a_test_notification_is_sent_during_quiet_hours(app, family, stub):
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("t"), "keys": _browser_keys()}
    )
    now = clock.utcnow()
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    api.client.get("/account/notifications")
    saved = api.client.post(
        "/account/notifications",
        data={
            "quiet_start": start.strftime("%H:%M"),
            "quiet_end": end.strftime("%H:%M"),
            "csrf_token": api.csrf,
        },
    )
    assert saved.status_code == 302
    # The person asked for it now: it goes out now, quiet hours or not.
    tested = api.post("/api/v1/push/test")
    assert tested.get_json() == {"sent": 1, "failed": 0, "gone": 0}
    assert len(stub.received) == 1
    page = api.client.post("/account/notifications/test", data={"csrf_token": api.csrf})
    assert page.status_code == 302
    assert b"Test notification sent." in api.client.get("/account/notifications").data
    assert len(stub.received) == 2


def test_a_cancelled_date_sends_nothing(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("c"), "keys": _browser_keys()}
    )
    made = _appointment(api, child.id, timedelta(hours=2), [120], rrule="FREQ=WEEKLY")
    with app.app_context():
        reminders.plan_reminders()
        db.remove()
    start = made["starts_at"] + "+00:00"
    api.post(
        f"/api/v1/appointments/{made['id']}/exceptions",
        {"original_start": start, "cancelled": True},
    )
    result = _send(app)
    assert (result.sent, result.dropped) == (0, 1)
    assert stub.received == []


def test_two_workers_never_claim_the_same_reminder_and_a_dead_ones_are_taken_over(
    app, family, stub
):
    _, child = family
    api = signed_in(app, "g@example.org")
    _subscribe(api, stub.endpoint("w"))
    for i in range(6):
        _appointment(api, child.id, timedelta(minutes=60 + i), [60 + i])
    with app.app_context():
        now = clock.utcnow()
        reminders.plan_reminders(now)
        first = {r.id for r in reminders.claim_due(now, limit=4)}
        second = {r.id for r in reminders.claim_due(now, limit=4)}
        assert len(first) == 4 and len(second) == 2 and not first & second
        assert reminders.claim_due(now) == []
        # Nobody finished them: after the lease another worker takes them over.
        later = now + reminders.LEASE + timedelta(seconds=1)
        assert {r.id for r in reminders.claim_due(later, limit=10)} == first | second
        db.remove()


def test_a_crash_after_some_devices_does_not_repeat_them(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("one"), "keys": _browser_keys()}
    )
    api.post(
        "/api/v1/push/subscriptions", {"endpoint": stub.endpoint("two"), "keys": _browser_keys()}
    )
    _appointment(api, child.id, timedelta(minutes=90), [90])
    with app.app_context():
        now = clock.utcnow()
        reminders.plan_reminders(now)
        [claimed] = reminders.claim_due(now)
        one = db.session.scalar(
            select(PushSubscription).where(PushSubscription.endpoint == stub.endpoint("one"))
        )
        assert one is not None
        # The worker reached device one, then died before finishing the reminder.
        db.session.add(
            ReminderDelivery(reminder_id=claimed.id, subscription_id=one.id, status="sent")
        )
        db.session.commit()
        db.remove()
    clock.travel(reminders.LEASE.total_seconds() + 1)
    assert _send(app).sent == 1
    assert [r["path"] for r in stub.received] == ["/push/two"]


def test_settings_page_refuses_half_quiet_hours_and_lists_devices(app, family, stub):
    api = signed_in(app, "g@example.org")
    api.post(
        "/api/v1/push/subscriptions",
        {"endpoint": stub.endpoint("p"), "keys": _browser_keys(), "label": "Firefox · Linux"},
    )
    page = api.client.get("/account/notifications").get_data(as_text=True)
    assert "Firefox · Linux" in page and "home screen" in page
    refused = api.client.post(
        "/account/notifications", data={"quiet_start": "21:00", "csrf_token": api.csrf}
    )
    assert refused.status_code == 422
    assert "Give both the start and the end, or neither." in refused.get_data(as_text=True)
    spanish = api.client.post(
        "/account/notifications?lang=es", data={"quiet_end": "07:00", "csrf_token": api.csrf}
    )
    assert spanish.status_code == 422
    device = api.get("/api/v1/push/subscriptions").get_json()[0]
    off = api.client.post(
        f"/account/notifications/devices/{device['id']}/off", data={"csrf_token": api.csrf}
    )
    assert off.status_code == 302 and _count(app, PushSubscription) == 0


def test_quiet_hours_saved_are_the_ones_used(app, family):
    api = signed_in(app, "g@example.org")
    api.client.post(
        "/account/notifications",
        data={"quiet_start": "21:30", "quiet_end": "06:45", "csrf_token": api.csrf},
    )
    with app.app_context():
        from familyapp.accounts.models import User
        from familyapp.push import service

        user = db.session.scalar(select(User).where(User.email == "g@example.org"))
        assert user is not None
        prefs = service.preferences(user)
        assert (prefs.quiet_start, prefs.quiet_end) == (clock_time(21, 30), clock_time(6, 45))
        db.remove()


def test_demo_guardian_has_quiet_hours_on_her_settings_page(app):
    from familyapp.demo import DEMO_PASSWORD, GUARDIAN, create_demo

    with app.test_request_context("/"):
        create_demo()
        db.remove()
    api = Api(app.test_client())
    assert api.login(GUARDIAN, DEMO_PASSWORD).status_code == 200
    page = api.client.get("/account/notifications").get_data(as_text=True)
    assert 'value="21:30"' in page and 'value="06:30"' in page


def test_an_overdue_plan_review_reminds_the_guardians_weekly(app, family, stub):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    api = signed_in(app, "g@example.org")
    _subscribe(api, stub.endpoint("plan"))
    etag = api.get(f"/api/v1/children/{child.id}/plan").headers["ETag"]
    saved = api.client.put(
        f"/api/v1/children/{child.id}/plan",
        json={"summary": "Sam, 6: trach and G-tube."},
        headers={"X-CSRFToken": api.csrf, "If-Match": etag},
    )
    assert saved.status_code == 200, saved.get_json()
    assert api.post(f"/api/v1/children/{child.id}/plan/review").status_code == 200
    assert _send(app).sent == 0  # just reviewed: nothing is due
    clock.travel(190 * 86400)  # past the 6-month cycle
    assert _send(app).sent == 1
    assert _send(app).sent == 0  # once a week, not once a tick
    clock.travel(7 * 86400)
    assert _send(app).sent == 1
    with app.app_context():
        rows = db.session.scalars(select(Reminder).where(Reminder.kind == "plan_review")).all()
        assert len(rows) == 2  # the guardian only, never the nurse
        assert {r.url for r in rows} == {f"/children/{child.id}/plan"}
        db.remove()
    api = signed_in(app, "g@example.org")  # months later: a new session
    assert api.post(f"/api/v1/children/{child.id}/plan/review").status_code == 200
    clock.travel(7 * 86400)
    assert _send(app).sent == 0  # reviewed again: quiet for another cycle


def test_weekly_care_log_nudge_on_sunday_evening_for_those_who_log_care(app, family, stub):
    fam, _ = family
    add_member(app, fam, "viewer@example.org", "viewer")
    for email in ("g@example.org", "viewer@example.org"):
        api = signed_in(app, email)
        _subscribe(api, stub.endpoint(email.split("@")[0]))
        saved = api.client.post(
            "/account/notifications", data={"weekly_care_nudge": "true", "csrf_token": api.csrf}
        )
        assert saved.status_code == 302
    page = signed_in(app, "g@example.org").client.get("/account/notifications")
    assert 'name="weekly_care_nudge" value="true" checked' in page.get_data(as_text=True)
    now = clock.utcnow()  # the test users' zone is UTC
    sunday = now.date() + timedelta(days=6 - now.weekday())
    evening = datetime.combine(sunday, clock_time(18, 0), tzinfo=UTC)
    if evening <= now:
        evening += timedelta(days=7)
    clock.travel((evening - now).total_seconds() - 3600)
    assert _send(app).sent == 0  # an hour early
    clock.travel(3600 + 60)
    result = _send(app)
    assert result.sent == 1  # the guardian; the viewer logs no care
    assert [r["path"] for r in stub.received] == ["/push/g"]
    assert _send(app).sent == 0  # once a week
    with app.app_context():
        row = db.session.scalar(select(Reminder).where(Reminder.kind == "care_nudge"))
        assert row is not None and row.url == "/care"
        db.remove()


def test_threads_share_a_batch_and_each_reminder_goes_out_once(app, family, stub):
    _, child = family
    api = signed_in(app, "g@example.org")
    _subscribe(api, stub.endpoint("t1"))
    _subscribe(api, stub.endpoint("t2"))
    for i in range(7):
        _appointment(api, child.id, timedelta(minutes=60 + i), [60 + i])
    with app.app_context():
        settings = app.extensions["familyapp.settings"]
        sender = reminders.sender_for(settings.instance_path, settings.vapid_subject)
        try:
            result = reminders.send_due(sender, threads=3, batch=4)
        finally:
            sender.close()
            db.remove()
    assert result.sent == 14  # 7 reminders x 2 devices
    paths = sorted(r["path"] for r in stub.received)
    assert paths == ["/push/t1"] * 7 + ["/push/t2"] * 7
    with app.app_context():
        statuses = db.session.scalars(select(Reminder.status)).all()
        assert statuses == ["sent"] * 7
        db.remove()


def test_survey_invitation_arrives_then_stops_once_answered(app, family, push_emulator):
    """End to end: a campaign opens, the member's phone gets the invitation (decrypted by the
    emulator, in Spanish, naming no survey), and once answered the closing reminder is dropped."""
    from familyapp.accounts.models import User
    from familyapp.surveys import programs
    from familyapp.surveys import service as surveys
    from familyapp.surveys.api import CAMPAIGN_EXTENSION
    from familyapp.surveys.models import Campaign

    fam, _child = family
    api = signed_in(app, "g@example.org")
    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        assert guardian is not None
        guardian.locale = "es"
        program = programs.create_program("Lakeside")
        programs.enroll_family(program, fam.id)
        [nsch] = surveys.install_bundled()
        campaign = Campaign(
            program_id=program.id,
            questionnaire_id=nsch.id,
            title="Family impact check-in",
            target="program",
            opens_at=clock.utcnow() - timedelta(days=2),
            # Closes in 3 days: its closing reminder is planned now, due in a day.
            closes_at=clock.utcnow() + timedelta(days=3),
            anonymous=True,
        )
        db.session.add(campaign)
        db.session.commit()
        campaign_id = str(campaign.id)
        db.remove()
    key = api.get("/api/v1/push/public-key").get_json()["public_key"]
    subscription = emulated_subscription(push_emulator, key)
    client_hash = subscription.pop("clientHash")
    assert api.post("/api/v1/push/subscriptions", subscription).status_code == 201

    result = _cli(app, "send", "--once")
    assert "sent 1" in result.output, result.output
    [message] = emulated_messages(push_emulator, client_hash)
    assert "encuesta" in message["body"] and "Familyapp" in message["body"]
    assert message["url"] == f"/surveys/{campaign_id}"
    assert "impact" not in json.dumps(message) and "Lakeside" not in json.dumps(message)
    assert _count(app, Reminder) == 2  # the closing reminder waits

    answer = {
        "resourceType": "QuestionnaireResponse",
        "id": "5b0c6f3e-8a59-4a53-9d0e-1f1f0b7c9a11",
        "status": "completed",
        "extension": [{"url": CAMPAIGN_EXTENSION, "valueString": campaign_id}],
        "item": [
            {"linkId": "care.hours_home", "answer": [{"valueCoding": {"code": "lt1"}}]},
            {"linkId": "care.hours_coordinating", "answer": [{"valueCoding": {"code": "lt1"}}]},
            {"linkId": "work.left_job", "answer": [{"valueBoolean": False}]},
            {"linkId": "work.cut_hours", "answer": [{"valueBoolean": False}]},
            {"linkId": "work.avoided_change", "answer": [{"valueBoolean": False}]},
            {"linkId": "money.problems_paying", "answer": [{"valueBoolean": False}]},
        ],
    }
    assert api.post("/api/v1/questionnaire-responses", answer).status_code == 201
    clock.travel(26 * 3600)
    try:
        later = _cli(app, "send", "--once")
    finally:
        clock.reset()
    assert "sent 0" in later.output and "dropped 1" in later.output, later.output
    assert len(emulated_messages(push_emulator, client_hash)) == 1
