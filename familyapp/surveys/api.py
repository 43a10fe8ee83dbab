"""JSON routes of surveys under /api/v1: FHIR Questionnaires in and out, campaigns and their
results, the respondent's open surveys and drafts, and QuestionnaireResponses sent exactly once
(the phone's UUID, as the resource id or Idempotency-Key)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from familyapp.core import ids
from familyapp.core.api import (
    API_PREFIX,
    api_route,
    dump,
    etag,
    if_match_version,
    json_object,
    parse,
    precondition_required,
)
from familyapp.core.authz import Perm
from familyapp.core.errors import ServiceError
from familyapp.surveys import programs, responses, results, schemas, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import Campaign, Questionnaire

bp = Blueprint("surveys_api", __name__, url_prefix=API_PREFIX)

CAMPAIGN_EXTENSION = "https://familyapp.org/fhir/StructureDefinition/campaign"


def _questionnaire_response(row: Questionnaire, status: int = 200) -> Response:
    response = jsonify(service.fhir_export(row))
    response.status_code = status
    response.mimetype = "application/fhir+json"
    response.headers["ETag"] = etag("q", row.revision)
    return response


@api_route(bp, "/questionnaires", methods=["GET"], permission=Perm.SURVEY_MANAGE)
def list_questionnaires() -> Any:
    """The questionnaires you may use (?program=), as a FHIR searchset Bundle."""
    program_id = ids.parse_uuid(request.args.get("program", ""))
    rows = service.questionnaires_for(current_user, program_id)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(rows),
        "entry": [
            {
                "fullUrl": f"{API_PREFIX}/questionnaires/{row.id}",
                "resource": service.fhir_export(row),
            }
            for row in rows
        ],
    }
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    return response


@api_route(
    bp,
    "/questionnaires",
    methods=["POST"],
    permission=Perm.SURVEY_MANAGE,
    body=schemas.FhirResourceSchema,
    status=201,
)
def import_questionnaire() -> Any:
    """Import a FHIR R4 Questionnaire for a program (?program=, or your only one); every
    problem is reported and nothing is saved unless all is well."""
    resource = json_object()
    program_id = request.args.get("program")
    if not program_id:
        mine = programs.programs_for(current_user)
        if len(mine) != 1:
            raise ValidationError({"program": [_("Say which program (?program=).")]})
        program_id = str(mine[0].program.id)
    row = service.import_questionnaire(current_user, program_id, resource)
    response = _questionnaire_response(row, 201)
    response.headers["Location"] = f"{API_PREFIX}/questionnaires/{row.id}"
    return response


@api_route(bp, "/questionnaires/<questionnaire_id>", methods=["GET"], permission=Perm.SURVEY_ANSWER)
def get_questionnaire(questionnaire_id: str) -> Any:
    """One questionnaire as FHIR R4 JSON (ETag)."""
    return _questionnaire_response(service.get_questionnaire(current_user, questionnaire_id))


@api_route(
    bp,
    "/questionnaires/<questionnaire_id>",
    methods=["PUT"],
    permission=Perm.SURVEY_MANAGE,
    body=schemas.FhirResourceSchema,
)
def put_questionnaire(questionnaire_id: str) -> Any:
    """Replace a questionnaire not yet sent (If-Match with its ETag)."""
    row = service.get_questionnaire(current_user, questionnaire_id)
    version = if_match_version("q", row.revision)
    if version is None:
        return precondition_required()
    resource = json_object()
    return _questionnaire_response(service.save_questionnaire(current_user, row, resource, version))


def _campaign_body(campaign: Campaign) -> dict[str, Any]:
    body: dict[str, Any] = schemas.CampaignSchema().dump(
        {
            "id": campaign.id,
            "program_id": campaign.program_id,
            "questionnaire_id": campaign.questionnaire_id,
            "title": campaign.title,
            "target": campaign.target,
            "group_id": campaign.group_id,
            "family_id": campaign.family_id,
            "opens_at": campaign.opens_at,
            "closes_at": campaign.closes_at,
            "anonymous": campaign.anonymous,
            "status": "open" if service.is_open(campaign) else "closed",
            "asked": service.asked_count(campaign),
        }
    )
    return body


@api_route(
    bp,
    "/campaigns",
    methods=["POST"],
    permission=Perm.SURVEY_MANAGE,
    body=schemas.CampaignSchema,
    response=schemas.CampaignSchema,
    status=201,
)
def create_campaign() -> Any:
    """Send a survey to a group, all the program's families or one family, for a time."""
    data = parse(schemas.CampaignSchema())
    campaign = service.create_campaign(current_user, data)
    response = jsonify(_campaign_body(campaign))
    response.status_code = 201
    response.headers["Location"] = f"{API_PREFIX}/campaigns/{campaign.id}"
    return response


@api_route(
    bp,
    "/campaigns",
    methods=["GET"],
    permission=Perm.SURVEY_MANAGE,
    response=schemas.CampaignSchema,
    many=True,
)
def list_campaigns() -> Any:
    """The campaigns of a program you run (?program=)."""
    role = programs.program_for(current_user, request.args.get("program", ""), Perm.SURVEY_MANAGE)
    return jsonify([_campaign_body(c) for c in service.campaigns_of(role.program.id)])


