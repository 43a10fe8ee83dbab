"""Throughput of the plan page under gunicorn, against a minimal Flask page on the same server.

One gunicorn serves both: the whole Familyapp app, and at `/minimal` a bare Flask app whose
only view returns a short string (the baseline: what gunicorn, WSGI and Flask cost with no
work), and Familyapp's own /healthz as a second baseline (the session cookie, the policy,
the security headers and one query: what every page pays). wrk (Debian `wrk`, written in C, so
the load generator takes little of the 2 cores) drives each page in turn, signed in as a
guardian with a full plan, on keep-alive connections, in alternating rounds so that the
machine's other load falls on all alike. Prints requests per second, latency and the plan
page's share of each baseline (the target is at least 40% of the minimal Flask page).

    pip install -e ".[bench]"   # gunicorn; and apt install wrk
    .venv/bin/python benchmarks/throughput.py [--seconds 15] [--rounds 3] [--workers 2]
        [--threads 1] [--connections 16] [--database-url URL] [--writes-per-second N]

Familyapp remembers what it read until anything is written (core/generation.py), so a read-only
run is its best case. `--writes-per-second N` has another family's guardian log N care entries a
second all through the run (each raises the data generation): what the plan page keeps when
others write.

One thread per worker, one worker per core, is how to run a CPU-bound Python app under
gunicorn: with 4 threads per worker, /healthz fell on this machine from about 1,900 to
650-1,100 requests/s and the plan page from about 950 to 170-400 (docs/performance.md), most
likely the threads handing the GIL back and forth around every SQLite call.

The database at --database-url is WIPED (as benchmarks/load.py does): give it a throwaway one.
The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from flask import Flask

from familyapp import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import PASSWORD, Person, _free_port, _prepare, _serve  # the sibling script's setup

MINIMAL = "/minimal"


def wsgi() -> Any:
    """gunicorn's factory: Familyapp, with the bare Flask baseline mounted at /minimal."""
    familyapp = create_app()
    minimal = Flask("minimal")

    @minimal.get(MINIMAL)
    def hello() -> str:
        return "ok"

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == MINIMAL:
            return minimal.wsgi_app(environ, start_response)
        return familyapp.wsgi_app(environ, start_response)

    return dispatch


def _sign_in(port: int, email: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"email": email, "password": PASSWORD})
    connection.request(
        "POST", "/api/v1/session", body=body, headers={"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"sign-in answered {response.status}")
    for value in response.headers.get_all("Set-Cookie") or []:
        if value.startswith("familyapp_session="):
            return value.split(";", 1)[0]
    raise SystemExit("sign-in set no session cookie")


class Writer(threading.Thread):
    """Another family's guardian logging care entries at a steady rate, until stopped."""

    def __init__(self, port: int, email: str, child: str, per_second: float) -> None:
        super().__init__(daemon=True)
        self.person = Person(port, email, child, until=float("inf"), seed=1)
        self.pause = 1.0 / per_second if per_second > 0 else 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        """Sign in, then write one entry each pause."""
        try:
            self.person._sign_in()
            while not self.stop.wait(self.pause):
                self.person._one("care entry")
        except Exception as error:  # printed with the figures
            self.person.failure = f"{type(error).__name__}: {error}"


def _wrk(url: str, cookie: str, seconds: float, connections: int) -> dict[str, float]:
    """One wrk run: requests per second, mean and p99 latency (ms), and the non-2xx count."""
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds:.0f}s",
            "--latency",
            "--header",
            f"Cookie: {cookie}",
            "--header",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise SystemExit(f"wrk printed no rate:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rate": float(rate.group(1)),
        "mean": _millis(re.search(r"Latency\s+(\S+)", output)),
        "p99": _millis(re.search(r"99%\s+(\S+)", output)),
        "bad": float(bad.group(1)) if bad else 0.0,
    }


def _millis(found: re.Match[str] | None) -> float:
    if found is None:
        return float("nan")
    value = found.group(1)
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def main() -> None:
    """Serve, drive both pages in alternating rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url")
    parser.add_argument("--writes-per-second", type=float, default=0.0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="familyapp-throughput-"))
    url = args.database_url or f"sqlite:///{folder / 'throughput.db'}"
    (email, child), (writer_email, writer_child) = _prepare(url, folder, 2)
    port = _free_port()
    server = _serve(url, folder, port, args.workers, args.threads, "throughput:wsgi()")
    # A second baseline: the lightest page through Familyapp's own stack (session cookie,
    # policy, security headers, one query), to show what the plan page itself adds.
    pages = {
        "minimal Flask page": MINIMAL,
        "Familyapp /healthz": "/healthz",
        "plan page": f"/children/{child}/plan",
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
    writer = Writer(port, writer_email, writer_child, args.writes_per_second)
    try:
        cookie = _sign_in(port, email)
        if args.writes_per_second > 0:
            writer.start()
        for path in pages.values():  # warm both (templates compiled, connections open)
            _wrk(f"http://127.0.0.1:{port}{path}", cookie, 2, args.connections)
        for _ in range(args.rounds):
            for name, path in pages.items():
                run = _wrk(f"http://127.0.0.1:{port}{path}", cookie, args.seconds, args.connections)
                runs[name].append(run)
                print(
                    f"  {name:<20} {run['rate']:>8.1f} req/s  mean {run['mean']:.1f} ms  "
                    f"p99 {run['p99']:.1f} ms  non-2xx {run['bad']:.0f}",
                    flush=True,
                )
    finally:
        writer.stop.set()
        server.terminate()
        server.wait(30)
    print(
        f"\ngunicorn {args.workers} workers x {args.threads} threads, wrk {args.connections} "
        f"connections, {args.rounds} rounds of {args.seconds:.0f} s, {url.split(':')[0]}"
    )
    if args.writes_per_second > 0:
        print(
            f"another family logged {writer.person.created} care entries meanwhile "
            f"(asked {args.writes_per_second:g} a second; {writer.person.failure or 'no failure'})"
        )
    rates = {name: statistics.median(run["rate"] for run in found) for name, found in runs.items()}
    for name, rate in rates.items():
        print(f"{name:<20} median {rate:>8.1f} requests/s")
    share = rates["plan page"] / rates["minimal Flask page"]
    print(f"plan page / minimal Flask page: {share:.1%} (target at least 40%)")
    print(f"plan page / Familyapp /healthz: {rates['plan page'] / rates['Familyapp /healthz']:.1%}")


if __name__ == "__main__":
    main()
