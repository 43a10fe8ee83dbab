"""The care log through the API and the pages: the contract, exactly-once logging, bad input
refused with nothing saved, who may do what, the report's figures, CSV, PDF, timer, program."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import event, func, select, update

from familyapp.accounts.models import User
from familyapp.carelog import household as carelog_household
from familyapp.carelog import service as carelog
from familyapp.carelog.models import CareEntry, CareEntryRevision, CareTimer
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from familyapp.families import service as families
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login


@pytest.fixture
def family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    return fam, child


def signed_in(app, email):
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def _count(app, model=CareEntry) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0).isoformat()


def entry(**changes):
    body = {"activity": "suctioning", "started_at": _ago(hours=3), "minutes": 15, "note": "night"}
    body.update(changes)
    return body


def test_taxonomy_and_wage_rates(app, family):
    api = signed_in(app, "g@example.org")
    activities = api.get("/api/v1/care-activities").get_json()
    by_code = {a["code"]: a for a in activities}
    assert by_code["suctioning"]["class"] == "skilled"
    assert by_code["bathing"]["class"] == "personal"
    assert by_code["insurance_appeals"]["class"] == "coordination"
    assert by_code["travel_appointments"]["class"] == "travel"
    assert by_code["therapy_exercises"]["class"] == "therapy"
    assert by_code["bathing"]["label"] == "Bathing"
    spanish = api.client.get("/api/v1/care-activities?lang=es", headers={"Accept-Language": "es"})
    assert spanish.status_code == 200
    rates = api.get("/api/v1/wage-rates").get_json()
    assert rates["aide"] == "17.00" and rates["lpn"] == "30.00" and rates["rn"] == "45.00"
    assert rates["minimum"] == "7.25" and rates["all_occupations"] == "24.00"
    assert rates["year"] == 2024 and "BLS OEWS" in rates["source"]


def test_contract_create_list_update_delete_keeps_history(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    base = f"/api/v1/children/{child.id}/care-entries"
    made = api.post(base, entry())
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert set(body) >= {"id", "activity", "started_at", "minutes", "caregiver", "note", "class"}
    assert body["class"] == "skilled" and body["minutes"] == 15 and body["note"] == "night"
    with app.app_context():
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
    assert body["caregiver"] == str(guardian.id)  # defaults to the caller
    assert [e["id"] for e in api.get(base).get_json()] == [body["id"]]

    path = f"/api/v1/care-entries/{body['id']}"
    changed = api.send("PUT", path, entry(activity="bathing", minutes=25))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["class"] == "personal"
    assert api.delete(path).status_code == 204
    assert api.get(base).get_json() == []
    assert api.send("PUT", path, entry()).status_code == 404
    with app.app_context():
        revisions = db.session.scalars(select(CareEntryRevision)).all()
        assert [r.action for r in revisions] == ["updated", "deleted"]
        assert revisions[0].before["activity"] == "suctioning"
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("care_entry.%"))
        ).all()
        assert sorted(actions) == ["care_entry.created", "care_entry.deleted", "care_entry.updated"]
    assert _count(app) == 1  # removed from reports, kept as a row


def test_replay_by_id_or_key_lands_once(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    base = f"/api/v1/children/{child.id}/care-entries"
    client_id = str(uuid.uuid4())
    body = entry(id=client_id)
    first = api.post(base, body)
    again = api.post(base, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == client_id
    assert _count(app) == 1
    # Same id, different details: refused, nothing changes.
    other = api.post(base, dict(body, minutes=99))
    assert other.status_code == 422 and "id" in other.get_json()["errors"]

    headers = {"X-CSRFToken": api.csrf, "Idempotency-Key": "outbox-7"}
    keyed = entry(started_at=_ago(hours=8))
    one = api.client.post(base, json=keyed, headers=headers)
    two = api.client.post(base, json=keyed, headers=headers)
    assert (one.status_code, two.status_code) == (201, 200)
    assert one.get_json()["id"] == two.get_json()["id"]
    different = api.client.post(base, json=dict(keyed, minutes=30), headers=headers)
    assert different.status_code == 422
    assert _count(app) == 2


def test_a_replay_racing_its_twin_is_a_replay_not_an_overlap(app, family, monkeypatch):
    _, child = family
    api = signed_in(app, "g@example.org")
    base = f"/api/v1/children/{child.id}/care-entries"
    body = entry(id=str(uuid.uuid4()))
    assert api.post(base, body).status_code == 201
    # The twin (sent by the service worker at the same moment) looked before the first landed:
    # its first look finds nothing, then it sees the first one as an overlapping entry.
    real_find, looks = carelog._find, []

    def late_find(*args, **kwargs):
        looks.append(1)
        return None if len(looks) == 1 else real_find(*args, **kwargs)

    monkeypatch.setattr(carelog, "_find", late_find)
    twin = api.post(base, body)
    assert twin.status_code == 200, twin.get_json()
    assert twin.get_json()["id"] == body["id"]
    assert _count(app) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -10}, "minutes"),
        ({"minutes": 1441}, "minutes"),
        ({"minutes": "lots"}, "minutes"),
        ({"activity": "astrology"}, "activity"),
        ({"activity": ""}, "activity"),
        ({"started_at": "yesterday evening"}, "started_at"),
        ({"started_at": _ago(hours=-3)}, "started_at"),  # in the future
        ({"id": "not-a-uuid"}, "id"),
        ({"caregiver": str(uuid.uuid4())}, "caregiver"),
    ],
)
def test_bad_input_is_a_clear_422_and_nothing_is_saved(app, family, change, field):
    _, child = family
    api = signed_in(app, "g@example.org")
    response = api.post(f"/api/v1/children/{child.id}/care-entries", entry(**change))
    assert response.status_code == 422, response.get_json()
    assert response.content_type.startswith("application/problem+json")
    assert field in response.get_json()["errors"]
    assert _count(app) == 0


def test_overlap_by_the_same_caregiver_is_refused(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    base = f"/api/v1/children/{child.id}/care-entries"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    assert api.post(base, entry(started_at=start.isoformat(), minutes=60)).status_code == 201
    inside = (start + timedelta(minutes=30)).isoformat()
    refused = api.post(base, entry(started_at=inside, minutes=10))
    assert refused.status_code == 422
    assert "overlaps" in " ".join(refused.get_json()["errors"]["started_at"])
    # Right after it is fine; so is another person at the same time.
    after = (start + timedelta(minutes=60)).isoformat()
    assert api.post(base, entry(started_at=after, minutes=10)).status_code == 201
    add_member(app, fam, "nurse@example.org", "caregiver")
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.post(base, entry(started_at=inside, minutes=10)).status_code == 201
    assert _count(app) == 3


def test_errors_in_spanish(app, family):
    _, child = family
    with app.app_context():
        db.session.execute(update(User).where(User.email == "g@example.org").values(locale="es"))
        db.session.commit()
    api = signed_in(app, "g@example.org")
    response = api.post(f"/api/v1/children/{child.id}/care-entries", entry(minutes=2000))
    assert response.status_code == 422
    assert response.get_json()["errors"]["minutes"]


def test_permissions(app, family):
    fam, child = family
    base = f"/api/v1/children/{child.id}/care-entries"
    family_with_child(app, "other@example.org", "Lee")
    stranger = signed_in(app, "other@example.org")
    assert stranger.get(base).status_code == 404
    assert stranger.post(base, entry()).status_code == 404
    assert stranger.get(f"/api/v1/children/{child.id}/care-report").status_code == 404

    add_member(app, fam, "viewer@example.org", "viewer")
    viewer = signed_in(app, "viewer@example.org")
    assert viewer.post(base, entry()).status_code == 403
    assert viewer.get(base).status_code == 403
    assert _count(app) == 0

    guardian = signed_in(app, "g@example.org")
    made = guardian.post(base, entry()).get_json()
    add_member(app, fam, "nurse@example.org", "caregiver")
    nurse = signed_in(app, "nurse@example.org")
    mine = nurse.post(base, entry(started_at=_ago(hours=10), activity="bathing")).get_json()
    # A caregiver sees and changes only the care time they logged.
    assert [e["id"] for e in nurse.get(base).get_json()] == [mine["id"]]
    assert nurse.send("PUT", f"/api/v1/care-entries/{made['id']}", entry()).status_code == 403
    assert nurse.delete(f"/api/v1/care-entries/{made['id']}").status_code == 403
    assert len(guardian.get(base).get_json()) == 2

    add_member(app, fam, "team@example.org", "care_team")
    team = signed_in(app, "team@example.org")
    skilled = team.post(base, entry(started_at=_ago(hours=20)))
    assert skilled.status_code == 422 and "activity" in skilled.get_json()["errors"]
    calls = team.post(base, entry(started_at=_ago(hours=20), activity="coordination_calls"))
    assert calls.status_code == 201 and calls.get_json()["performed_by"] == "team"
    report = team.get(f"/api/v1/children/{child.id}/care-report").get_json()
    assert report["team_hours"] == "0.25"
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "phi.read",
                AuditEvent.child_id == child.id,
                AuditEvent.target.like("%care-report%"),
            )
        ).all()
    assert reads, "a care-team member's read of the report is audited"


def test_report_figures_are_exact(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    base = f"/api/v1/children/{child.id}/care-entries"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    # 10 h of suctioning and 5 h of bathing, in pieces.
    for i, (activity, minutes) in enumerate(
        [("suctioning", 360), ("suctioning", 240), ("bathing", 300)]
    ):
        when = (start + timedelta(hours=7 * i)).isoformat()
        made = api.post(base, entry(activity=activity, minutes=minutes, started_at=when))
        assert made.status_code == 201, made.get_json()
    missed = api.post(
        f"/api/v1/children/{child.id}/work-missed",
        {"day": start.date().isoformat(), "hours": "8"},
    )
    assert missed.status_code == 201
    report = api.get(f"/api/v1/children/{child.id}/care-report").get_json()
    assert report["days"] == 28 and report["family_hours"] == "15"
    methods = {m["code"]: m for m in report["replacement_cost"]}
    assert methods["aide_all"]["amount"] == "255.00"
    assert methods["minimum_all"]["amount"] == "108.75"
    assert methods["task_based"]["amount"] == "385.00"
    assert methods["aide_all"]["annualised"] == "3324.11"
    assert methods["aide_all"]["national_average"] == "6400"
    assert "Romley" in methods["aide_all"]["source"]
    assert report["foregone_earnings"]["amount"] == "192.00"  # 8 h at the $24 median
    classes = {c["code"]: c["hours"] for c in report["by_class"]}
    assert classes["skilled"] == "10" and classes["personal"] == "5"
    assert sum(float(w["hours"]) for w in report["weeks"]) == 15
    # The caregiver's own wage replaces the median.
    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        carelog_household.set_wage(guardian, fam.id, {"hourly_wage": 30, "annual_earnings": None})
    again = api.get(f"/api/v1/children/{child.id}/care-report").get_json()
    assert again["foregone_earnings"]["amount"] == "240.00"
    bad = api.get(f"/api/v1/children/{child.id}/care-report?from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 422


def test_nursing_shortfall_and_paid_staff(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    put = api.send(
        "PUT",
        f"/api/v1/children/{child.id}/nursing-weeks",
        {"week_start": monday.isoformat(), "authorised_hours": "40", "delivered_hours": "24"},
    )
    assert put.status_code == 200, put.get_json()
    tuesday = api.send(
        "PUT",
        f"/api/v1/children/{child.id}/nursing-weeks",
        {
            "week_start": (monday + timedelta(days=1)).isoformat(),
            "authorised_hours": "1",
            "delivered_hours": "1",
        },
    )
    assert tuesday.status_code == 422
    nurse = add_member(app, fam, "nurse@example.org", "caregiver")
    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        carelog_household.set_paid_staff(guardian, fam.id, nurse.id, True)
    shift = signed_in(app, "nurse@example.org").post(
        f"/api/v1/children/{child.id}/care-entries",
        entry(activity="overnight_supervision", minutes=480, started_at=_ago(hours=12)),
    )
    assert shift.get_json()["performed_by"] == "paid"
    report = api.get(f"/api/v1/children/{child.id}/care-report").get_json()
    assert report["nursing_authorised_hours"] == "40.00"
    assert report["nursing_shortfall_hours"] == "16.00"
    assert report["paid_staff_hours"] == "8"
    assert report["family_hours"] == "0"  # paid care is not the family's hidden work


def test_csv_export(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.post(f"/api/v1/children/{child.id}/care-entries", entry(note="=HYPERLINK(1)"))
    response = api.get(f"/api/v1/children/{child.id}/care-entries.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "started_at", "minutes", "activity"]
    assert rows[1][2] == "15" and rows[1][3] == "suctioning" and rows[1][5] == "skilled"
    assert rows[1][8] == "'=HYPERLINK(1)"  # no formula runs in a spreadsheet


def test_timer_survives_and_becomes_an_entry(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    timer = f"/api/v1/children/{child.id}/care-timer"
    assert api.post(timer, {"activity": "astrology"}).status_code == 422
    assert api.post(timer, {"activity": "trach_care"}).status_code == 201
    assert api.post(timer, {"activity": "bathing"}).status_code == 201  # same timer kept
    assert _count(app, CareTimer) == 1
    clock.travel(25 * 60)
    # A new session (the app was closed) stops the same timer.
    stopped = signed_in(app, "g@example.org").delete(timer)
    assert stopped.status_code == 200
    body = stopped.get_json()["entry"]
    assert body["activity"] == "trach_care" and body["minutes"] == 25
    assert _count(app, CareTimer) == 0 and _count(app) == 1


def test_two_starts_of_one_timer_at_once_are_one_timer(app, family, monkeypatch):
    # The page and the service worker's Background Sync replay one start together: the second
    # looks before the first has committed, so its insert meets the unique constraint.
    _, child = family
    api = signed_in(app, "g@example.org")
    timer = f"/api/v1/children/{child.id}/care-timer"
    assert api.post(timer, {"activity": "trach_care"}).status_code == 201
    looks = iter([None])
    real = carelog._running_timer
    monkeypatch.setattr(
        carelog, "_running_timer", lambda user, child: next(looks, real(user, child))
    )
    again = api.post(timer, {"activity": "trach_care"})
    assert again.status_code == 201 and again.get_json()["activity"] == "trach_care"
    assert _count(app, CareTimer) == 1


def test_phone_pages_quick_entry_and_report(app, family):
    _, child = family
    client = app.test_client()
    form_login(client, "g@example.org")
    page = client.get("/care")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<optgroup" in html and "Skilled nursing tasks" in html
    token = csrf_from(client, "/care")
    when = (datetime.now().replace(second=0, microsecond=0) - timedelta(hours=1)).isoformat(
        timespec="minutes"
    )
    form = {
        "csrf_token": token,
        "child_id": str(child.id),
        "id": str(uuid.uuid4()),
        "activity": "tube_feeding",
        "started_at": when,
        "minutes": "30",
        "note": "",
    }
    bad = client.post("/care", data=dict(form, minutes="0"))
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert _count(app) == 0
    saved = client.post("/care", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    assert client.post("/care", data=form).status_code == 302  # pressed twice: one entry
    assert _count(app) == 1
    report = client.get(f"/children/{child.id}/care/report?range=week")
    text = report.get_data(as_text=True)
    assert report.status_code == 200
    assert 'role="img"' in text and "<title" in text and "$15.00" in text  # 0.5 h x $30
    for rng in ("month", "year", "custom&from=2026-01-01&to=2026-03-31"):
        assert client.get(f"/children/{child.id}/care/report?range={rng}").status_code == 200
    pdf = client.get(f"/children/{child.id}/care/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        made = db.session.scalar(select(CareEntry))
    assert client.get(f"/care/entries/{made.id}").status_code == 200
    spanish = client.get(f"/children/{child.id}/care/report?lang=es")
    assert spanish.status_code == 200


def test_report_query_count_does_not_grow_with_the_log(app, family):
    _fam, child = family
    api = signed_in(app, "g@example.org")
    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        loaded = families.get_child(child.id)

        def add(n: int, offset: int) -> None:
            start = datetime.now(UTC) - timedelta(days=300)
            carelog.import_entries(
                loaded,
                [
                    {
                        "activity": "suctioning" if i % 2 else "forms",
                        "started_at": start + timedelta(hours=offset + i),
                        "minutes": 10,
                        "caregiver": guardian.id,
                    }
                    for i in range(n)
                ],
            )

        add(2, 0)

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

    paths = (
        f"/api/v1/children/{child.id}/care-report?from=2025-01-01",
        f"/children/{child.id}/care/report?range=year",
    )
    small = {p: count(p) for p in paths}
    with app.test_request_context("/"):
        loaded = families.get_child(child.id)
        add(500, 100)
    large = {p: count(p) for p in paths}
    assert large == small


def test_program_view_suppresses_small_groups(app, family):
    fam, _child = family
    team_email = "team@example.org"
    add_member(app, fam, team_email, "care_team")
    team = signed_in(app, team_email)
    assert signed_in(app, "g@example.org").get("/api/v1/care-program").status_code == 404

    def add_family(index: int) -> None:
        email = f"g{index}@example.org"
        _, other, kid = family_with_child(app, email, f"Kid {index}")
        add_member(app, other, f"t{index}@example.org", "viewer")
        with app.test_request_context("/"):
            guardian = db.session.scalar(select(User).where(User.email == email))
            member = db.session.scalar(select(User).where(User.email == team_email))
            families.get_family(other.id)
            # The coordinator joins this family's care team too.
            from familyapp.families.models import Membership

            db.session.add(Membership(family_id=other.id, user_id=member.id, role="care_team"))
            db.session.commit()
            carelog_household.set_consent(guardian, other.id, True)
            carelog.import_entries(
                families.get_child(kid.id),
                [
                    {
                        "activity": "suctioning",
                        "started_at": datetime.now(UTC) - timedelta(hours=2),
                        "minutes": 60,
                        "caregiver": guardian.id,
                    }
                ],
            )

    for index in range(4):
        add_family(index)
    months = team.get("/api/v1/care-program").get_json()
    assert len(months) == 12
    assert months[-1]["suppressed"] is True and months[-1]["hours_per_child"] is None
    add_family(4)
    months = signed_in(app, team_email).get("/api/v1/care-program").get_json()
    current = months[-1]
    if datetime.now(UTC).day == 1 and datetime.now(UTC).hour < 2:
        current = months[-2]  # the entries were made last month (UTC)
    assert current["suppressed"] is False and current["families"] == 5
    assert current["hours_per_child"] == "1.0" and current["cost_per_child"] == "30.00"
    page = signed_in(app, team_email).get("/care/program")
    assert page.status_code == 200 and "$30.00" in page.get_data(as_text=True)


def test_program_families_follow_the_policy_in_one_query(app, family):
    from familyapp.carelog import reports
    from familyapp.families.models import Membership

    fam, child = family
    team = add_member(app, fam, "team@example.org", "care_team")
    others = [family_with_child(app, f"g{i}@example.org", f"Kid {i}") for i in range(4)]
    with app.test_request_context("/"):
        now = clock.utcnow()
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        member = db.session.get(User, team.id)
        carelog_household.set_consent(guardian, fam.id, True)
        # Consenting, but the coordinator's membership there has ended, is not yet begun, or
        # covers one child only: none of these families is the coordinator's to count.
        for (owner, other, kid), window in zip(
            others[:3],
            [
                {"expires_at": now - timedelta(days=1)},
                {"starts_at": now + timedelta(days=1)},
                {"child_id": "kid"},
            ],
            strict=True,
        ):
            if window.get("child_id"):
                window["child_id"] = kid.id
            db.session.add(
                Membership(family_id=other.id, user_id=member.id, role="care_team", **window)
            )
            carelog_household.set_consent(db.session.get(User, owner.id), other.id, True)
        # On the team, but the family did not consent.
        db.session.add(Membership(family_id=others[3][1].id, user_id=member.id, role="care_team"))
        db.session.commit()

        statements: list[str] = []

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert reports.program_families(member) == [fam.id]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(statements) == 1
        assert reports.may_read_program(member)
        assert not reports.may_read_program(guardian)
        del child


def test_program_index_is_sqlite_only_and_its_query_reads_it_in_order(app, family):
    # The program view's speed on SQLite rests on the GROUP BY streaming out of
    # ix_care_entries_child_month (docs/performance.md); a changed expression would silently
    # bring back a sort of every entry of the year. PostgreSQL aggregates by hashing and must
    # not get the SQLite expression index at all.
    from sqlalchemy import inspect

    from familyapp.carelog import reports

    if db.engine.dialect.name != "sqlite":
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("care_entries")}
        assert "ix_care_entries_child_month" not in names
        assert "ix_care_entries_child_start" in names  # while its portable index is there
        return
    fam, _child = family
    team = add_member(app, fam, "team@example.org", "care_team")
    statements: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, *_rest):
        statements.append((statement, parameters))

    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        carelog_household.set_consent(guardian, fam.id, True)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            reports.program_view(db.session.get(User, team.id), datetime.now(UTC).date())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        statement, parameters = next(s for s in statements if "GROUP BY" in s[0])
        plan = " ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
    assert "ix_care_entries_child_month" in plan and "TEMP B-TREE" not in plan, plan


def _second_child(app, guardian_email: str, name: str):
    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == guardian_email))
        made = families.create_child(guardian, {"display_name": name})
        db.session.expunge(made)
        return made


def test_family_report_sums_the_children(app, family):
    fam, sam = family
    ada = _second_child(app, "g@example.org", "Ada")
    api = signed_in(app, "g@example.org")
    when = _ago(days=2)
    # 2 h of suctioning for Sam, 3 h for Ada: 5 h of skilled care for the family.
    for child, minutes in ((sam, 120), (ada, 180)):
        base = f"/api/v1/children/{child.id}/care-entries"
        made = api.post(base, entry(minutes=minutes, started_at=when))
        assert made.status_code == 201, made.get_json()
        missed = api.post(
            f"/api/v1/children/{child.id}/work-missed", {"day": when[:10], "hours": "2"}
        )
        assert missed.status_code == 201
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    for child, authorised, delivered in ((sam, "40", "24"), (ada, "10", "10")):
        put = api.send(
            "PUT",
            f"/api/v1/children/{child.id}/nursing-weeks",
            {
                "week_start": monday.isoformat(),
                "authorised_hours": authorised,
                "delivered_hours": delivered,
            },
        )
        assert put.status_code == 200, put.get_json()
    report = api.get(f"/api/v1/families/{fam.id}/care-report")
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["family_id"] == str(fam.id) and body["child_id"] is None
    assert {c["id"] for c in body["children"]} == {str(sam.id), str(ada.id)}
    assert body["days"] == 28 and body["family_hours"] == "5"
    methods = {m["code"]: m for m in body["replacement_cost"]}
    assert methods["aide_all"]["amount"] == "85.00"  # 5 h at the $17 aide wage
    assert methods["minimum_all"]["amount"] == "36.25"  # 5 h at $7.25
    assert methods["task_based"]["amount"] == "150.00"  # skilled: 5 h at the $30 LPN wage
    assert body["foregone_earnings"]["amount"] == "96.00"  # 4 h missed at the $24 median
    assert body["work_missed_hours"] == "4"
    assert body["nursing_authorised_hours"] == "50.00"
    assert body["nursing_shortfall_hours"] == "16.00"
    assert sum(float(w["hours"]) for w in body["weeks"]) == 5
    assert set(body) >= set(api.get(f"/api/v1/children/{sam.id}/care-report").get_json())
    # Each child's own report is unchanged.
    alone = api.get(f"/api/v1/children/{ada.id}/care-report").get_json()
    assert alone["family_hours"] == "3" and alone["nursing_shortfall_hours"] == "0.00"
    assert api.get(f"/api/v1/families/{fam.id}/care-report?from=x").status_code == 422


def test_family_report_page_pdf_and_links(app, family):
    fam, sam = family
    client = app.test_client()
    assert form_login(client, "g@example.org").status_code in (200, 302)
    # One child: the family's report is the child's, and no family link on the child's pages.
    api = signed_in(app, "g@example.org")
    assert api.post(f"/api/v1/children/{sam.id}/care-entries", entry()).status_code == 201
    own = api.get(f"/api/v1/children/{sam.id}/care-report").get_json()
    whole = api.get(f"/api/v1/families/{fam.id}/care-report").get_json()
    for key in ("family_hours", "replacement_cost", "foregone_earnings", "weeks", "by_activity"):
        assert whole[key] == own[key], key
    assert f"/families/{fam.id}/care/report" not in client.get("/care").get_data(as_text=True)
    ada = _second_child(app, "g@example.org", "Ada")
    for path in ("/care", f"/children/{sam.id}/care/report", f"/families/{fam.id}"):
        page = client.get(path)
        assert page.status_code == 200
        assert f"/families/{fam.id}/care/report" in page.get_data(as_text=True), path
    page = client.get(f"/families/{fam.id}/care/report?range=year")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sam" in html and "Ada" in html and str(escape(fam.name)) in html
    assert "/care/work-missed" not in html and "/care/nursing" not in html
    assert "care-entries.csv" not in html and "/care/consent" not in html
    assert f"/children/{ada.id}/care/work-missed" not in html
    assert f"/families/{fam.id}/care/report.pdf?range=year" in html
    custom = client.get(
        f"/families/{fam.id}/care/report?range=custom&from=2026-01-01&to=2026-01-31"
    )
    assert custom.status_code == 200
    pdf = client.get(f"/families/{fam.id}/care/report.pdf?range=month")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_family_report_access(app, family):
    fam, sam = family
    ada = _second_child(app, "g@example.org", "Ada")
    add_member(app, fam, "care@example.org", "caregiver")
    add_member(app, fam, "team@example.org", "care_team")
    add_member(app, fam, "nurse@example.org", "care_team", child_id=ada.id)
    family_with_child(app, "other@example.org", "Kim")
    path = f"/api/v1/families/{fam.id}/care-report"
    # A caregiver sees only the time they logged, child by child: not the family's totals.
    caregiver = signed_in(app, "care@example.org")
    assert caregiver.get(path).status_code == 403
    assert caregiver.client.get(f"/families/{fam.id}/care/report").status_code == 403
    assert caregiver.get(f"/api/v1/children/{sam.id}/care-report").status_code == 200
    # A care-team member of one child reads that child's report, not the family's.
    assert signed_in(app, "nurse@example.org").get(path).status_code == 403
    assert signed_in(app, "other@example.org").get(path).status_code == 404
    assert (
        signed_in(app, "other@example.org")
        .get(f"/api/v1/families/{uuid.uuid4()}/care-report")
        .status_code
        == 404
    )
    team = signed_in(app, "team@example.org")
    assert team.get(path).status_code == 200
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent.child_id).where(
                AuditEvent.action == "phi.read", AuditEvent.target.like("%families%care-report%")
            )
        ).all()
    assert sorted(map(str, read)) == sorted([str(sam.id), str(ada.id)])


def test_family_report_query_count_does_not_grow(app, family):
    fam, sam = family
    add_member(app, fam, "team@example.org", "care_team")
    readers = {e: signed_in(app, e) for e in ("g@example.org", "team@example.org")}

    def add(child_id, n: int, offset: int) -> None:
        with app.test_request_context("/"):
            guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
            start = datetime.now(UTC) - timedelta(days=300)
            carelog.import_entries(
                families.get_child(child_id),
                [
                    {
                        "activity": "suctioning" if i % 2 else "forms",
                        "started_at": start + timedelta(hours=offset + i),
                        "minutes": 10,
                        "caregiver": guardian.id,
                    }
                    for i in range(n)
                ],
            )

    add(sam.id, 2, 0)

    def count(api, path: str) -> int:
        statements: list[str] = []

        def listener(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert api.client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    paths = (
        f"/api/v1/families/{fam.id}/care-report?from=2025-01-01",
        f"/families/{fam.id}/care/report?range=year",
    )
    small = {(e, p): count(api, p) for e, api in readers.items() for p in paths}
    for index in range(3):
        kid = _second_child(app, "g@example.org", f"Kid {index}")
        add(kid.id, 200, 10 + index)
    add(sam.id, 300, 500)
    large = {(e, p): count(api, p) for e, api in readers.items() for p in paths}
    assert large == small


def test_the_demo_logs_no_care_that_is_still_going_on(app):
    from zoneinfo import ZoneInfo

    from familyapp.demo import create_demo

    # 03:00 in Chicago: Jordan's night shift (22:30 to 06:30) is under way, not yet logged.
    chicago = ZoneInfo("America/Chicago")
    now = clock.utcnow().astimezone(chicago)
    three = now.replace(hour=3, minute=0, second=0, microsecond=0)
    if three <= now:
        three += timedelta(days=1)
    clock.travel((three - now).total_seconds())
    with app.test_request_context("/"):
        create_demo()
        now_utc = clock.utcnow()
        rows = db.session.execute(select(CareEntry.started_at, CareEntry.minutes)).all()
        db.remove()
    assert rows
    late = [start for start, minutes in rows if start + timedelta(minutes=minutes) > now_utc]
    assert late == []
    latest_start = max(start for start, _minutes in rows)
    assert now_utc - latest_start < timedelta(days=2)  # the log still runs up to recent days
