"""The JSON API fuzzed from its own OpenAPI spec (schemathesis), signed in as the demo mother.

Every operation gets generated requests, valid and invalid, on the demo family's real records
(and on ids that exist nowhere). None may answer 5xx; every error is problem+json; a refused
write changes nothing in the database. Generation is derandomized so a failure repeats.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from familyapp.actionplans.models import ActionPlan, EmergencyLink
from familyapp.calendar.models import Appointment, CalendarFeed
from familyapp.carelog.models import CareEntry
from familyapp.core.db import Base, db
from familyapp.core.models import ServerSession
from familyapp.demo import create_demo
from familyapp.families.models import Child, Invitation, Membership
from familyapp.surveys.models import Campaign, Questionnaire
from tests.factories import Api

EXAMPLES = 2  # per operation and mode: 88 operations, about 450 requests in all (CI time)
# Written on purpose by refused requests, and not data: the audit of refusals, rate limits,
# sign-in sessions.
# The data generation follows the sessions: a refused form still flashes its message.
UNCOUNTED = {"audit_events", "rate_limit_hits", "server_sessions", "data_generation"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _fingerprint() -> str:
    """A digest of every row of every data table."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name in UNCOUNTED:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(sa.select(table).order_by(*order)):
            digest.update(repr(tuple(row)).encode())
    db.session.rollback()
    return digest.hexdigest()


def _real_ids(app: Flask) -> dict[str, str]:
    """Path parameters naming the demo family's own records."""
    with app.app_context():

        def first(model: Any, *where: Any) -> str:
            return str(db.session.scalars(sa.select(model.id).where(*where).limit(1)).first())

        maya = db.session.scalars(sa.select(Child).where(Child.display_name.like("Maya%"))).one()
        values = {
            "child_id": str(maya.id),
            "family_id": str(maya.family_id),
            "action_plan_id": first(ActionPlan, ActionPlan.child_id == maya.id),
            "appointment_id": first(Appointment, Appointment.child_id == maya.id),
            "entry_id": first(CareEntry, CareEntry.child_id == maya.id),
            "membership_id": first(Membership, Membership.family_id == maya.family_id),
            "invitation_id": first(Invitation),
            "feed_id": first(CalendarFeed),
            "campaign_id": first(Campaign),
            "questionnaire_id": first(Questionnaire),
            "session_id": first(ServerSession),
            "link_id": first(EmergencyLink, EmergencyLink.child_id == maya.id),
            "locale": "es",
            "number": "1",
        }
    return {name: value for name, value in values.items() if value != "None"}


@pytest.fixture
def fuzz_app(app: Flask) -> Flask:
    with app.app_context():
        create_demo()
    app.config["PROPAGATE_UNEXPECTED"] = False  # a crash must show as a 500, not a traceback
    return app


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _checker(app: Flask, api: Api, problems: list[str], seen: dict[str, int]) -> Any:
    """What is checked of each generated request."""

    def check(case: Any) -> None:
        kwargs = case.as_transport_kwargs(headers={"X-CSRFToken": api.csrf})
        method = kwargs["method"].upper()
        write = method in WRITES
        with app.app_context():
            before = _fingerprint() if write else ""
        response = api.client.open(**kwargs)
        seen["requests"] += 1
        seen[f"{method} {response.status_code}"] = (
            seen.get(f"{method} {response.status_code}", 0) + 1
        )
        label = f"{method} {kwargs['path']} -> {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{label}: {response.get_data(as_text=True)[:300]}")
        elif response.status_code >= 400:
            if response.mimetype != "application/problem+json":
                problems.append(f"{label}: answered {response.mimetype}")
            if write:
                seen["refused writes"] += 1
                with app.app_context():
                    if _fingerprint() != before:
                        problems.append(f"{label}: refused, yet the database changed")
        if response.status_code == 401:  # the case signed the fuzzer out: sign in again
            api.login("parent@example.org", "familyapp-demo")

    return check


def test_fuzzed_api_never_fails_and_refusals_change_nothing(fuzz_app: Flask) -> None:
    app = fuzz_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    real = _real_ids(app)
    problems: list[str] = []
    seen = {"requests": 0, "refused writes": 0}

    for operation in _operations(schema):
        api = Api(app.test_client())
        assert api.login("parent@example.org", "familyapp-demo").status_code == 200
        names = set(re.findall(r"{(\w+)}", operation.path))
        known = {name: real[name] for name in names if name in real}

        check = _checker(app, api, problems, seen)

        modes = [(GenerationMode.POSITIVE, known), (GenerationMode.NEGATIVE, known)]
        if names:
            modes.append((GenerationMode.POSITIVE, {}))  # ids that exist nowhere
        for mode, path_parameters in modes:
            strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)
            run = settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(case=strategy)(check))
            try:
                run()
            except Exception as error:  # an unsatisfiable negative schema, not an app failure
                if "Unsatisfiable" not in type(error).__name__:
                    raise
    assert not problems, "\n".join(problems[:40])
    assert seen["requests"] > 88 * EXAMPLES and seen["refused writes"] > 50 * EXAMPLES, seen
