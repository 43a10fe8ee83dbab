"""Action plans and the emergency card, through the API and the pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select

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
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert stale.get_json()["current"]["title"] == "Seizures (updated)"
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
    page = stranger.get(
        f"/e/{token}",
        headers={"User-Agent": "ER tablet"},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
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
        assert opened[0].ip == "203.0.113.5"
        assert opened[0].target == f"emergency_link:{link['id']}"
        assert opened[0].detail["label"] == "School nurse"
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


def _opens(app, token, count, ip):
    return [
        app.test_client().get(f"/e/{token}", environ_base={"REMOTE_ADDR": ip}) for _ in range(count)
    ]


def test_opening_a_real_link_is_limited_per_address(app, family):
    _, child = family
    token = make_link(signed_in(app, "g@example.org"), child.id)["url"].rsplit("/e/", 1)[1]
    # an ER team reloading the card is fine, a script scraping it from one address is not
    assert {r.status_code for r in _opens(app, token, 60, "198.51.100.1")} == {200}
    [refused] = _opens(app, token, 1, "198.51.100.1")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
    body = refused.get_data(as_text=True)
    assert "Sam" not in body and "Too many attempts" in body
    assert refused.headers["Cache-Control"] == "no-store"
    assert _opens(app, token, 1, "198.51.100.2")[0].status_code == 200  # another address
    clock.travel(601)
    assert _opens(app, token, 1, "198.51.100.1")[0].status_code == 200  # the window passed


def test_opening_one_link_from_many_addresses_is_limited_per_link(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    token = make_link(api, child.id)["url"].rsplit("/e/", 1)[1]
    other = make_link(api, child.id, "Wallet card")["url"].rsplit("/e/", 1)[1]
    statuses = [_opens(app, token, 1, f"192.0.2.{n}")[0].status_code for n in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429
    refused = _opens(app, token, 1, "203.0.113.99")[0]
    assert refused.status_code == 429 and "Sam" not in refused.get_data(as_text=True)
    assert _opens(app, other, 1, "203.0.113.99")[0].status_code == 200  # other links still work
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "emergency_card.opened")
        ).all()
        assert len(opened) == 121  # refused opens show nothing and are not counted as opened


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


def _tool(name, package):
    # Fails, never skips: a QR code nobody decoded is not tested (scripts/test.sh installs it).
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install -y {package}")
    return path


def _decode_qr(png_path):
    done = subprocess.run(
        [_tool("zbarimg", "zbar-tools"), "--raw", "-q", str(png_path)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"no QR code in {png_path}: {done.stderr.decode()}"
    return done.stdout.decode("utf-8").splitlines()


def test_qr_and_cards_for_guardians(app, family, tmp_path):
    _, child = family
    api = signed_in(app, "g@example.org")
    link = make_link(api, child.id)
    other = make_link(api, child.id, "Wallet card")
    svg = api.client.get(f"/emergency-links/{link['id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = api.client.get(f"/emergency-links/{link['id']}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    (tmp_path / "qr.png").write_bytes(png.data)
    # the served code is exactly this link's own url from the POST, not another link's
    assert _decode_qr(tmp_path / "qr.png") == [link["url"]]
    assert link["url"] != other["url"]
    opened = app.test_client().get(urlsplit(link["url"]).path)  # and the url opens the card
    assert opened.status_code == 200 and "Sam" in opened.get_data(as_text=True)
    for query in ("", "?sheet=1"):
        pdf = api.client.get(f"/emergency-links/{link['id']}/card.pdf{query}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    card = api.client.get(f"/emergency-links/{link['id']}/card.pdf")
    (tmp_path / "card.pdf").write_bytes(card.data)
    render = [_tool("pdftoppm", "poppler-utils"), "-r", "200", "-png", "-singlefile"]
    subprocess.run(
        [*render, "-f", "1", "-l", "1", str(tmp_path / "card.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    assert _decode_qr(tmp_path / "page.png") == [link["url"]]


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


def _count_queries(client, path):
    statements = []

    def listener(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_access_log_page_says_who_opened_what_in_words(app, client, family):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    api = signed_in(app, "g@example.org")
    link = make_link(api, child.id, "School nurse")
    token = link["url"].rsplit("/e/", 1)[1]
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    )
    opened = app.test_client().get(
        f"/e/{token}", headers={"User-Agent": iphone}, environ_base={"REMOTE_ADDR": "203.0.113.7"}
    )
    assert opened.status_code == 200
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}/plan").status_code == 200
    assert nurse.get(f"/api/v1/children/{child.id}/emergency-links").status_code == 403
    form_login(client, "g@example.org")
    client.get(f"/families/{fam.id}/audit")  # the first page of a session writes its token
    small, html = _count_queries(client, f"/families/{fam.id}/audit")
    assert "opened the emergency card with a link" in html
    assert "School nurse" in html and "203.0.113.7" in html and "Safari · iPhone" in html
    assert "opened the record" in html and "Caregiver Person" in html
    assert "Sam: plan of care" in html and "Sam: emergency card" in html
    assert "tried to open a record (refused)" in html and "Sam: emergency links" in html
    assert "emergency_card.opened" not in html and "phi.read" not in html
    assert "emergency_link.created" not in html and "family.created" not in html
    # more rows cost no more queries
    for _ in range(5):
        app.test_client().get(f"/e/{token}", environ_base={"REMOTE_ADDR": "203.0.113.8"})
        signed_in(app, "nurse@example.org").get(f"/api/v1/children/{child.id}/plan")
    large, _html = _count_queries(client, f"/families/{fam.id}/audit")
    assert large == small <= 10


def test_every_audited_action_has_words():
    import pathlib

    import familyapp
    from familyapp.families import access_log

    package = pathlib.Path(familyapp.__file__).parent
    source = "\n".join(path.read_text() for path in package.rglob("*.py"))
    codes = set(re.findall(r'record(?:_now|_all_now)?\(\s*"([a-z_]+\.[a-z_.]+)"', source))
    codes |= {"phi.read", "access.denied"}
    assert codes - set(access_log.ACTION_LABELS) == set()
