"""Real push-service peers for the tests: the npm web-push-testing emulator (it checks the
VAPID signature and decrypts what it receives) and helpers to talk to it."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EMULATOR = ROOT / "node_modules" / "web-push-testing" / "src" / "bin" / "server.js"
# Hosts the app may POST to in tests: push services on this machine (see Settings).
LOCAL_HOSTS = ("http://localhost", "http://127.0.0.1")


def free_port() -> int:
    """A TCP port on loopback that nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_json(url: str, body: Any) -> Any:
    """POST JSON to the emulator; its answer as JSON (or text)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
    # /expire-subscription answers a plain "OK"; the rest answer JSON.
    return json.loads(text) if text.startswith((b"{", b"[")) else text.decode()


def run_emulator() -> Iterator[str]:
    """Run the npm web-push-testing push service on a free loopback port; yield its base URL."""
    node = shutil.which("node")
    if node is None or not EMULATOR.exists():
        pytest.fail("web-push-testing is not installed: scripts/test.sh runs npm ci")
    port = free_port()
    process = subprocess.Popen(
        [node, str(EMULATOR), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://localhost:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(
                    urllib.request.Request(f"{base}/status", data=b"", method="POST"), timeout=1
                )
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("web-push-testing did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def emulated_subscription(emulator: str, app_key: str) -> dict[str, Any]:
    # The emulator wants userVisibleOnly as a string (its own check), like a form field.
    answer = post_json(
        f"{emulator}/subscribe", {"userVisibleOnly": "true", "applicationServerKey": app_key}
    )
    return dict(answer["data"])


def emulated_messages(emulator: str, client_hash: str) -> list[dict[str, Any]]:
    answer = post_json(f"{emulator}/get-notifications", {"clientHash": client_hash})
    return [json.loads(text) for text in answer["data"]["messages"]]
