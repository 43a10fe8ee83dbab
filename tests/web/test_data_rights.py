"""A family's data rights: a guardian downloads everything held about the family (JSON and
FHIR) and deletes the family; the deletion is complete, table by table, and audited."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.core import clock, ownership
from familyapp.core.db import Base, db
from familyapp.core.models import AuditEvent
from familyapp.demo import DEMO_PASSWORD, GUARDIAN, create_demo
from familyapp.families.models import Family
from familyapp.push.models import Reminder
from tests.factories import PASSWORD, csrf_from, family_with_child, form_login


@pytest.fixture
def demo(app):
    """The demo family (every feature has rows) and another family beside it."""
    with app.test_request_context("/"):
        child = create_demo()
        family_id = child.family_id
        # A plan-review reminder names the child in text, not by a foreign key.
        ana = db.session.scalars(select(User).where(User.email == GUARDIAN)).one()
        db.session.add(
            Reminder(
                user_id=ana.id,
                source=f"plan-review:{child.id}:2026-12-01:0:{ana.id}",
                kind="plan_review",
                url=f"/children/{child.id}/plan",
                due_at=clock.utcnow(),
            )
        )
        db.session.commit()
        db.remove()
    _, other, _child = family_with_child(app, "other@example.org", "Other")
    return family_id, other.id


def _owned_ids(app, family_id) -> set[str]:
    with app.app_context():
        rows = ownership.owned(family_id)
        db.remove()
    found = set()
    for table_rows in rows.values():
        for row in table_rows:
            found.add(str(row["id"]))
    return found


def _all_values(app) -> dict[str, list[str]]:
    """Every row of every table, as text (JSON columns included)."""
    seen: dict[str, list[str]] = {}
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                seen.setdefault(table.name, []).append(json.dumps(dict(row), default=str))
        db.remove()
    return seen


def _signed_in(app, email, password=PASSWORD):
    client = app.test_client()
    assert form_login(client, email, password).status_code == 302
    return client


def test_deleting_the_family_leaves_nothing_of_it_and_keeps_the_other(app, demo):
    family_id, other_id = demo
    doomed = _owned_ids(app, family_id)
    with app.app_context():
        assert db.session.scalars(select(Reminder.source)).all()
        db.remove()
    assert len(doomed) > 200  # plans, versions, appointments, care entries, surveys...
    others = _owned_ids(app, other_id)
    client = _signed_in(app, GUARDIAN, DEMO_PASSWORD)
    token = csrf_from(client, f"/families/{family_id}/data")
    with app.app_context():
        name = db.session.get(Family, family_id).name
        db.remove()
    done = client.post(
        f"/families/{family_id}/delete",
        data={"csrf_token": token, "password": DEMO_PASSWORD, "confirm_name": name},
    )
    assert done.status_code == 302
    leftovers = []
    for table, rows in _all_values(app).items():
        for text in rows:
            if '"family.deleted"' in text:
                continue  # the one record that it happened
            leftovers += [(table, key) for key in doomed if key in text]
    assert leftovers == [], leftovers[:10]
    assert _owned_ids(app, other_id) == others  # the other family is untouched
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "family.deleted")
        ).one()
        assert event.target == f"family:{family_id}" and event.detail["rows"] >= len(doomed)
        assert event.family_id is None
        db.remove()
    # Accounts stay: Ana can sign in, and belongs to no family now.
    again = _signed_in(app, GUARDIAN, DEMO_PASSWORD)
    assert "Maya" not in again.get("/").get_data(as_text=True)


def test_a_wrong_password_or_name_deletes_nothing(app, demo):
    family_id, _ = demo
    before = _all_values(app)
    client = _signed_in(app, GUARDIAN, DEMO_PASSWORD)
    token = csrf_from(client, f"/families/{family_id}/data")
    wrong = client.post(
        f"/families/{family_id}/delete",
        data={"csrf_token": token, "password": "not-it", "confirm_name": "Rivera"},
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "That is not your password." in page
    assert "Type the family&#39;s name exactly as shown." in page
    no_csrf = client.post(f"/families/{family_id}/delete", data={"password": DEMO_PASSWORD})
    assert no_csrf.status_code in (400, 403)
    after = _all_values(app)
    for table in ("families", "children", "care_plans", "care_entries", "appointments"):
        assert after[table] == before[table]


def test_only_the_familys_guardians_may_export_or_delete(app, demo):
    family_id, other_id = demo
    nurse = _signed_in(app, "nurse@example.org", DEMO_PASSWORD)
    assert nurse.get(f"/families/{family_id}/export.zip").status_code == 403
    assert nurse.get(f"/families/{family_id}/data").status_code == 403
    stranger = _signed_in(app, "other@example.org")
    assert stranger.get(f"/families/{family_id}/export.zip").status_code == 404
    token = csrf_from(stranger, f"/families/{other_id}/data")
    refused = stranger.post(
        f"/families/{family_id}/delete",
        data={"csrf_token": token, "password": PASSWORD, "confirm_name": "x"},
    )
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(Family, family_id) is not None
        db.remove()


def test_the_export_holds_everything_and_no_secrets(app, demo):
    from fhir.resources.R4B.bundle import Bundle

    family_id, _ = demo
    client = _signed_in(app, GUARDIAN, DEMO_PASSWORD)
    answer = client.get(f"/families/{family_id}/export.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    manifest = json.loads(archive.read("manifest.json"))
    everything: dict[str, list[dict[str, Any]]] = json.loads(archive.read("everything.json"))
    assert manifest["tables"] == {name: len(rows) for name, rows in everything.items()}
    for table in (
        "children", "care_plans", "care_plan_versions", "action_plans", "emergency_links",
        "appointments", "care_entries", "survey_responses", "text_translations", "memberships",
        "audit_events",
    ):  # fmt: skip
        assert everything.get(table), f"{table} is missing from the export"
    text = json.dumps(everything, ensure_ascii=False)
    assert "token_hash" not in text and "token_sealed" not in text
    assert "Maya tiene 7 años" in text  # translations travel too
    bundles = [name for name in archive.namelist() if name.startswith("fhir/")]
    assert len(bundles) == len(everything["children"])
    for name in bundles:
        Bundle.model_validate(json.loads(archive.read(name)))
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "family.exported")
        )
        db.remove()
    assert uuid.UUID(manifest["family"]) == family_id
