"""Benchmark: how long a campaign's results take for 5,000 responses of a 30-item survey.

A program with one staff member, a 30-item questionnaire (10 single-choice items on a 0-4
scale with two scales over them, one reverse-scored; 10 yes/no; 5 whole numbers with bounds;
2 multiple-choice; 2 free-text; 1 date), and an anonymous campaign with 5,000 responses. The
responses are made through answers.validate_answers and scoring.score (so they are what the
app would store) and bulk-inserted as rows: the point is the reads. The script prints p50/p95/
max server time, SQL query count and size of: the results JSON, the results page and the CSV
export, and the Python peak memory of one results read. Figures, not assertions: the machines
are shared and noisy.

    .venv/bin/python benchmarks/survey_results.py [--responses N] [--reads N] [--database-url URL]

The database at --database-url is WIPED (all Familyapp tables dropped and re-created): give it
an empty, throwaway database. The default is a new SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from familyapp import create_app
from familyapp.accounts import service as accounts
from familyapp.core.db import Base, db
from familyapp.settings import Settings
from familyapp.surveys import programs, results, scoring, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import Campaign, Participation, Response

PASSWORD = "bench-password-lantern-7"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def _survey() -> dict[str, Any]:
    scale = ["never", "rarely", "sometimes", "often", "always"]
    items: list[dict[str, Any]] = []
    for n in range(1, 11):
        items.append(
            {
                "linkId": f"c{n}",
                "type": "choice",
                "required": True,
                "text": f"How often, in the past month, statement {n}?",
                "answerOption": [
                    {
                        "valueCoding": {"code": code, "display": code.title()},
                        "extension": [{"url": ORDINAL, "valueDecimal": value}],
                    }
                    for value, code in enumerate(scale)
                ],
            }
        )
    for n in range(1, 11):
        items.append({"linkId": f"b{n}", "type": "boolean", "text": f"Yes or no {n}?"})
    for n in range(1, 6):
        items.append(
            {
                "linkId": f"n{n}",
                "type": "integer",
                "text": f"Hours per week {n}",
                "extension": [
                    {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                        "valueInteger": 168,
                    },
                ],
            }
        )
    for n in range(1, 3):
        items.append(
            {
                "linkId": f"m{n}",
                "type": "choice",
                "repeats": True,
                "text": f"Which apply {n}?",
                "answerOption": [
                    {"valueCoding": {"code": f"o{k}", "display": f"Option {k}"}} for k in range(6)
                ],
            }
        )
    items += [
        {"linkId": "t1", "type": "text", "text": "Anything else?"},
        {"linkId": "t2", "type": "string", "text": "Your role"},
        {"linkId": "d1", "type": "date", "text": "When did this start?"},
    ]
    scoring_doc = {
        "show_score": True,
        "scales": [
            {
                "code": "strain",
                "title": {"en": "Strain"},
                "method": "sum",
                "items": [f"c{n}" for n in range(1, 6)],
                "reverse": ["c5"],
                "min_answered": 4,
                "bands": [
                    {"min": 0, "max": 6, "label": {"en": "Low"}},
                    {"min": 7, "max": 13, "label": {"en": "Medium"}},
                    {"min": 14, "max": 20, "label": {"en": "High"}},
                ],
            },
            {
                "code": "support",
                "title": {"en": "Support"},
                "method": "mean",
                "items": [f"c{n}" for n in range(6, 11)],
            },
        ],
    }
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "language": "en",
        "title": "Benchmark survey (30 items)",
        "extension": [
            {
                "url": "https://familyapp.org/fhir/StructureDefinition/questionnaire-scoring",
                "valueString": json.dumps(scoring_doc),
            }
        ],
        "item": items,
    }


def _raw(rng: random.Random) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for n in range(1, 11):
        raw[f"c{n}"] = [rng.choice(["never", "rarely", "sometimes", "often", "always"])]
    for n in range(1, 11):
        if rng.random() < 0.95:
            raw[f"b{n}"] = [rng.choice(["true", "false"])]
    for n in range(1, 6):
        raw[f"n{n}"] = [str(rng.randint(0, 60))]
    for n in range(1, 3):
        raw[f"m{n}"] = rng.sample([f"o{k}" for k in range(6)], rng.randint(1, 3))
    if rng.random() < 0.3:
        raw["t1"] = ["We need more respite hours."]
    raw["d1"] = [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
    return raw


def _fill(app: Any, count: int) -> str:
    """A program, the survey, an anonymous campaign and `count` responses; the campaign id."""
    with app.test_request_context("/"):
        staff = accounts.register("staff@example.org", PASSWORD, "Staff")
        program = programs.create_program("Benchmark program")
        programs.add_program_member(program, staff, "staff")
        db.session.commit()
        row = service.import_questionnaire(staff, program.id, _survey())
        model = service.parsed(row)
        now = datetime.now(UTC)
        campaign = Campaign(
            program_id=program.id,
            questionnaire_id=row.id,
            title="Benchmark campaign",
            target="program",
            opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=30),
            anonymous=True,
            created_by_id=staff.id,
        )
        db.session.add(campaign)
        db.session.commit()
        rng = random.Random(7)
        rows = []
        for number in range(count):
            answers = fhirq.validate_answers(model, _raw(rng))
            scores = [
                {
                    "code": s.code,
                    "value": None if s.value is None else str(s.value),
                    "answered": s.answered,
                    "expected": s.expected,
                    "band": None if s.band is None else 0,
                }
                for s in scoring.score(model, answers)
            ]
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "campaign_id": campaign.id,
                    "questionnaire_id": row.id,
                    "submitted_on": (now - timedelta(days=number % 30)).date(),
                    "language": "en",
                    "answers": fhirq.answers_to_json(answers),
                    "scores": scores,
                    "body_digest": "0" * 64,
                }
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(Response), rows[start : start + 1000])
        db.session.commit()
        # Participations are of nobody here: the figures are for the reads of responses.
        assert db.session.query(Participation).count() == 0
        return str(campaign.id)


def _counter(queries: list[str]) -> Callable[..., None]:
    def count(*parts: object) -> None:
        queries.append(str(parts[2]))

    return count


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


def main() -> None:
    """Build the responses, then time the reads and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=20)
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
    campaign_id = _fill(app, args.responses)
    print(
        f"{args.responses} responses to a 30-item survey, built in "
        f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    client = app.test_client()
    signed = client.post(
        "/api/v1/session", json={"email": "staff@example.org", "password": PASSWORD}
    )
    assert signed.status_code == 200
    for label, path in (
        ("campaign results (JSON)", f"/api/v1/campaigns/{campaign_id}/results"),
        ("campaign results (HTML)", f"/campaigns/{campaign_id}/results"),
        ("de-identified CSV", f"/campaigns/{campaign_id}/results.csv"),
    ):
        _time(client, label, path, args.reads, db.engine)
    with app.test_request_context("/"):
        from familyapp.accounts.models import User

        staff = db.session.query(User).filter_by(email="staff@example.org").one()
        campaign = db.session.get(Campaign, uuid.UUID(campaign_id))
        assert campaign is not None
        tracemalloc.start()
        results.results_for(staff, campaign, "en")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"one results read: peak Python memory {peak / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
