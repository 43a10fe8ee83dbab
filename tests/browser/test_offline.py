"""Offline first, in a real browser on a phone: the person's offline copy opens with no network,
nothing typed offline is lost or doubled, and nothing of one person stays for the next.

"Offline" here is really offline: the context is set offline AND every request to the app is
aborted through context.route, with the service worker's own fetches routed too
(PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS=1, set in conftest; playwright issue 2311).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlalchemy import func, select

from familyapp.accounts.models import User
from familyapp.carelog.models import CareEntry
from familyapp.core import sessions
from familyapp.core.db import db
from familyapp.demo import GUARDIAN, NURSE, SECOND_GUARDIAN
from familyapp.families import service as families
from familyapp.plan import service as plan_service
from tests.browser.conftest import LiveServer, PageProblems, clear_recent_care

pytestmark = pytest.mark.browser

CACHED = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    if (!name.startsWith("familyapp-user-") && name !== "familyapp-device") continue;
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
  }
  return out;
}"""
OUTBOX = (
    "new Promise((ok) => { const r = indexedDB.open('familyapp-outbox', 1);"
    " r.onupgradeneeded = () => r.result.createObjectStore('entries', { keyPath: 'id' });"
    " r.onsuccess = () => { const q = r.result.transaction('entries')"
    ".objectStore('entries').getAll();"
    " q.onsuccess = () => { r.result.close(); ok(q.result); }; }; })"
)


class Network:
    """Turns the app's network off for pages and the service worker alike."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.pattern = f"{base_url}/**"
        self.off = False

    def go_offline(self) -> None:
        """No network: the browser says so and every request fails."""
        self.context.set_offline(True)
        self.context.route(self.pattern, self._abort)
        self.off = True

    def go_online(self) -> None:
        """The network is back."""
        self.context.unroute(self.pattern, self._abort)
        self.context.set_offline(False)
        self.off = False

    @staticmethod
    def _abort(route: Route) -> None:
        route.abort("internetdisconnected")


@pytest.fixture
def network(context: BrowserContext, live_server: LiveServer) -> Iterator[Network]:
    """The network switch of this test's browser context."""
    net = Network(context, live_server.url)
    yield net
    if net.off:
        net.go_online()


@pytest.fixture(autouse=True)
def _ignore_offline_noise(page_problems: PageProblems) -> None:
    # Requests that fail because the test cut the network (or stopped the server at the end,
    # while a page was still refreshing its copy) are logged by Chromium as errors; they are
    # the condition under test, not faults of the page.
    page_problems.ignored.extend(
        [
            "ERR_INTERNET_DISCONNECTED",
            "ERR_CONNECTION_RESET",
            "ERR_CONNECTION_REFUSED",
            "ERR_SOCKET_NOT_CONNECTED",
            "net::ERR_FAILED",
            "Failed to fetch",
            "status of 500",
        ]
    )


def _ready(page: Page) -> int:
    """Wait until the page has refreshed the offline copy; how many pages it kept."""
    page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")
    page.wait_for_function("() => navigator.serviceWorker && !!navigator.serviceWorker.controller")
    return int(page.get_attribute("html", "data-offline-ready") or 0)


def _wait_outbox(page: Page, length: int, timeout_s: float = 10.0) -> list[dict[str, object]]:
    """Wait until this device's outbox holds `length` entries; return them."""
    deadline = time.monotonic() + timeout_s
    entries: list[dict[str, object]] = page.evaluate(OUTBOX)
    while len(entries) != length and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        entries = page.evaluate(OUTBOX)
    assert len(entries) == length, entries
    return entries


def _user_id(app: Flask, email: str) -> uuid.UUID:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        db.remove()
        assert found is not None
        return found


def _entries(app: Flask, note_prefix: str) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(CareEntry.note, func.count())
            .where(CareEntry.note.startswith(note_prefix), CareEntry.deleted_at.is_(None))
            .group_by(CareEntry.note)
        ).all()
        db.remove()
        return {note: count for note, count in rows}


def _log_offline(page: Page, notes: list[str], days_ago: int) -> None:
    day = (date.today() - timedelta(days=days_ago)).isoformat()
    for index, note in enumerate(notes):
        page.locator("#activity").select_option("suctioning")
        page.get_by_label("Started").fill(f"{day}T{index + 6:02d}:00")
        page.get_by_label("Minutes").fill("10")
        page.get_by_label("Note (optional)").fill(note)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text(
            f"Waiting to sync: {index + 1}"
        )


