"""Teen assent and the adult's choice: a young person's own account, who sees their record."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from familyapp.families import privacy
from familyapp.families import service as families
from familyapp.families.models import Child, Membership, RecordLimit
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login


def _born(app, child_id, years_ago: int) -> None:
    """Make the child exactly `years_ago` years old (a birthday earlier this month)."""
    today = clock.utcnow().date()
    with app.test_request_context("/"):
        child = db.session.get(Child, child_id)
        child.birth_date = date(today.year - years_ago, today.month, min(today.day, 28))
        db.session.commit()
        db.remove()


def _membership_of(app, email):
    with app.test_request_context("/"):
        from familyapp.accounts.models import User

        user = db.session.scalar(select(User).where(User.email == email))
        row = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        return row.id


def _young_person(app, family, child, age=15):
    _born(app, child.id, age)
    return add_member(app, family, "teen@example.org", "self", child_id=child.id)


def _row_count(app, model):
    with app.test_request_context("/"):
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_young_persons_own_account_needs_the_child_chosen_and_twelve_years(app):
    _guardian, family, child = family_with_child(app, "g@example.org")
    api = Api(app.test_client())
    api.login("g@example.org")
    path = f"/api/v1/families/{family.id}/invitations"
    no_child = api.post(path, {"role": "self"})
    assert no_child.status_code == 422 and "child_id" in no_child.get_json()["errors"]
    no_birth_date = api.post(path, {"role": "self", "child_id": str(child.id)})
    assert no_birth_date.status_code == 422 and "role" in no_birth_date.get_json()["errors"]
    _born(app, child.id, 11)
    too_young = api.post(path, {"role": "self", "child_id": str(child.id)})
    assert too_young.status_code == 422
    assert "from age 12" in too_young.get_json()["errors"]["role"][0]
    _born(app, child.id, 12)
    assert api.post(path, {"role": "self", "child_id": str(child.id)}).status_code == 201


def test_a_teen_reads_their_record_edits_nothing_and_sees_no_sibling(app):
    guardian, family, child = family_with_child(app, "g@example.org")
    with app.test_request_context("/"):
        sibling = families.create_child(
            db.session.get(type(guardian), guardian.id), {"display_name": "Ada"}
        )
        sibling_id = sibling.id
    _young_person(app, family, child)
    client = app.test_client()
    form_login(client, "teen@example.org")
    page = client.get(f"/children/{child.id}").get_data(as_text=True)
    assert "Who sees my record" in page
    assert client.get(f"/children/{child.id}/plan").status_code == 200
    assert client.get(f"/children/{child.id}/action-plans").status_code == 200
    assert client.get("/calendar").status_code == 200
    assert client.get(f"/children/{child.id}/plan/edit/summary").status_code in (403, 404)
    assert client.get(f"/children/{sibling_id}").status_code == 404
    api = Api(app.test_client())
    api.login("teen@example.org")
    assert [c["id"] for c in api.get("/api/v1/children").get_json()] == [str(child.id)]


def test_a_teen_stops_a_caregiver_who_then_finds_nothing_and_the_guardian_is_told(app):
    _guardian, family, child = family_with_child(app, "g@example.org")
    add_member(app, family, "nurse@example.org", "caregiver")
    _young_person(app, family, child)
    nurse_membership = _membership_of(app, "nurse@example.org")
    nurse = Api(app.test_client())
    nurse.login("nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}/plan").status_code == 200

    teen = app.test_client()
    form_login(teen, "teen@example.org")
    page = teen.get(f"/children/{child.id}/privacy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stop Caregiver Person seeing my record" in html
    assert "Sees your record until you are 18." in html  # the guardian: no button
    token = csrf_from(teen, f"/children/{child.id}/privacy")
    done = teen.post(
        f"/children/{child.id}/privacy",
        data={"membership_id": str(nurse_membership), "sees_record": "false", "csrf_token": token},
    )
    assert done.status_code == 302
    assert "Caregiver Person no longer sees your record." in teen.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    # The nurse's next request: the record is gone, exactly like one that does not exist.
    assert nurse.get(f"/api/v1/children/{child.id}/plan").status_code == 404
    assert nurse.get("/api/v1/children").get_json() == []
    with app.test_request_context("/"):
        people = families.people_for_child([child.id], {privacy.Role.CAREGIVER})
        assert people.get(child.id, []) == []
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.child_id == child.id)
        ).all()
    assert "record.limited" in actions
    parent = app.test_client()
    form_login(parent, "g@example.org")
    family_page = parent.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Does not see Sam's record: Sam's choice" in family_page

    again = teen.post(
        f"/children/{child.id}/privacy",
        data={"membership_id": str(nurse_membership), "sees_record": "true", "csrf_token": token},
    )
    assert again.status_code == 302
    assert nurse.get(f"/api/v1/children/{child.id}/plan").status_code == 200
    assert _row_count(app, RecordLimit) == 0


def test_a_minor_cannot_stop_a_guardian_and_an_adult_can(app):
    _guardian, family, child = family_with_child(app, "g@example.org")
    _young_person(app, family, child, age=17)
    guardian_membership = _membership_of(app, "g@example.org")
    teen = Api(app.test_client())
    teen.login("teen@example.org")
    path = f"/api/v1/children/{child.id}/audience"
    listed = teen.get(path).get_json()
    assert [(p["role"], p["sees_record"], p["can_change"]) for p in listed] == [
        ("guardian", True, False)
    ]
    refused = teen.send("PUT", f"{path}/{guardian_membership}", {"sees_record": False})
    assert refused.status_code == 403 and _row_count(app, RecordLimit) == 0

    _born(app, child.id, 18)
    parent = Api(app.test_client())
    parent.login("g@example.org")
    # The adult's own account is theirs: a guardian cannot end it.
    teen_membership = _membership_of(app, "teen@example.org")
    removal = parent.delete(f"/api/v1/families/{family.id}/members/{teen_membership}")
    assert removal.status_code == 403
    done = teen.send("PUT", f"{path}/{guardian_membership}", {"sees_record": False})
    assert done.status_code == 200 and done.get_json()["sees_record"] is False
    assert parent.get(f"/api/v1/children/{child.id}").status_code == 404
    # The guardian still runs the family, and sees that the adult chose this.
    assert parent.get(f"/api/v1/families/{family.id}").status_code == 200
    assert (
        teen.send("PUT", f"{path}/{guardian_membership}", {"sees_record": True}).status_code == 200
    )
    assert parent.get(f"/api/v1/children/{child.id}").status_code == 200


def test_a_minors_own_account_can_be_ended_by_a_guardian(app):
    _guardian, family, child = family_with_child(app, "g@example.org")
    _young_person(app, family, child, age=13)
    parent = Api(app.test_client())
    parent.login("g@example.org")
    teen_membership = _membership_of(app, "teen@example.org")
    assert (
        parent.delete(f"/api/v1/families/{family.id}/members/{teen_membership}").status_code == 204
    )


def test_only_the_young_person_opens_their_privacy_page(app):
    _guardian, family, child = family_with_child(app, "g@example.org")
    add_member(app, family, "nurse@example.org", "caregiver")
    _young_person(app, family, child)
    family_with_child(app, "other@example.org", "Zed")
    for email, expected in (
        ("g@example.org", 403),
        ("nurse@example.org", 403),
        ("other@example.org", 404),
        ("teen@example.org", 200),
    ):
        client = app.test_client()
        form_login(client, email)
        assert client.get(f"/children/{child.id}/privacy").status_code == expected, email
    # A membership of another family is not found, and nothing is written.
    teen = Api(app.test_client())
    teen.login("teen@example.org")
    other = _membership_of(app, "other@example.org")
    response = teen.send(
        "PUT", f"/api/v1/children/{child.id}/audience/{other}", {"sees_record": False}
    )
    assert response.status_code == 404 and _row_count(app, RecordLimit) == 0


def test_the_demo_teen_has_stopped_his_coach(app, client):
    from familyapp.demo import TEEN, create_demo

    with app.test_request_context("/"):
        create_demo()
        chidi = db.session.scalar(select(Child).where(Child.display_name == "Chidi Okafor"))
        chidi_id = chidi.id
    form_login(client, TEEN, "familyapp-demo")
    page = client.get(f"/children/{chidi_id}/privacy").get_data(as_text=True)
    assert "Let Dana Wright see my record" in page
    assert "Stop Marcus Bell seeing my record" in page
    coach = Api(app.test_client())
    coach.login("dana@example.org", "familyapp-demo")
    assert coach.get(f"/api/v1/children/{chidi_id}").status_code == 404
