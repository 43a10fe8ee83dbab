"""The demo teen on his phone: his record, who sees it, and stopping one person; axe on each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from familyapp.demo import TEEN
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import _assert_clean, _scan

pytestmark = pytest.mark.browser


def test_the_teen_stops_and_allows_people_on_his_phone(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    base = live_server.url
    sign_in(page, base, TEEN)
    page.goto(f"{base}/family")
    page.get_by_role("link", name="Chidi Okafor").first.click()
    problems = _scan(page)
    page.get_by_role("link", name="Who sees my record").click()
    expect(page.get_by_role("heading", name="Who sees my record")).to_be_visible()
    expect(page.get_by_text("Sees your record until you are 18.")).to_be_visible()
    problems += _scan(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Stop Marcus Bell seeing my record").click()
    expect(page.get_by_role("status")).to_contain_text("Marcus Bell no longer sees your record.")
    expect(page.get_by_role("button", name="Let Marcus Bell see my record")).to_be_visible()
    problems += _scan(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Let Dana Wright see my record").click()
    expect(page.get_by_role("button", name="Stop Dana Wright seeing my record")).to_be_visible()
    _assert_clean(problems)
