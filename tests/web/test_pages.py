"""HTML pages through the Flask test client: forms post the schema's field names with CSRF."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from familyapp.core import mail
from familyapp.core.db import db
from familyapp.families.models import Child, Invitation
from tests.factories import PASSWORD, add_member, csrf_from, family_with_child, form_login, user


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_protected_page_redirects_to_login_and_back(app, client):
    family_with_child(app, "g@example.org")
    response = client.get("/account")
    assert response.status_code == 302 and "next=/account" in response.headers["Location"]
    token = csrf_from(client, "/login?next=/account")
    done = client.post(
        "/login?next=/account",
        data={"email": "g@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert done.headers["Location"] == "/account"


def test_login_refuses_offsite_next(app, client):
    family_with_child(app, "g@example.org")
    token = csrf_from(client, "/login")
    done = client.post(
        "/login?next=//evil.example/x",
        data={"email": "g@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert done.headers["Location"] == "/"


def test_form_without_csrf_token_is_refused(app, client):
    user(app, "p@example.org")
    client.get("/login")
    response = client.post("/login", data={"email": "p@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/session").get_json()["user"] is None


def test_wrong_password_shows_error_in_spanish(app, client):
    user(app, "p@example.org")
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"email": "p@example.org", "password": "wrong-wrong", "csrf_token": token},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'lang="es"' in html


def test_register_form_signs_in_and_leads_to_add_child(client):
    token = csrf_from(client, "/register")
    response = client.post(
        "/register",
        data={
            "name": "Rosa Diaz",
            "email": "rosa@example.org",
            "password": PASSWORD,
            "locale": "es",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/children/new"
    page = client.get("/children/new")
    assert page.status_code == 200 and 'lang="es"' in page.get_data(as_text=True)


def test_register_form_shows_field_errors_and_keeps_input(app, client):
    user(app, "taken@example.org")
    token = csrf_from(client, "/register")
    response = client.post(
        "/register",
        data={
            "name": "Rosa",
            "email": "taken@example.org",
            "password": "short",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'value="Rosa"' in html


def test_add_child_form_and_invalid_input_writes_nothing(app, client):
    user(app, "p@example.org")
    form_login(client, "p@example.org")
    token = csrf_from(client, "/children/new")
    bad = client.post(
        "/children/new", data={"display_name": "", "birth_date": "not-a-date", "csrf_token": token}
    )
    assert bad.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Child)) == 0
    good = client.post(
        "/children/new",
        data={"display_name": "Leo", "birth_date": "2021-02-03", "csrf_token": token},
    )
    assert good.status_code == 302
    child_page = client.get(good.headers["Location"])
    assert "Leo" in child_page.get_data(as_text=True)


def test_guardian_invites_through_the_form_and_invitee_accepts(app, client):
    _, family, child = family_with_child(app, "g@example.org", "Maya")
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/families/{family.id}/invitations/new")
    made = client.post(
        f"/families/{family.id}/invitations/new",
        data={
            "role": "caregiver",
            "child_id": str(child.id),
            "label": "Night nurse",
            "link_days": "7",
            "access_until": "",
            "csrf_token": token,
        },
    )
    assert made.status_code == 200
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', made.get_data(as_text=True)).group(1)
    path = "/invite/" + link.rsplit("/", 1)[1]

    invitee = app.test_client()
    landing = invitee.get(path)
    assert landing.status_code == 200 and "Sign in" in landing.get_data(as_text=True)
    reg_token = csrf_from(invitee, f"/register?next={path}")
    registered = invitee.post(
        f"/register?next={path}",
        data={
            "name": "Night Nurse",
            "email": "nn@example.org",
            "password": PASSWORD,
            "locale": "en",
            "csrf_token": reg_token,
        },
    )
    assert registered.headers["Location"] == path
    accept_token = csrf_from(invitee, path)
    accepted = invitee.post(path, data={"csrf_token": accept_token})
    assert accepted.status_code == 302
    assert "Maya" in invitee.get("/").get_data(as_text=True)
    family_page = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Night Nurse" in family_page


def test_guardian_revokes_an_invitation_from_the_family_page(app, client):
    _, family, _ = family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/families/{family.id}/invitations/new")
    client.post(
        f"/families/{family.id}/invitations/new",
        data={"role": "viewer", "link_days": "7", "csrf_token": token},
    )
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
    page_token = csrf_from(client, f"/families/{family.id}")
    response = client.post(
        f"/families/{family.id}/invitations/{invitation.id}/revoke", data={"csrf_token": page_token}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).revoked_at is not None


def test_caregiver_does_not_see_invitations_or_manage_links(app, client):
    _, family, _ = family_with_child(app, "g@example.org")
    add_member(app, family, "nurse@example.org", "caregiver")
    form_login(client, "nurse@example.org")
    html = client.get(f"/families/{family.id}").get_data(as_text=True)
    assert "Invite someone" not in html
    assert client.get(f"/families/{family.id}/invitations/new").status_code == 403
    assert client.get(f"/families/{family.id}/audit").status_code == 403


def test_other_family_page_is_404(app, client):
    _, theirs, child = family_with_child(app, "them@example.org")
    family_with_child(app, "me@example.org")
    form_login(client, "me@example.org")
    assert client.get(f"/families/{theirs.id}").status_code == 404
    assert client.get(f"/children/{child.id}").status_code == 404


def test_forgot_and_reset_password_pages(app, client):
    user(app, "p@example.org")
    token = csrf_from(client, "/password/forgot")
    sent = client.post("/password/forgot", data={"email": "p@example.org", "csrf_token": token})
    assert sent.status_code == 200
    link = mail.OUTBOX[-1].body.split("http://localhost")[1].split()[0]
    reset_token = csrf_from(client, link)
    done = client.post(link, data={"password": "a-new-quiet-harbor-5", "csrf_token": reset_token})
    assert done.status_code == 302
    assert form_login(client, "p@example.org", "a-new-quiet-harbor-5").status_code == 302


def test_change_password_page_can_keep_other_sessions(app, client):
    user(app, "p@example.org")
    other = app.test_client()
    form_login(other, "p@example.org")
    form_login(client, "p@example.org")
    token = csrf_from(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a-new-quiet-harbor-5",
            "end_other_sessions": "0",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert other.get("/account").status_code == 200


def test_logout_form_ends_session(app, client):
    user(app, "p@example.org")
    form_login(client, "p@example.org")
    token = csrf_from(client, "/account")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/account").status_code == 302


def test_language_switch_saves_to_account(app, client):
    user(app, "p@example.org")
    form_login(client, "p@example.org")
    token = csrf_from(client, "/account")
    client.post("/language", data={"lang": "es", "next": "/account", "csrf_token": token})
    assert client.get("/api/v1/account").get_json()["locale"] == "es"
    # user setting wins over ?lang
    assert 'lang="es"' in client.get("/account?lang=en").get_data(as_text=True)


def test_anonymous_language_switch_uses_session_and_lang_param(client):
    assert 'lang="es"' in client.get("/login?lang=es").get_data(as_text=True)
    token = csrf_from(client, "/login")
    client.post("/language", data={"lang": "es", "next": "/login", "csrf_token": token})
    assert 'lang="es"' in client.get("/login").get_data(as_text=True)


def test_sessions_page_lists_and_ends_other_device(app, client):
    user(app, "p@example.org")
    other = app.test_client()
    form_login(other, "p@example.org")
    form_login(client, "p@example.org")
    html = client.get("/account/sessions").get_data(as_text=True)
    ids = re.findall(r"/account/sessions/([0-9a-f]{64})/end", html)
    assert len(ids) == 1
    token = csrf_from(client, "/account/sessions")
    client.post(f"/account/sessions/{ids[0]}/end", data={"csrf_token": token})
    assert other.get("/account").status_code == 302


def test_guardian_adds_a_second_household_through_the_form(app, client):
    family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    token = csrf_from(client, "/families/new")
    bad = client.post(
        "/families/new", data={"name": "", "time_zone": "Nowhere/X", "csrf_token": token}
    )
    assert bad.status_code == 422
    made = client.post(
        "/families/new",
        data={"name": "Grandma's house", "time_zone": "America/Denver", "csrf_token": token},
    )
    assert made.status_code == 302
    assert "Grandma&#39;s house" in client.get(made.headers["Location"]).get_data(as_text=True)
    assert len(client.get("/api/v1/families").get_json()) == 2
