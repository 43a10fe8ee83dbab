"""Benchmark: do the pages stay fast as the database grows from 100 to 10,000 families?

Fills the database with `familyapp bench-data` families (bench_data.fill: full plans, three
years of appointments, two years of care entries, a survey round), then, for a sample of the
guardians, times the four pages a parent opens most: the plan page, the agenda, the care report
and the home screen. Server time is measured in-process (Flask test client), with the SQL query
count per page. It measures at the small size, grows the database to the large size, and
measures again; the last column is large / small. Figures, not assertions (docs/performance.md).

    .venv/bin/python benchmarks/scale.py [--small 100] [--large 10000] [--reads 60]
        [--database-url postgresql://...]

The database at --database-url is WIPED (all Familyapp tables dropped, then migrated): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from familyapp import create_app
from familyapp.core import migrate
from familyapp.core.db import Base, db
from familyapp.settings import Settings
from familyapp.system import bench_data

PAGES = ("plan page", "agenda", "care report", "home screen")


def _counter(queries: list[str]) -> Callable[..., None]:
    def count(*parts: object) -> None:
        queries.append(str(parts[2]))

    return count


def _paths(client: Any) -> dict[str, str]:
    child = client.get("/api/v1/children").get_json()[0]["id"]
    return {
        "plan page": f"/children/{child}/plan",
        "agenda": "/calendar",
        "care report": f"/children/{child}/care/report",
        "home screen": "/",
    }


def _measure(app: Any, reads: int, families: int) -> dict[str, tuple[float, float, int]]:
    """p50 and p95 server time (ms) and SQL queries per page, over sampled guardians."""
    from familyapp.accounts.models import User

    with app.app_context():
        emails = list(
            db.session.scalars(select(User.email).where(User.email.like("bench%@example.org")))
        )
    chooser = random.Random(families)
    sample = chooser.sample([e for e in emails if e[5:6].isdigit()], k=min(10, len(emails)))
    timings: dict[str, list[float]] = {page: [] for page in PAGES}
    queries_per: dict[str, int] = {}
    assert db.engine is not None
    for email in sample:
        client = app.test_client()
        login = client.post(
            "/api/v1/session", json={"email": email, "password": bench_data.PASSWORD}
        )
        assert login.status_code == 200, login.get_data(as_text=True)
        paths = _paths(client)
        for page in PAGES:
            client.get(paths[page])  # warm: templates compiled, connection open
            for _ in range(max(1, reads // len(sample))):
                queries: list[str] = []
                count = _counter(queries)
                event.listen(db.engine, "before_cursor_execute", count)
                begin = time.perf_counter()
                response = client.get(paths[page])
                timings[page].append((time.perf_counter() - begin) * 1000)
                event.remove(db.engine, "before_cursor_execute", count)
                assert response.status_code == 200, (page, response.status_code)
                queries_per[page] = max(queries_per.get(page, 0), len(queries))
    found = {}
    for page, values in timings.items():
        values.sort()
        p95 = values[max(0, int(len(values) * 0.95) - 1)]
        found[page] = (statistics.median(values), p95, queries_per[page])
    return found


def main() -> None:
    """Fill, measure, grow, measure, and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=60)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="familyapp-scale-"))
    url = args.database_url or f"sqlite:///{folder / 'scale.db'}"
    app = create_app(Settings(instance_path=folder, database_url=url, secret_key="bench"))
    with app.app_context():
        assert db.engine is not None
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate.upgrade(url)
    results = {}
    total = 0
    for size in (args.small, args.large):
        with app.test_request_context("/"):
            filled = bench_data.fill(size - total)
        total = size
        print(
            f"{total} families ({url.split(':')[0]}): added {filled.families} in "
            f"{filled.seconds:.0f} s, {sum(filled.rows.values()):,} rows",
            flush=True,
        )
        if db.engine is not None and db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")  # as autovacuum would after a bulk load
        results[size] = _measure(app, args.reads, size)
    small, large = results[args.small], results[args.large]
    print(
        f"\n{'page':<12} {'p50 ' + str(args.small):>10} {'p95 ' + str(args.small):>10} "
        f"{'p50 ' + str(args.large):>11} {'p95 ' + str(args.large):>11} {'queries':>8} {'p95 x':>6}"
    )
    for page in PAGES:
        a, b = small[page], large[page]
        print(
            f"{page:<12} {a[0]:>8.1f}ms {a[1]:>8.1f}ms {b[0]:>9.1f}ms {b[1]:>9.1f}ms "
            f"{b[2]:>8} {b[1] / a[1]:>6.2f}"
        )


if __name__ == "__main__":
    main()
