"""Benchmark: how long the calendar takes for a busy family with years of repeating visits.

One guardian, 5 children, each with weekly therapy and nursing series that started 3 years ago
(with cancelled and moved dates along the way), a monthly trach or G-tube change, and a one-off
appointment every other week for 3 years. The script prints p50/p95/max server time and the
SQL query count for the agenda (30 days), the week and month views, the home screen, the JSON
list of one child's next 30 days, and the iCalendar feed. Figures, not assertions: the machines
are shared and noisy.

    .venv/bin/python benchmarks/agenda.py [--reads 100] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped and re-created): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from familyapp import create_app
from familyapp.core.db import Base, db
from familyapp.settings import Settings

PASSWORD = "bench-password-lantern-7"
CHILDREN = 5
CHICAGO = ZoneInfo("America/Chicago")
YEARS = 3
# (title, discipline, weekday, hour, minutes long): what a CMC family's week looks like.
WEEKLY = (
    ("Physical therapy", "pt", "MO", 9, 45),
    ("Occupational therapy", "ot", "WE", 10, 45),
    ("Speech therapy", "speech", "TH", 14, 30),
    ("Home nursing visit", "home_nursing", "TU", 18, 240),
)


def _counter(queries: list[str]) -> Callable[..., None]:
    def count(*parts: object) -> None:
        queries.append(str(parts[2]))

    return count


def _fill(client: Any, csrf: str) -> int:
    """Make the children and their appointments through the API; return how many were made."""
    headers = {"X-CSRFToken": csrf}
    first = (datetime.now(UTC) - timedelta(days=365 * YEARS)).replace(tzinfo=None)
    first = first.replace(hour=0, minute=0, second=0, microsecond=0)
    made = 0
    for number in range(CHILDREN):
        child = client.post(
            "/api/v1/children", json={"display_name": f"Child {number + 1}"}, headers=headers
        ).get_json()
        base = f"/api/v1/children/{child['id']}/appointments"
        for title, discipline, weekday, hour, minutes in WEEKLY:
            start = first.replace(hour=hour)
            series = client.post(
                base,
                json={
                    "title": title,
                    "discipline": discipline,
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(minutes=minutes)).isoformat(),
                    "timezone": "America/Chicago",
                    "rrule": f"FREQ=WEEKLY;BYDAY={weekday}",
                    "reminder_offsets_minutes": [1440, 120],
                },
                headers=headers,
            ).get_json()
            made += 1
            # About one date in ten cancelled or moved over the years (holidays, sick days).
            dates = []
            for offset in range(0, 365 * YEARS, 390):
                window = first + timedelta(days=offset)
                listed = client.get(
                    f"{base}?from={window.isoformat()}Z"
                    f"&to={(window + timedelta(days=390)).isoformat()}Z"
                ).get_json()
                dates += next(a for a in listed if a["id"] == series["id"])["occurrences"]
            for index, occurrence in enumerate(dates[::10]):
                original = occurrence["original_start"]
                body: dict[str, Any] = {"original_start": original, "cancelled": index % 2 == 0}
                if not body["cancelled"]:
                    moved = datetime.fromisoformat(original) + timedelta(days=1)
                    local = moved.astimezone(CHICAGO).replace(tzinfo=None)
                    body["starts_at"] = local.isoformat()
                    body["ends_at"] = (local + timedelta(minutes=minutes)).isoformat()
                client.post(
                    f"/api/v1/appointments/{series['id']}/exceptions", json=body, headers=headers
                )
        trach = first.replace(day=15, hour=7, minute=30)
        client.post(
            base,
            json={
                "title": "Trach change",
                "discipline": "pulmonology",
                "starts_at": trach.isoformat(),
                "ends_at": (trach + timedelta(minutes=30)).isoformat(),
                "timezone": "America/Chicago",
                "rrule": "FREQ=MONTHLY;BYMONTHDAY=15",
            },
            headers=headers,
        )
        made += 1
        for week in range(0, 52 * YEARS + 8, 2):
            start = first + timedelta(weeks=week, days=number % 5, hours=13)
            client.post(
                base,
                json={
                    "title": f"Specialist visit {week}",
                    "discipline": ("neurology", "gi", "ent", "orthopedics", "lab")[week % 5],
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=1)).isoformat(),
                    "timezone": "America/Chicago",
                },
                headers=headers,
            )
            made += 1
    return made


def main() -> None:
    """Build the family's calendar, then time reads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=100)
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
    started = time.perf_counter()
    made = _fill(client, csrf)
    elapsed = time.perf_counter() - started
    children = client.get("/api/v1/children").get_json()
    feed = client.post(
        "/api/v1/calendar-feeds", json={"label": "bench"}, headers={"X-CSRFToken": csrf}
    ).get_json()
    feed_path = feed["url"].split("://", 1)[1].split("/", 1)[1]
    print(
        f"{CHILDREN} children, {made} appointments and series over {YEARS} years, "
        f"built in {elapsed:.1f} s ({url.split(':')[0]})"
    )
    for label, path in (
        ("agenda, 30 days (HTML)", "/calendar"),
        ("week view (HTML)", "/calendar?view=week"),
        ("month view (HTML)", "/calendar?view=month"),
        ("home screen (HTML)", "/"),
        ("one child's 30 days (JSON)", f"/api/v1/children/{children[0]['id']}/appointments"),
        ("calendar feed (iCalendar)", f"/{feed_path}"),
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
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{label}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
            f"max {timings[-1]:.1f} ms, {len(queries)} SQL queries per read, "
            f"{len(response.data) / 1024:.0f} KiB"
        )


if __name__ == "__main__":
    main()
