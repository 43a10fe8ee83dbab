"""Load test: 50 signed-in people at once for 2 minutes against gunicorn on loopback.

Each simulated person is a guardian of their own family (a child with a full plan and care
already logged) and does what a parent does on a phone, with short pauses: opens the plan page,
reads the plan as the offline copy's sync does (If-None-Match), logs care, opens the agenda,
goes back to the home screen. At the end the script counts the care entries in the database
against the 201 answers (lost writes must be zero) and prints p50/p95/p99 per kind of request,
requests per second and the 5xx count. Figures, not assertions: the machine is shared.

    pip install -e ".[bench]"   # gunicorn
    .venv/bin/python benchmarks/load.py [--users 50] [--seconds 120] [--workers 2]
        [--threads 8] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped, then migrated): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder. The load
generator runs on the same 2 cores as the server, so the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from familyapp import create_app
from familyapp.core import migrate
from familyapp.core.db import Base, db
from familyapp.settings import Settings

PASSWORD = "bench-password-lantern-7"
# (kind, weight): what the people do, in proportion.
MIX = (("plan page", 30), ("plan sync", 20), ("care entry", 20), ("agenda", 15), ("home", 15))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(url: str, instance: Path, users: int) -> list[tuple[str, str]]:
    """A migrated database with one family per person; returns (email, child id) pairs."""
    from familyapp.accounts import service as accounts
    from familyapp.carelog import service as carelog
    from familyapp.families import service as families
    from familyapp.plan import demo_data
    from familyapp.plan import service as plan
    from familyapp.plan.schemas import PlanDocumentSchema

    app = create_app(Settings(instance_path=instance, database_url=url, secret_key="bench"))
    with app.app_context():
        assert db.engine is not None
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url)
    people: list[tuple[str, str]] = []
    now = datetime.now(UTC).replace(microsecond=0)
    with app.test_request_context("/"):
        for number in range(users):
            email = f"load{number}@example.org"
            guardian = accounts.register(email, PASSWORD, f"Load Parent {number}")
            child = families.create_child(guardian, {"display_name": f"Child {number}"})
            plan.save_plan(guardian, child, PlanDocumentSchema().load(demo_data.FULL_VERSION), 0)
            month = [  # a month of care already logged
                {
                    "activity": "suctioning",
                    "started_at": now - timedelta(days=day + 1, hours=2),
                    "minutes": 20,
                    "caregiver": guardian.id,
                }
                for day in range(30)
            ]
            carelog.import_entries(child, month)
            people.append((email, str(child.id)))
        db.session.commit()
    db.remove()
    return people


class Person(threading.Thread):
    """One signed-in guardian on one keep-alive connection."""

    def __init__(self, port: int, email: str, child: str, until: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.email, self.child, self.until = port, email, child, until
        self.random = random.Random(seed)
        self.cookie = ""
        self.csrf = ""
        self.etag = ""
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int, int] = defaultdict(int)
        self.created = 0
        self.written = 0  # care entries this person started (their start times are unique)
        self.failure = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def _request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {"Cookie": self.cookie, "Accept-Encoding": "gzip", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=sent)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()  # the server closed the keep-alive: reconnect once
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        found = {name.lower(): value for name, value in response.getheaders()}
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("familyapp_session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, found, payload

    def _sign_in(self) -> None:
        status, _, payload = self._request(
            "POST", "/api/v1/session", {"email": self.email, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"sign-in of {self.email} answered {status}: {payload[:200]!r}")
        self.csrf = json.loads(payload)["csrf_token"]

    def _one(self, kind: str) -> int:
        if kind == "plan page":
            return self._request("GET", f"/children/{self.child}/plan")[0]
        if kind == "plan sync":
            headers = {"If-None-Match": self.etag} if self.etag else {}
            status, found, _ = self._request(
                "GET", f"/api/v1/children/{self.child}/plan", headers=headers
            )
            self.etag = found.get("etag", self.etag)
            return status
        if kind == "care entry":
            self.written += 1
            started = datetime.now(UTC) - timedelta(minutes=15 * self.written)
            body = {
                "activity": self.random.choice(("suctioning", "tube_feeding", "oral_medication")),
                "started_at": started.replace(microsecond=0).isoformat(),
                "minutes": 10,
            }
            status = self._request(
                "POST",
                f"/api/v1/children/{self.child}/care-entries",
                body,
                {"X-CSRFToken": self.csrf},
            )[0]
            if status == 201:
                self.created += 1
            return status
        if kind == "agenda":
            return self._request("GET", "/calendar")[0]
        return self._request("GET", "/")[0]

    def run(self) -> None:
        """Sign in, then act until the time is up."""
        kinds = [kind for kind, _ in MIX]
        weights = [weight for _, weight in MIX]
        try:
            self._sign_in()
            while time.monotonic() < self.until:
                kind = self.random.choices(kinds, weights)[0]
                start = time.perf_counter()
                status = self._one(kind)
                self.timings[kind].append(time.perf_counter() - start)
                self.statuses[status] += 1
                time.sleep(self.random.uniform(0.2, 1.0))  # a person reads before tapping
        except Exception as error:  # reported with the figures; one failure must not hide
            self.failure = f"{type(error).__name__}: {error}"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _serve(
    url: str,
    instance: Path,
    port: int,
    workers: int,
    threads: int,
    app: str = "familyapp:create_app()",
) -> Any:
    """gunicorn serving `app` (a factory importable from benchmarks/ or installed) on loopback."""
    env = {
        **os.environ,
        "FAMILYAPP_DATABASE_URL": url,
        "FAMILYAPP_INSTANCE_PATH": str(instance),
        "FAMILYAPP_SECRET_KEY": "bench",
        # Every simulated person signs in from 127.0.0.1: the per-address limit is for strangers.
        "FAMILYAPP_LOGIN_ATTEMPTS_PER_IP": "100000",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--chdir",
        str(Path(__file__).resolve().parent),
        app,
    ]
    server = subprocess.Popen(command, env=env)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    """Run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="familyapp-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.db'}"
    print(f"preparing {args.users} families in {url.split('@')[-1]} ...", flush=True)
    people = _prepare(url, folder, args.users)
    port = _free_port()
    server = _serve(url, folder, port, args.workers, args.threads)
    try:
        until = time.monotonic() + args.seconds
        crowd = [
            Person(port, email, child, until, seed) for seed, (email, child) in enumerate(people)
        ]
        started = time.monotonic()
        for person in crowd:
            person.start()
        for person in crowd:
            person.join(args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)

    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict[int, int] = defaultdict(int)
    for person in crowd:
        for kind, values in person.timings.items():
            timings[kind].extend(values)
        for status, count in person.statuses.items():
            statuses[status] += count
    created = sum(person.created for person in crowd)
    app = create_app(Settings(instance_path=folder, database_url=url, secret_key="bench"))
    with app.app_context():
        from familyapp.carelog.models import CareEntry

        rows = db.session.scalar(select(func.count()).select_from(CareEntry)) or 0
    stored = rows - 30 * len(people)
    every = [value for values in timings.values() for value in values]
    print(
        f"\n{len(crowd)} people for {elapsed:.0f} s on gunicorn "
        f"({args.workers} workers x {args.threads} threads), {url.split(':')[0]}"
    )
    print(f"{'request':<12} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, _ in MIX:
        values = timings.get(kind, [])
        if values:
            print(
                f"{kind:<12} {len(values):>7} {_percentile(values, 0.5):>8.1f} "
                f"{_percentile(values, 0.95):>8.1f} {_percentile(values, 0.99):>8.1f}"
            )
    if every:
        print(
            f"{'all':<12} {len(every):>7} {_percentile(every, 0.5):>8.1f} "
            f"{_percentile(every, 0.95):>8.1f} {_percentile(every, 0.99):>8.1f}"
        )
        mean = statistics.mean(every) * 1000
        print(f"throughput: {len(every) / elapsed:.1f} requests/s, mean {mean:.1f} ms")
    print("statuses:", dict(sorted(statuses.items())))
    print(f"5xx: {sum(count for status, count in statuses.items() if status >= 500)}")
    print(f"care entries answered 201: {created}, stored: {stored}, lost: {created - stored}")
    failures = [person.failure for person in crowd if person.failure]
    if failures:
        print(f"{len(failures)} people stopped early; first: {failures[0]}")


if __name__ == "__main__":
    main()