def test_cold_start_with_no_network_shows_the_kept_plan_as_of_and_a_clear_page_otherwise(
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
    app: Flask,
) -> None:
    sign_in(page, live_server.url)
    assert _ready(page) >= 6  # home, card, plans, plan, action-plan list, calendar, care log
    expect(page.locator(".offline-asof")).to_be_hidden()  # live pages do not say "copy"
    kept = page.evaluate(CACHED)
    mine = f"familyapp-user-{_user_id(app, GUARDIAN)}"
    assert set(kept) == {mine, "familyapp-device"}
    plan_path = f"/children/{live_server.child_id}/plan"
    assert plan_path in kept[mine] and "/calendar" in kept[mine]
    assert f"/children/{live_server.child_id}/emergency-card" in kept[mine]
    page.close()

    network.go_offline()
    cold = context.new_page()  # the app opened again, with no network at all
    cold.goto(f"{live_server.url}{plan_path}")
    expect(cold.locator("main")).to_contain_text("Maya")
    expect(cold.get_by_text("hypoxic-ischemic encephalopathy").first).to_be_visible()
    expect(cold.locator(".offline-asof")).to_be_visible()
    expect(cold.locator(".offline-asof")).to_contain_text("Offline copy from")
    cold.goto(f"{live_server.url}/?source=pwa")  # the installed app's start page
    expect(cold.locator(".offline-asof")).to_be_visible()
    first_plan = cold.locator("a[href^='/action-plans/']").first
    first_plan.click()  # a sick-day plan, one tap from home, with no network
    expect(cold.locator(".offline-asof")).to_be_visible()
    expect(cold.locator("ol li").first).to_be_visible()
    cold.goto(f"{live_server.url}/children/{live_server.child_id}/emergency-card")
    expect(cold.locator(".offline-asof")).to_be_visible()
    cold.goto(f"{live_server.url}/calendar")
    expect(cold.locator(".offline-asof")).to_be_visible()
    # A page never kept: the offline page, with nothing of anyone in it.
    cold.goto(f"{live_server.url}{plan_path}/history")
    expect(cold.get_by_role("heading", name="You are offline")).to_be_visible()
    assert "Maya" not in cold.content()
    assert cold.get_attribute("body", "data-user") == ""  # kept without cookies: no one's


