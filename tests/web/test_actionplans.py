"""Action plans and the emergency card, through the API and the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from familyapp.core import clock, mail
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login

PLAN = {
    "kind": "seizures",
    "title": "Seizures",
    "document": {
        "normal": "Brief startles when waking are normal.",
        "green": {"signs": ["Usual alertness"], "steps": ["Give levetiracetam 500 mg at 8 am"]},
        "yellow": {"signs": ["Seizure under 5 minutes"], "steps": ["Time it", "Turn on side"]},
        "red": {
            "signs": ["Seizure over 5 minutes"],
            "steps": ["Give midazolam 5 mg intranasal", "Call 911"],
        },
        "call_911_when": ["Seizure lasts more than 5 minutes"],
        "call": [{"who": "Neurology on call", "phone": "(312) 555-0102", "when": "Any cluster"}],
        "bring": ["This plan", "Spare trach 3.5"],
        "avoid": ["Nothing in the mouth"],
    },
    "reviewed_by": "Dr. Patel",
    "reviewed_on": "2026-11-01",
}


@pytest.fixture
def family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    return fam, child


def signed_in(app, email):
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def send(api, method, path, body=None, if_match=None):
    headers = {"X-CSRFToken": api.csrf}
    if if_match:
        headers["If-Match"] = if_match
    return api.client.open(path, method=method, json=body, headers=headers)


def test_create_read_update_with_etags(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    made = api.post(f"/api/v1/children/{child.id}/action-plans", PLAN)
    assert made.status_code == 201 and made.headers["ETag"] == '"ap-1"'
    plan = made.get_json()
    assert plan["document"]["red"]["steps"] == ["Give midazolam 5 mg intranasal", "Call 911"]
    path = f"/api/v1/action-plans/{plan['id']}"
    assert send(api, "PUT", path, dict(PLAN, title="Seizures (updated)")).status_code == 428
    updated = send(api, "PUT", path, dict(PLAN, title="Seizures (updated)"), '"ap-1"')
    assert updated.status_code == 200 and updated.headers["ETag"] == '"ap-2"'
    stale = send(api, "PUT", path, dict(PLAN, title="Lost update"), '"ap-1"')
    assert stale.status_code == 412 and stale.get_json()["title"] == "Seizures (updated)"
    listed = api.get(f"/api/v1/children/{child.id}/action-plans").get_json()
    assert [p["title"] for p in listed] == ["Seizures (updated)"]
    assert send(api, "DELETE", path, if_match='"ap-1"').status_code == 412
    assert send(api, "DELETE", path, if_match='"ap-2"').status_code == 204
    assert api.get(path).status_code == 404


def test_template_start_is_complete_and_marked_as_a_starting_point(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    for kind in ("seizures", "respiratory", "dystonia", "behaviour"):
        made = api.post(f"/api/v1/children/{child.id}/action-plans", {"template": kind})
        assert made.status_code == 201, kind
        body = made.get_json()
        assert body["template"] == kind and body["kind"] == kind
        doc = body["document"]
        assert doc["red"]["steps"] and doc["call_911_when"] and doc["yellow"]["signs"]
        assert body["reviewed_by"] == "" and body["reviewed_on"] is None
    response = api.post(f"/api/v1/children/{child.id}/action-plans", {"template": "astrology"})
    assert response.status_code == 422


def test_bad_action_plan_input_is_refused(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    bad = dict(PLAN, title="", kind="boredom", document={"red": {"steps": ["x" * 400]}})
    response = api.post(f"/api/v1/children/{child.id}/action-plans", bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"title", "kind", "document"} <= set(errors)
    assert api.get(f"/api/v1/children/{child.id}/action-plans").get_json() == []


def test_roles_and_other_families(app, family):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    plan = (
        signed_in(app, "g@example.org")
        .post(f"/api/v1/children/{child.id}/action-plans", PLAN)
        .get_json()
    )
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/action-plans/{plan['id']}").status_code == 200
    assert (
        send(nurse, "PUT", f"/api/v1/action-plans/{plan['id']}", PLAN, '"ap-1"').status_code == 403
    )
    assert nurse.get(f"/api/v1/children/{child.id}/emergency-links").status_code == 403
    family_with_child(app, "other@example.org", "Other")
    stranger = signed_in(app, "other@example.org")
    assert stranger.get(f"/api/v1/action-plans/{plan['id']}").status_code == 404
    assert stranger.get("/api/v1/action-plans/not-a-uuid").status_code == 404
    assert stranger.get(f"/api/v1/children/{child.id}/action-plans").status_code == 404


def make_link(api, child_id, label="School nurse", days=30):
    response = api.post(
        f"/api/v1/children/{child_id}/emergency-links", {"label": label, "days": days}
    )
    assert response.status_code == 201
    return response.get_json()


def test_emergency_link_opens_the_card_without_an_account_and_is_logged(app, family):
    fam, child = family
    api = signed_in(app, "g@example.org")
    api.client.put(
        f"/api/v1/children/{child.id}/plan",
        json={
            "summary": "Sam, 6: trach and G-tube.",
            "allergies": [{"substance": "Latex"}],
            "medications": [{"name": "Baclofen", "dose_amount": "10", "dose_unit": "mg"}],
        },
        headers={"X-CSRFToken": api.csrf, "If-Match": '"plan-0"'},
    )
    api.post(f"/api/v1/children/{child.id}/action-plans", PLAN)
    link = make_link(api, child.id)
    assert set(link) >= {"id", "url", "qr_svg_url", "expires_at"}
    token = link["url"].rsplit("/e/", 1)[1]
    assert len(token) >= 22  # 128 bits at least, base64url
    stranger = app.test_client()
    page = stranger.get(f"/e/{token}", headers={"User-Agent": "ER tablet"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sam, 6: trach and G-tube." in html and "Latex" in html and "Baclofen" in html
    assert "Give midazolam 5 mg intranasal" in html and "<script" not in html
    assert len(page.data) < 30 * 1024
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert stranger.get_cookie("familyapp_session") is None  # no session for a card reader
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "emergency_card.opened")
        ).all()
        assert len(opened) == 1 and opened[0].detail["user_agent"] == "ER tablet"
    assert any(m.to == "g@example.org" and "Sam" in m.subject for m in mail.OUTBOX)
    listed = api.get(f"/api/v1/children/{child.id}/emergency-links").get_json()
    assert listed[0]["opened_count"] == 1
    log = api.get(f"/api/v1/families/{fam.id}/audit").get_json()
    assert any(row["action"] == "emergency_card.opened" for row in log)


def test_revoked_and_expired_links_show_nothing_of_the_child(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    revoked = make_link(api, child.id, "Old wallet card")
    short = make_link(api, child.id, "Respite week", days=1)
    assert send(api, "DELETE", f"/api/v1/emergency-links/{revoked['id']}").status_code == 204
    gone = app.test_client().get("/e/" + revoked["url"].rsplit("/e/", 1)[1])
    assert gone.status_code == 410 and "Sam" not in gone.get_data(as_text=True)
    clock.travel(2 * 86400)
    expired = app.test_client().get("/e/" + short["url"].rsplit("/e/", 1)[1])
    assert expired.status_code == 410 and "Sam" not in expired.get_data(as_text=True)
    unknown = app.test_client().get("/e/this-is-not-a-real-token-at-all-xxxxxxxxxxx")
    assert unknown.status_code == 404 and "Sam" not in unknown.get_data(as_text=True)


def test_guessing_links_is_rate_limited(app, family):
    client = app.test_client()
    statuses = [client.get(f"/e/guess-{i:040d}").status_code for i in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429


def test_another_family_cannot_list_or_revoke_links(app, family):
    _, child = family
    link = make_link(signed_in(app, "g@example.org"), child.id)
    family_with_child(app, "other@example.org", "Other")
    stranger = signed_in(app, "other@example.org")
    assert stranger.get(f"/api/v1/children/{child.id}/emergency-links").status_code == 404
    assert send(stranger, "DELETE", f"/api/v1/emergency-links/{link['id']}").status_code == 404
    assert stranger.client.get(f"/emergency-links/{link['id']}/qr.svg").status_code == 404
    opened = app.test_client().get("/e/" + link["url"].rsplit("/e/", 1)[1])
    assert opened.status_code == 200  # still works


def test_qr_and_cards_for_guardians(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    link = make_link(api, child.id)
    svg = api.client.get(f"/emergency-links/{link['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = api.client.get(f"/emergency-links/{link['id']}/qr.png")
    assert png.data.startswith(b"\x89PNG")
    for query in ("", "?sheet=1"):
        pdf = api.client.get(f"/emergency-links/{link['id']}/card.pdf{query}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_pages_follow_a_plan_and_edit_it(app, client, family):
    _, child = family
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/children/{child.id}/action-plans")
    started = client.post(
        f"/children/{child.id}/action-plans/new", data={"template": "seizures", "csrf_token": token}
    )
    assert started.status_code == 302
    edit_path = started.headers["Location"]
    html = client.get(edit_path).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    saved = client.post(
        edit_path,
        data={
            "csrf_token": token,
            "version": version,
            "title": "Maya's seizures",
            "kind": "seizures",
            "normal": "",
            "green.signs": "Alert",
            "green.steps": "Usual meds",
            "yellow.signs": "Seizure",
            "yellow.steps": "Time it\nTurn on side",
            "red.signs": "Over 5 minutes",
            "red.steps": "Give midazolam 5 mg\nCall 911",
            "call_911_when": "Over 5 minutes",
            "call": "Neurology; (312) 555-0102; clusters",
            "bring": "Go-bag",
            "avoid": "Nothing in the mouth",
            "reviewed_by": "Dr. Patel",
            "reviewed_on": "2026-11-01",
        },
    )
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Maya&#39;s seizures" in page and 'href="tel:911"' in page
    assert page.index("Give midazolam 5 mg") < page.index("Call 911</li>")
    assert 'href="tel:(312)555-0102"' in page and "Reviewed by Dr. Patel" in page
    home = client.get("/").get_data(as_text=True)
    assert "Maya&#39;s seizures" in home  # one tap from the home screen


def test_edit_form_errors_keep_input(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    plan = api.post(f"/api/v1/children/{child.id}/action-plans", PLAN).get_json()
    form_login(client, "g@example.org")
    path = f"/action-plans/{plan['id']}/edit"
    token = csrf_from(client, path)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "version": "1",
            "title": "",
            "kind": "seizures",
            "red.steps": "y" * 400,
            "call": "Clinic; not a phone!",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        'id="title-error"' in html and 'id="red.steps-error"' in html and 'id="call-error"' in html
    )
    assert api.get(f"/api/v1/action-plans/{plan['id']}").get_json()["title"] == "Seizures"
