"""Benchmark: how long the plan takes to read, for a big plan with a long history.

A plan with 40 medications, 30 contacts and 200 saved versions is read through the Flask test
client (HTML page and JSON API); the script prints p50/p95/max server time and the SQL query
count per read. Figures, not assertions: the machines are shared and noisy.

    .venv/bin/python benchmarks/plan_read.py [--reads 200] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped and re-created): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

from familyapp import create_app
from familyapp.core.db import Base, db
from familyapp.settings import Settings

PASSWORD = "bench-password-lantern-7"


def _document(version: int) -> dict[str, object]:
    return {
        "summary": f"Benchmark child, version {version}: trach, vent at night, G-tube, epilepsy.",
        "medications": [
            {
                "name": f"Medication {i}",
                "dose_amount": "2.5",
                "dose_unit": "mg",
                "route": "g_tube",
                "schedule": "Twice daily",
                "purpose": "Benchmark",
            }
            for i in range(40)
        ],
        "contacts": [
            {
                "name": f"Contact {i}",
                "kind": "care_team",
                "role": "Specialist",
                "phone": "(312) 555-0100",
                "email": f"c{i}@example.org",
            }
            for i in range(30)
        ],
        "allergies": [{"substance": "Latex", "severity": "life_threatening"}],
        "equipment": [{"name": "Trach", "kind": "tracheostomy", "size": "4.0"}],
    }


def _counter(queries: list[str]) -> Callable[..., None]:
    def count(*parts: object) -> None:
        queries.append(str(parts[2]))

    return count


def main() -> None:
    """Build the big plan, then time reads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="familyapp-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = create_app(
        Settings(instance_path=folder, database_url=url, secret_key="bench", testing=True)
    )
    assert db.engine is not None
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    client = app.test_client()
    client.post(
        "/api/v1/accounts", json={"email": "b@example.org", "password": PASSWORD, "name": "B"}
    )
    login = client.post("/api/v1/session", json={"email": "b@example.org", "password": PASSWORD})
    csrf = login.get_json()["csrf_token"]
    child = client.post(
        "/api/v1/children", json={"display_name": "Bench"}, headers={"X-CSRFToken": csrf}
    ).get_json()
    plan_api = f"/api/v1/children/{child['id']}/plan"
    etag = '"plan-0"'
    started = time.perf_counter()
    for version in range(args.versions):
        response = client.put(
            plan_api, json=_document(version), headers={"X-CSRFToken": csrf, "If-Match": etag}
        )
        etag = response.headers["ETag"]
    elapsed = time.perf_counter() - started
    print(f"built {args.versions} versions in {elapsed:.1f} s ({url.split(':')[0]})")

    for label, path in (
        ("plan page (HTML)", f"/children/{child['id']}/plan"),
        ("plan API (JSON)", plan_api),
    ):
        queries: list[str] = []
        count = _counter(queries)
        timings = []
        for _ in range(args.reads):
            queries.clear()
            event.listen(db.engine, "before_cursor_execute", count)
            begin = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - begin) * 1000)
            event.remove(db.engine, "before_cursor_execute", count)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
            f"max {timings[-1]:.1f} ms, {len(queries)} SQL queries per read "
            "(and the data generation's, past SQLAlchemy), "
            f"{len(response.data) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
