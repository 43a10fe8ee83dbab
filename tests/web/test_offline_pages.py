"""The server side of the offline copy: which pages a person's phone may keep, the header that
lets the service worker keep one, the "as of" line, and a shared device keeping nothing."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from familyapp.core.db import db
from familyapp.demo import DEMO_PASSWORD, GUARDIAN, NURSE, create_demo
from tests.factories import csrf_from

OWNER = "X-Familyapp-Offline-User"


def _demo(app: Flask) -> str:
    with app.test_request_context("/"):
        child_id = str(create_demo().id)
        db.remove()
    return child_id


def _sign_in(client: FlaskClient, email: str, shared: bool = False) -> None:
    token = csrf_from(client, "/login")
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    if shared:
        form["shared_device"] = "on"
    assert client.post("/login", data=form).status_code == 302


def test_the_list_names_the_persons_pages_and_each_page_names_its_owner(
    app: Flask, client: FlaskClient
) -> None:
    child_id = _demo(app)
    _sign_in(client, GUARDIAN)
    listing = client.get("/offline/pages.json").get_json()
    assert listing["keep"] is True
    pages = listing["pages"]
    assert pages[0] == "/"
    for wanted in (
        f"/children/{child_id}/plan",
        f"/children/{child_id}/emergency-card",
        f"/children/{child_id}/action-plans",
        "/calendar",
        "/care",
        "/surveys",
    ):
        assert wanted in pages
    assert sum(page.startswith("/action-plans/") for page in pages) >= 3
    plan = client.get(f"/children/{child_id}/plan")
    assert plan.headers[OWNER] == listing["user"]
    html = plan.get_data(as_text=True)
    assert 'data-offline-copy="no"' in html and "Offline copy from" in html
    # Pages that are not part of the copy are never marked, so never kept.
    history = client.get(f"/children/{child_id}/plan/history")
    assert history.status_code == 200 and OWNER not in history.headers
    assert OWNER not in client.get("/account").headers


def test_a_caregiver_gets_the_pages_they_may_read(app: Flask, client: FlaskClient) -> None:
    child_id = _demo(app)
    _sign_in(client, NURSE)
    pages = client.get("/offline/pages.json").get_json()["pages"]
    assert f"/children/{child_id}/plan" in pages and "/care" in pages


def test_a_shared_device_keeps_nothing(app: Flask, client: FlaskClient) -> None:
    child_id = _demo(app)
    _sign_in(client, GUARDIAN, shared=True)
    listing = client.get("/offline/pages.json").get_json()
    assert listing == {"user": listing["user"], "keep": False, "pages": []}
    plan = client.get(f"/children/{child_id}/plan")
    assert OWNER not in plan.headers
    assert 'data-offline="none"' in plan.get_data(as_text=True)
    # Turned back off from the account page: the copy is kept again.
    token = csrf_from(client, "/account")
    assert client.post("/device", data={"csrf_token": token}).status_code == 302
    assert client.get("/offline/pages.json").get_json()["keep"] is True


def test_signed_out_there_is_no_list(app: Flask, client: FlaskClient) -> None:
    _demo(app)
    answer = client.get("/offline/pages.json")
    assert answer.status_code in (302, 401)


def test_a_prefetch_leaves_the_saved_message_for_the_page_the_person_sees(
    app: Flask, client: FlaskClient
) -> None:
    child_id = _demo(app)
    _sign_in(client, GUARDIAN)
    token = csrf_from(client, f"/children/{child_id}/plan/summary")
    page = client.get(f"/children/{child_id}/plan/summary").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    saved = client.post(
        f"/children/{child_id}/plan/summary",
        data={"summary": "Short summary.", "version": version, "csrf_token": token},
    )
    assert saved.status_code == 302
    prefetched = client.get("/", headers={"X-Familyapp-Prefetch": "1"})
    assert prefetched.status_code == 200
    seen = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved." in seen
