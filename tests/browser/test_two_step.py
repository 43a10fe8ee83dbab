"""Two-step sign-in on a phone: a parent turns it on and signs in with the app's code; the demo
coordinator signs in with the published code; axe on every page of the way."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from familyapp.accounts import totp
from familyapp.core import clock
from familyapp.demo import COORDINATOR, DEMO_PASSWORD, GUARDIAN
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import _assert_clean, _scan

pytestmark = pytest.mark.browser


def _password_step(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_parent_turns_on_two_step_and_signs_in_with_the_app_code(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    base = live_server.url
    sign_in(page, base)
    page.goto(f"{base}/account")
    page.get_by_role("link", name="Two-step sign-in").click()
    problems = _scan(page)
    page.get_by_role("link", name="Set up two-step sign-in").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    problems += _scan(page)
    # What the authenticator app does with the key: compute the code of now.
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("123")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".field-error")).to_be_visible()
    problems += _scan(page)
    code = totp.code_at(secret, totp.step_at(clock.utcnow()))
    page.get_by_label("Code from your authenticator app").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    problems += _scan(page)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_text("recovery codes left")).to_have_text("10 recovery codes left.")

    page.goto(f"{base}/account")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    _password_step(page, base, GUARDIAN)
    assert page.url == f"{base}/login/code"
    problems += _scan(page)
    # A parent's real secret: the page offers no code.
    expect(page.get_by_role("note")).to_have_count(0)
    field = page.get_by_label("Code from your authenticator app")
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("autocomplete") == "one-time-code"
    field.fill(totp.usable_code(secret, clock.utcnow(), totp.step_at(clock.utcnow())) or "")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/"
    _assert_clean(problems)


def test_the_demo_coordinator_signs_in_with_a_recovery_code_link_and_the_shown_code(
    page: Page, live_server: LiveServer
) -> None:
    base = live_server.url
    _password_step(page, base, COORDINATOR)
    page.get_by_role("link", name="Lost your phone? Use a recovery code").click()
    expect(page.get_by_label("Recovery code")).to_be_visible()
    problems = _scan(page)
    page.get_by_role("link", name="Use the code from your app instead").click()
    shown = re.search(r"\b(\d{6})\b", page.get_by_role("note").inner_text())
    assert shown is not None
    page.get_by_label("Code from your authenticator app").fill(shown.group(1))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/"
    page.goto(f"{base}/account/two-step")
    expect(page.get_by_text("cannot be turned off")).to_be_visible()
    problems += _scan(page)
    _assert_clean(problems)