@api_route(
    bp,
    "/campaigns/<campaign_id>",
    methods=["GET"],
    permission=Perm.SURVEY_MANAGE,
    response=schemas.CampaignSchema,
)
def get_campaign(campaign_id: str) -> Any:
    """One campaign of a program you run."""
    campaign = service.campaign_for_author(current_user, campaign_id, Perm.SURVEY_MANAGE)
    return jsonify(_campaign_body(campaign))


@api_route(
    bp,
    "/campaigns/<campaign_id>/results",
    methods=["GET"],
    permission=Perm.SURVEY_RESULTS,
    response=schemas.CampaignResultsSchema,
)
def campaign_results(campaign_id: str) -> Any:
    """Aggregates of a campaign (nothing at all under five respondents)."""
    campaign = service.campaign_for_author(current_user, campaign_id, Perm.SURVEY_RESULTS)
    found = results.results_for(current_user, campaign, str(get_locale()))
    return dump(schemas.CampaignResultsSchema(), found)


@api_route(
    bp,
    "/surveys",
    methods=["GET"],
    permission=Perm.SURVEY_ANSWER,
    response=schemas.SurveyInvitationSchema,
    many=True,
)
def my_surveys() -> Any:
    """The surveys open now that ask you, and whether you have answered each."""
    return dump(schemas.SurveyInvitationSchema(many=True), service.open_for(current_user))


@api_route(
    bp,
    "/campaigns/<campaign_id>/draft",
    methods=["GET"],
    permission=Perm.SURVEY_ANSWER,
    response=schemas.DraftSchema,
)
def get_draft(campaign_id: str) -> Any:
    """Your answers saved part way."""
    campaign = responses.campaign_for_respondent(current_user, campaign_id)
    return jsonify({"answers": responses.load_draft(current_user, campaign)})


@api_route(
    bp,
    "/campaigns/<campaign_id>/draft",
    methods=["PUT"],
    permission=Perm.SURVEY_ANSWER,
    body=schemas.DraftSchema,
    response=schemas.DraftSchema,
)
def put_draft(campaign_id: str) -> Any:
    """Save answers part way (required questions may still be empty)."""
    campaign = responses.campaign_for_respondent(current_user, campaign_id)
    data = parse(schemas.DraftSchema())
    return jsonify({"answers": responses.save_draft(current_user, campaign, data["answers"])})


def _response_id(resource: dict[str, Any]) -> uuid.UUID:
    given = resource.get("id")
    key = request.headers.get("Idempotency-Key")
    parsed = ids.parse_uuid(str(given)) if given else None
    keyed = ids.parse_uuid(key.strip()) if key else None
    if (given and parsed is None) or (key and keyed is None):
        raise ValidationError({"id": [_("The response id must be a UUID made by your device.")]})
    if parsed and keyed and parsed != keyed:
        raise ValidationError({"id": [_("The id and the Idempotency-Key must be the same.")]})
    found = parsed or keyed
    if found is None:
        raise ValidationError({"id": [_("Give the response an id (a UUID) so it lands once.")]})
    return found


def _campaign_id(resource: dict[str, Any]) -> str:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == CAMPAIGN_EXTENSION:
            return str(extension.get("valueString") or "")
    value = request.args.get("campaign")
    if not value:
        raise ValidationError({"campaign": [_("Say which survey campaign this answers.")]})
    return value


def result_body(campaign: Campaign, row: Any, model: fhirq.Questionnaire) -> dict[str, Any]:
    """A sent response as the API returns it (scores only where the survey shows them)."""
    shown = responses.shown_scores(model, row, str(get_locale()))
    body: dict[str, Any] = schemas.ResponseResultSchema().dump(
        {
            "id": row.id,
            "campaign_id": campaign.id,
            "submitted_on": row.submitted_on,
            "anonymous": campaign.anonymous,
            "score": shown[0].value if shown else None,
            "scores": shown,
        }
    )
    return body


@api_route(
    bp,
    "/questionnaire-responses",
    methods=["POST"],
    permission=Perm.SURVEY_ANSWER,
    body=schemas.FhirResourceSchema,
    response=schemas.ResponseResultSchema,
    status=201,
)
def post_response() -> Any:
    """Send a FHIR QuestionnaireResponse once (its id, a UUID, makes a replay land once):
    201 with the score; a replay answers 200 with the stored one."""
    resource = json_object()
    if resource.get("resourceType") != "QuestionnaireResponse":
        raise ValidationError({"resourceType": [_("Send a QuestionnaireResponse.")]})
    response_id = _response_id(resource)
    campaign = responses.campaign_for_respondent(current_user, _campaign_id(resource))
    _row, model = responses.questionnaire_of(campaign)
    try:
        raw = fhirq.from_response(model, resource)
    except fhirq.AnswersInvalid as error:
        raise ServiceError(
            _("Some answers need a look; nothing was sent."),
            status=422,
            errors={k: [str(m) for m in v] for k, v in error.problems.items()},
        ) from error
    row, created = responses.submit(
        current_user, campaign, raw, response_id=response_id, language=str(get_locale())
    )
    response = jsonify(result_body(campaign, row, model))
    response.status_code = 201 if created else 200
    return response


@api_route(
    bp,
    "/survey-trends",
    methods=["GET"],
    permission=Perm.SURVEY_ANSWER,
    response=schemas.TrendSchema,
    many=True,
)
def my_trends() -> Any:
    """Your family's own scores over time (identified surveys that show scores)."""
    return dump(
        schemas.TrendSchema(many=True), responses.trends_for(current_user, str(get_locale()))
    )
