"""The installable shell in a real browser on a phone: sign-in, manifest, service worker,
offline page, language switch and sign-out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

MIN_TAP_PX = 44  # WCAG 2.2 SC 2.5.8 asks 24px; Apple HIG and WCAG 2.5.5 (AAA) ask 44px.


def _wait_for_control(page: Page) -> None:
    """Wait until the service worker is active, reload once, and wait until it controls."""
    state = page.evaluate("navigator.serviceWorker.ready.then((reg) => reg.active.state)")
    assert state in {"activating", "activated"}
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_guardian_signs_in_on_a_phone_and_sees_her_child(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)

    expect(page.get_by_role("link", name="Maya Rivera")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    links = nav.get_by_role("link")
    expect(links).to_have_count(6)  # Home, Plan, Calendar, Care log, Family, Account
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    viewport = page.viewport_size
    assert viewport is not None
    for link in links.all():
        box = link.bounding_box()
        assert box is not None, f"{link.inner_text()!r} has no box"
        assert box["height"] >= MIN_TAP_PX, f"{link.inner_text()!r} is {box['height']}px high"
        assert box["width"] >= MIN_TAP_PX, f"{link.inner_text()!r} is {box['width']}px wide"
        # On a phone the navigation sits at the bottom of the screen, within thumb reach.
        assert box["y"] + box["height"] <= viewport["height"] + 0.5
        assert box["y"] >= viewport["height"] - 2 * box["height"]


def test_manifest_is_linked_and_installable(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/manifest.webmanifest"

    fetched: dict[str, Any] = page.evaluate(
        """async (href) => {
            const response = await fetch(href);
            return {status: response.status, type: response.headers.get("content-type"),
                    body: await response.json()};
        }""",
        href,
    )
    assert fetched["status"] == 200
    assert fetched["type"].startswith("application/manifest+json")
    manifest = fetched["body"]
    assert manifest["name"]
    assert manifest["short_name"] == "Familyapp"
    assert manifest["start_url"].startswith("/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0f5e6b"
    icons = manifest["icons"]
    assert any(i["sizes"] == "192x192" for i in icons)
    maskable = [i for i in icons if "maskable" in i["purpose"].split()]
    assert [i["sizes"] for i in maskable] == ["512x512"]

    # The icon itself is served, as a PNG of the size it claims.
    size = page.evaluate(
        """async (src) => {
            const response = await fetch(src);
            if (!response.ok) return null;
            const bitmap = await createImageBitmap(await response.blob());
            return `${bitmap.width}x${bitmap.height}`;
        }""",
        maskable[0]["src"],
    )
    assert size == "512x512"


def test_service_worker_registers_and_takes_control(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    _wait_for_control(page)

    script_url = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert script_url == f"{live_server.url}/sw.js"
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.scope)")
    assert scope == f"{live_server.url}/"


def test_offline_shows_the_offline_page_and_the_cached_shell(
    context: BrowserContext, page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    _wait_for_control(page)

    context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/account/sessions")  # never visited
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        # The stylesheet came from the shell cache: it is applied and still fetchable.
        topbar = page.locator(".topbar")
        expect(topbar).to_have_css("background-color", "rgb(15, 94, 107)")
        css = page.evaluate(
            """async () => {
                const href = document.querySelector("link[rel=stylesheet]").href;
                const response = await fetch(href);
                return {status: response.status, text: await response.text()};
            }"""
        )
        assert css["status"] == 200
        assert ".bottom-nav" in css["text"]
    finally:
        context.set_offline(False)

    # Back online, the same address shows the real page again.
    page.goto(f"{live_server.url}/account/sessions")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("You are offline")


def test_language_switch_in_the_header(
    page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    assert page.locator("html").get_attribute("lang") == "en"

    # The select submits itself when changed (app.js); no need to press "Change".
    with page.expect_navigation():
        page.get_by_label("Language").select_option(label="Español")

    assert page.url == f"{live_server.url}/"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#lang-select")).to_have_value("es")
    # The choice sticks to the account: another page is in Spanish too.
    page.goto(f"{live_server.url}/account")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("select#locale")).to_have_value("es")


def test_sign_out_ends_the_session(
    context: BrowserContext, page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    cookies_before = context.cookies()
    assert cookies_before, "signing in set no cookie"

    page.goto(f"{live_server.url}/account")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.url.startswith(f"{live_server.url}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login")
    expect(page.get_by_role("link", name="Maya Rivera")).to_have_count(0)

    # The old cookie is dead on the server too: replaying it does not sign anyone back in.
    context.add_cookies(cookies_before)  # type: ignore[arg-type]
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login")
