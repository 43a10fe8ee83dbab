"""The importers fuzzed with hypothesis: whatever a file holds, the answer is a result or the
importer's own refusal (which the pages turn into a message), never a crash.

Inputs are random, and also real files with one part swapped for something random, which
reaches far deeper into each parser than noise does. Derandomized, so a failure repeats.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from familyapp.calendar.ical import ImportedEvent, parse_ics
from familyapp.plan.schemas import PlanDocumentSchema
from familyapp.surveys.definition import Questionnaire, QuestionnaireInvalid
from familyapp.surveys.questionnaire import parse as parse_questionnaire

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SURVEY = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "familyapp/surveys/instruments/nsch_family_impact.json"
    ).read_text()
)
# Every kind of JSON value, nested a few levels: what a damaged or hostile file may hold.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
ICS_VALUES = st.sampled_from(
    [
        "20261203T090000Z",
        "20261203T090000",
        "20261203",
        "2026-12-03",
        "FREQ=WEEKLY;BYDAY=MO,WE",
        "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3",
        "FREQ=YEARLY;INTERVAL=0",
        "FREQ=DAILY;UNTIL=19000101",
        "PT1H",
        "-PT1H",
        "P400D",
        "",
        "not a value",
        "\u00e9\u00e8\u4e2d",
    ]
) | st.text(max_size=30).map(lambda text: text.replace("\n", " ").replace("\r", " "))
ICS_NAMES = st.sampled_from(
    [
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "EXDATE",
        "SUMMARY",
        "UID",
        "RECURRENCE-ID",
        "LOCATION",
        "DESCRIPTION",
        "DTSTART;TZID=America/Chicago",
        "DTSTART;TZID=Mars/Olympus",
        "DTSTART;VALUE=DATE",
        "EXDATE;TZID=Europe/Madrid",
        "X-WR-TIMEZONE",
    ]
)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (dict keys and list indexes)."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*at, index))
    return found


def _swapped(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of the document with the value at `path` replaced."""
    if not path:
        return new
    changed = copy.deepcopy(document)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return changed


def _damaged(document: Any) -> st.SearchStrategy[Any]:
    places = _paths(document)
    return st.tuples(st.sampled_from(places), JSON).map(
        lambda pair: _swapped(document, pair[0], pair[1])
    )


TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
# Found by this test: a translation whose parts have a list for "url" crashed the import.
LIST_URL = {
    "resourceType": "Questionnaire",
    "status": "active",
    "item": [
        {
            "linkId": "a",
            "type": "choice",
            "text": "Q",
            "answerOption": [
                {
                    "valueCoding": {
                        "code": "x",
                        "display": "X",
                        "_display": {
                            "extension": [{"url": TRANSLATION, "extension": [{"url": ["lang"]}]}]
                        },
                    }
                }
            ],
        }
    ],
}


@FUZZ
@given(resource=JSON | _damaged(SURVEY))
@example(resource=LIST_URL)
@example(resource={**LIST_URL, "_title": {"extension": [{"url": TRANSLATION, "extension": 7}]}})
def test_a_questionnaire_is_read_or_refused_with_its_problems(app: Flask, resource: Any) -> None:
    with app.test_request_context("/"):
        try:
            result = parse_questionnaire(resource)
        except QuestionnaireInvalid as refused:
            assert refused.problems  # every refusal says what is wrong, and where
            for problem in refused.problems:
                assert str(problem.message)
        else:
            assert isinstance(result, Questionnaire)


PLAN = {
    "summary": "Maya, 7: trach, G-tube, seizures.",
    "allergies": [{"substance": "Latex", "reaction": "Hives", "severity": "severe"}],
    "medications": [
        {"name": "Levetiracetam", "dose_amount": "500", "dose_unit": "mg", "route": "g_tube"}
    ],
    "equipment": [{"name": "Trach", "kind": "tracheostomy", "size": "4.0"}],
    "contacts": [{"name": "Dr. Morales", "kind": "care_team", "phone": "555-0110"}],
    "goals": [{"goal": "School", "who": "Parents", "by_when": "2027-01-31"}],
    "baseline": {"vitals": "HR 90-120", "neuro": "Alert"},
}


@FUZZ
@given(payload=JSON | _damaged(PLAN))
def test_a_plan_import_is_loaded_or_refused_field_by_field(app: Flask, payload: Any) -> None:
    with app.test_request_context("/"):
        try:
            loaded = PlanDocumentSchema().load(payload)
        except ValidationError as refused:
            assert refused.messages
        else:
            assert isinstance(loaded, dict) and isinstance(loaded.get("medications"), list)


def _calendar(lines: list[tuple[str, str]]) -> bytes:
    body = "".join(f"{name}:{value}\r\n" for name, value in lines)
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
    return f"{head}{body}END:VEVENT\r\nEND:VCALENDAR\r\n".encode()


@FUZZ
@given(
    data=st.binary(max_size=300)
    | st.lists(st.tuples(ICS_NAMES, ICS_VALUES), max_size=8).map(_calendar)
)
def test_an_ics_file_is_read_or_refused(data: bytes) -> None:
    try:
        events = parse_ics(data, "America/Chicago")
    except ValueError as refused:
        assert str(refused) == "invalid_ics"  # the one refusal the page explains
    else:
        assert all(isinstance(event, ImportedEvent) for event in events)
        for event in events:
            assert event.ends_at is None or event.ends_at >= event.starts_at
