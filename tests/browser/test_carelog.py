"""The care log on a phone, in a real browser: a caregiver logs care by quick entry and by the
timer (which survives closing the page) and finds it in the child's report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, request
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from familyapp.carelog.models import CareEntry
from familyapp.core.db import db
from familyapp.demo import GUARDIAN
from tests.browser.conftest import LiveServer, PageProblems, clear_recent_care

pytestmark = pytest.mark.browser


def test_caregiver_logs_care_and_sees_it_in_the_report(
    app: Flask, page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    clear_recent_care(app, GUARDIAN)  # the demo mother's weekend nights run to 06:30 today
    sign_in(page, live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Care log").click()
    page.wait_for_url(f"{live_server.url}/care")
    expect(page.get_by_role("heading", name="Care log", level=1)).to_be_visible()

    # Quick entry: a slip of the thumb first, refused with the reason beside the field.
    page.locator("#activity").select_option("wound_care")
    page.get_by_label("Minutes").fill("2000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Enter between 1 and 1440 minutes (24 hours).")).to_be_visible()
    page.get_by_label("Minutes").fill("45")
    page.get_by_label("Note (optional)").fill("G-tube site redness")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Saved: 45 minutes of Wound care with aseptic technique.")
    ).to_be_visible()
    expect(page.locator(".care-entry", has_text="G-tube site redness")).to_be_visible()

    # The timer runs on the server: a closed page does not stop it.
    page.locator("#timer-activity").select_option("forms")
    page.get_by_role("button", name="Start timer").click()
    expect(page.get_by_text("Timer started.")).to_be_visible()
    page.close()
    reopened = page.context.new_page()
    reopened.goto(f"{live_server.url}/care")
    expect(reopened.get_by_text("Running since")).to_be_visible()
    reopened.get_by_role("button", name="Stop and save").click()
    expect(reopened.get_by_text("Timer stopped")).to_be_visible()

    reopened.get_by_role("link", name="Report for Maya Rivera").click()
    reopened.wait_for_url(f"{live_server.url}/children/{live_server.child_id}/care/report")
    expect(reopened.get_by_role("heading", name="Care report", level=1)).to_be_visible()
    expect(reopened.locator("svg[role=img] title")).to_have_count(1)
    activity_row = reopened.get_by_role("row", name="Wound care with aseptic technique")
    expect(activity_row).to_be_visible()
    expect(reopened.get_by_text("Every hour at a home health aide's wage")).to_be_visible()
    expect(reopened.get_by_text("Romley et al., Pediatrics 2017").first).to_be_visible()
    reopened.get_by_role("link", name="Last 12 months").click()
    expect(reopened.get_by_role("link", name="Last 12 months")).to_have_attribute(
        "aria-current", "page"
    )
    pdf = reopened.request.get(f"{live_server.url}/children/{live_server.child_id}/care/report.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")


def _entries(app: Flask, note: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(CareEntry).where(CareEntry.note == note)
        )
        db.remove()
        return count or 0


def test_care_logged_with_no_network_waits_on_the_phone_and_lands_once(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    context.set_offline(True)
    # Long before the demo's eight weeks of care, so nothing overlaps.
    long_ago = (date.today() - timedelta(days=100)).isoformat()
    for hour, minutes, note in (
        ("08", "20", "Offline suction 1"),
        ("09", "15", "Offline suction 2"),
    ):
        page.locator("#activity").select_option("suctioning")
        page.get_by_label("Started").fill(f"{long_ago}T{hour}:00")
        page.get_by_label("Minutes").fill(minutes)
        page.get_by_label("Note (optional)").fill(note)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#outbox-kept")).to_be_visible()
    expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text("Waiting to sync: 2")
    assert _entries(app, "Offline suction 1") == 0
    context.set_offline(False)  # the 'online' event sends both, each under its own id
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _entries(app, "Offline suction 1") == 1
    assert _entries(app, "Offline suction 2") == 1
    page.reload()  # coming back sends nothing more
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _entries(app, "Offline suction 1") == 1


def test_signing_out_warns_about_unsent_entries_then_wipes_them_from_the_device(
    app: Flask,
    page_problems: PageProblems,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
) -> None:
    # The care-log API is also made unreachable at the server: the service worker sends the
    # outbox too (Background Sync, once the network is back) and Playwright's routes do not see
    # the worker's requests, so a route alone raced with it (an entry got through under load).
    api_down = {"on": False}

    @app.before_request
    def care_api_down() -> Any:
        if api_down["on"] and request.method == "POST" and request.path.endswith("/care-entries"):
            return {"title": "Service unavailable"}, 503
        return None

    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    context.set_offline(True)
    page.locator("#activity").select_option("suctioning")
    page.get_by_label("Started").fill(f"{(date.today() - timedelta(days=101)).isoformat()}T03:00")
    page.get_by_label("Minutes").fill("10")
    page.get_by_label("Note (optional)").fill("Never sent")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text("Waiting to sync: 1")
    # The network is back for pages, but the care-log API still cannot be reached.
    api_down["on"] = True
    context.route("**/care-entries", lambda route: route.abort())
    context.set_offline(False)
    page.goto(f"{live_server.url}/account")
    warnings: list[str] = []

    def answer(dialog: Any) -> None:
        warnings.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login*")
    assert warnings and "have not reached the server" in warnings[0]
    context.unroute("**/care-entries")
    api_down["on"] = False
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    page.wait_for_timeout(500)  # time for a send, if anything were left to send
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _entries(app, "Never sent") == 0
    count = (
        "new Promise((ok) => { const r = indexedDB.open('familyapp-outbox', 1);"
        " r.onsuccess = () => { const q = r.result.transaction('entries')"
        ".objectStore('entries').count(); q.onsuccess = () => ok(q.result); }; })"
    )
    assert page.evaluate(count) == 0
    # The aborted sends are what this test simulates, not a fault of the page.
    page_problems.messages[:] = [m for m in page_problems.messages if "care-entries" not in m]
