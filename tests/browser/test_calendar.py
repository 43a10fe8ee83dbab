"""The calendar on a phone, in a real browser: a guardian adds a weekly visit, moves the views
and cancels one date; the home nurse sees it without edit buttons; the private feed address is
made once and answers text/calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from familyapp.demo import NURSE
from tests.browser.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser


def _next_wednesday() -> date:
    today = date.today()
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def test_guardian_adds_a_weekly_visit_and_nurse_reads_it(
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
    browser: Browser,
) -> None:
    sign_in(page, live_server.url)
    # The home screen shows the week's appointments; the calendar is one tap away.
    expect(page.get_by_role("heading", name="This week")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.wait_for_url(f"{live_server.url}/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    expect(page.locator(".appt").first).to_be_visible()  # the demo family's visits

    page.get_by_role("link", name="New appointment for Maya Rivera").click()
    wednesday = _next_wednesday()
    page.get_by_label("What is it?").fill("EEG review")
    page.get_by_label("Discipline").select_option("neurology")
    page.get_by_label("With whom").fill("Dr. Amir Haddad")
    page.get_by_label("Starts").fill(f"{wednesday.isoformat()}T11:00")
    page.get_by_label("Ends").fill(f"{wednesday.isoformat()}T10:00")  # a slip of the thumb
    page.get_by_role("button", name="Save").click()
    # Refused with the reason next to the field, and what was typed is still there.
    expect(page.get_by_text("The end must be after the start.")).to_be_visible()
    expect(page.get_by_label("What is it?")).to_have_value("EEG review")
    page.get_by_label("Ends").fill(f"{wednesday.isoformat()}T11:45")
    page.locator("#repeat").select_option("weekly")
    page.get_by_label("What to bring").fill("Seizure diary, rescue medication")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Appointment saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="EEG review")).to_be_visible()
    expect(page.get_by_text("Seizure diary, rescue medication")).to_be_visible()
    appointment_url = page.url

    # One date of the series is cancelled; the next one stays.
    page.get_by_text("Change only this date").first.click()
    page.get_by_role("button", name="Cancel this date only").first.click()
    expect(page.get_by_text("That day was cancelled.")).to_be_visible()

    page.goto(f"{live_server.url}/calendar?view=week&start={wednesday.isoformat()}")
    expect(page.get_by_text("EEG review")).to_have_count(0)
    page.goto(
        f"{live_server.url}/calendar?view=week&start={(wednesday + timedelta(days=7)).isoformat()}"
    )
    expect(page.get_by_text("EEG review")).to_have_count(1)
    views = page.get_by_role("navigation", name="Calendar views")
    views.get_by_role("link", name="Month").click()
    expect(page.locator("table.month")).to_be_visible()
    # The month of the next visit (it may be next month), filtered to one discipline.
    page.goto(
        f"{live_server.url}/calendar?view=month&start={(wednesday + timedelta(days=7)).isoformat()}"
    )
    expect(views.get_by_role("link", name="Month")).to_have_attribute("aria-current", "page")
    page.get_by_label("Discipline").select_option("neurology")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".month-item", has_text="EEG review").first).to_be_visible()
    expect(page.locator(".month-item", has_text="Physical therapy")).to_have_count(0)

    # The weeknight nurse reads it on her own phone, with no way to change it.
    nurse_context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    try:
        nurse = nurse_context.new_page()
        sign_in(nurse, live_server.url, NURSE)
        nurse.goto(appointment_url)
        expect(nurse.get_by_role("heading", name="EEG review")).to_be_visible()
        expect(nurse.get_by_text("Seizure diary, rescue medication")).to_be_visible()
        expect(nurse.get_by_role("link", name="Edit")).to_have_count(0)
        expect(nurse.get_by_text("Change only this date")).to_have_count(0)
        nurse.goto(f"{live_server.url}/calendar")
        expect(nurse.get_by_text("EEG review").first).to_be_visible()
        expect(nurse.get_by_role("link", name="New appointment for Maya Rivera")).to_have_count(0)
    finally:
        nurse_context.close()


def test_private_feed_address_is_shown_once_and_serves_the_calendar(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/calendar")
    page.get_by_role("link", name="Subscribe from your phone's calendar").click()
    page.get_by_label("Name it (which phone or app)").fill("Ana's iPhone")
    page.get_by_role("button", name="Make a private address").click()
    address = page.locator("#made-url").input_value()
    assert "/calendar/feed/" in address and address.endswith(".ics")
    fetched = page.evaluate(
        """async (url) => {
            const response = await fetch(url, {credentials: "omit"});
            return {status: response.status, type: response.headers.get("content-type"),
                    body: await response.text()};
        }""",
        address,
    )
    assert fetched["status"] == 200
    assert fetched["type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in fetched["body"]
    assert "Maya Rivera: Physical therapy" in fetched["body"]
    page.goto(f"{live_server.url}/calendar/feeds")
    expect(page.locator("#made-url")).to_have_count(0)  # shown only when made
    expect(page.get_by_text("Ana's iPhone", exact=True)).to_be_visible()
