"""Two-step sign-in through the HTML forms and the JSON API: required for the care team,
optional for families, with single-use codes, recovery codes and throttling."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from familyapp.accounts import totp
from familyapp.accounts.models import RecoveryCode, User
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent, ServerSession
from familyapp.families.models import Membership
from tests.factories import (
    PASSWORD,
    TOTP_SECRET,
    Api,
    add_member,
    csrf_from,
    current_code,
    family_with_child,
    form_login,
)


def _password_step(client, email):
    token = csrf_from(client, "/login")
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def _signed_in_as(client):
    return (client.get("/api/v1/session").get_json()["user"] or {}).get("email")


def _secret_from(html):
    match = re.search(r'<code class="secret" translate="no">([A-Z2-7 ]+)</code>', html)
    assert match, "the setup page shows no key"
    return match.group(1).replace(" ", "")


def _codes_from(html):
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", html)


def _user(app, email):
    with app.test_request_context("/"):
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(found)
        return found


def _audit_actions(app, user_id):
    with app.test_request_context("/"):
        return [
            row.action
            for row in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.actor_user_id == user_id)
                .order_by(AuditEvent.at)
            )
        ]


def _enable_from_account(client):
    page = client.get("/account/two-step/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "otpauth://totp/" in html
    secret = _secret_from(html)
    token = csrf_from(client, "/account/two-step/setup")
    code = totp.code_at(secret, totp.step_at(clock.utcnow()))
    done = client.post("/account/two-step/setup", data={"code": code, "csrf_token": token})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    return secret, _codes_from(done.get_data(as_text=True))


def test_a_family_signs_in_with_the_password_alone_until_they_turn_two_step_on(app, client):
    guardian, _family, _child = family_with_child(app, "g@example.org")
    assert form_login(client, "g@example.org").headers["Location"] == "/"
    assert 'badge">Off<' in client.get("/account").get_data(as_text=True)

    other = app.test_client()
    assert form_login(other, "g@example.org").status_code == 302
    _secret, codes = _enable_from_account(client)
    assert len(codes) == totp.RECOVERY_CODE_COUNT
    # The other session never passed the second step: it is ended.
    assert _signed_in_as(other) is None and _signed_in_as(client) == "g@example.org"
    assert "totp.enabled" in _audit_actions(app, guardian.id)

    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    step = _password_step(client, "g@example.org")
    assert step.headers["Location"] == "/login/code"
    # After the password alone, nobody is signed in.
    assert _signed_in_as(client) is None and client.get("/").status_code == 302
    token = csrf_from(client, "/login/code")
    wrong = client.post("/login/code", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 401 and "not right" in wrong.get_data(as_text=True)
    assert _signed_in_as(client) is None
    code = current_code(app, "g@example.org")
    right = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert right.headers["Location"] == "/" and _signed_in_as(client) == "g@example.org"

    # The same code, read over a shoulder, does not open a second session.
    thief = app.test_client()
    _password_step(thief, "g@example.org")
    replay = thief.post(
        "/login/code", data={"code": code, "csrf_token": csrf_from(thief, "/login/code")}
    )
    assert replay.status_code == 401 and _signed_in_as(thief) is None


def test_a_recovery_code_signs_in_once_and_the_count_goes_down(app, client):
    family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    _secret, codes = _enable_from_account(client)
    for attempt, expect in ((codes[0].upper().replace("-", " "), 302), (codes[0], 401)):
        fresh = app.test_client()
        _password_step(fresh, "g@example.org")
        page = fresh.get("/login/code?recovery=1").get_data(as_text=True)
        assert 'name="recovery" value="1"' in page
        token = csrf_from(fresh, "/login/code?recovery=1")
        response = fresh.post(
            "/login/code", data={"code": attempt, "recovery": "1", "csrf_token": token}
        )
        assert response.status_code == expect
        if expect == 302:
            assert "recovery code: 9 are left" in fresh.get("/").get_data(as_text=True)
            assert "9 recovery codes left" in fresh.get("/account/two-step").get_data(as_text=True)
        else:
            assert _signed_in_as(fresh) is None
    with app.test_request_context("/"):
        unused = db.session.scalar(
            select(func.count()).where(RecoveryCode.used_at.is_(None)).select_from(RecoveryCode)
        )
    assert unused == totp.RECOVERY_CODE_COUNT - 1


def test_new_recovery_codes_replace_the_old_and_turning_off_needs_the_password(app, client):
    family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    _secret, old_codes = _enable_from_account(client)
    token = csrf_from(client, "/account/two-step")
    wrong = client.post(
        "/account/two-step/recovery-codes", data={"password": "nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == 422
    made = client.post(
        "/account/two-step/recovery-codes", data={"password": PASSWORD, "csrf_token": token}
    )
    new_codes = _codes_from(made.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    fresh = app.test_client()
    _password_step(fresh, "g@example.org")
    old = fresh.post(
        "/login/code", data={"code": old_codes[1], "csrf_token": csrf_from(fresh, "/login/code")}
    )
    assert old.status_code == 401

    refused = client.post(
        "/account/two-step/disable", data={"password": "nope-nope", "csrf_token": token}
    )
    assert refused.status_code == 422 and _user(app, "g@example.org").totp_secret
    off = client.post("/account/two-step/disable", data={"password": PASSWORD, "csrf_token": token})
    assert off.headers["Location"] == "/account/two-step"
    assert _user(app, "g@example.org").totp_secret is None
    with app.test_request_context("/"):
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout", data={"csrf_token": token})
    assert form_login(client, "g@example.org").headers["Location"] == "/"


def test_a_care_team_member_must_set_up_two_step_before_signing_in(app, client):
    _g, family, child = family_with_child(app, "g@example.org")
    member = add_member(app, family, "team@example.org", "care_team")
    with app.test_request_context("/"):
        db.session.get(User, member.id).totp_secret = None  # invited, not set up yet
        db.session.commit()
    step = _password_step(client, "team@example.org")
    assert step.headers["Location"] == "/login/setup"
    assert _signed_in_as(client) is None
    page = client.get("/login/setup").get_data(as_text=True)
    assert "Care-team accounts" in page and "<title>" in page
    secret = _secret_from(page)
    token = csrf_from(client, "/login/setup")
    bad = client.post("/login/setup", data={"code": "123", "csrf_token": token})
    assert bad.status_code == 422 and _signed_in_as(client) is None
    code = totp.code_at(secret, totp.step_at(clock.utcnow()))
    done = client.post("/login/setup", data={"code": code, "csrf_token": token})
    assert len(_codes_from(done.get_data(as_text=True))) == 10
    assert _signed_in_as(client) == "team@example.org"
    assert client.get(f"/children/{child.id}/plan").status_code == 200
    # The role requires it: it cannot be turned off.
    token = csrf_from(client, "/account/two-step")
    refused = client.post(
        "/account/two-step/disable", data={"password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 403 and _user(app, "team@example.org").totp_secret == secret


def test_a_signed_in_person_given_a_care_team_role_is_stopped_until_set_up(app, client):
    _g, family, child = family_with_child(app, "g@example.org")
    _g2, other_family, _c2 = family_with_child(app, "h@example.org", "Ada")
    member = add_member(app, other_family, "p@example.org", "viewer")
    form_login(client, "p@example.org")
    api = Api(app.test_client())
    assert api.login("p@example.org").status_code == 200
    with app.test_request_context("/"):
        db.session.add(Membership(family_id=family.id, user_id=member.id, role="care_team"))
        db.session.commit()
    page = client.get(f"/children/{child.id}/plan")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/account/two-step/setup?next=/children/")
    refused = api.get(f"/api/v1/children/{child.id}/plan")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "second_factor_setup_required"
    # Their own account stays open to them, to set it up.
    assert client.get("/account").status_code == 200
    _enable_from_account(client)
    assert client.get(f"/children/{child.id}/plan").status_code == 200


def test_the_api_asks_for_the_code_and_refuses_a_wrong_one(app, client):
    _g, family, _child = family_with_child(app, "g@example.org")
    add_member(app, family, "team@example.org", "care_team")
    bare = client.post("/api/v1/session", json={"email": "team@example.org", "password": PASSWORD})
    assert bare.status_code == 401 and "code" in bare.get_json()["errors"]
    wrong = client.post(
        "/api/v1/session",
        json={"email": "team@example.org", "password": PASSWORD, "code": "999999"},
    )
    assert wrong.status_code == 401 and _signed_in_as(client) is None
    code = totp.usable_code(TOTP_SECRET, clock.utcnow(), None)
    right = client.post(
        "/api/v1/session", json={"email": "team@example.org", "password": PASSWORD, "code": code}
    )
    assert right.status_code == 200 and right.get_json()["user"]["email"] == "team@example.org"
    with app.test_request_context("/"):
        member = db.session.scalar(select(User).where(User.email == "team@example.org"))
        member.totp_secret = None
        db.session.commit()
        db.remove()
    unset = app.test_client().post(
        "/api/v1/session", json={"email": "team@example.org", "password": PASSWORD}
    )
    assert unset.status_code == 403


def test_wrong_codes_are_throttled_per_account_and_audited(app, client):
    _g, family, _child = family_with_child(app, "g@example.org")
    member = add_member(app, family, "team@example.org", "care_team")
    _password_step(client, "team@example.org")
    token = csrf_from(client, "/login/code")
    statuses = [
        client.post("/login/code", data={"code": "000000", "csrf_token": token}).status_code
        for _ in range(app.extensions["familyapp.settings"].login_attempts_per_account + 1)
    ]
    assert statuses[:-1] == [401] * (len(statuses) - 1) and statuses[-1] == 429
    # Even the right code waits out the window: guessing a million codes five at a time.
    code = current_code(app, "team@example.org")
    assert client.post("/login/code", data={"code": code, "csrf_token": token}).status_code == 429
    assert _audit_actions(app, member.id).count("login.second_factor_failed") == len(statuses) - 1
    clock.travel(app.extensions["familyapp.settings"].login_window_seconds + 1)
    _password_step(client, "team@example.org")
    code = current_code(app, "team@example.org")
    assert client.post("/login/code", data={"code": code, "csrf_token": token}).status_code == 302


def test_the_step_between_password_and_code_expires(app, client):
    _g, family, _child = family_with_child(app, "g@example.org")
    add_member(app, family, "team@example.org", "care_team")
    _password_step(client, "team@example.org")
    clock.travel(11 * 60)
    code = current_code(app, "team@example.org")
    late = client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_from(client, "/login")}
    )
    assert late.headers["Location"] == "/login" and _signed_in_as(client) is None
    with app.test_request_context("/"):
        signed = db.session.scalar(
            select(func.count()).select_from(ServerSession).where(ServerSession.user_id.isnot(None))
        )
    assert signed == 0


def test_the_demo_coordinator_page_shows_the_code_of_the_published_secret(app, client):
    from familyapp.demo import COORDINATOR, DEMO_PASSWORD, create_demo

    with app.test_request_context("/"):
        create_demo()
    token = csrf_from(client, "/login")
    client.post(
        "/login", data={"email": COORDINATOR, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    page = client.get("/login/code").get_data(as_text=True)
    shown = re.search(r"Its code right now is (\d{6})", page)
    assert shown and shown.group(1) == totp.usable_code(
        totp.PUBLISHED_DEMO_SECRET, clock.utcnow(), None
    )
    token = csrf_from(client, "/login/code")
    done = client.post("/login/code", data={"code": shown.group(1), "csrf_token": token})
    assert done.headers["Location"] == "/" and _signed_in_as(client) == COORDINATOR
    # A real account's page shows no code.
    family_with_child(app, "g@example.org")
    other = app.test_client()
    form_login(other, "g@example.org")
    _enable_from_account(other)
    other.post("/logout", data={"csrf_token": csrf_from(other, "/account")})
    _password_step(other, "g@example.org")
    assert "code right now" not in other.get("/login/code").get_data(as_text=True)
