"""Notifications on a phone, in a real browser: the page's own script asks for permission,
subscribes with the server's VAPID key, registers the device, and a test notification reaches
the push service decrypted. Chromium's own push service (FCM) is not reachable here, so the
browser's PushManager.subscribe is answered by the web-push-testing emulator instead; all the
rest (permission, key, the app's fetches, CSRF, the device list) is the real thing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.push_peers import LOCAL_HOSTS, emulated_messages, emulated_subscription

pytestmark = pytest.mark.browser

# Stands in for the browser's push service: PushManager.subscribe() asks the emulator (via the
# test, which can reach it without CORS) and returns a PushSubscription-shaped object.
FAKE_PUSH_SERVICE = """
(() => {
  const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  // Kept in sessionStorage: a real subscription outlives the page reload after turning on.
  const wrap = (data) => data && {
    endpoint: data.endpoint,
    expirationTime: null,
    toJSON: () => ({endpoint: data.endpoint, expirationTime: null, keys: data.keys}),
    unsubscribe: async () => { sessionStorage.removeItem("fake-push"); return true; },
  };
  PushManager.prototype.getSubscription = async function () {
    return wrap(JSON.parse(sessionStorage.getItem("fake-push") || "null"));
  };
  PushManager.prototype.subscribe = async function (options) {
    const data = await window.emulatorSubscribe(encode(options.applicationServerKey));
    sessionStorage.setItem("fake-push", JSON.stringify(data));
    return wrap(data);
  };
})();
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Let the app POST to the emulator on this machine."""
    return {"push_service_hosts": LOCAL_HOSTS}


def test_turn_on_notifications_and_receive_a_test(
    page: Page,
    live_server: LiveServer,
    sign_in: Callable[..., None],
    push_emulator: str,
) -> None:
    hashes: list[str] = []

    def subscribe_at_emulator(app_key: str) -> dict[str, Any]:
        assert len(base64.urlsafe_b64decode(app_key + "=")) == 65  # the page sent the real key
        data = emulated_subscription(push_emulator, app_key)
        hashes.append(data.pop("clientHash"))
        return data

    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.expose_function("emulatorSubscribe", subscribe_at_emulator)
    page.add_init_script(FAKE_PUSH_SERVICE)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/account")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(page.locator("#push-status")).to_have_text("Notifications are off for this device.")
    expect(page.get_by_role("button", name="Turn off on this device")).to_be_hidden()

    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.locator("#push-status")).to_have_text("Notifications are on for this device.")
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    # The device is listed, named from the browser (e.g. "Chrome · Android").
    device = page.get_by_role("region", name="Devices that get notifications").locator("strong")
    expect(device).to_have_count(1)
    expect(device).to_contain_text("Chrome")
    assert len(hashes) == 1

    page.get_by_role("button", name="Send a test notification").click()
    expect(page.get_by_text("Test notification sent.")).to_be_visible()
    [message] = emulated_messages(push_emulator, hashes[0])
    assert message["body"] == "Notifications work on this device."
    assert message["url"] == "/account/notifications"

    page.get_by_role("button", name="Turn off on this device").click()
    expect(page.locator("#push-status")).to_have_text("Notifications are off for this device.")
    expect(page.get_by_text("No devices yet.")).to_be_visible()
