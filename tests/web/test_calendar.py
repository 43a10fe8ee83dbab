"""The calendar through the API, the pages and the feed a phone subscribes to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import event, func, select, update

from familyapp.accounts.models import User
from familyapp.calendar.models import Appointment, AppointmentException, CalendarFeed
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login

CHI = "America/Chicago"
# Weekly therapy across the end of daylight-saving time in Chicago (1 November 2026).
THERAPY = {
    "title": "Physical therapy",
    "discipline": "pt",
    "provider": "Kim Nguyen, PT",
    "location": "Lakeside Pediatric Therapy",
    "starts_at": "2026-10-20T09:30:00",
    "ends_at": "2026-10-20T10:30:00",
    "timezone": CHI,
    "rrule": "FREQ=WEEKLY;BYDAY=TU",
    "reminder_offsets_minutes": [1440, 120],
    "notes": "Bring the stander straps.",
}
WINDOW = "from=2026-10-19T00:00:00Z&to=2026-11-12T00:00:00Z"


@pytest.fixture
def family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    return fam, child


def signed_in(app, email, password=None):
    api = Api(app.test_client())
    assert (api.login(email, password) if password else api.login(email)).status_code == 200
    return api


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_contract_create_list_read_update_delete(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    for key in ("title", "discipline", "provider", "location", "timezone", "rrule", "notes"):
        assert body[key] == THERAPY[key]
    assert body["starts_at"] == "2026-10-20T09:30:00"
    assert body["reminder_offsets_minutes"] == [120, 1440]

    listed = api.get(f"/api/v1/children/{child.id}/appointments?{WINDOW}").get_json()
    assert [a["title"] for a in listed] == ["Physical therapy"]
    starts = [o["starts_at"] for o in listed[0]["occurrences"]]
    # Same wall-clock time every week: 14:30 UTC in daylight time, 15:30 UTC after 1 November.
    assert starts == [
        "2026-10-20T14:30:00+00:00",
        "2026-10-27T14:30:00+00:00",
        "2026-11-03T15:30:00+00:00",
        "2026-11-10T15:30:00+00:00",
    ]

    path = f"/api/v1/appointments/{body['id']}"
    assert api.get(path).get_json()["title"] == "Physical therapy"
    changed = api.send("PUT", path, dict(THERAPY, title="PT (new clinic)", rrule=None))
    assert changed.status_code == 200 and changed.get_json()["rrule"] is None
    listed = api.get(f"/api/v1/children/{child.id}/appointments?{WINDOW}").get_json()
    assert len(listed[0]["occurrences"]) == 1
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2026-10-20T09:00:00"}, "ends_at"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"title": ""}, "title"),
        ({"discipline": "astrology"}, "discipline"),
        ({"reminder_offsets_minutes": ["soon"]}, "reminder_offsets_minutes"),
    ],
)
def test_bad_input_is_a_clear_422_and_nothing_is_saved(app, family, change, field):
    _, child = family
    api = signed_in(app, "g@example.org")
    response = api.post(f"/api/v1/children/{child.id}/appointments", dict(THERAPY, **change))
    assert response.status_code == 422
    assert response.content_type.startswith("application/problem+json")
    assert field in response.get_json()["errors"]
    assert _count(app, Appointment) == 0


def test_bad_update_changes_nothing(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY).get_json()
    path = f"/api/v1/appointments/{made['id']}"
    bad = api.send("PUT", path, dict(THERAPY, title="Changed", ends_at="2026-10-19T10:00:00"))
    assert bad.status_code == 422
    assert api.get(path).get_json()["title"] == "Physical therapy"


def test_errors_in_spanish(app, family):
    _, child = family
    with app.app_context():
        db.session.execute(update(User).where(User.email == "g@example.org").values(locale="es"))
        db.session.commit()
    api = signed_in(app, "g@example.org")
    response = api.post(
        f"/api/v1/children/{child.id}/appointments", dict(THERAPY, ends_at="2026-10-20T09:00:00")
    )
    assert response.status_code == 422
    assert "fin" in " ".join(response.get_json()["errors"]["ends_at"]).lower()


def test_one_occurrence_cancelled_and_one_moved(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY).get_json()
    exceptions = f"/api/v1/appointments/{made['id']}/exceptions"
    cancel = api.post(
        exceptions, {"original_start": "2026-10-27T14:30:00+00:00", "cancelled": True}
    )
    assert cancel.status_code == 200
    move = api.post(
        exceptions,
        {
            "original_start": "2026-11-03T15:30:00+00:00",
            "starts_at": "2026-11-04T16:00:00",
            "ends_at": "2026-11-04T17:00:00",
        },
    )
    assert move.status_code == 200
    wrong = api.post(exceptions, {"original_start": "2026-11-04T15:30:00+00:00", "cancelled": True})
    assert wrong.status_code == 422 and "original_start" in wrong.get_json()["errors"]
    occurrences = api.get(f"/api/v1/children/{child.id}/appointments?{WINDOW}").get_json()[0][
        "occurrences"
    ]
    assert [(o["starts_at"], o["moved"]) for o in occurrences] == [
        ("2026-10-20T14:30:00+00:00", False),
        ("2026-11-04T22:00:00+00:00", True),
        ("2026-11-10T15:30:00+00:00", False),
    ]
    assert _count(app, AppointmentException) == 2


def test_window_must_be_sane(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    for query in (
        "from=yesterday",
        "from=2026-01-01&to=2025-01-01",
        "from=2020-01-01&to=2026-01-01",
    ):
        response = api.get(f"/api/v1/children/{child.id}/appointments?{query}")
        assert response.status_code == 422, query


def test_other_family_gets_404_and_caregiver_reads_audited_but_cannot_write(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY).get_json()
    family_with_child(app, "other@example.org", "Ola")
    other = signed_in(app, "other@example.org")
    path = f"/api/v1/appointments/{made['id']}"
    assert other.get(path).status_code == 404
    assert other.send("PUT", path, THERAPY).status_code == 404
    assert other.delete(path).status_code == 404
    assert other.get(f"/api/v1/children/{child.id}/appointments").status_code == 404
    assert other.get("/calendar").status_code == 200
    assert made["id"] not in other.get("/calendar?start=2026-10-20").get_data(as_text=True)
    assert made["id"] in api.get("/calendar?start=2026-10-20").get_data(as_text=True)

    add_member(app, fam, "nurse@example.org", "caregiver")
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(path).status_code == 200
    assert nurse.post(f"/api/v1/children/{child.id}/appointments", THERAPY).status_code == 403
    assert nurse.delete(path).status_code == 403
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "phi.read", AuditEvent.child_id == child.id
            )
        ).all()
    assert reads, "a caregiver's read of the calendar is audited"
    assert _count(app, Appointment) == 1


def _feed(api) -> str:
    made = api.post("/api/v1/calendar-feeds", {"label": "Ana's phone"})
    assert made.status_code == 201
    url = made.get_json()["url"]
    assert url.endswith(".ics")
    return "/" + url.split("/", 3)[3]


def test_feed_parses_with_two_libraries_and_matches_across_dst(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY).get_json()
    api.post(
        f"/api/v1/appointments/{made['id']}/exceptions",
        {"original_start": "2026-10-27T14:30:00+00:00", "cancelled": True},
    )
    path = _feed(api)
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    calendar = icalendar.Calendar.from_ical(response.data)
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == [CHI]
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Sam: Physical therapy"
    assert "stander" not in response.get_data(as_text=True)  # notes stay in the app

    # recurring-ical-events is an independent expansion of RRULE, EXDATE and VTIMEZONE.
    expanded = recurring_ical_events.of(calendar).between(
        datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
    )
    theirs = sorted(e["DTSTART"].dt.astimezone(UTC).isoformat() for e in expanded)
    ours = [
        o["starts_at"]
        for o in api.get(f"/api/v1/children/{child.id}/appointments?{WINDOW}").get_json()[0][
            "occurrences"
        ]
    ]
    assert (
        theirs
        == ours
        == [
            "2026-10-20T14:30:00+00:00",
            "2026-11-03T15:30:00+00:00",
            "2026-11-10T15:30:00+00:00",
        ]
    )


def test_feed_carries_a_year_of_history_and_every_running_series(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    now = clock.utcnow().replace(tzinfo=None, microsecond=0)

    def add(title, start, rrule=None):
        body = dict(THERAPY, title=title, starts_at=start.isoformat(), rrule=rrule)
        body["ends_at"] = (start + timedelta(hours=1)).isoformat()
        assert api.post(f"/api/v1/children/{child.id}/appointments", body).status_code == 201

    add("Old visit", now - timedelta(days=800))
    add("Recent visit", now - timedelta(days=90))
    add("Long-running therapy", now - timedelta(days=1100), "FREQ=WEEKLY")
    add("Ended therapy", now - timedelta(days=1100), "FREQ=WEEKLY;COUNT=10")
    calendar = icalendar.Calendar.from_ical(app.test_client().get(_feed(api)).data)
    titles = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert titles == ["Sam: Long-running therapy", "Sam: Recent visit"]


def test_feed_revoked_and_recreated(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(f"/api/v1/children/{child.id}/appointments", THERAPY)
    path = _feed(api)
    with app.app_context():
        feed_id = db.session.scalar(select(CalendarFeed.id))
    family_with_child(app, "other@example.org", "Ola")
    other = signed_in(app, "other@example.org")
    assert other.delete(f"/api/v1/calendar-feeds/{feed_id}").status_code == 404
    assert app.test_client().get(path).status_code == 200
    assert api.delete(f"/api/v1/calendar-feeds/{feed_id}").status_code == 204
    assert app.test_client().get(path).status_code == 404
    again = _feed(api)
    assert again != path and app.test_client().get(again).status_code == 200
    assert app.test_client().get("/calendar/feed/not-a-token.ics").status_code == 404


def _invitation(uid: str, summary: str, status: str = "CONFIRMED") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Clinic//EN\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T120000Z\r\n"
        "DTSTART;TZID=America/Chicago:20261201T103000\r\n"
        "DTEND;TZID=America/Chicago:20261201T111500\r\n"
        f"SUMMARY:{summary}\r\nLOCATION:Neurology Clinic\r\nSTATUS:{status}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_import_recognises_the_same_invitation_by_uid(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    path = f"/api/v1/children/{child.id}/appointments/import"

    def send(data: bytes):
        return api.client.post(
            path, data=data, content_type="text/calendar", headers={"X-CSRFToken": api.csrf}
        )

    first = send(_invitation("neuro-1@clinic", "Neurology follow-up"))
    assert first.status_code == 200 and first.get_json()["created"] == 1
    again = send(_invitation("neuro-1@clinic", "Neurology follow-up (room 3)"))
    assert again.get_json() == {"created": 0, "updated": 1, "removed": 0, "skipped": 0}
    assert _count(app, Appointment) == 1
    listed = api.get(
        f"/api/v1/children/{child.id}/appointments?from=2026-11-30T00:00:00Z&to=2026-12-03T00:00:00Z"
    ).get_json()
    assert listed[0]["title"] == "Neurology follow-up (room 3)"
    assert listed[0]["occurrences"][0]["starts_at"] == "2026-12-01T16:30:00+00:00"
    cancelled = send(_invitation("neuro-1@clinic", "Neurology follow-up", "CANCELLED"))
    assert cancelled.get_json()["removed"] == 1
    assert _count(app, Appointment) == 0
    bad = send(b"BEGIN:VCALENDAR\r\nthis is not a calendar")
    assert bad.status_code == 422 and "file" in bad.get_json()["errors"]
    assert _count(app, Appointment) == 0


def _page_post(client, path, data):
    token = csrf_from(client, path)
    return client.post(path, data={**data, "csrf_token": token})


def test_pages_add_edit_cancel_and_views(app, family):
    _, child = family
    client = app.test_client()
    assert form_login(client, "g@example.org").status_code == 302
    new = f"/children/{child.id}/appointments/new"
    form = {
        "title": "Neurology follow-up",
        "discipline": "neurology",
        "provider": "Dr. Patel",
        "location": "Clinic B",
        "starts_at": "2026-12-01T10:30",
        "ends_at": "2026-12-01T10:00",
        "timezone": CHI,
        "repeat": "none",
        "reminder_offsets_minutes": ["1440", "120"],
        "bring": "Seizure log",
    }
    bad = _page_post(client, new, form)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "The end must be after the start." in html and 'value="Neurology follow-up"' in html
    assert _count(app, Appointment) == 0
    bad_rule = _page_post(
        client, new, dict(form, ends_at="2026-12-01T11:15", repeat="custom", rrule="FREQ=NEVER")
    )
    assert bad_rule.status_code == 422 and "repeat rule is not valid" in bad_rule.get_data(
        as_text=True
    )
    assert _count(app, Appointment) == 0

    saved = _page_post(
        client,
        new,
        dict(form, ends_at="2026-12-01T11:15", repeat="monthly", repeat_until="2027-03-31"),
    )
    assert saved.status_code == 302
    with app.app_context():
        appointment = db.session.scalars(select(Appointment)).one()
        assert appointment.rrule == "FREQ=MONTHLY;UNTIL=20270331"
        assert appointment.reminder_offsets_minutes == [120, 1440]
        appointment_id = appointment.id
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Seizure log" in shown and "Every month" in shown

    agenda = client.get("/calendar?start=2026-11-28").get_data(as_text=True)
    assert "Neurology follow-up" in agenda
    assert "Neurology follow-up" not in client.get(
        "/calendar?start=2026-11-28&discipline=pt"
    ).get_data(as_text=True)
    week = client.get("/calendar?view=week&start=2026-12-02").get_data(as_text=True)
    assert "Neurology follow-up" in week
    month = client.get("/calendar?view=month&start=2027-01-15")
    assert month.status_code == 200 and "Neurology follow-up" in month.get_data(as_text=True)

    edit = f"/appointments/{appointment_id}/edit"
    assert (
        _page_post(client, edit, dict(form, ends_at="2026-12-01T11:15", title="Neuro")).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).rrule is None

    occurrence = _page_post(
        client,
        f"/appointments/{appointment_id}",
        {},
    )
    assert occurrence.status_code == 405  # the page itself takes no writes
    cancel = client.post(
        f"/appointments/{appointment_id}/delete",
        data={"csrf_token": csrf_from(client, f"/appointments/{appointment_id}/edit")},
    )
    assert cancel.status_code == 302
    assert _count(app, Appointment) == 0


def test_page_cancels_one_date_of_a_series(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    today = date.today()
    start = datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(hour=9)
    made = api.post(
        f"/api/v1/children/{child.id}/appointments",
        dict(
            THERAPY,
            timezone="UTC",
            starts_at=start.isoformat(),
            ends_at=(start + timedelta(hours=1)).isoformat(),
            rrule="FREQ=WEEKLY",
        ),
    ).get_json()
    client = api.client
    page = client.get(f"/appointments/{made['id']}").get_data(as_text=True)
    originals = re.findall(r'name="original_start" value="([^"]+)"', page)
    assert len(originals) >= 3
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = client.post(
        f"/appointments/{made['id']}/occurrence",
        data={"csrf_token": token, "original_start": originals[1], "action": "cancel"},
    )
    assert done.status_code == 302
    after = client.get(f"/appointments/{made['id']}").get_data(as_text=True)
    assert originals[1] not in re.findall(r'name="original_start" value="([^"]+)"', after)
    assert originals[0] in after


def test_page_import_and_feed_pages(app, family):
    _, child = family
    client = app.test_client()
    form_login(client, "g@example.org")
    path = f"/children/{child.id}/appointments/import"
    token = csrf_from(client, path)
    from io import BytesIO

    empty = client.post(path, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422
    done = client.post(
        path,
        data={
            "csrf_token": token,
            "file": (BytesIO(_invitation("x@clinic", "GI clinic")), "i.ics"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert _count(app, Appointment) == 1
    made = _page_post(client, "/calendar/feeds", {"label": "iPad"})
    html = made.get_data(as_text=True)
    url = re.search(r'id="made-url"[^>]*value="([^"]+)"', html).group(1)
    assert "webcal://" in html
    feed = app.test_client().get("/" + url.split("/", 3)[3])
    assert feed.status_code == 200 and b"GI clinic" in feed.data


def test_home_shows_today_and_this_week(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    soon = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(minutes=5)
    tomorrow = soon + timedelta(days=2)
    for title, when in (("Home nurse weight check", soon), ("IEP meeting", tomorrow)):
        api.post(
            f"/api/v1/children/{child.id}/appointments",
            dict(
                THERAPY,
                title=title,
                rrule=None,
                timezone="UTC",
                starts_at=when.replace(tzinfo=None).isoformat(),
                ends_at=(when + timedelta(minutes=30)).replace(tzinfo=None).isoformat(),
            ),
        )
    html = api.get("/").get_data(as_text=True)
    today_part, week_part = html.split('id="week-heading"', 1)
    if soon.date() == datetime.now(UTC).date():
        assert "Home nurse weight check" in today_part
    assert "IEP meeting" in week_part


def test_demo_family_has_a_calendar(app):
    from familyapp.demo import DEMO_PASSWORD, create_demo

    with app.test_request_context("/"):
        create_demo()
    api = signed_in(app, "parent@example.org", DEMO_PASSWORD)
    html = api.get("/calendar").get_data(as_text=True)
    for title in ("Physical therapy", "Neurology follow-up", "Monthly trach change"):
        assert title in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AppointmentException)) == 2
    nurse = signed_in(app, "nurse@example.org", DEMO_PASSWORD)
    assert "Neurology follow-up" in nurse.get("/calendar").get_data(as_text=True)


def test_feed_follows_the_owners_current_access(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    api.post(f"/api/v1/children/{child.id}/appointments", THERAPY)
    add_member(
        app, fam, "nurse@example.org", "caregiver", access_until=date.today() + timedelta(days=30)
    )
    nurse = signed_in(app, "nurse@example.org")
    path = _feed(nurse)
    assert b"Sam: Physical therapy" in app.test_client().get(path).data
    with app.app_context():
        reads = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "phi.read", AuditEvent.target.like("GET /calendar/feed/%"))
        )
    assert reads == 1
    clock.travel(60 * 86400)  # the nurse's access ended a month ago
    served = app.test_client().get(path)
    assert served.status_code == 200 and b"VEVENT" not in served.data


def test_agenda_query_count_does_not_grow_with_the_calendar(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(days=1)

    def add(n: int) -> None:
        for i in range(n):
            when = start + timedelta(hours=3 * i)
            made = api.post(
                f"/api/v1/children/{child.id}/appointments",
                dict(
                    THERAPY,
                    title=f"Visit {i}",
                    timezone="UTC",
                    starts_at=when.isoformat(),
                    ends_at=(when + timedelta(hours=1)).isoformat(),
                    rrule="FREQ=WEEKLY" if i % 2 else None,
                ),
            ).get_json()
            if i % 2:
                api.post(
                    f"/api/v1/appointments/{made['id']}/exceptions",
                    {"original_start": when.replace(tzinfo=UTC).isoformat(), "cancelled": True},
                )

    def count(path: str) -> int:
        statements: list[str] = []

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert api.client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    add(1)
    small = {path: count(path) for path in ("/calendar", "/calendar?view=month", "/")}
    add(30)
    large = {path: count(path) for path in small}
    assert large == small
    assert max(large.values()) <= 12


def test_a_date_moved_far_away_shows_where_it_went_and_not_where_it_was(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/appointments", THERAPY).get_json()
    # The 20 October session moves to 5 January (a winter-break catch-up).
    moved = api.post(
        f"/api/v1/appointments/{made['id']}/exceptions",
        {
            "original_start": "2026-10-20T14:30:00+00:00",
            "starts_at": "2027-01-05T13:00:00",
            "ends_at": "2027-01-05T14:00:00",
        },
    )
    assert moved.status_code == 200, moved.get_json()

    def starts(window: str) -> list[str]:
        listed = api.get(f"/api/v1/children/{child.id}/appointments?{window}").get_json()
        return [o["starts_at"] for a in listed for o in a["occurrences"]]

    october = starts("from=2026-10-19T00:00:00Z&to=2026-10-26T00:00:00Z")
    assert october == []
    january = starts("from=2027-01-05T00:00:00Z&to=2027-01-06T00:00:00Z")
    assert january == ["2027-01-05T15:30:00+00:00", "2027-01-05T19:00:00+00:00"]  # 13:00 CST
