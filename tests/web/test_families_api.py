"""Families, children, invitations and the authorization policy through the JSON API."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from familyapp.families.models import Child, Membership
from tests.factories import Api, add_member, family_with_child, user


def signed_in(app, email):
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def audit_rows(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_first_child_creates_a_family_with_the_user_as_guardian(app):
    user(app, "new@example.org", "Rosa")
    api = signed_in(app, "new@example.org")
    response = api.post("/api/v1/children", {"display_name": "Leo", "birth_date": "2020-05-01"})
    assert response.status_code == 201
    child = response.get_json()
    assert child["display_name"] == "Leo" and child["birth_date"] == "2020-05-01"
    families = api.get("/api/v1/families").get_json()
    assert len(families) == 1 and families[0]["role"] == "guardian"
    assert child["family_id"] == families[0]["id"]
    second = api.post("/api/v1/children", {"display_name": "Ana"}).get_json()
    assert second["family_id"] == families[0]["id"]


def test_child_validation_rejects_future_birth_date_and_writes_nothing(app):
    user(app, "new@example.org")
    api = signed_in(app, "new@example.org")
    response = api.post("/api/v1/children", {"display_name": "", "birth_date": "2999-01-01"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"display_name", "birth_date"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Child)) == 0


def test_patch_child(app):
    _, _, child = family_with_child(app, "g@example.org", "Maya")
    api = signed_in(app, "g@example.org")
    response = api.patch(
        f"/api/v1/children/{child.id}", {"display_name": "Maya R.", "pronouns": "she/her"}
    )
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Maya R."
    assert api.get(f"/api/v1/children/{child.id}").get_json()["pronouns"] == "she/her"


def test_another_familys_child_is_404_like_a_missing_one_and_is_audited(app):
    _, _, theirs = family_with_child(app, "them@example.org", "Theirs")
    family_with_child(app, "me@example.org", "Mine")
    api = signed_in(app, "me@example.org")
    other = api.get(f"/api/v1/children/{theirs.id}")
    missing = api.get(f"/api/v1/children/{uuid.uuid4()}")
    garbage = api.get("/api/v1/children/not-a-uuid")
    assert other.status_code == missing.status_code == garbage.status_code == 404
    assert other.get_json() == missing.get_json()
    patch = api.patch(f"/api/v1/children/{theirs.id}", {"display_name": "Hacked"})
    assert patch.status_code == 404
    with app.app_context():
        assert db.session.get(Child, theirs.id).display_name == "Theirs"
    denied = audit_rows(app, "access.denied")
    assert any(row.family_id == theirs.family_id and row.outcome == "denied" for row in denied)


def test_anonymous_gets_401_for_child(app, client):
    _, _, child = family_with_child(app, "g@example.org")
    response = client.get(f"/api/v1/children/{child.id}")
    assert response.status_code == 401


def test_caregiver_reads_are_audited_but_guardian_reads_are_not(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    add_member(app, family, "nurse@example.org", "caregiver")
    signed_in(app, "g@example.org").get(f"/api/v1/children/{child.id}")
    assert audit_rows(app, "phi.read") == []
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 200
    rows = audit_rows(app, "phi.read")
    assert len(rows) == 1 and rows[0].child_id == child.id
    assert rows[0].detail["role"] == "caregiver"
    log = signed_in(app, "g@example.org").get(f"/api/v1/families/{family.id}/audit").get_json()
    assert any(row["action"] == "phi.read" and row["actor"] for row in log)


def test_caregiver_and_viewer_cannot_edit_or_invite(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    add_member(app, family, "nurse@example.org", "caregiver")
    add_member(app, family, "aunt@example.org", "viewer")
    for email in ("nurse@example.org", "aunt@example.org"):
        api = signed_in(app, email)
        assert api.get(f"/api/v1/children/{child.id}").status_code == 200
        assert api.patch(f"/api/v1/children/{child.id}", {"display_name": "X"}).status_code == 403
        invite = api.post(f"/api/v1/families/{family.id}/invitations", {"role": "guardian"})
        assert invite.status_code == 403
        assert api.get(f"/api/v1/families/{family.id}/audit").status_code == 403
    with app.app_context():
        assert db.session.get(Child, child.id).display_name == "Maya"


def test_care_team_member_reads_and_sees_members(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    add_member(app, family, "coord@example.org", "care_team")
    api = signed_in(app, "coord@example.org")
    assert api.get(f"/api/v1/children/{child.id}").status_code == 200
    members = api.get(f"/api/v1/families/{family.id}/members").get_json()
    assert {m["role"] for m in members} == {"guardian", "care_team"}


def test_invitation_flow_gives_invitee_their_own_membership(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    guardian = signed_in(app, "g@example.org")
    made = guardian.post(
        f"/api/v1/families/{family.id}/invitations", {"role": "caregiver", "label": "Night nurse"}
    )
    assert made.status_code == 201
    url = made.get_json()["url"]
    token = url.rsplit("/", 1)[1]
    assert "/invite/" in url
    listed = guardian.get(f"/api/v1/families/{family.id}/invitations").get_json()
    assert listed[0]["status"] == "pending" and "url" not in listed[0]

    user(app, "nurse@example.org", "Night Nurse")
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 404
    accepted = nurse.post("/api/v1/invitations/accept", {"token": token})
    assert accepted.status_code == 200 and accepted.get_json()["role"] == "caregiver"
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 200
    # single use
    user(app, "other@example.org")
    assert (
        signed_in(app, "other@example.org")
        .post("/api/v1/invitations/accept", {"token": token})
        .status_code
        == 404
    )
    assert (
        guardian.get(f"/api/v1/families/{family.id}/invitations").get_json()[0]["status"]
        == "accepted"
    )


def test_revoked_and_expired_invitations_do_not_work(app):
    _, family, _ = family_with_child(app, "g@example.org")
    guardian = signed_in(app, "g@example.org")
    first = guardian.post(
        f"/api/v1/families/{family.id}/invitations", {"role": "viewer"}
    ).get_json()
    second = guardian.post(
        f"/api/v1/families/{family.id}/invitations", {"role": "viewer", "link_days": 1}
    ).get_json()
    assert (
        guardian.delete(f"/api/v1/families/{family.id}/invitations/{first['id']}").status_code
        == 204
    )
    user(app, "x@example.org")
    invitee = signed_in(app, "x@example.org")
    assert (
        invitee.post(
            "/api/v1/invitations/accept", {"token": first["url"].rsplit("/", 1)[1]}
        ).status_code
        == 404
    )
    clock.travel(86401)
    invitee = signed_in(app, "x@example.org")
    assert (
        invitee.post(
            "/api/v1/invitations/accept", {"token": second["url"].rsplit("/", 1)[1]}
        ).status_code
        == 404
    )


def test_per_child_scope(app):
    _, family, maya = family_with_child(app, "g@example.org", "Maya")
    guardian = signed_in(app, "g@example.org")
    leo = guardian.post("/api/v1/children", {"display_name": "Leo"}).get_json()
    add_member(app, family, "respite@example.org", "caregiver", child_id=maya.id)
    respite = signed_in(app, "respite@example.org")
    assert respite.get(f"/api/v1/children/{maya.id}").status_code == 200
    assert respite.get(f"/api/v1/children/{leo['id']}").status_code == 404
    assert [c["display_name"] for c in respite.get("/api/v1/children").get_json()] == ["Maya"]


def test_invitation_for_a_child_of_another_family_is_refused(app):
    _, _, theirs = family_with_child(app, "them@example.org", "Theirs")
    _, family, _ = family_with_child(app, "me@example.org", "Mine")
    api = signed_in(app, "me@example.org")
    response = api.post(
        f"/api/v1/families/{family.id}/invitations", {"role": "viewer", "child_id": str(theirs.id)}
    )
    assert response.status_code == 422 and "child_id" in response.get_json()["errors"]


def test_time_limited_access_ends_on_its_date(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    today = clock.utcnow().date()
    add_member(app, family, "shift@example.org", "caregiver", access_until=today)
    nurse = signed_in(app, "shift@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 200
    clock.travel(2 * 86400)
    nurse = signed_in(app, "shift@example.org")  # her account still works; the access does not
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 404


def test_removing_a_member_ends_access_immediately(app):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    add_member(app, family, "nurse@example.org", "caregiver")
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 200
    guardian = signed_in(app, "g@example.org")
    members = guardian.get(f"/api/v1/families/{family.id}/members").get_json()
    nurse_membership = next(m for m in members if m["email"] == "nurse@example.org")
    assert (
        guardian.delete(
            f"/api/v1/families/{family.id}/members/{nurse_membership['id']}"
        ).status_code
        == 204
    )
    assert nurse.get(f"/api/v1/children/{child.id}").status_code == 404


def test_last_guardian_cannot_be_removed(app):
    _, family, _ = family_with_child(app, "g@example.org")
    guardian = signed_in(app, "g@example.org")
    mine = guardian.get(f"/api/v1/families/{family.id}/members").get_json()[0]
    response = guardian.delete(f"/api/v1/families/{family.id}/members/{mine['id']}")
    assert response.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 1


def test_invitation_role_is_validated(app):
    _, family, _ = family_with_child(app, "g@example.org")
    api = signed_in(app, "g@example.org")
    response = api.post(f"/api/v1/families/{family.id}/invitations", {"role": "owner"})
    assert response.status_code == 422 and "role" in response.get_json()["errors"]


def test_unknown_family_id_is_404_not_500(app):
    family_with_child(app, "g@example.org")
    api = signed_in(app, "g@example.org")
    assert api.get(f"/api/v1/families/{uuid.uuid4()}").status_code == 404
    assert api.get("/api/v1/families/not-a-uuid").status_code == 404
    assert api.client.get(f"/families/{uuid.uuid4()}").status_code == 404


def test_an_invitation_never_demotes_a_guardian(app):
    _, family, child = family_with_child(app, "g@example.org")
    api = signed_in(app, "g@example.org")
    link = api.post(f"/api/v1/families/{family.id}/invitations", {"role": "viewer"}).get_json()
    api.post("/api/v1/invitations/accept", {"token": link["url"].rsplit("/", 1)[1]})
    assert api.get("/api/v1/families").get_json()[0]["role"] == "guardian"
    assert api.patch(f"/api/v1/children/{child.id}", {"pronouns": "they"}).status_code == 200


def test_expired_second_guardian_does_not_count_as_a_guardian(app):
    _, family, _ = family_with_child(app, "g@example.org")
    add_member(app, family, "temp@example.org", "guardian", access_until=clock.utcnow().date())
    clock.travel(2 * 86400)
    api = signed_in(app, "g@example.org")
    members = api.get(f"/api/v1/families/{family.id}/members").get_json()
    mine = next(m for m in members if m["email"] == "g@example.org")
    assert api.delete(f"/api/v1/families/{family.id}/members/{mine['id']}").status_code == 409
