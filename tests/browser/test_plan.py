"""The plan on a phone: a guardian edits, a caregiver sees it, a stale tab is refused and merged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser


def test_guardian_edits_caregiver_sees_and_a_stale_tab_merges(
    page: Page, browser: Browser, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    plan_url = f"{live_server.url}/children/{live_server.child_id}/plan"

    # Two taps from home: the child's plan link, then the plan is there, allergies first.
    page.get_by_role("link", name="Plan of care").first.click()
    page.wait_for_url(plan_url)
    expect(page.get_by_role("heading", name="Allergies")).to_be_visible()
    expect(page.get_by_text("Shiley pediatric, cuffless")).to_be_visible()

    # A second tab opens the summary form at the current version.
    stale_tab = page.context.new_page()
    stale_tab.goto(f"{plan_url}/summary")

    # The guardian edits the summary on the phone.
    page.goto(f"{plan_url}/summary")
    page.fill(
        "textarea[name=summary]", "Maya, 7: trach, vent at night, G-tube; seizures controlled."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Maya, 7: trach, vent at night")).to_be_visible()

    # The home nurse, on her own phone, sees the change.
    nurse_context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        nurse = nurse_context.new_page()
        sign_in(nurse, live_server.url, "nurse@example.org")
        nurse.goto(plan_url)
        expect(nurse.get_by_text("Maya, 7: trach, vent at night")).to_be_visible()
        expect(nurse.get_by_role("link", name="Edit summary")).to_have_count(0)
    finally:
        nurse_context.close()

    # The stale tab saves: refused, both versions shown, nothing lost; saving again merges.
    stale_tab.fill("textarea[name=summary]", "Words typed in the old tab.")
    with stale_tab.expect_navigation():
        stale_tab.get_by_role("button", name="Save").click()
    expect(
        stale_tab.get_by_text("Someone else saved the plan while you were editing.")
    ).to_be_visible()
    expect(
        stale_tab.get_by_role("cell", name="Maya, 7: trach, vent at night", exact=False)
    ).to_be_visible()
    expect(stale_tab.locator("textarea[name=summary]")).to_have_value("Words typed in the old tab.")
    with stale_tab.expect_navigation():
        stale_tab.get_by_role("button", name="Save").click()
    expect(stale_tab.get_by_text("Words typed in the old tab.")).to_be_visible()
    stale_tab.close()

    # The history names the change.
    page.goto(f"{plan_url}/history")
    expect(page.get_by_role("link", name="Version 4")).to_be_visible()
