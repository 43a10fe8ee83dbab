"""Lighthouse scores of the sign-in page, home screen, plan and care log, as a phone sees them.

Serves the demo family with `familyapp run --demo` (waitress, as the README's first command
does) on loopback, signs in as the demo mother, and runs Lighthouse (npm `lighthouse`, fetched
by `npm exec` on first use, not a project dependency: it is 170 MB) with Debian's chromium in
its default mobile emulation (a mid-range phone, throttled 4G, a slowed CPU) on each page,
with empty caches. Prints the performance, accessibility and best-practices scores (the target
is at least 0.95 each), the audits that cost points, and the first load's key timings.

    .venv/bin/python benchmarks/lighthouse.py [--runs 1] [--lighthouse lighthouse@12.8.2]

Needs node and npm (the test setup's), chromium (apt), and the network once for the npm
package. The scores' performance part depends on the machine's load; run it when the machine
is quiet, and take the median of several runs (--runs 3).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGET = 0.95
TIMINGS = (
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FAMILYAPP_DATABASE_URL": f"sqlite:///{folder / 'lighthouse.db'}",
        "FAMILYAPP_INSTANCE_PATH": str(folder),
        "FAMILYAPP_SECRET_KEY": "lighthouse",
    }
    familyapp = Path(sys.executable).with_name("familyapp")
    server = subprocess.Popen(
        [str(familyapp), "run", "--demo", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("familyapp run did not start")


def _request(
    port: int, method: str, path: str, body: Any = None, cookie: str = ""
) -> tuple[int, Any, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    return response.status, response.headers, text


def _sign_in(port: int) -> str:
    status, headers, _ = _request(
        port,
        "POST",
        "/api/v1/session",
        {"email": "parent@example.org", "password": "familyapp-demo"},
    )
    if status != 200:
        raise SystemExit(f"demo sign-in answered {status}")
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("familyapp_session="):
            return str(value.split(";", 1)[0])
    raise SystemExit("sign-in set no session cookie")


def _lighthouse(package: str, url: str, cookie: str, out: Path) -> dict[str, Any]:
    command = [
        "npm",
        "exec",
        "--yes",
        f"--package={package}",
        "--",
        "lighthouse",
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _lost_points(report: dict[str, Any]) -> list[str]:
    """The audits under 1 that carry weight in the three categories."""
    weighted = {
        ref["id"]
        for name in CATEGORIES
        for ref in report["categories"][name]["auditRefs"]
        if ref.get("weight")
    }
    lost = []
    for audit_id in sorted(weighted):
        audit = report["audits"][audit_id]
        score = audit.get("score")
        if score is not None and score < 1 and audit.get("scoreDisplayMode") != "informative":
            lost.append(f"{audit_id} ({score:.2f})")
    return lost


def main() -> None:
    """Serve the demo, sign in, run Lighthouse on the four pages, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--lighthouse", default="lighthouse@12.8.2")
    args = parser.parse_args()
    if shutil.which("npm") is None or not Path(CHROMIUM).exists():
        raise SystemExit("needs npm and /usr/bin/chromium (scripts/test.sh installs both)")
    folder = Path(tempfile.mkdtemp(prefix="familyapp-lighthouse-"))
    port = _free_port()
    server = _serve(folder, port)
    try:
        cookie = _sign_in(port)
        _, _, home = _request(port, "GET", "/", cookie=cookie)
        found = re.search(r"/children/([0-9a-f-]{36})/plan", home)
        if found is None:
            raise SystemExit("the home screen links no plan")
        pages = {
            "sign-in": ("/login", ""),
            "home screen": ("/", cookie),
            "plan": (f"/children/{found.group(1)}/plan", cookie),
            "care log": ("/care", cookie),
        }
        rows = []
        for name, (path, page_cookie) in pages.items():
            reports = [
                _lighthouse(
                    args.lighthouse,
                    f"http://127.0.0.1:{port}{path}",
                    page_cookie,
                    folder / f"{name}-{run}.json",
                )
                for run in range(args.runs)
            ]
            scores = {
                category: statistics.median(
                    report["categories"][category]["score"] for report in reports
                )
                for category in CATEGORIES
            }
            last = reports[-1]
            timings = " ".join(
                f"{label} {last['audits'][audit]['displayValue']}" for audit, label in TIMINGS
            )
            rows.append((name, scores, timings, _lost_points(last)))
    finally:
        server.terminate()
        server.wait(30)
    print(f"\nLighthouse ({args.lighthouse}, mobile), median of {args.runs} run(s)")
    print(f"{'page':<12} {'performance':>12} {'accessibility':>14} {'best practices':>15}")
    for name, scores, timings, lost in rows:
        marks = ["" if scores[c] >= TARGET else " !" for c in CATEGORIES]
        print(
            f"{name:<12} {scores['performance']:>10.2f}{marks[0]:<2} "
            f"{scores['accessibility']:>12.2f}{marks[1]:<2} "
            f"{scores['best-practices']:>13.2f}{marks[2]:<2}"
        )
        print(f"{'':<12} {timings}")
        if lost:
            print(f"{'':<12} short of 1: {', '.join(lost)}")
    print(f"(! = under the target of {TARGET})")


if __name__ == "__main__":
    main()
