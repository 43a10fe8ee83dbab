"""Surveys on a phone in a real browser: a parent answers the waiting survey from the home
screen, a follow-up question appears only when it applies, progress is saved, the score is
shown; the coordinator reads results and writes a survey in the builder; axe on every page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from familyapp.core.db import db
from familyapp.surveys.models import Campaign, Response
from tests.browser.conftest import LiveServer
from tests.browser.test_accessibility import _assert_clean, _scan

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.org"
IMPACT = "Family impact check-in, autumn 2026"
COUNCIL = "Council meetings in 2027"


def test_parent_answers_the_waiting_survey_on_a_phone(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    problems = _scan(page)
    waiting = page.get_by_role("region", name="surveys are waiting for you").or_(
        page.locator("section[aria-labelledby=surveys-heading]")
    )
    waiting.get_by_role("link", name=IMPACT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(IMPACT)
    problems += _scan(page)
    # Sending with questions unanswered keeps what was chosen and says what is missing.
    page.get_by_label("5-10 hours per week").first.check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("5-10 hours per week").first).to_be_checked()
    problems += _scan(page)
    hours = page.locator("[data-link-id='care.hours_coordinating']")
    hours.get_by_label("1-4 hours per week").check()
    for link_id, answer in (
        ("work.left_job", "No"),
        ("work.cut_hours", "Yes"),
        ("work.avoided_change", "Yes"),
        ("money.problems_paying", "No"),
    ):
        page.locator(f"[data-link-id='{link_id}']").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    expect(page.locator(".facts dd").first).to_contain_text("2")
    problems += _scan(page)
    # Gone from the home screen; the scores page now has three rounds.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name=IMPACT)).to_have_count(0)
    page.goto(f"{live_server.url}/surveys/scores")
    expect(page.locator("table tbody tr")).to_have_count(3)
    expect(page.locator("svg circle")).to_have_count(3)
    problems += _scan(page)
    _assert_clean(problems)


def test_follow_up_question_appears_only_when_it_applies_and_progress_is_saved(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    page.get_by_role("link", name=COUNCIL).first.click()
    follow_up = page.locator("[data-link-id='video_help']")
    expect(follow_up).to_be_hidden()
    video = page.locator("[data-link-id='video']")
    video.get_by_label("Yes", exact=True).check()
    expect(follow_up).to_be_visible()
    video.get_by_label("No", exact=True).check()
    expect(follow_up).to_be_hidden()
    page.get_by_label("Saturday mornings").check()
    page.get_by_label("Weekday evenings").check()
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Saturday mornings")).to_be_checked()
    expect(page.get_by_label("Weekday evenings")).to_be_checked()
    expect(page.locator("[data-link-id='video']").get_by_label("No", exact=True)).to_be_checked()
    expect(follow_up).to_be_hidden()
    _assert_clean(_scan(page))


def test_coordinator_reads_results_and_writes_a_survey(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url, COORDINATOR)
    page.goto(f"{live_server.url}/programs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lakeside Complex Care Program")
    problems = _scan(page)
    page.get_by_role("link", name="Family impact check-in, spring 2026").click()
    expect(page.get_by_role("heading", name="7 responses")).to_be_visible()
    expect(page.locator("figure.chart svg").first).to_be_visible()
    for details in page.locator("details").all():
        details.evaluate("(element) => { element.open = true; }")
    problems += _scan(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download de-identified CSV").click()
    text = download.value.path().read_text("utf-8")
    assert text.splitlines()[0].startswith("row,month,")
    assert len(text.strip().splitlines()) == 8
    # The council's anonymous survey has exactly five answers: shown.
    page.go_back()
    page.goto(f"{live_server.url}/programs")
    sent = page.locator("section[aria-labelledby=campaigns-heading]")
    sent.get_by_role("link", name=COUNCIL).click()
    expect(page.get_by_role("heading", name="5 responses")).to_be_visible()
    # The builder: a new survey with one choice question, previewed on a phone.
    page.goto(f"{live_server.url}/programs")
    page.get_by_role("link", name="Write a new survey").click()
    problems += _scan(page)
    page.get_by_label("Title").fill("Respite needs")
    page.get_by_role("button", name="Start writing").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Respite needs")
    problems += _scan(page)
    page.get_by_label("Kind of question").select_option("yesno")
    page.get_by_label("Question (or text, or section title)").fill("Do you have respite care?")
    page.get_by_role("button", name="Add").click()
    problems += _scan(page)  # the new question's own page
    page.get_by_role("button", name="Save").click()
    page.goto(page.url.split("/items/")[0] + "/edit")
    page.get_by_role("link", name="Preview on a phone").click()
    expect(page.get_by_text("Do you have respite care?")).to_be_visible()
    expect(page.get_by_role("button", name="Send my answers")).to_be_disabled()
    problems += _scan(page)
    _assert_clean(problems)


def _council_responses(app: Flask) -> int:
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).where(Campaign.title == COUNCIL)).one()
        count = db.session.scalar(
            select(func.count()).select_from(Response).where(Response.campaign_id == campaign.id)
        )
        db.remove()
        return count or 0


def test_answers_sent_with_no_network_wait_on_the_phone_and_land_once(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    before = _council_responses(app)
    page.get_by_role("link", name=COUNCIL).first.click()
    page.get_by_label("Saturday mornings").check()
    page.locator("[data-link-id='video']").get_by_label("No", exact=True).check()
    context.set_offline(True)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#outbox-kept")).to_be_visible()
    expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text("Waiting to sync: 1")
    assert _council_responses(app) == before
    problems = _scan(page)
    context.set_offline(False)  # the 'online' event sends it
    expect(page.locator("#outbox-status")).to_have_attribute("data-count", "0")
    failed = page.locator("#outbox-status .outbox-failed")
    assert failed.locator("li").count() == 0, failed.inner_text()
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _council_responses(app) == before + 1
    # Coming back to the app sends nothing more: the outbox is empty and the id was used.
    page.goto(f"{live_server.url}/surveys")
    expect(page.locator("#done-heading")).to_be_visible()
    expect(page.locator("section[aria-labelledby=done-heading]")).to_contain_text(COUNCIL)
    assert _council_responses(app) == before + 1
    _assert_clean(problems)


def test_answers_the_server_refuses_are_shown_with_the_reason_and_can_be_discarded(
    context: BrowserContext, page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    page.get_by_role("link", name=COUNCIL).first.click()
    context.set_offline(True)
    # "Which times work for you?" is required and left empty: only the server can say so.
    page.locator("[data-link-id='video']").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#outbox-kept")).to_be_visible()
    context.set_offline(False)
    failed = page.locator("#outbox-status .outbox-failed li")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Could not be sent: " + COUNCIL)
    expect(failed).to_contain_text("times")
    _assert_clean(_scan(page))
    failed.get_by_role("button", name="Discard").click()
    expect(page.locator("#outbox-status")).to_be_hidden()
    page.reload()
    expect(page.locator("#outbox-status")).to_be_hidden()
