"""Translations of the family's own text, on a phone: a guardian brings an out-of-date Spanish
translation up to date, the Spanish-speaking father reads the plan in Spanish without asking,
and an ER clinician switches the emergency card to Spanish with no account and no script."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_accessibility import _assert_clean, _scan
from tests.browser.test_emergency_card import _link_url

pytestmark = pytest.mark.browser

SUMMARY_ES = "Maya tiene 7 años"


def test_a_guardian_updates_a_translation_that_needs_it(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    page.get_by_role("link", name="Languages and translations").click()
    expect(page.get_by_role("heading", name="Languages", level=1)).to_be_visible()
    spanish = page.get_by_role("region", name="español · Spanish")
    expect(spanish).to_contain_text("1 needs update")
    problems = _scan(page)
    spanish.get_by_role("link", name="Plan of care").click()
    expect(page.get_by_role("heading", name="Translate into Spanish")).to_be_visible()
    problems += _scan(page)
    stale = page.locator("fieldset.translation.stale")
    expect(stale).to_have_count(1)
    expect(stale).to_contain_text("Once daily before the morning feed")  # the original now
    expect(stale).to_contain_text("Needs update")
    stale.get_by_role("textbox").fill("Una vez al día, antes de la toma de la mañana")
    stale.get_by_label("Checked by a person").check()
    page.get_by_role("button", name="Save translations").click()
    expect(page.get_by_text("Translations saved.")).to_be_visible()
    expect(page.get_by_role("region", name="español · Spanish")).not_to_contain_text("needs update")
    # Read in Spanish from the plan itself: the updated text, in Spanish, marked as such.
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    page.locator("nav.reading-picker").get_by_role("link", name="español").click()
    expect(page.locator(".two-liner")).to_contain_text(SUMMARY_ES)
    expect(page.locator(".two-liner [lang=es]")).to_have_count(1)
    expect(page.get_by_text("Una vez al día, antes de la toma de la mañana")).to_be_visible()
    problems += _scan(page)
    _assert_clean(problems)


def test_the_spanish_speaking_father_reads_the_plan_in_spanish(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url, "papa@example.org")
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    expect(page.locator(".two-liner")).to_contain_text(SUMMARY_ES)
    # Two medicines whose translation nobody checked yet say so.
    expect(page.get_by_text("traducción sin revisar todavía")).to_have_count(2)
    page.get_by_role("link", name="English").click()
    expect(page.locator(".two-liner")).to_contain_text("Maya is a 7-year-old")


def test_an_er_clinician_switches_the_card_to_spanish(
    app: Flask, browser: Browser, live_server: LiveServer
) -> None:
    url = _link_url(app, live_server)
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(url)
        expect(page.locator(".summary")).to_contain_text("Maya is a 7-year-old")
        page.get_by_role("link", name="español").click()
        expect(page.locator(".summary")).to_contain_text(SUMMARY_ES)
        expect(page.get_by_role("heading", name="Convulsiones")).to_be_visible()
        expect(page.get_by_text("Llame al 911").first).to_be_visible()
        assert page.locator("script").count() == 0
        assert context.cookies() == []
        _assert_clean(_scan(page))
    finally:
        context.close()
