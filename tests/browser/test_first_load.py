"""What a phone downloads: the home screen's first load under 100 KB compressed, everything
counted (the page, CSS, JavaScript, icons, the manifest, and what the service worker fetches to
keep the app shell); the next load comes from the service worker.

Bytes, not time: the same code always sends the same bytes, so this is a test, not a benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request

from tests.browser.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser

BUDGET = 100_000  # bytes on the wire, headers included


def test_home_screen_first_load_is_under_100_kb_and_repeats_from_the_worker(
    browser: Browser, page: Page, live_server: LiveServer, sign_in: Callable[..., None]
) -> None:
    sign_in(page, live_server.url)
    # A phone that has never opened the app, already signed in: empty caches, no worker yet.
    fresh = browser.new_context(**PHONE)  # type: ignore[arg-type]
    fresh.add_cookies(page.context.cookies())
    transfers: list[tuple[str, int, bool]] = []
    kept: list[str] = []  # pages the offline copy fetches after the load (not the home screen)

    def finished(request: Request) -> None:
        if request.headers.get("x-familyapp-prefetch"):
            kept.append(request.url)
            return
        sizes: dict[str, Any] = request.sizes()
        response = request.response()
        served_by_worker = bool(response and response.from_service_worker)
        wire = 0 if served_by_worker else sizes["responseBodySize"] + sizes["responseHeadersSize"]
        transfers.append((request.url, wire, served_by_worker))

    fresh.on("requestfinished", finished)
    try:
        home = fresh.new_page()
        home.goto(live_server.url + "/")
        home.evaluate("navigator.serviceWorker.ready.then(() => true)")  # shell kept
        home.wait_for_load_state("networkidle")
        first = [(url, wire) for url, wire, _ in transfers]
        total = sum(wire for _, wire in first)
        assert any(url.endswith("/sw.js") for url, _ in first)  # the worker's own file counted
        assert total < BUDGET, sorted(first, key=lambda item: -item[1])[:10]
        # Compressed on the wire: the page and the stylesheet are far smaller than their text.
        page_bytes = next(wire for url, wire in first if url == live_server.url + "/")
        assert page_bytes < len(home.content().encode()) / 2

        transfers.clear()
        home.reload()
        home.wait_for_load_state("networkidle")
        statics = [(url, worker) for url, _, worker in transfers if "/static/" in url]
        assert statics and all(worker for _, worker in statics), statics
    finally:
        fresh.close()
