"""Benchmark: how long the care report takes for a child with five years of care entries, and
the program view across 1,000 consenting families.

One guardian and one child with about 30,000 entries over 5 years (16 a day: feeds, suctioning,
trach care, medications, therapy, coordination, overnight supervision), paid work missed each
week, and nursing hours each week; then 1,000 families on one coordinator's care team, each
child with 20 entries a month for a year, all consenting. Entries are bulk-inserted through
carelog.service.import_entries (families and memberships as rows): the point is the reads. The
script prints p50/p95/max server time and the SQL query count of: the year report (JSON and
HTML), the five-year report, the year's CSV, and the program view (JSON and HTML). Figures, not
assertions: the machines are shared and noisy.

    .venv/bin/python benchmarks/carelog.py [--reads 30] [--families 1000] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped and re-created): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from familyapp import create_app
from familyapp.accounts import service as accounts
from familyapp.carelog import household as carelog_household
from familyapp.carelog import service as carelog
from familyapp.carelog.models import ProgramConsent
from familyapp.core.db import Base, db
from familyapp.families import service as families
from familyapp.families.models import Child, Family, Membership
from familyapp.settings import Settings

PASSWORD = "bench-password-lantern-7"
YEARS = 5
# (activity, hour, minutes): a day of a child with a trach and a G-tube (16 entries).
DAY = (
    ("suctioning", 6, 10),
    ("tube_feeding", 7, 30),
    ("oral_medication", 8, 10),
    ("dressing", 8, 15),
    ("coordination_calls", 9, 20),
    ("tube_feeding", 11, 30),
    ("suctioning", 12, 10),
    ("therapy_exercises", 13, 20),
    ("tube_feeding", 15, 30),
    ("repositioning", 16, 10),
    ("bathing", 17, 25),
    ("tube_feeding", 19, 30),
    ("trach_care", 20, 20),
    ("suctioning", 21, 10),
    ("oral_medication", 21, 10),
    ("overnight_supervision", 22, 420),
)


def _counter(queries: list[str]) -> Callable[..., None]:
    def count(*parts: object) -> None:
        queries.append(str(parts[2]))

    return count


def _fill_child(app: Any) -> tuple[str, int]:
    """The guardian's child with five years of entries; returns its id and the entry count."""
    with app.test_request_context("/"):
        guardian = accounts.register("b@example.org", PASSWORD, "B")
        child = families.create_child(guardian, {"display_name": "Child"})
        first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        first -= timedelta(days=365 * YEARS)
        rows = []
        for offset in range(365 * YEARS + 1):
            day = first + timedelta(days=offset)
            for activity, hour, minutes in DAY:
                rows.append(
                    {
                        "activity": activity,
                        "started_at": day + timedelta(hours=hour),
                        "minutes": minutes,
                        "caregiver": guardian.id,
                    }
                )
        made = 0
        for start in range(0, len(rows), 5000):
            made += carelog.import_entries(child, rows[start : start + 5000])
        for week in range(52 * YEARS):
            day = (first + timedelta(weeks=week)).date()
            carelog_household.record_work_missed(guardian, child, {"day": day, "hours": Decimal(4)})
        return str(child.id), made


def _fill_program(app: Any, count: int) -> int:
    """`count` consenting families on one coordinator's team, 20 entries a month for a year."""
    with app.test_request_context("/"):
        coordinator = accounts.register("team@example.org", PASSWORD, "Team")
        parent = accounts.register("p@example.org", PASSWORD, "Parent")
        family_rows, child_rows, members, consents = [], [], [], []
        for index in range(count):
            family_id, child_id = uuid.uuid4(), uuid.uuid4()
            family_rows.append({"id": family_id, "name": f"F{index}", "time_zone": "UTC"})
            child_rows.append({"id": child_id, "family_id": family_id, "display_name": "C"})
            for user, role in ((parent, "guardian"), (coordinator, "care_team")):
                members.append(
                    {"id": uuid.uuid4(), "family_id": family_id, "user_id": user.id, "role": role}
                )
            consents.append({"id": uuid.uuid4(), "family_id": family_id})
        now = datetime.now(UTC)
        for model, rows in (
            (Family, family_rows),
            (Child, child_rows),
            (Membership, members),
            (ProgramConsent, consents),
        ):
            db.session.execute(insert(model), rows)  # column defaults fill the rest
        db.session.commit()
        made = 0
        start = now - timedelta(days=365)
        for index, row in enumerate(child_rows):
            child = db.session.get(Child, row["id"])
            assert child is not None
            entries = [
                {
                    "activity": ("tube_feeding", "bathing", "forms", "suctioning")[n % 4],
                    "started_at": start + timedelta(hours=18 * n + index % 12),
                    "minutes": 30,
                    "caregiver": parent.id,
                }
                for n in range(240)
            ]
            entries.append(
                {
                    "activity": "coordination_calls",
                    "started_at": now - timedelta(days=3),
                    "minutes": 20,
                    "caregiver": coordinator.id,
                    "performed_by": "team",
                }
            )
            made += carelog.import_entries(child, entries)
        return made


def _time(client: Any, label: str, path: str, reads: int, engine: Any) -> None:
    queries: list[str] = []
    count = _counter(queries)
    timings = []
    response = None
    for _ in range(reads):
        queries.clear()
        event.listen(engine, "before_cursor_execute", count)
        begin = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - begin) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    assert response is not None
    print(
        f"{label}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms, {len(queries)} SQL queries per read, "
        f"{len(response.data) / 1024:.0f} KiB"
    )


def _login(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/api/v1/session", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client


def main() -> None:
    """Build the logs, then time reads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--families", type=int, default=1000)
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
    started = time.perf_counter()
    child_id, made = _fill_child(app)
    print(
        f"1 child, {made} care entries over {YEARS} years, built in "
        f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    client = _login(app, "b@example.org")
    today = date.today()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    five = f"from={(today - timedelta(days=365 * YEARS)).isoformat()}&to={today.isoformat()}"
    for label, path in (
        ("year report (JSON)", f"/api/v1/children/{child_id}/care-report?{year}"),
        ("year report (HTML)", f"/children/{child_id}/care/report?range=year"),
        ("five-year report (JSON)", f"/api/v1/children/{child_id}/care-report?{five}"),
        ("year of entries (CSV)", f"/api/v1/children/{child_id}/care-entries.csv?{year}"),
    ):
        _time(client, label, path, args.reads, db.engine)
    started = time.perf_counter()
    made = _fill_program(app, args.families)
    print(
        f"{args.families} consenting families, {made} more entries, built in "
        f"{time.perf_counter() - started:.1f} s"
    )
    team = _login(app, "team@example.org")
    for label, path in (
        ("program view, 12 months (JSON)", "/api/v1/care-program"),
        ("program view, 12 months (HTML)", "/care/program"),
    ):
        _time(team, label, path, max(3, args.reads // 3), db.engine)


if __name__ == "__main__":
    main()
