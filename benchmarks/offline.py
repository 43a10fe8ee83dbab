"""Benchmark: the offline copy in a real browser, and the size of the app shell.

The demo family is served on a loopback port; Debian's chromium (Playwright, phone viewport)
signs in as the demo guardian, lets the app keep its offline copy, then the network is cut
(context offline AND every request aborted, the service worker's too) and the plan is opened
again and again in new tabs. Printed: time to show the kept plan offline (navigation start to
DOMContentLoaded and to load, p50/p95 over --opens), bytes kept for that person (Cache Storage),
and the app shell (what the service worker precaches, plus /sw.js) raw and gzip-compressed.
Figures, not assertions: the machines are shared and noisy.

    .venv/bin/python benchmarks/offline.py [--opens 30]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import statistics
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from familyapp import create_app
from familyapp.core.db import Base, db
from familyapp.demo import DEMO_PASSWORD, GUARDIAN, create_demo
from familyapp.pwa import service as pwa
from familyapp.settings import Settings

KEPT_BYTES = """async () => {
  let bytes = 0, pages = 0;
  for (const name of await caches.keys()) {
    if (!name.startsWith("familyapp-user-")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      bytes += (await (await cache.match(request)).blob()).size;
      pages += 1;
    }
  }
  return [bytes, pages];
}"""
TIMING = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return [n.domContentLoadedEventEnd, n.loadEventEnd];
}"""


def _shell_sizes(app: object) -> tuple[int, int]:
    client = app.test_client()  # type: ignore[attr-defined]
    raw = packed = 0
    urls = [f"/static/{asset}" for asset in pwa.SHELL_ASSETS] + ["/sw.js", "/offline"]
    for url in urls:
        body = client.get(url).data
        raw += len(body)
        packed += len(gzip.compress(body, compresslevel=6))
    return raw, packed


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def main() -> None:
    """Serve the demo, keep the offline copy in chromium, open the plan offline, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opens", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="familyapp-bench-"))
    app = create_app(
        Settings(
            instance_path=folder,
            database_url=f"sqlite:///{folder / 'bench.db'}",
            secret_key="bench",
            testing=True,
        )
    )
    assert db.engine is not None
    Base.metadata.create_all(db.engine)
    with app.test_request_context("/"):
        child_id = str(create_demo().id)
        db.remove()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    raw, packed = _shell_sizes(app)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=email]", GUARDIAN)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")
        page.wait_for_function("() => !!navigator.serviceWorker.controller")
        kept_bytes, kept_pages = page.evaluate(KEPT_BYTES)
        page.close()

        context.set_offline(True)
        context.route(f"{base}/**", lambda route: route.abort("internetdisconnected"))
        ready, loaded = [], []
        for _ in range(args.opens):
            tab = context.new_page()
            tab.goto(f"{base}/children/{child_id}/plan")
            assert tab.locator(".offline-asof").is_visible(), "the plan did not open offline"
            dom, load = tab.evaluate(TIMING)
            ready.append(dom)
            loaded.append(load)
            tab.close()
        browser.close()
    server.shutdown()

    print(
        f"kept plan shown offline: DOMContentLoaded p50 {statistics.median(ready):.0f} ms, "
        f"p95 {_pct(ready, 0.95):.0f} ms; load p50 {statistics.median(loaded):.0f} ms, "
        f"p95 {_pct(loaded, 0.95):.0f} ms ({args.opens} cold tabs; target under 300 ms)"
    )
    print(f"kept for the demo guardian: {kept_pages} pages, {kept_bytes / 1024:.0f} KiB")
    print(
        f"app shell: {raw / 1024:.0f} KiB raw, {packed / 1024:.0f} KiB gzip "
        f"({len(pwa.SHELL_ASSETS) + 2} files; target under 150 KB compressed)"
    )


if __name__ == "__main__":
    main()
