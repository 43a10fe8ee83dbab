"""The `familyapp` command as the README uses it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from familyapp.accounts import totp
from familyapp.cli import main
from familyapp.core import clock
from tests.conftest import PG_URL, make_pg_database

# Some tests here make their own PostgreSQL databases: they run in the PostgreSQL pass too.
pytestmark = pytest.mark.postgres


def _env(tmp_path: Path) -> dict[str, str]:
    env = {"FAMILYAPP_INSTANCE_PATH": str(tmp_path / "inst")}
    if PG_URL:
        url, drop = make_pg_database("familyapp_cli")
        env["FAMILYAPP_DATABASE_URL"] = url.replace("postgresql+psycopg://", "postgresql://")
        _env.drops.append(drop)  # type: ignore[attr-defined]
    return env


_env.drops = []  # type: ignore[attr-defined]


def teardown_module() -> None:
    from familyapp.core.db import db

    db.remove()
    if db.engine is not None:
        db.engine.dispose()
    for drop in _env.drops:  # type: ignore[attr-defined]
        drop()


def test_demo_command_is_idempotent_and_makes_the_documented_logins(tmp_path):
    env = _env(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["demo"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["demo"], env=env, catch_exceptions=False)
    assert second.exit_code == 0
    assert (tmp_path / "inst" / "secret_key").exists()
    assert (tmp_path / "inst" / "vapid_private.pem").exists()

    from familyapp import create_app
    from familyapp.settings import load_settings

    os.environ.update(env)
    try:
        app = create_app(load_settings(tmp_path / "inst"))
    finally:
        for key in env:
            os.environ.pop(key, None)
    client = app.test_client()
    roles = {}
    for email in ("parent@example.org", "nurse@example.org", "coordinator@example.org"):
        body = {"email": email, "password": "familyapp-demo"}
        response = client.post("/api/v1/session", json=body)
        if email == "coordinator@example.org":
            # The care team signs in in two steps; the demo's secret is the published one.
            assert response.status_code == 401 and "code" in response.get_json()["errors"]
            code = totp.usable_code(totp.PUBLISHED_DEMO_SECRET, clock.utcnow(), None)
            response = client.post("/api/v1/session", json=dict(body, code=code))
        assert response.status_code == 200, email
        csrf = response.get_json()["csrf_token"]
        children = client.get("/api/v1/children").get_json()
        assert [c["display_name"] for c in children] == ["Maya Rivera"]
        families = client.get("/api/v1/families").get_json()
        roles[email] = families[0]["role"]
        client.delete("/api/v1/session", headers={"X-CSRFToken": csrf})
    assert roles == {
        "parent@example.org": "guardian",
        "nurse@example.org": "caregiver",
        "coordinator@example.org": "care_team",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_serves_with_waitress_and_demo(tmp_path):
    env = dict(os.environ, **_env(tmp_path))
    port = _free_port()
    exe = Path(sys.executable).parent / "familyapp"
    proc = subprocess.Popen(
        [str(exe), "run", "--port", str(port), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                    server = r.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.3)
        assert b'"database":"ok"' in body.replace(b" ", b""), body
        assert "familyapp" in server  # waitress, identified, not the dev server
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
