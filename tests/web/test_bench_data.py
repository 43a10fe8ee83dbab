"""`familyapp bench-data`: synthetic families that are whole, separate and usable."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from familyapp.accounts.models import User
from familyapp.calendar.models import Appointment
from familyapp.carelog.models import CareEntry
from familyapp.core import ownership
from familyapp.core.db import db
from familyapp.families.models import Child, Family
from familyapp.plan.models import CarePlanVersion
from familyapp.system import bench_data
from tests.factories import Api


def test_bench_families_are_copies_of_whole_families_each_its_own(app: Flask) -> None:
    with app.test_request_context("/"):
        filled = bench_data.fill(6, care_years=0.1, care_per_day=2)
        assert filled.families == 6
        families = db.session.scalars(select(Family).order_by(Family.name)).all()
        assert len(families) == 6
        sizes = {}
        seen_ids: set[object] = set()
        for family in families:
            rows = ownership.owned(family.id)
            children = len(rows["children"])
            shape = {name: len(found) for name, found in rows.items() if name != "audit_events"}
            sizes.setdefault(children, []).append(shape)
            ids = {row["id"] for found in rows.values() for row in found if "id" in row}
            assert not ids & seen_ids  # no row is shared between two families
            seen_ids |= ids
        # Families with one child all look like the first template, with two the second.
        assert set(sizes) == {1, 2}
        for shapes in sizes.values():
            assert all(shape == shapes[0] for shape in shapes)
        one = sizes[1][0]
        assert one["care_plan_versions"] == 3 and one["action_plans"] == 3
        assert one["appointments"] >= 80 and one["care_entries"] == 2 * 36
        assert one["survey_responses"] == 1 and one["program_families"] == 1
        assert db.session.scalar(select(func.count()).select_from(User)) == 7  # and the staff
        assert db.session.scalar(select(func.count()).select_from(Child)) == 9
        # Every row of these tables belongs to one of the families: nothing left orphaned.
        for model in (CarePlanVersion, Appointment, CareEntry):
            name = model.__tablename__
            owned = sum(len(ownership.owned(family.id).get(name, [])) for family in families)
            assert db.session.scalar(select(func.count()).select_from(model)) == owned
        # Adding more continues the numbering instead of colliding with the guardians.
        assert bench_data.fill(1, care_years=0.05).families == 1
        assert db.session.scalar(select(func.count()).select_from(User)) == 8

    # A copied guardian signs in and sees her own child's pages.
    api = Api(app.test_client())
    assert api.login("bench5@example.org", bench_data.PASSWORD).status_code == 200
    with app.app_context():
        guardian = db.session.scalar(select(User).where(User.email == "bench5@example.org"))
        assert guardian is not None
    children = api.get("/api/v1/children").get_json()
    assert children, "the copy's guardian has no child"
    child_id = children[0]["id"]
    plan = api.get(f"/api/v1/children/{child_id}/plan")
    assert plan.status_code == 200 and plan.get_json()["version"] == 3
    for path in (f"/children/{child_id}/plan", "/calendar", "/care", "/"):
        page = api.client.get(path)
        assert page.status_code == 200, path
    assert children[0]["display_name"] in api.client.get(f"/children/{child_id}/plan").get_data(
        as_text=True
    )