def test_ten_entries_made_offline_arrive_exactly_once_through_a_lost_answer_and_two_tabs(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    network.go_offline()
    notes = [f"Ten offline {n:02d}" for n in range(10)]
    _log_offline(page, notes, days_ago=120)
    assert _entries(app, "Ten offline") == {}

    # The replay is cut in the middle: the 4th entry reaches the server, but its answer is
    # lost on the way back; the phone sees a network error and keeps it.
    sent: list[str] = []  # the Idempotency-Key of every request that reached the server
    lost: list[str] = []

    def lossy(route: Route) -> None:
        key = route.request.headers.get("idempotency-key", "")
        sent.append(key)
        if len(set(sent)) == 4 and not lost:
            lost.append(key)
            route.fetch()  # the server saves it...
            route.abort("connectionreset")  # ...and the phone never hears back
            return
        route.continue_()

    context.route("**/care-entries", lossy)
    network.go_online()  # 'online' (and Background Sync) start the replay by themselves
    deadline = time.monotonic() + 10
    while not lost and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert lost, "the replay never reached the 4th entry"

    # Two tabs replay what is left at the same moment.
    second = context.new_page()
    second.goto(f"{live_server.url}/care")
    page.evaluate("Promise.all([FamilyappOutbox.flush(), FamilyappOutbox.flush()])")
    second.evaluate("FamilyappOutbox.flush()")
    _wait_outbox(page, 0)
    _wait_outbox(second, 0)
    assert _entries(app, "Ten offline") == {note: 1 for note in notes}
    # The entry whose answer was lost was sent again and still saved once.
    assert sent.count(lost[0]) >= 2
    page.reload()  # nothing is sent again
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert sum(_entries(app, "Ten offline").values()) == 10


def test_a_500_then_a_network_error_then_201_keeps_the_entry_until_the_201(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    network.go_offline()
    _log_offline(page, ["Flaky network"], days_ago=130)
    answers: list[tuple[int, str, int]] = []  # (status, key, entries saved when it was sent)

    def flaky(route: Route) -> None:
        key = route.request.headers.get("idempotency-key", "")
        saved = sum(_entries(app, "Flaky network").values())
        if not answers:
            answers.append((500, key, saved))
            route.fulfill(status=500, content_type="application/problem+json", body="{}")
        elif len(answers) == 1:
            answers.append((0, key, saved))
            route.abort("connectionreset")
        else:
            answers.append((201, key, saved))
            route.continue_()

    context.route("**/care-entries", flaky)
    network.go_online()
    deadline = time.monotonic() + 15
    while len(answers) < 3 and time.monotonic() < deadline:
        page.evaluate("FamilyappOutbox.flush()")  # the next try (start, online, visibility...)
        page.wait_for_timeout(100)
    _wait_outbox(page, 0)
    statuses = [status for status, _key, _saved in answers]
    assert statuses == [500, 0, 201]
    # The same entry each time: it stayed on the phone until the 201, and nothing was saved
    # before it.
    assert len({key for _status, key, _saved in answers}) == 1
    assert [saved for _status, _key, saved in answers] == [0, 0, 0]
    assert _entries(app, "Flaky network") == {"Flaky network": 1}


def test_an_ended_session_waits_for_the_same_person_and_another_sees_nothing_of_it(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    network.go_offline()
    _log_offline(page, ["Waits for Ana"], days_ago=140)
    ana = _user_id(app, GUARDIAN)
    with app.app_context():
        sessions.end_user_sessions(ana)  # e.g. signed out from another device meanwhile
        db.session.commit()
        db.remove()
    network.go_online()
    assert page.evaluate("FamilyappOutbox.flush()") == 0  # 401: kept, not failed
    left = page.evaluate(OUTBOX)
    assert [e["status"] for e in left] == ["waiting"]
    assert _entries(app, "Waits for Ana") == {}

    # Jordan signs in on the same phone: Ana's copy is gone, her entry is neither shown nor sent.
    sign_in(page, live_server.url, NURSE)
    _ready(page)
    kept = page.evaluate(CACHED)
    jordan = _user_id(app, NURSE)
    assert f"familyapp-user-{ana}" not in kept
    assert f"familyapp-user-{jordan}" in kept
    page.goto(f"{live_server.url}/care")
    page.wait_for_timeout(300)
    expect(page.locator("#outbox-status")).to_be_hidden()
    assert _entries(app, "Waits for Ana") == {}
    network.go_offline()
    page.goto(f"{live_server.url}/")
    expect(page.locator(".offline-asof")).to_be_visible()
    assert page.get_attribute("body", "data-user") == str(jordan)
    network.go_online()

    page.goto(f"{live_server.url}/account")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login*")
    sign_in(page, live_server.url, GUARDIAN)  # the same person again: now it is sent
    _wait_outbox(page, 0)
    assert _entries(app, "Waits for Ana") == {"Waits for Ana": 1}


def test_signing_out_wipes_this_persons_cache_storage_and_outbox(
    app: Flask,
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    assert any(name.startswith("familyapp-user-") for name in page.evaluate(CACHED))
    network.go_offline()
    _log_offline(page, ["Left at sign-out"], days_ago=150)
    network.go_online()
    context.route("**/care-entries", lambda route: route.abort("connectionreset"))
    page.goto(f"{live_server.url}/account")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login*")
    page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")
    assert page.evaluate(CACHED) == {}
    assert page.evaluate(OUTBOX) == []
    network.go_offline()
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()


def test_a_plan_edit_made_offline_on_a_plan_changed_meanwhile_opens_the_choice(
    app: Flask,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    _ready(page)
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan/summary")
    network.go_offline()
    page.get_by_label("Two-line summary").fill("Written in the ambulance, with no network.")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".outbox-notice")).to_contain_text("kept on this phone")
    expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text("Waiting to sync: 1")

    with app.app_context():  # meanwhile, Luis changes the summary from his own phone
        luis = db.session.scalar(select(User).where(User.email == SECOND_GUARDIAN))
        child = families.get_child(live_server.child_id)
        current = plan_service.get_plan(child)
        plan_service.save_fields(
            luis, child, "summary", {"summary": "Changed by Luis meanwhile."}, current.version
        )
        db.remove()

    network.go_online()
    # Send, then show what is left, as the page's own sync does: the sync that going online
    # started may have run before the network was back, and this pass alone redraws nothing.
    page.evaluate("FamilyappOutbox.flush().then(FamilyappOutboxPage.render)")
    failed = page.locator("#outbox-status .outbox-failed li")
    expect(failed).to_contain_text("changed by someone else")
    with app.app_context():
        child = families.get_child(live_server.child_id)
        assert plan_service.get_plan(child).document["summary"] == "Changed by Luis meanwhile."
        db.remove()
    failed.get_by_role("button", name="Open and choose").click()
    expect(page.get_by_text("Someone else saved the plan while you were editing.")).to_be_visible()
    conflict = page.locator(".conflict table")
    expect(conflict).to_contain_text("Changed by Luis meanwhile.")
    expect(conflict).to_contain_text("Written in the ambulance, with no network.")
    assert page.evaluate(OUTBOX) == []  # the choice is now on the screen, not on the phone


def test_the_timer_started_and_stopped_offline_is_saved_when_the_network_returns(
    app: Flask,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    clear_recent_care(app, NURSE)  # the demo nurse's last night shift ends at 06:30 today
    sign_in(page, live_server.url, NURSE)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    network.go_offline()
    page.locator("#timer-activity").select_option("suctioning")
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator(".timer-offline")).to_contain_text("on this phone")
    page.reload()  # the kept copy of the page still knows the timer runs here
    expect(page.locator(".timer-offline")).to_be_visible()
    # As if it had been started 25 minutes ago (the test does not wait 25 minutes).
    page.evaluate(
        """() => FamilyappOutbox.entriesOf(document.body.dataset.user).then((all) => {
          const start = all.find((e) => e.kind === "timer-start");
          const body = Object.assign({}, start.body,
            { started_at: new Date(Date.now() - 25 * 60000).toISOString() });
          return FamilyappOutbox.add(start.user, start.id, start.method, start.url, body,
            start.label, start.kind);
        })"""
    )
    page.get_by_role("button", name="Stop and save").click()
    expect(page.locator(".outbox-notice")).to_contain_text("Timer stopped")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(CareEntry))
        db.remove()
    network.go_online()
    page.evaluate("FamilyappOutbox.flush()")
    assert page.evaluate(OUTBOX) == []
    with app.app_context():
        newest = db.session.scalars(
            select(CareEntry).order_by(CareEntry.created_at.desc()).limit(1)
        ).one()
        total = db.session.scalar(select(func.count()).select_from(CareEntry))
        db.remove()
    assert total == (before or 0) + 1
    assert newest.activity == "suctioning" and 24 <= newest.minutes <= 26


def test_a_shared_device_keeps_no_health_information(
    context: BrowserContext,
    page: Page,
    live_server: LiveServer,
    network: Network,
) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", GUARDIAN)
    page.fill("input[name=password]", "familyapp-demo")
    page.get_by_label("This is a shared or public device").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/care")
    _ready(page)
    assert page.evaluate(CACHED) == {}
    cookie = next(c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME)
    assert cookie["expires"] == -1  # gone when the browser closes
    network.go_offline()
    page.locator("#activity").select_option("suctioning")
    page.get_by_label("Minutes").fill("10")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#outbox-status .outbox-waiting")).to_contain_text("set as shared")
    assert page.evaluate(OUTBOX) == []
    page.goto(f"{live_server.url}/children/{live_server.child_id}/plan")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()


def test_a_new_version_is_applied_only_when_the_person_taps_update(
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from familyapp.pwa import service as pwa_service

    sign_in(page, live_server.url)
    _ready(page)
    version = (
        "() => new Promise((ok) => { const c = new MessageChannel();"
        " c.port1.onmessage = (e) => ok(e.data);"
        " navigator.serviceWorker.controller.postMessage({ type: 'VERSION' }, [c.port2]); })"
    )
    old = page.evaluate(version)
    monkeypatch.setattr(pwa_service, "static_version", lambda: "release-two1")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    banner = page.locator("#update-banner")
    expect(banner).to_be_visible()
    assert page.evaluate(version) == old  # nothing changes until the tap
    with page.expect_navigation():
        banner.get_by_role("button", name="Update now").click()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate(version) == "release-two1"


def test_an_entry_the_server_refuses_shows_why_and_can_be_fixed(
    app: Flask,
    page: Page,
    live_server: LiveServer,
    network: Network,
    sign_in: Callable[..., None],
) -> None:
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/care")
    _ready(page)
    network.go_offline()
    day = (date.today() - timedelta(days=160)).isoformat()
    page.locator("#activity").select_option("suctioning")
    page.get_by_label("Started").fill(f"{day}T07:00")
    page.get_by_label("Minutes").fill("2000")  # more than a day: the server refuses it
    page.get_by_label("Note (optional)").fill("Needs fixing")
    page.get_by_role("button", name="Save", exact=True).click()
    network.go_online()
    # Send, then show what is left, as the page's own sync does: the sync that going online
    # started may have run before the network was back, and this pass alone redraws nothing.
    page.evaluate("FamilyappOutbox.flush().then(FamilyappOutboxPage.render)")
    failed = page.locator("#outbox-status .outbox-failed li")
    expect(failed).to_contain_text("1440")  # the server's reason, in words
    page.goto(f"{live_server.url}/")
    page.locator("#outbox-status .outbox-failed li").get_by_role("button", name="Fix").click()
    page.wait_for_url("**/care?*fix=*")
    expect(page.get_by_role("alert")).to_contain_text("1440")
    expect(page.get_by_label("Note (optional)")).to_have_value("Needs fixing")
    expect(page.get_by_label("Started")).to_have_value(f"{day}T07:00")
    page.get_by_label("Minutes").fill("20")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved: 20 minutes")).to_be_visible()
    assert page.evaluate(OUTBOX) == []
    assert _entries(app, "Needs fixing") == {"Needs fixing": 1}
