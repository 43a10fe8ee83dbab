"""Languages in a real browser on a phone: Arabic lays the app out right to left (checked by
where things are on the screen, with a screenshot kept for a person to look at), and the pages
in Arabic, Chinese and Vietnamese pass axe like the English ones."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import _assert_clean, _scan

pytestmark = pytest.mark.browser

# Kept for a person to look at (CI can upload the folder); a temporary folder otherwise.
SCREENSHOTS = os.environ.get("FAMILYAPP_SCREENSHOTS", "")


def _switch_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.locator("#lang-select").select_option(code)  # submits by itself


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on the screen"
    return box


def test_arabic_is_laid_out_right_to_left_on_a_phone(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None], tmp_path: Path
) -> None:
    sign_in(page, live_server.url)
    english_home = _box(page, ".bottom-nav a:first-child")
    # The language picker names every language (with "awaiting review" where it applies)
    # and still fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _switch_language(page, "ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    expect(page.locator(".bottom-nav a").first).to_contain_text("الرئيسية")
    # Mirrored: the first item of the bottom bar (Home) is now on the right, the brand too.
    home = _box(page, ".bottom-nav a:first-child")
    last = _box(page, ".bottom-nav a:last-child")
    assert home["x"] > last["x"]
    assert home["x"] > english_home["x"]
    assert _box(page, ".topbar .brand")["x"] > _box(page, ".topbar .lang-switch")["x"]
    # Text in a card starts at the right edge of its box.
    heading = page.locator("main h1").first
    align = heading.evaluate("(el) => getComputedStyle(el).direction")
    assert align == "rtl"
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shot = page.screenshot(path=str(folder / "home-ar-phone.png"), full_page=True)
    assert len(shot) > 10_000  # a real page, not a blank one
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    page.screenshot(path=str(folder / "plan-ar-phone.png"), full_page=True)
    # No part of the page is pushed off the side of a phone screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the Arabic plan is {width}px wide on a 390px phone"


@pytest.mark.parametrize("code", ["ar", "zh", "vi"])
def test_pages_in_other_languages_have_no_serious_violations(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None], code: str
) -> None:
    sign_in(page, live_server.url)
    _switch_language(page, code)
    problems = _scan(page)
    for path in (
        f"/children/{live_server.child_id}/plan",
        f"/children/{live_server.child_id}/emergency-card",
        "/calendar",
        "/care",
        "/account",
    ):
        page.goto(f"{live_server.url}{path}")
        problems += _scan(page)
    _assert_clean(problems)
