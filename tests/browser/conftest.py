"""Browser fixtures: the app served on a real port, and Debian chromium driven by Playwright.

The browser is the system's chromium (no downloads); each test gets a fresh phone-sized
context, and any page that logs a JavaScript error or a CSP violation fails the test.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)
from sqlalchemy import select, update
from werkzeug.serving import make_server

from familyapp.accounts.models import User
from familyapp.carelog.models import CareEntry
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.demo import DEMO_PASSWORD, GUARDIAN, create_demo

# The service worker's own fetches go through context.route too, so a test that cuts the network
# cuts it for the worker as well (context.set_offline alone does not: playwright issue 2311).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "en-US",
}
TIMEOUT_MS = 10_000
EXPECTED_CLIENT_ERROR = (
    "Failed to load resource: the server responded with a status of 409",
    "Failed to load resource: the server responded with a status of 422",
    # A request that never got an answer (net::ERR_...): the test cut the network, or the live
    # server stopped at the end of a test while a page was still refreshing its offline copy.
    # Answers the server did give (4xx/5xx) are still errors.
    "Failed to load resource: net::ERR_",
)


def clear_recent_care(app: Flask, email: str) -> None:
    """Mark deleted the demo's care logged by `email` in the last day.

    The demo's night shifts run to 06:30 this morning, so a test that logs "the last 45 minutes"
    in those hours would overlap them and be refused: such a test clears them first.
    """
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.execute(
            update(CareEntry)
            .where(
                CareEntry.caregiver_id == user.id,
                CareEntry.started_at > clock.utcnow() - timedelta(days=1),
            )
            .values(deleted_at=clock.utcnow())
        )
        db.session.commit()
        db.remove()


@dataclass
class LiveServer:
    """The app on a real port, and the demo child's and family's ids."""

    url: str
    child_id: str
    family_id: str


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serve the test app on 127.0.0.1 and a free port, with the demo family in it."""
    with app.test_request_context("/"):
        child = create_demo()
        child_id, family_id = str(child.id), str(child.family_id)
        db.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", child_id, family_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """The Playwright driver, once per run."""
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless, launched once per run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: scripts/test.sh installs it (apt chromium)")
    instance = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield instance
    instance.close()


SETTLE_SERVICE_WORKER = """() => Promise.race([
  "serviceWorker" in navigator && navigator.serviceWorker.getRegistration()
    .then((registration) => registration ? navigator.serviceWorker.ready : null),
  new Promise((resolve) => setTimeout(resolve, 5000)),
])"""


@dataclass
class PageProblems:
    """JavaScript errors and CSP violations seen on any page of a test's context."""

    messages: list[str] = field(default_factory=list)
    # Texts a test expects (a request it aborted on purpose); any message holding one is fine.
    ignored: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Record console errors and uncaught exceptions of one page."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        # A form answered 409/422 is the app doing its job (the tests check those pages);
        # Chromium still logs every 4xx as an error, so that one line is not a problem.
        if text.startswith(EXPECTED_CLIENT_ERROR) or any(part in text for part in self.ignored):
            return
        if message.type == "error" or "Content Security Policy" in text:
            self.messages.append(f"console.{message.type}: {text} ({message.location})")


@pytest.fixture
def page_problems() -> PageProblems:
    """What the pages of this test logged as errors."""
    return PageProblems()


def _fail_on_problems(problems: PageProblems) -> None:
    if problems.messages:
        pytest.fail("The page logged errors:\n  " + "\n  ".join(problems.messages), pytrace=False)


@pytest.fixture
def context(browser: Browser, page_problems: PageProblems) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser context (own cookies, caches, service workers)."""
    ctx = browser.new_context(**PHONE)  # type: ignore[arg-type]
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.on("page", page_problems.watch)
    yield ctx
    # Let a service worker registration still in flight settle, then judge what the pages
    # logged while the test ran: closing a page mid-fetch makes Chromium log a fetch error
    # that says nothing about the app.
    for open_page in ctx.pages:
        # A page that navigated away or crashed has nothing to settle.
        with contextlib.suppress(Exception):
            open_page.evaluate(SETTLE_SERVICE_WORKER)
    seen = PageProblems(list(page_problems.messages))
    ctx.close()
    _fail_on_problems(seen)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in the test's context; its errors are recorded."""
    return context.new_page()


def _sign_in(page: Page, base_url: str, email: str = GUARDIAN) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if page.url == f"{base_url}/login/code":
        # The demo care-team account: two-step sign-in, its published code shown on the page
        # (as a person trying the demo reads it).
        hint = page.locator("[role=note]").inner_text()
        match = re.search(r"\b(\d{6})\b", hint)
        assert match, f"no demo code on the page: {hint!r}"
        page.fill("input[name=code]", match.group(1))
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base_url}/", f"sign-in landed on {page.url}"


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """sign_in(page, base_url, email=GUARDIAN): sign in through the login form."""
    return _sign_in
