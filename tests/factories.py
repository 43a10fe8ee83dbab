"""Builders for test data, made through the services as a user would make it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from familyapp.accounts import service as accounts
from familyapp.accounts import totp
from familyapp.accounts.models import User
from familyapp.core import authz, clock
from familyapp.core.db import db
from familyapp.families import service as families
from familyapp.families.models import Child, Family

PASSWORD = "violet-harbor-lantern-42"
# The authenticator secret of the care-team members made here (their role requires one).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code(app: Flask, email: str) -> str:
    """The code a person's authenticator app would show now (or next, if now's was used)."""
    with app.test_request_context("/"):
        found = accounts.find_by_email(email)
        assert found is not None and found.totp_secret, f"{email} has no two-step sign-in"
        code = totp.usable_code(found.totp_secret, clock.utcnow(), found.totp_last_step)
        if code is None:
            # Signed in twice within these 30 seconds: the person waits for the next code.
            clock.travel(totp.STEP_SECONDS)
            code = totp.usable_code(found.totp_secret, clock.utcnow(), found.totp_last_step)
        db.remove()
    assert code is not None
    return code


def user(app: Flask, email: str, name: str = "Test Person", **kwargs: Any) -> User:
    """Create a user with the standard test password."""
    with app.test_request_context("/"):
        made = accounts.register(email, PASSWORD, name, **kwargs)
        db.session.expunge(made)
        return made


def family_with_child(
    app: Flask, guardian_email: str, child_name: str = "Sam"
) -> tuple[User, Family, Child]:
    """A guardian with a family and one child."""
    with app.test_request_context("/"):
        guardian = accounts.register(guardian_email, PASSWORD, "Guardian " + child_name)
        child = families.create_child(guardian, {"display_name": child_name})
        family = families.get_family(child.family_id)
        for obj in (guardian, child, family):
            db.session.expunge(obj)
        return guardian, family, child


def add_member(
    app: Flask, family: Family, email: str, role: str, child_id: Any = None, **invite: Any
) -> User:
    """Invite and accept: a new user with `role` in `family`."""
    with app.test_request_context("/"):
        guardian_id = families.members(family.id)[0]["user_id"]
        guardian = db.session.get(User, guardian_id)
        assert guardian is not None
        member = accounts.register(email, PASSWORD, role.title() + " Person")
        made = families.create_invitation(
            guardian,
            families.get_family(family.id),
            {"role": role, "child_id": child_id, **invite},
            "http://x/invite/",
        )
        token = made["url"].rsplit("/", 1)[1]
        authz.forget_grants()
        families.accept_invitation(member, token)
        if role == "care_team":
            # The role requires two-step sign-in: this member has set it up.
            member.totp_secret = TOTP_SECRET
            db.session.commit()
        db.session.expunge(member)
        return member


class Api:
    """A JSON client that signs in and sends the CSRF header, as the offline client does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, email: str, password: str = PASSWORD) -> TestResponse:
        body = {"email": email, "password": password}
        response = self.client.post("/api/v1/session", json=body)
        if response.status_code == 401 and "code" in (response.get_json().get("errors") or {}):
            code = current_code(self.client.application, email)
            response = self.client.post("/api/v1/session", json=dict(body, code=code))
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf_token"]
        return response

    def refresh_csrf(self) -> None:
        self.csrf = self.client.get("/api/v1/session").get_json()["csrf_token"]

    def get(self, path: str) -> TestResponse:
        return self.client.get(path)

    def send(self, method: str, path: str, body: Any = None) -> TestResponse:
        return self.client.open(path, method=method, json=body, headers={"X-CSRFToken": self.csrf})

    def post(self, path: str, body: Any = None) -> TestResponse:
        return self.send("POST", path, body)

    def patch(self, path: str, body: Any = None) -> TestResponse:
        return self.send("PATCH", path, body)

    def delete(self, path: str) -> TestResponse:
        return self.send("DELETE", path)


def form_login(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the HTML form, with its CSRF token."""
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code == 302 and response.headers["Location"] == "/login/code":
        token = csrf_from(client, "/login/code")
        code = current_code(client.application, email)
        response = client.post("/login/code", data={"code": code, "csrf_token": token})
    return response


def csrf_from(client: FlaskClient, path: str) -> str:
    """Read the CSRF token from a page's form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no csrf token on {path}"
    return match.group(1)
