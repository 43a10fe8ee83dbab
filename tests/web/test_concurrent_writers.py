"""Many people writing at once: no "database is locked" 500s on SQLite, no lost writes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from familyapp.carelog.models import CareEntry
from familyapp.core.db import db
from tests.factories import Api, family_with_child

THREADS = 6
WRITES = 12


def _started(thread: int, index: int) -> str:
    # Entries 20 minutes apart, 10 minutes long: no two overlap, so each must be saved.
    when = datetime.now(UTC) - timedelta(minutes=20 * (thread * WRITES + index + 1))
    return when.replace(microsecond=0).isoformat()


def test_parallel_writers_all_land_without_server_errors(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    clients = []
    for _ in range(THREADS):  # one signed-in session each, as on several phones
        api = Api(app.test_client())
        assert api.login("g@example.org").status_code == 200
        clients.append(api)
    statuses: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(thread: int, api: Api) -> None:
        start.wait()
        for index in range(WRITES):
            body: dict[str, Any] = {
                "activity": "suctioning",
                "started_at": _started(thread, index),
                "minutes": 10,
            }
            made = api.post(f"/api/v1/children/{child.id}/care-entries", body)
            read = api.get(f"/api/v1/children/{child.id}/plan")
            with lock:
                statuses.extend((made.status_code, read.status_code))
                if made.status_code != 201:
                    failures.append(f"{made.status_code} {made.get_data(as_text=True)[:200]}")

    threads = [threading.Thread(target=work, args=(n, api)) for n, api in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert not failures, failures
    assert all(status < 500 for status in statuses)
    with app.app_context():
        saved = db.session.scalar(select(func.count()).select_from(CareEntry))
    assert saved == THREADS * WRITES
