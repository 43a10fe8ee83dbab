"""Surveys through the Flask test client: questionnaires in and out as FHIR, campaigns and who
they ask, responses exactly once, anonymity, results with the five-respondent floor, CSV,
trends, drafts, the answering page, and survey reminders."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse as FhirQuestionnaireResponse,
)
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from familyapp.accounts.models import User
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from familyapp.push import reminders, survey_reminders
from familyapp.push.models import PushSubscription, Reminder
from familyapp.surveys import programs, responses, service
from familyapp.surveys.api import CAMPAIGN_EXTENSION
from familyapp.surveys.models import (
    Campaign,
    Draft,
    Participation,
    Questionnaire,
    Response,
)
from tests.factories import Api, csrf_from, family_with_child, form_login, user

NSCH_URL = "https://familyapp.org/fhir/Questionnaire/nsch-family-impact"
T = "http://hl7.org/fhir/StructureDefinition/translation"

NSCH_ANSWERS = {
    "care.hours_home": ["5to10"],
    "care.hours_coordinating": ["1to4"],
    "work.left_job": ["false"],
    "work.cut_hours": ["true"],
    "work.avoided_change": ["true"],
    "money.problems_paying": ["false"],
}

SMALL: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "active",
    "language": "en",
    "title": "Sleep check",
    "_title": {
        "extension": [
            {
                "url": T,
                "extension": [
                    {"url": "lang", "valueCode": "es"},
                    {"url": "content", "valueString": "Control del sueño"},
                ],
            }
        ]
    },
    "item": [
        {
            "linkId": "nights",
            "type": "integer",
            "required": True,
            "text": "Nights woken this week",
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 7},
            ],
        },
        {
            "linkId": "rested",
            "type": "choice",
            "text": "How rested do you feel?",
            "answerOption": [
                {"valueCoding": {"code": "no", "display": "Not at all"}},
                {"valueCoding": {"code": "some", "display": "Somewhat"}},
                {"valueCoding": {"code": "yes", "display": "Well rested"}},
            ],
        },
        {"linkId": "note", "type": "text", "text": "Anything else?"},
    ],
}


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """A program with a staff member, six families it serves (a guardian each), a group of
    five of them, the bundled survey, and an outsider."""
    staff = user(app, "staff@example.org", "Program Staff")
    outsider = user(app, "outsider@example.org", "Someone Else")
    guardians = []
    family_ids = []
    for number in range(6):
        guardian, family, _child = family_with_child(app, f"g{number}@example.org", f"Kid{number}")
        guardians.append(guardian)
        family_ids.append(family.id)
    with app.test_request_context("/"):
        program = programs.create_program("Lakeside")
        programs.add_program_member(program, db.session.get(User, staff.id), "staff")
        for family_id in family_ids:
            programs.enroll_family(program, family_id)
        group = programs.create_group(program, "Council")
        for guardian in guardians[:5]:
            programs.add_group_member(group, guardian.id)
        [nsch] = service.install_bundled()
        db.session.commit()
        return {
            "staff": staff,
            "outsider": outsider,
            "guardians": guardians,
            "family_ids": family_ids,
            "program_id": program.id,
            "group_id": group.id,
            "nsch_id": nsch.id,
        }


def _api(app: Flask, email: str) -> Api:
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def _campaign(api: Api, world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    today = clock.utcnow().date()
    body = {
        "program_id": str(world["program_id"]),
        "questionnaire_id": str(world["nsch_id"]),
        "target": "program",
        "opens_at": (today - timedelta(days=1)).isoformat(),
        "closes_at": (today + timedelta(days=14)).isoformat(),
        "anonymous": False,
        **changes,
    }
    response = api.post("/api/v1/campaigns", body)
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _qr(campaign_id: str, answers: dict[str, list[str]], response_id: str | None = None) -> dict:
    """A QuestionnaireResponse written by hand the way a FHIR client nests groups."""
    groups: dict[str, list[dict[str, Any]]] = {}
    flat: list[dict[str, Any]] = []
    for link_id, values in answers.items():
        answer = []
        for value in values:
            if value in ("true", "false"):
                answer.append({"valueBoolean": value == "true"})
            elif value.lstrip("-").isdigit():
                answer.append({"valueInteger": int(value)})
            elif link_id in ("note", "comments"):
                answer.append({"valueString": value})
            else:
                answer.append({"valueCoding": {"code": value}})
        entry = {"linkId": link_id, "answer": answer}
        if "." in link_id:
            groups.setdefault(link_id.split(".")[0], []).append(entry)
        else:
            flat.append(entry)
    items = [{"linkId": g, "item": entries} for g, entries in groups.items()] + flat
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id or str(uuid.uuid4()),
        "status": "completed",
        "questionnaire": NSCH_URL,
        "extension": [{"url": CAMPAIGN_EXTENSION, "valueString": campaign_id}],
        "item": items,
    }


# ---------------------------------------------------------------------- questionnaires


def test_bundled_survey_exports_valid_fhir_with_both_languages(app: Flask, world: dict) -> None:
    api = _api(app, "staff@example.org")
    bundle = api.get("/api/v1/questionnaires").get_json()
    assert bundle["resourceType"] == "Bundle"
    urls = [entry["resource"].get("url") for entry in bundle["entry"]]
    assert NSCH_URL in urls
    response = api.get(f"/api/v1/questionnaires/{world['nsch_id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"q-1"'
    resource = response.get_json()
    FhirQuestionnaire.model_validate(resource)
    assert "public domain" in resource["copyright"].lower()
    spanish = resource["_title"]["extension"][0]["extension"]
    assert {"url": "lang", "valueCode": "es"} in spanish


def test_import_reports_every_problem_and_saves_nothing(app: Flask, world: dict) -> None:
    api = _api(app, "staff@example.org")
    broken = {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [
            {"linkId": "a", "type": "choice", "text": "No options"},
            {"linkId": "a", "type": "string", "text": "Duplicate id"},
            {"linkId": "b", "type": "sparkle", "text": "Unknown type"},
        ],
    }
    with app.app_context():
        before = _count(Questionnaire)
    response = api.post(f"/api/v1/questionnaires?program={world['program_id']}", broken)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problems = response.get_json()["errors"]["problems"]
    assert len(problems) >= 3
    assert all(p["message"] and p["path"] for p in problems)
    with app.app_context():
        assert _count(Questionnaire) == before


def test_import_then_read_back_and_outsiders_get_404(app: Flask, world: dict) -> None:
    api = _api(app, "staff@example.org")
    response = api.post(f"/api/v1/questionnaires?program={world['program_id']}", SMALL)
    assert response.status_code == 201
    made = response.get_json()
    assert response.headers["Location"].endswith(made["id"])
    FhirQuestionnaire.model_validate(made)
    assert made["title"] == "Sleep check"
    outsider = _api(app, "outsider@example.org")
    assert outsider.get(f"/api/v1/questionnaires/{made['id']}").status_code == 404
    refused = outsider.post(f"/api/v1/questionnaires?program={world['program_id']}", SMALL)
    assert refused.status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.denied")
        ).all()
        assert any(str(world["program_id"]) in (row.target or "") for row in denied)


def test_put_questionnaire_needs_if_match_and_refuses_once_sent(app: Flask, world: dict) -> None:
    api = _api(app, "staff@example.org")
    made = api.post(f"/api/v1/questionnaires?program={world['program_id']}", SMALL).get_json()
    path = f"/api/v1/questionnaires/{made['id']}"
    changed = dict(SMALL, title="Sleep check (v2)")
    assert api.send("PUT", path, changed).status_code == 428
    stale = api.client.put(
        path, json=changed, headers={"X-CSRFToken": api.csrf, "If-Match": '"q-9"'}
    )
    assert stale.status_code == 412
    ok = api.client.put(path, json=changed, headers={"X-CSRFToken": api.csrf, "If-Match": '"q-1"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"q-2"'
    _campaign(api, world, questionnaire_id=made["id"])
    frozen = api.client.put(
        path, json=SMALL, headers={"X-CSRFToken": api.csrf, "If-Match": '"q-2"'}
    )
    assert frozen.status_code == 409


# --------------------------------------------------------------------------- campaigns


def test_campaign_rules_explain_themselves(app: Flask, world: dict) -> None:
    api = _api(app, "staff@example.org")
    today = clock.utcnow().date()
    base = {
        "program_id": str(world["program_id"]),
        "questionnaire_id": str(world["nsch_id"]),
        "opens_at": today.isoformat(),
        "closes_at": (today + timedelta(days=7)).isoformat(),
    }
    backwards = api.post(
        "/api/v1/campaigns",
        dict(base, target="program", closes_at=(today - timedelta(days=3)).isoformat()),
    )
    assert backwards.status_code == 422
    assert "closes_at" in backwards.get_json()["errors"]
    one_family = api.post(
        "/api/v1/campaigns",
        dict(base, target="family", family_id=str(world["family_ids"][0]), anonymous=True),
    )
    assert one_family.status_code == 422
    assert "anonymous" in one_family.get_json()["errors"]
    no_group = api.post("/api/v1/campaigns", dict(base, target="group"))
    assert no_group.status_code == 422
    assert "group_id" in no_group.get_json()["errors"]
    with app.app_context():
        assert _count(Campaign) == 0


def test_advisors_send_only_to_groups(app: Flask, world: dict) -> None:
    advisor = world["guardians"][0]
    with app.app_context():
        program = db.session.get(programs.Program, world["program_id"])
        programs.add_program_member(program, db.session.get(User, advisor.id), "advisor")
        db.session.commit()
    api = _api(app, advisor.email)
    today = clock.utcnow().date()
    body = {
        "program_id": str(world["program_id"]),
        "questionnaire_id": str(world["nsch_id"]),
        "target": "program",
        "opens_at": today.isoformat(),
        "closes_at": (today + timedelta(days=7)).isoformat(),
    }
    assert api.post("/api/v1/campaigns", body).status_code == 422
    body.update(target="group", group_id=str(world["group_id"]))
    assert api.post("/api/v1/campaigns", body).status_code == 201


def test_members_see_their_open_surveys_and_others_do_not(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world, target="group", group_id=str(world["group_id"]))
    assert campaign["asked"] == 5
    member = _api(app, world["guardians"][0].email)
    listed = member.get("/api/v1/surveys").get_json()
    assert [item["campaign_id"] for item in listed] == [campaign["id"]]
    assert listed[0]["answered"] is False
    not_in_group = _api(app, world["guardians"][5].email)
    assert not_in_group.get("/api/v1/surveys").get_json() == []
    refused = not_in_group.post(
        "/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS)
    )
    assert refused.status_code == 404


# --------------------------------------------------------------------------- responses


def test_response_lands_once_with_its_score(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    member = _api(app, world["guardians"][0].email)
    body = _qr(campaign["id"], NSCH_ANSWERS)
    first = member.post("/api/v1/questionnaire-responses", body)
    assert first.status_code == 201, first.get_json()
    result = first.get_json()
    assert result["id"] == body["id"]
    # cut hours + avoided change = 2 of the 4 work and money impacts
    assert result["score"] == "2.00"
    assert result["scores"][0]["band"]
    replay = member.post("/api/v1/questionnaire-responses", body)
    assert replay.status_code == 200
    assert replay.get_json()["id"] == body["id"]
    changed = dict(
        body, item=_qr(campaign["id"], dict(NSCH_ANSWERS, **{"work.left_job": ["true"]}))["item"]
    )
    assert member.post("/api/v1/questionnaire-responses", changed).status_code == 422
    second = member.post("/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS))
    assert second.status_code == 409
    with app.app_context():
        assert _count(Response) == 1
        assert _count(Participation) == 1


def test_idempotency_key_header_works_like_the_id(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    member = _api(app, world["guardians"][1].email)
    body = _qr(campaign["id"], NSCH_ANSWERS)
    key = body.pop("id")
    headers = {"X-CSRFToken": member.csrf, "Idempotency-Key": key}
    first = member.client.post("/api/v1/questionnaire-responses", json=body, headers=headers)
    again = member.client.post("/api/v1/questionnaire-responses", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == key
    bad = member.client.post(
        "/api/v1/questionnaire-responses",
        json=dict(body, id=str(uuid.uuid4())),
        headers=headers,
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nights": ["9"]}, "nights"),  # out of bounds
        ({"nights": ["2"], "rested": ["maybe"]}, "rested"),  # not an option
        ({"rested": ["some"]}, "nights"),  # required missing
        ({"nights": ["two"]}, "nights"),  # not a number
        ({"nights": ["2"], "ghost": ["x"]}, "ghost"),  # no such question
    ],
)
def test_bad_answers_are_refused_and_nothing_saved(
    app: Flask, world: dict, answers: dict, field: str
) -> None:
    staff = _api(app, "staff@example.org")
    made = staff.post(f"/api/v1/questionnaires?program={world['program_id']}", SMALL).get_json()
    campaign = _campaign(staff, world, questionnaire_id=made["id"])
    member = _api(app, world["guardians"][0].email)
    items = []
    for link_id, values in answers.items():
        answer = []
        for value in values:
            if link_id == "rested":
                answer.append({"valueCoding": {"code": value}})
            elif value.isdigit():
                answer.append({"valueInteger": int(value)})
            else:
                answer.append({"valueString": value})
        items.append({"linkId": link_id, "answer": answer})
    body = {
        "resourceType": "QuestionnaireResponse",
        "id": str(uuid.uuid4()),
        "status": "completed",
        "questionnaire": f"Questionnaire/{made['id']}",
        "extension": [{"url": CAMPAIGN_EXTENSION, "valueString": campaign["id"]}],
        "item": items,
    }
    response = member.post("/api/v1/questionnaire-responses", body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    with app.app_context():
        assert _count(Response) == 0
        assert _count(Participation) == 0


def test_closed_campaign_refuses_answers(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    member = _api(app, world["guardians"][0].email)
    with app.app_context():
        row = db.session.get(Campaign, uuid.UUID(campaign["id"]))
        row.closes_at = clock.utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = member.post("/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS))
    assert response.status_code == 409
    assert "closed" in response.get_json()["detail"]
    with app.app_context():
        assert _count(Response) == 0


def test_anonymous_responses_keep_no_one(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world, anonymous=True)
    member = _api(app, world["guardians"][2].email)
    assert (
        member.post(
            "/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS)
        ).status_code
        == 201
    )
    with app.app_context():
        row = db.session.scalars(select(Response)).one()
        assert row.user_id is None and row.family_id is None and row.submitted_at is None
        participation = db.session.scalars(select(Participation)).one()
        assert participation.user_id == world["guardians"][2].id
        assert not hasattr(participation, "response_id")
    # still one response per member
    assert (
        member.post(
            "/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS)
        ).status_code
        == 409
    )
    # and the author's trend chart has nothing from it
    assert member.get("/api/v1/survey-trends").get_json() == []


def test_response_exports_as_valid_fhir(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    member = _api(app, world["guardians"][0].email)
    answers = dict(NSCH_ANSWERS, comments=["We need more respite."])
    member.post("/api/v1/questionnaire-responses", _qr(campaign["id"], answers))
    with app.test_request_context("/"):
        row = db.session.scalars(select(Response)).one()
        found = db.session.get(Campaign, row.campaign_id)
        resource = responses.response_fhir(row, found)
    FhirQuestionnaireResponse.model_validate(resource)
    assert resource["id"] == str(row.id)


# ----------------------------------------------------------------------------- results


def _answer(app: Flask, world: dict, campaign_id: str, count: int, **extra: list[str]) -> None:
    for guardian in world["guardians"][:count]:
        api = _api(app, guardian.email)
        response = api.post(
            "/api/v1/questionnaire-responses", _qr(campaign_id, dict(NSCH_ANSWERS, **extra))
        )
        assert response.status_code == 201


def test_results_hide_everything_below_five(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    _answer(app, world, campaign["id"], 4)
    results = staff.get(f"/api/v1/campaigns/{campaign['id']}/results").get_json()
    assert results["suppressed"] is True
    assert results["responses"] is None
    assert results["items"] == [] and results["scales"] == []
    assert staff.get(f"/campaigns/{campaign['id']}/results.csv").status_code == 403


def test_results_count_answers_and_export_deidentified_csv(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    _answer(app, world, campaign["id"], 5, comments=["Call me at 555-0100"])
    results = staff.get(f"/api/v1/campaigns/{campaign['id']}/results").get_json()
    assert results["suppressed"] is False
    assert results["responses"] == 5
    assert results["asked"] == 6
    by_id = {item["link_id"]: item for item in results["items"]}
    home = {o["code"]: o["count"] for o in by_id["care.hours_home"]["options"]}
    assert home["5to10"] == 5 and home["lt1"] == 0
    cut = {o["code"]: o["percent"] for o in by_id["work.cut_hours"]["options"]}
    assert cut["true"] == "100.00"
    assert by_id["comments"]["private"] is True
    assert "options" not in by_id["comments"] or by_id["comments"]["options"] == []
    assert by_id["money.basics"]["answered"] is None  # nobody answered: withheld
    [scale] = results["scales"]
    assert scale["mean"] == "2.00" and scale["scored"] == 5
    text = staff.get(f"/campaigns/{campaign['id']}/results.csv").get_data(as_text=True)
    assert "555-0100" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 6
    header = rows[0]
    assert "comments" not in header and "care.hours_home" in header
    assert {row[1] for row in rows[1:]} == {clock.utcnow().strftime("%Y-%m")}
    outsider = _api(app, "outsider@example.org")
    assert outsider.get(f"/api/v1/campaigns/{campaign['id']}/results").status_code == 404
    member = _api(app, world["guardians"][0].email)
    assert member.get(f"/campaigns/{campaign['id']}/results").status_code == 404


def test_results_page_renders_bars_and_tables(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    _answer(app, world, campaign["id"], 5)
    html = staff.get(f"/campaigns/{campaign['id']}/results").get_data(as_text=True)
    assert "<svg" in html and "<table>" in html
    assert "5 responses" in html


def test_family_sees_its_own_scores_over_time(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    member = _api(app, world["guardians"][0].email)
    first = _campaign(staff, world)
    member.post("/api/v1/questionnaire-responses", _qr(first["id"], NSCH_ANSWERS))
    with app.app_context():
        db.session.execute(
            update(Response).values(submitted_on=clock.utcnow().date() - timedelta(days=180))
        )
        db.session.commit()
    second = _campaign(staff, world, title="Second round")
    worse = dict(NSCH_ANSWERS, **{"work.left_job": ["true"], "money.problems_paying": ["true"]})
    assert (
        member.post("/api/v1/questionnaire-responses", _qr(second["id"], worse)).status_code == 201
    )
    trends = member.get("/api/v1/survey-trends").get_json()
    page = member.get("/surveys/scores").get_data(as_text=True)
    [trend] = trends
    assert [p["value"] for p in trend["points"]] == ["2.00", "4.00"]
    assert "<svg" in page and "Second round" in page


# ---------------------------------------------------------------------- answering page


def test_answer_on_the_page_save_then_send(app: Flask, world: dict, client: FlaskClient) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    form_login(client, world["guardians"][0].email)
    path = f"/surveys/{campaign['id']}"
    home = client.get("/").get_data(as_text=True)
    assert path in home
    page = client.get(path).get_data(as_text=True)
    assert 'name="care.hours_home"' in page and "data-enable-when" not in page
    token = csrf_from(client, path)
    saved = client.post(
        path, data={"csrf_token": token, "action": "save", "care.hours_home": "lt1"}
    )
    assert saved.status_code == 302
    with app.app_context():
        assert _count(Draft) == 1
    again = client.get(path).get_data(as_text=True)
    assert 'value="lt1" checked' in again
    incomplete = client.post(
        path, data={"csrf_token": token, "action": "send", "response_id": str(uuid.uuid4())}
    )
    assert incomplete.status_code == 422
    assert 'class="field-error"' in incomplete.get_data(as_text=True)
    data = {"csrf_token": token, "action": "send", "response_id": str(uuid.uuid4())}
    data.update({key: values[0] for key, values in NSCH_ANSWERS.items()})
    sent = client.post(path, data=data)
    assert sent.status_code == 302
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "2" in done and "Your scores" in done
    twice = client.post(path, data=data)  # the same page sent again lands once
    assert twice.status_code == 302
    with app.app_context():
        assert _count(Response) == 1
        assert _count(Draft) == 0


def test_answer_page_in_spanish(app: Flask, world: dict, client: FlaskClient) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    form_login(client, world["guardians"][0].email)
    with app.app_context():
        guardian = db.session.get(User, world["guardians"][0].id)
        guardian.locale = "es"
        db.session.commit()
    page = client.get(f"/surveys/{campaign['id']}").get_data(as_text=True)
    assert "Enviar mis respuestas" in page
    assert "horas" in page


# --------------------------------------------------------------------------- reminders


def test_survey_invitations_and_closing_reminders(app: Flask, world: dict) -> None:
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world, target="group", group_id=str(world["group_id"]))
    with app.test_request_context("/"):
        for number, guardian in enumerate(world["guardians"][:2]):
            db.session.add(
                PushSubscription(
                    user_id=guardian.id,
                    endpoint=f"https://push.example/{number}",
                    endpoint_hash=f"{number:064d}",
                    p256dh="x",
                    auth="y",
                )
            )
        db.session.commit()
        now = clock.utcnow()
        assert survey_reminders.plan(now) == 2  # only the two with a device
        assert survey_reminders.plan(now) == 0
        later = now + timedelta(days=13)
        assert survey_reminders.plan(later) == 2  # the closing reminders
        rows = db.session.scalars(select(Reminder).order_by(Reminder.kind)).all()
        assert {r.kind for r in rows} == {"survey_invite", "survey_closing"}
        assert all(r.url == f"/surveys/{campaign['id']}" for r in rows)
        guardian = db.session.get(User, world["guardians"][0].id)
        invite = next(r for r in rows if r.user_id == guardian.id and r.kind == "survey_invite")
        text = reminders.message_for(invite, guardian, now)["body"]
        assert "survey" in text and "Lakeside" not in text
        assert survey_reminders.still_wanted(invite)
    member = _api(app, world["guardians"][0].email)
    member.post("/api/v1/questionnaire-responses", _qr(campaign["id"], NSCH_ANSWERS))
    with app.test_request_context("/"):
        invite = db.session.get(Reminder, invite.id)
        assert not survey_reminders.still_wanted(invite)


def test_demo_has_surveys_waiting_results_and_a_trend(app: Flask) -> None:
    from familyapp.demo import DEMO_PASSWORD, create_demo

    with app.test_request_context("/"):
        create_demo()
    ana = Api(app.test_client())
    assert ana.login("parent@example.org", DEMO_PASSWORD).status_code == 200
    waiting = [s["title"] for s in ana.get("/api/v1/surveys").get_json() if not s["answered"]]
    assert sorted(waiting) == ["Council meetings in 2027", "Family impact check-in, autumn 2026"]
    [trend] = ana.get("/api/v1/survey-trends").get_json()
    assert len(trend["points"]) == 2
    priya = Api(app.test_client())
    assert priya.login("coordinator@example.org", DEMO_PASSWORD).status_code == 200
    with app.app_context():
        campaigns = {c.title: c.id for c in db.session.scalars(select(Campaign))}
    council = priya.get(f"/api/v1/campaigns/{campaigns['Council meetings in 2027']}/results")
    assert council.get_json()["responses"] == 5
    assert council.get_json()["campaign_id"]
    with app.app_context():
        anonymous = db.session.scalars(
            select(Response).where(Response.campaign_id == campaigns["Council meetings in 2027"])
        ).all()
        assert all(r.user_id is None and r.family_id is None for r in anonymous)


def test_a_replay_that_lands_just_after_the_original_is_a_replay_not_a_conflict(
    app: Flask, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page and Background Sync send one outbox entry at once: the second request may
    miss the response on its first look and only see that the member has answered."""
    staff = _api(app, "staff@example.org")
    campaign = _campaign(staff, world)
    member = _api(app, world["guardians"][0].email)
    body = _qr(campaign["id"], NSCH_ANSWERS)
    assert member.post("/api/v1/questionnaire-responses", body).status_code == 201
    real_get = db.session.get
    missed: list[bool] = []

    def first_look_misses(model: Any, ident: Any, **kwargs: Any) -> Any:
        if model is Response and not missed:
            missed.append(True)
            return None
        return real_get(model, ident, **kwargs)

    monkeypatch.setattr(db.session, "get", first_look_misses, raising=False)
    again = member.post("/api/v1/questionnaire-responses", body)
    assert missed and again.status_code == 200
    assert again.get_json()["id"] == body["id"]
