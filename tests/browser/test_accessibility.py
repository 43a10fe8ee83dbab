"""axe-core on every page of the shell, on a phone: no serious or critical violations."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# WCAG 2.x A and AA (the design's target is WCAG 2.2 AA) plus axe's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed ({AXE}): scripts/test.sh runs npm ci")
    return AXE.read_text("utf-8")


def _scan(page: Page) -> list[str]:
    """Run axe on the current page; return its serious and critical violations, readably."""
    # Injected by evaluate (a DevTools call), not a <script> tag: the strict CSP forbids inline
    # script, and loosening it for the test would hide CSP mistakes.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results: dict[str, Any] = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        lines = [
            f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        ]
        for node in violation["nodes"][:5]:
            summary = " ".join(node["failureSummary"].split())
            lines.append(f"    {node['html'][:120]}\n      {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
        found.append("\n".join(lines))
    return found


def _assert_clean(problems: list[str]) -> None:
    assert not problems, "axe found serious/critical violations:\n  " + "\n  ".join(problems)


def test_public_pages_have_no_serious_violations(page: Page, live_server: LiveServer) -> None:
    problems: list[str] = []
    for path in ("/login", "/register", "/password/forgot", "/offline"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.ok, path
        problems += _scan(page)
    _assert_clean(problems)


def test_signed_in_pages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    problems = _scan(page)  # home

    page.goto(f"{live_server.url}/family")
    assert "/families/" in page.url, page.url
    family_url = page.url.split("?")[0]
    problems += _scan(page)

    page.get_by_role("link", name="Maya Rivera").first.click()
    page.wait_for_url(f"{live_server.url}/children/{live_server.child_id}")
    problems += _scan(page)

    for url in (
        f"{live_server.url}/account",
        f"{live_server.url}/children/new",
        f"{family_url}/invitations/new",
        f"{family_url}/data",
        f"{live_server.url}/children/{live_server.child_id}/translations",
        f"{live_server.url}/offline",
    ):
        response = page.goto(url)
        assert response is not None and response.ok, url
        problems += _scan(page)
    _assert_clean(problems)


def test_plan_pages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    base = f"{live_server.url}/children/{live_server.child_id}/plan"
    problems: list[str] = []
    for url in (
        base,
        f"{base}/summary",
        f"{base}/baseline",
        f"{base}/medications/new",
        f"{base}/contacts/new",
        f"{base}/history",
        f"{base}/history/2",
        f"{base}/import",
    ):
        response = page.goto(url)
        assert response is not None and response.ok, url
        problems += _scan(page)
    _assert_clean(problems)


def test_action_plan_and_emergency_pages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    problems: list[str] = []
    page.get_by_role("link", name="Seizures").first.click()  # one tap from home
    page.wait_for_url(f"{live_server.url}/action-plans/*")
    problems += _scan(page)
    plan_url = page.url
    for url in (
        f"{live_server.url}/children/{live_server.child_id}/action-plans",
        f"{plan_url}/edit",
        f"{live_server.url}/children/{live_server.child_id}/emergency-links",
        f"{live_server.url}/children/{live_server.child_id}/emergency-card",
    ):
        response = page.goto(url)
        assert response is not None and response.ok, url
        problems += _scan(page)
    # A new link, opened as an ER clinician would: no account, no script needed.
    page.goto(f"{live_server.url}/children/{live_server.child_id}/emergency-links")
    page.fill("input[name=label]", "ER test")
    with page.expect_navigation():
        page.get_by_role("button", name="Create link").click()
    card_url = page.locator("#made-url").input_value()
    stranger = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        er = stranger.new_page()
        response = er.goto(card_url)
        assert response is not None and response.ok
        assert "Maya Rivera" in er.content()
        problems += _scan(er)
    finally:
        stranger.close()
    _assert_clean(problems)


def test_calendar_pages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    child = live_server.child_id
    problems: list[str] = []
    for url in (
        "/calendar",
        "/calendar?view=week",
        "/calendar?view=month",
        "/calendar/feeds",
        f"/children/{child}/appointments/new",
        f"/children/{child}/appointments/import",
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.ok, url
        problems += _scan(page)
    # An appointment with its next dates, and the form refused with its errors shown.
    page.goto(f"{live_server.url}/calendar")
    page.locator(".appt-link", has_text="Physical therapy").first.click()
    page.wait_for_url(f"{live_server.url}/appointments/*")
    page.get_by_text("Change only this date").first.click()
    problems += _scan(page)
    page.goto(f"{live_server.url}/children/{child}/appointments/new")
    page.get_by_label("What is it?").fill("")
    page.get_by_role("button", name="Save").click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    problems += _scan(page)
    _assert_clean(problems)


def test_notification_settings_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    response = page.goto(f"{live_server.url}/account/notifications")
    assert response is not None and response.ok
    problems = _scan(page)
    page.get_by_label("Quiet from").fill("21:00")
    page.get_by_label("Quiet until").fill("")  # one end only: refused
    page.get_by_role("button", name="Save").click()
    assert page.locator("[aria-invalid=true]").count() == 1
    problems += _scan(page)
    _assert_clean(problems)


def test_care_log_pages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    child = live_server.child_id
    problems: list[str] = []
    for url in (
        "/care",
        f"/children/{child}/care/report",
        f"/children/{child}/care/report?range=week",
        f"/children/{child}/care/report?range=year",
        f"/children/{child}/care/report?range=custom&from=2026-01-01&to=2026-03-31",
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.ok, url
        for details in page.locator("details").all():
            details.evaluate("(element) => { element.open = true; }")
        problems += _scan(page)
    # The quick entry refused with its errors shown, then an entry's edit page.
    page.goto(f"{live_server.url}/care")
    page.get_by_label("Minutes").fill("0")
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    problems += _scan(page)
    page.goto(f"{live_server.url}/care")
    page.locator(".care-entry a").first.click()
    page.wait_for_url(f"{live_server.url}/care/entries/*")
    problems += _scan(page)
    _assert_clean(problems)
