"""Accounts and sessions through the JSON API, as the offline client and integrations use it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from familyapp.core import clock, mail
from familyapp.core.db import db
from familyapp.core.models import AuditEvent, ServerSession
from tests.factories import PASSWORD, Api, family_with_child, user


def test_register_returns_contract_fields(client):
    response = client.post(
        "/api/v1/accounts",
        json={"email": "New@Example.org ", "password": PASSWORD, "name": "Rosa", "locale": "es"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "new@example.org"
    assert body["locale"] == "es"
    assert "password" not in body and "password_hash" not in body
    assert len(body["id"]) == 36


def test_register_refuses_duplicate_and_weak_password_with_field_errors(app, client):
    user(app, "taken@example.org")
    response = client.post(
        "/api/v1/accounts", json={"email": "taken@example.org", "password": "password", "name": "X"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert "email" in errors and "password" in errors


def test_register_validation_errors_are_problem_json(client):
    response = client.post("/api/v1/accounts", json={"email": "not-an-email", "password": 3})
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == 422
    assert set(body["errors"]) >= {"email", "password", "name"}


def test_registration_can_be_closed(client, app):
    app.extensions["familyapp.settings"] = app.extensions["familyapp.settings"].with_changes(
        open_registration=False
    )
    response = client.post(
        "/api/v1/accounts", json={"email": "a@example.org", "password": PASSWORD, "name": "A"}
    )
    assert response.status_code == 403
    assert client.get("/register").status_code == 403


def test_session_login_returns_user_and_csrf_and_sets_httponly_cookie(app, client):
    user(app, "p@example.org", "Pat")
    response = client.post("/api/v1/session", json={"email": "p@example.org", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["name"] == "Pat" and body["csrf_token"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/session").get_json()["user"]["email"] == "p@example.org"


def test_wrong_password_is_401_problem(app, client):
    user(app, "p@example.org")
    response = client.post(
        "/api/v1/session", json={"email": "p@example.org", "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    unknown = client.post(
        "/api/v1/session", json={"email": "x@example.org", "password": "nope-nope"}
    )
    assert unknown.status_code == 401
    assert unknown.get_json()["detail"] == response.get_json()["detail"]


def test_session_id_is_rotated_at_login(app, client):
    user(app, "p@example.org")
    client.get("/api/v1/session")  # anonymous session with a CSRF token
    before = client.get_cookie("familyapp_session").value
    client.post("/api/v1/session", json={"email": "p@example.org", "password": PASSWORD})
    after = client.get_cookie("familyapp_session").value
    assert before != after
    with app.app_context():
        from familyapp.core.ids import token_digest

        assert db.session.get(ServerSession, token_digest(before)) is None


def test_logout_deletes_server_session_so_replayed_cookie_fails(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    stolen = client.get_cookie("familyapp_session").value
    assert api.delete("/api/v1/session").status_code == 204
    thief = app.test_client()
    thief.set_cookie("familyapp_session", stolen)
    response = thief.get("/api/v1/children")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_writes_need_csrf_header(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    response = client.post("/api/v1/children", json={"display_name": "Sam"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert api.get("/api/v1/children").get_json() == []
    assert api.post("/api/v1/children", {"display_name": "Sam"}).status_code == 201


def test_login_is_throttled_per_account_then_recovers(app, client):
    user(app, "p@example.org")
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/session", json={"email": "p@example.org", "password": "wrong-one"}
            ).status_code
            == 401
        )
    blocked = client.post("/api/v1/session", json={"email": "p@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    clock.travel(301)  # the window is short, so a real user is not locked out for long
    assert (
        client.post(
            "/api/v1/session", json={"email": "p@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed")
        ).all()
        assert len(failed) == 5


@pytest.mark.parametrize("settings_overrides", [{"session_idle_seconds": 60}])
def test_idle_timeout_ends_session(app, client, settings_overrides):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    clock.travel(30)
    assert api.get("/api/v1/account").status_code == 200
    clock.travel(61)
    assert api.get("/api/v1/account").status_code == 401


@pytest.mark.parametrize(
    "settings_overrides", [{"session_idle_seconds": 3600, "session_absolute_seconds": 7200}]
)
def test_absolute_timeout_ends_even_an_active_session(app, client, settings_overrides):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    for _ in range(3):  # active every 2000 s: never idle, still inside 7200 s after 6000 s
        clock.travel(2000)
        assert api.get("/api/v1/account").status_code == 200
    clock.travel(2000)
    assert api.get("/api/v1/account").status_code == 401


def test_password_change_ends_other_sessions_but_not_this_one(app, client):
    user(app, "p@example.org")
    phone, laptop = Api(client), Api(app.test_client())
    phone.login("p@example.org")
    laptop.login("p@example.org")
    response = phone.post(
        "/api/v1/account/password",
        {"current_password": PASSWORD, "new_password": "brand-new-river-stone-9"},
    )
    assert response.status_code == 200 and response.get_json()["ended_sessions"] == 1
    assert phone.get("/api/v1/account").status_code == 200
    assert laptop.get("/api/v1/account").status_code == 401
    assert (
        Api(app.test_client()).login("p@example.org", "brand-new-river-stone-9").status_code == 200
    )


def test_password_change_refuses_wrong_current_password(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    response = api.post(
        "/api/v1/account/password",
        {"current_password": "not-mine-at-all", "new_password": "brand-new-river-stone-9"},
    )
    assert response.status_code == 422
    assert "current_password" in response.get_json()["errors"]
    assert Api(app.test_client()).login("p@example.org").status_code == 200


def test_password_reset_by_emailed_link(app, client):
    user(app, "p@example.org", locale="es")
    other = Api(app.test_client())
    other.login("p@example.org")
    response = client.post("/api/v1/password/forgot", json={"email": "p@example.org"})
    assert response.status_code == 202
    sent = mail.OUTBOX[-1]
    assert sent.to == "p@example.org"
    token = sent.body.split("/password/reset/")[1].split()[0]
    done = client.post(
        "/api/v1/password/reset", json={"token": token, "password": "fresh-meadow-owl-31"}
    )
    assert done.status_code == 200
    assert other.get("/api/v1/account").status_code == 401  # every old session ended
    again = client.post(
        "/api/v1/password/reset", json={"token": token, "password": "other-fresh-owl-32"}
    )
    assert again.status_code == 400  # single use
    assert Api(app.test_client()).login("p@example.org", "fresh-meadow-owl-31").status_code == 200


def test_password_reset_does_not_reveal_accounts(client):
    response = client.post("/api/v1/password/forgot", json={"email": "nobody@example.org"})
    assert response.status_code == 202
    assert len(mail.OUTBOX) == 0


def test_password_reset_link_expires(app, client):
    user(app, "p@example.org")
    client.post("/api/v1/password/forgot", json={"email": "p@example.org"})
    token = mail.OUTBOX[-1].body.split("/password/reset/")[1].split()[0]
    clock.travel(3601)
    response = client.post(
        "/api/v1/password/reset", json={"token": token, "password": "fresh-meadow-owl-31"}
    )
    assert response.status_code == 400
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_users_see_and_end_their_own_sessions(app, client):
    user(app, "p@example.org")
    phone, laptop = Api(client), Api(app.test_client())
    phone.login("p@example.org")
    laptop.login("p@example.org")
    rows = phone.get("/api/v1/account/sessions").get_json()
    assert len(rows) == 2 and sum(row["current"] for row in rows) == 1
    other = next(row for row in rows if not row["current"])
    assert phone.delete(f"/api/v1/account/sessions/{other['id']}").status_code == 204
    assert laptop.get("/api/v1/account").status_code == 401
    assert phone.delete("/api/v1/account/sessions/nonexistent").status_code == 404


def test_profile_update_validates_time_zone(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    bad = api.patch("/api/v1/account", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and "time_zone" in bad.get_json()["errors"]
    ok = api.patch("/api/v1/account", {"time_zone": "America/Chicago", "locale": "es"})
    assert ok.get_json()["time_zone"] == "America/Chicago"


def test_non_json_body_is_a_clear_422(app, client):
    family_with_child(app, "g@example.org")
    api = Api(client)
    api.login("g@example.org")
    response = client.post(
        "/api/v1/children",
        data="display_name=x",
        headers={"X-CSRFToken": api.csrf},
        content_type="text/plain",
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_ended_session_is_not_resurrected_by_a_request_in_flight(app, client):
    user(app, "p@example.org")
    phone, laptop = Api(client), Api(app.test_client())
    phone.login("p@example.org")
    laptop.login("p@example.org")
    laptop_digest = next(
        row["id"] for row in phone.get("/api/v1/account/sessions").get_json() if not row["current"]
    )
    phone.delete(f"/api/v1/account/sessions/{laptop_digest}")
    # The laptop writes to its (ended) session: it must stay ended.
    response = laptop.client.post("/language", data={"lang": "es", "csrf_token": laptop.csrf})
    assert response.status_code in {302, 400}
    assert laptop.get("/api/v1/account").status_code == 401
    assert len(phone.get("/api/v1/account/sessions").get_json()) == 1


@pytest.mark.parametrize("settings_overrides", [{"base_url": "https://care.example.org"}])
def test_reset_link_uses_base_url_not_the_host_header(app, client, settings_overrides):
    user(app, "p@example.org")
    client.post(
        "/api/v1/password/forgot", json={"email": "p@example.org"}, headers={"Host": "evil.example"}
    )
    assert "https://care.example.org/password/reset/" in mail.OUTBOX[-1].body
    assert "evil.example" not in mail.OUTBOX[-1].body


def test_validation_errors_speak_the_readers_language(client):
    body = {"email": "nope", "password": "x" * 200, "name": ""}
    english = client.post("/api/v1/accounts", json=body).get_json()["errors"]
    spanish = client.post(
        "/api/v1/accounts", json=body, headers={"Accept-Language": "es"}
    ).get_json()["errors"]
    assert english["email"] == ["Enter an email address like name@example.org."]
    assert english["password"] == ["Use at most 128 characters."]
    assert spanish["email"] == ["Escriba un correo electrónico como nombre@example.org."]
    assert spanish["password"] == ["Use como máximo 128 caracteres."]
    assert spanish["name"] != english["name"]


def _request(app, token, headers=None):
    return app.test_request_context(
        "/", headers={"Cookie": f"familyapp_session={token}", **(headers or {})}
    )


def _open(app, token, headers=None):
    """The session a request with this cookie (and headers) begins with."""
    with _request(app, token, headers) as ctx:
        return app.session_interface.open_session(app, ctx.request)


def _save(app, token, session, headers=None):
    """End that request: write its session back."""
    with _request(app, token, headers):
        app.session_interface.save_session(app, session, app.response_class())


def test_two_requests_at_once_each_keep_what_they_wrote(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    token = client.get_cookie("familyapp_session").value
    # A form post and a background fetch read the session at the same time...
    posted, fetched = _open(app, token), _open(app, token)
    posted["_flashes"] = [("success", "Saved.")]
    _save(app, token, posted)
    # ...the fetch changes something else and finishes last: the message is still there.
    fetched["lang"] = "es"
    _save(app, token, fetched)
    with app.app_context():
        row = db.session.scalars(select(ServerSession)).one()
        assert row.data["_flashes"] == [["success", "Saved."]]
        assert row.data["lang"] == "es"
        assert row.data["_user_id"]
        db.remove()


def test_a_flash_appended_in_place_is_written(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    token = client.get_cookie("familyapp_session").value
    first = _open(app, token)
    first["_flashes"] = [("success", "One.")]
    _save(app, token, first)
    second = _open(app, token)
    second["_flashes"].append(("success", "Two."))  # what flask.flash does
    second.modified = True
    _save(app, token, second)
    with app.app_context():
        row = db.session.scalars(select(ServerSession)).one()
        assert [text for _, text in row.data["_flashes"]] == ["One.", "Two."]
        db.remove()


def test_a_prefetch_removes_nothing_from_the_session(app, client):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    token = client.get_cookie("familyapp_session").value
    first = _open(app, token)
    first["_flashes"] = [("success", "Saved.")]
    _save(app, token, first)
    prefetch = _open(app, token, {"X-Familyapp-Prefetch": "1"})
    prefetch.pop("_flashes")  # the prefetched page showed the message...
    prefetch["csrf_token"] = "new"  # ...and may add what its forms need
    _save(app, token, prefetch, {"X-Familyapp-Prefetch": "1"})
    with app.app_context():
        row = db.session.scalars(select(ServerSession)).one()
        assert row.data["_flashes"] == [["success", "Saved."]]
        db.remove()


@pytest.mark.parametrize("settings_overrides", [{"session_idle_seconds": 600}])
def test_background_refreshes_do_not_hold_off_the_idle_timeout(app, client, settings_overrides):
    user(app, "p@example.org")
    api = Api(client)
    api.login("p@example.org")
    prefetch = {"X-Familyapp-Prefetch": "1"}
    for _ in range(3):  # a tab left open refreshes its offline copy every few minutes
        clock.travel(190)
        assert client.get("/api/v1/account", headers=prefetch).status_code == 200
    clock.travel(100)  # 670 s since the person last did anything
    assert client.get("/api/v1/account", headers=prefetch).status_code == 401
    api.login("p@example.org")
    clock.travel(200)
    assert api.get("/api/v1/account").status_code == 200  # what a person does counts
    clock.travel(500)
    assert api.get("/api/v1/account").status_code == 200
