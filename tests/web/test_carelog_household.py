"""What the administrator and the guardians set for the care log: the wage table in force
(`familyapp wages show|set`) and which members are paid staff (the family page)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from familyapp import cli
from familyapp.carelog.models import CaregiverProfile, WageTable
from familyapp.core.db import db
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login

NEW_TABLE = [
    "--region",
    "US",
    "--year",
    "2025",
    "--source",
    "BLS OEWS May 2025, national median hourly wages",
    "--aide",
    "17.50",
    "--lpn",
    "31",
    "--rn",
    "46",
    "--all-occupations",
    "24.5",
    "--minimum",
    "7.25",
    "--minimum-source",
    "Fair Labor Standards Act, 29 U.S.C. 206(a)(1)",
]


def _wages(app, *args: str) -> Any:
    """`familyapp wages ...` against the test app (the real command builds its own app)."""
    with app.app_context():
        try:
            return CliRunner().invoke(cli.wages, list(args))
        finally:
            db.remove()


def _tables(app) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(WageTable)) or 0)


def _with(option: str, value: str) -> list[str]:
    args = list(NEW_TABLE)
    args[args.index(option) + 1] = value
    return args


def test_wages_show_prints_the_defaults_with_their_source(app):
    shown = _wages(app, "show")
    assert shown.exit_code == 0, shown.output
    assert "Built-in defaults" in shown.output
    assert "Region: US, year: 2024" in shown.output
    assert "Source: BLS OEWS May 2024, national median hourly wages" in shown.output
    assert "Home health aide: 17.00 an hour" in shown.output
    assert "Fair Labor Standards Act" in shown.output


def test_wages_set_puts_the_table_in_force_and_reports_use_it(app):
    _, _fam, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    start = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    for i, (activity, minutes) in enumerate([("suctioning", 600), ("bathing", 300)]):
        made = api.post(
            f"/api/v1/children/{child.id}/care-entries",
            {
                "activity": activity,
                "minutes": minutes,
                "started_at": (start + timedelta(hours=11 * i)).isoformat(),
            },
        )
        assert made.status_code == 201, made.get_json()
    before = {
        m["code"]: m
        for m in api.get(f"/api/v1/children/{child.id}/care-report").get_json()["replacement_cost"]
    }
    assert before["aide_all"]["amount"] == "255.00"  # 15 h x $17 (defaults)

    saved = _wages(app, "set", *NEW_TABLE)
    assert saved.exit_code == 0, saved.output
    assert "Region: US, year: 2025" in saved.output and "Home health aide: 17.50" in saved.output
    shown = _wages(app, "show")
    assert "Built-in defaults" not in shown.output
    assert "Source: BLS OEWS May 2025, national median hourly wages" in shown.output
    assert "All occupations: 24.50 an hour" in shown.output

    report = api.get(f"/api/v1/children/{child.id}/care-report").get_json()
    methods = {m["code"]: m for m in report["replacement_cost"]}
    assert methods["aide_all"]["amount"] == "262.50"  # 15 h x $17.50
    assert methods["aide_all"]["wages"] == {"all": "17.50"}
    assert methods["task_based"]["amount"] == "397.50"  # 10 h x $31 + 5 h x $17.50
    assert methods["minimum_all"]["amount"] == "108.75"  # 15 h x $7.25
    assert "BLS OEWS May 2025" in methods["aide_all"]["source"]
    assert "(US, 2025)" in methods["task_based"]["source"]
    assert report["rates"]["year"] == 2025 and report["rates"]["rn"] == "46.00"
    assert api.get("/api/v1/wage-rates").get_json()["lpn"] == "31.00"
    page = api.client.get(f"/children/{child.id}/care/report?range=week").get_data(as_text=True)
    assert "BLS OEWS May 2025" in page and "$17.50" in page

    # A correction saved later is in force even with an earlier year.
    fixed = _wages(app, "set", *_with("--year", "2024"))
    assert fixed.exit_code == 0, fixed.output
    assert api.get("/api/v1/wage-rates").get_json()["year"] == 2024
    assert _tables(app) == 2  # the older table stays as history


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--aide", "0", "above 0 and under 1000"),
        ("--lpn", "-3", "above 0 and under 1000"),
        ("--rn", "1000", "above 0 and under 1000"),
        ("--all-occupations", "lots", "Enter a number"),
        ("--minimum", "nan", "Enter a number"),
        ("--year", "1999", "from 2000 to 2100"),
        ("--year", "2101", "from 2000 to 2100"),
        ("--year", "next", "whole number"),
        ("--source", "   ", "required"),
        ("--minimum-source", "", "required"),
        ("--region", "", "required"),
    ],
)
def test_wages_set_refuses_bad_values_and_saves_nothing(app, option, value, message):
    refused = _wages(app, "set", *_with(option, value))
    assert refused.exit_code != 0
    assert f"{option}: " in refused.output and message in refused.output, refused.output
    assert "not saved" in refused.output
    assert _tables(app) == 0
    assert "Built-in defaults" in _wages(app, "show").output


def test_wages_set_refuses_a_missing_value(app):
    args = list(NEW_TABLE)
    del args[args.index("--rn") : args.index("--rn") + 2]
    refused = _wages(app, "set", *args)
    assert refused.exit_code != 0 and "--rn: This field is required." in refused.output
    assert _tables(app) == 0


# -- paid staff, marked on the family page -------------------------------------------------


def _paid_form(html: str, user_id: Any) -> re.Match[str] | None:
    return re.search(
        r'<form[^>]*action="([^"]*/care/paid-staff)"[^>]*>(?:(?!</form>).)*'
        rf'name="user_id" value="{user_id}"(?:(?!</form>).)*</form>',
        html,
        re.S,
    )


def test_a_guardian_marks_a_member_as_paid_staff_and_the_report_moves_the_hours(app):
    _guardian, fam, child = family_with_child(app, "g@example.org", "Sam")
    nurse = add_member(app, fam, "nurse@example.org", "caregiver")
    shift = Api(app.test_client())
    assert shift.login("nurse@example.org").status_code == 200
    logged = shift.post(
        f"/api/v1/children/{child.id}/care-entries",
        {
            "activity": "overnight_supervision",
            "minutes": 480,
            "started_at": (datetime.now(UTC) - timedelta(hours=12))
            .replace(microsecond=0)
            .isoformat(),
        },
    )
    assert logged.status_code == 201 and logged.get_json()["performed_by"] == "family"

    client = app.test_client()
    form_login(client, "g@example.org")
    report_path = f"/api/v1/children/{child.id}/care-report"
    before = client.get(report_path).get_json()
    assert (before["family_hours"], before["paid_staff_hours"]) == ("8", "0")

    page = client.get(f"/families/{fam.id}").get_data(as_text=True)
    form = _paid_form(page, nurse.id)
    assert form is not None, "a guardian sees a paid-staff form for the caregiver"
    assert "Not paid staff" in form.group(0)
    assert 'name="csrf_token"' in form.group(0)
    token = csrf_from(client, f"/families/{fam.id}")
    marked = client.post(
        form.group(1), data={"csrf_token": token, "user_id": str(nurse.id), "paid": "1"}
    )
    assert marked.status_code == 302
    after = client.get(report_path).get_json()
    assert (after["family_hours"], after["paid_staff_hours"]) == ("0", "8")
    methods = {m["code"]: m for m in after["replacement_cost"]}
    assert methods["aide_all"]["amount"] == "0.00"  # paid care is not the family's hidden work
    page = client.get(f"/families/{fam.id}").get_data(as_text=True)
    form = _paid_form(page, nurse.id)
    assert form is not None and "Paid staff" in form.group(0)
    assert "Not paid staff" not in form.group(0)

    # And back: the hours return to the family's.
    undone = client.post(
        form.group(1), data={"csrf_token": token, "user_id": str(nurse.id), "paid": "0"}
    )
    assert undone.status_code == 302
    assert client.get(report_path).get_json()["family_hours"] == "8"
    # Without the CSRF token nothing changes.
    assert (
        client.post(form.group(1), data={"user_id": str(nurse.id), "paid": "1"}).status_code == 400
    )
    assert client.get(report_path).get_json()["paid_staff_hours"] == "0"


def test_only_guardians_mark_paid_staff(app):
    guardian, fam, _child = family_with_child(app, "g@example.org", "Sam")
    nurse = add_member(app, fam, "nurse@example.org", "caregiver")
    add_member(app, fam, "team@example.org", "care_team")
    path = f"/families/{fam.id}/care/paid-staff"

    def paid_rows() -> int:
        with app.app_context():
            return int(
                db.session.scalar(
                    select(func.count())
                    .select_from(CaregiverProfile)
                    .where(CaregiverProfile.paid_staff.is_(True))
                )
                or 0
            )

    for email in ("nurse@example.org", "team@example.org"):
        client = app.test_client()
        form_login(client, email)
        page = client.get(f"/families/{fam.id}").get_data(as_text=True)
        assert "/care/paid-staff" not in page  # no form for them
        token = csrf_from(client, f"/families/{fam.id}")
        refused = client.post(
            path, data={"csrf_token": token, "user_id": str(nurse.id), "paid": "1"}
        )
        assert refused.status_code == 403, email  # a member: the family is no secret
    other, other_family, _lee = family_with_child(app, "other@example.org", "Lee")
    stranger = app.test_client()
    form_login(stranger, "other@example.org")
    token = csrf_from(stranger, f"/families/{other_family.id}")
    refused = stranger.post(path, data={"csrf_token": token, "user_id": str(nurse.id), "paid": "1"})
    assert refused.status_code == 404  # another family's: as if it did not exist
    assert paid_rows() == 0

    # A guardian cannot mark someone who is not a member of the family.
    client = app.test_client()
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/families/{fam.id}")
    for someone in (other.id, uuid.uuid4()):
        outsider = client.post(
            path, data={"csrf_token": token, "user_id": str(someone), "paid": "1"}
        )
        assert outsider.status_code == 404
    bad = client.post(path, data={"csrf_token": token, "user_id": "not-a-uuid", "paid": "1"})
    assert bad.status_code == 302
    assert paid_rows() == 0
    assert (
        client.post(
            path, data={"csrf_token": token, "user_id": str(guardian.id), "paid": "1"}
        ).status_code
        == 302
    )  # a parent paid as a caregiver (a Medicaid waiver) may be marked too
    assert paid_rows() == 1


def test_range_errors_are_whole_sentences(app):
    _, _fam, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    refused = api.post(
        f"/api/v1/children/{child.id}/work-missed", {"day": "2026-01-05", "hours": "99"}
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["hours"] == ["Enter between 0.25 and 24 hours."]
