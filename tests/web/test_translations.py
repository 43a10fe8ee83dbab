"""Translations of family-written plan and action-plan text: written, verified, going stale when
the original changes, read in a chosen language on the plan, action plans and emergency card."""

from __future__ import annotations

from sqlalchemy import func, select

from familyapp.core.db import db
from familyapp.plan.models import TextTranslation
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login

DOCUMENT = {
    "summary": "Sam, 6, has a trach and a G-tube.",
    "baseline": {"vitals": "SpO2 94-98% on 1 L", "neuro": "", "communication": "", "other": ""},
    "medications": [
        {"id": "m1", "name": "Levetiracetam", "dose_amount": "250", "dose_unit": "mg",
         "route": "g_tube", "schedule": "Twice a day, 8 am and 8 pm"}
    ],
}  # fmt: skip
ACTION_PLAN = {
    "kind": "seizures",
    "title": "Seizures",
    "document": {
        "red": {"signs": ["Seizure over 5 minutes"], "steps": ["Give midazolam", "Call 911"]}
    },
}
SPANISH = "Sam, 6 años, tiene traqueostomía y botón gástrico."


def signed_in(app, email):
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def send(api, method, path, body=None, **headers):
    return api.client.open(
        path, method=method, json=body, headers={"X-CSRFToken": api.csrf, **headers}
    )


def _family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    api = signed_in(app, "g@example.org")
    saved = send(
        api, "PUT", f"/api/v1/children/{child.id}/plan", DOCUMENT, **{"If-Match": '"plan-0"'}
    )
    assert saved.status_code == 200, saved.get_json()
    return fam, child, api


def _rows(app):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(TextTranslation))
        db.remove()
        return count


def test_translate_verify_and_go_stale_through_the_api(app):
    _, child, api = _family(app)
    path = f"/api/v1/children/{child.id}/plan/translations/es"
    listed = api.get(path).get_json()
    assert listed["language"] == "en" and listed["locale"] == "es"
    assert [t["path"] for t in listed["texts"]] == [
        "summary",
        "baseline.vitals",
        "medications.m1.schedule",
    ]
    assert all(t["status"] is None for t in listed["texts"])
    body = {"translations": {"summary": {"text": SPANISH, "verified": True},
                             "medications.m1.schedule": {"text": "Dos veces al día"}}}  # fmt: skip
    saved = send(api, "PUT", path, body)
    assert saved.status_code == 200, saved.get_json()
    by_path = {t["path"]: t for t in saved.get_json()["texts"]}
    assert by_path["summary"]["status"] == "current"
    assert by_path["summary"]["verified_by"] == "Guardian Sam"
    assert by_path["medications.m1.schedule"]["verified_at"] is None
    assert by_path["medications.m1.schedule"]["written_by"] == "Guardian Sam"

    # The original changes: its translation needs an update, and readers see the original.
    changed = dict(DOCUMENT, summary="Sam, 6, has a trach, a G-tube and a VP shunt.")
    send(api, "PUT", f"/api/v1/children/{child.id}/plan", changed, **{"If-Match": '"plan-1"'})
    after = {t["path"]: t for t in api.get(path).get_json()["texts"]}
    assert after["summary"]["status"] == "stale"
    assert after["summary"]["source_then"] == DOCUMENT["summary"]
    page = api.client.get(f"/children/{child.id}/plan?text_lang=es").get_data(as_text=True)
    assert SPANISH not in page and "a VP shunt" in page
    assert "Dos veces al día" in page and "translation not checked yet" in page
    assert "the translation needs an update" in page
    # Ticked again against the new original, unchanged: verified and current.
    body = {"translations": {"summary": {"text": SPANISH, "verified": True}}}
    assert send(api, "PUT", path, body).status_code == 200
    assert {t["path"]: t for t in api.get(path).get_json()["texts"]}["summary"]["status"] == (
        "current"
    )
    page = api.client.get(f"/children/{child.id}/plan?text_lang=es").get_data(as_text=True)
    assert SPANISH in page and 'lang="es"' in page


def test_bad_translations_change_nothing(app):
    _, child, api = _family(app)
    path = f"/api/v1/children/{child.id}/plan/translations/es"
    unknown = send(api, "PUT", path, {"translations": {"goals.nope.goal": {"text": "x"}}})
    assert unknown.status_code == 422
    assert "goals.nope.goal" in unknown.get_json()["errors"]
    huge = send(api, "PUT", path, {"translations": {"summary": {"text": "x" * 5000}}})
    assert huge.status_code == 422
    wrong_type = send(api, "PUT", path, {"translations": {"summary": {"text": 5}}})
    assert wrong_type.status_code == 422
    extra = send(api, "PUT", path, {"translations": {}, "other": 1})
    assert extra.status_code == 422
    assert send(api, "PUT", f"/api/v1/children/{child.id}/plan/translations/xx", {
        "translations": {}}).status_code == 404  # fmt: skip
    own = send(api, "PUT", f"/api/v1/children/{child.id}/plan/translations/en", {
        "translations": {"summary": {"text": "x"}}})  # fmt: skip
    assert own.status_code == 422
    assert _rows(app) == 0


def test_caregivers_read_others_are_refused(app):
    fam, child, api = _family(app)
    path = f"/api/v1/children/{child.id}/plan/translations/es"
    send(api, "PUT", path, {"translations": {"summary": {"text": SPANISH}}})
    add_member(app, fam, "nurse@example.org", "caregiver")
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(path).status_code == 200
    assert send(nurse, "PUT", path, {"translations": {"summary": {"text": "x"}}}).status_code == 403
    page = nurse.client.get(f"/children/{child.id}/plan?text_lang=es").get_data(as_text=True)
    assert SPANISH in page
    family_with_child(app, "other@example.org", "Other")
    other = signed_in(app, "other@example.org")
    assert other.get(path).status_code == 404
    assert other.client.get(f"/children/{child.id}/translations").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(TextTranslation.text)) == SPANISH
        db.remove()


def test_the_reader_language_is_chosen_by_default_and_offered(app):
    _, child, api = _family(app)
    path = f"/api/v1/children/{child.id}/plan/translations/es"
    send(api, "PUT", path, {"translations": {"summary": {"text": SPANISH}}})
    english = api.client.get(f"/children/{child.id}/plan").get_data(as_text=True)
    assert DOCUMENT["summary"] in english and "?text_lang=es" in english
    # A reader whose language is Spanish gets the Spanish text without asking.
    assert api.patch("/api/v1/account", {"locale": "es"}).status_code == 200
    spanish_reader = api.client.get(f"/children/{child.id}/plan").get_data(as_text=True)
    assert SPANISH in spanish_reader and "Plan de cuidado" in spanish_reader


def test_action_plans_and_the_emergency_card_in_spanish(app):
    _, child, api = _family(app)
    made = api.post(f"/api/v1/children/{child.id}/action-plans", ACTION_PLAN).get_json()
    path = f"/api/v1/action-plans/{made['id']}/translations/es"
    body = {
        "translations": {
            "title": {"text": "Convulsiones", "verified": True},
            "red.steps.1": {"text": "Llame al 911", "verified": True},
        }
    }
    saved = send(api, "PUT", path, body)
    assert saved.status_code == 200, saved.get_json()
    send(api, "PUT", f"/api/v1/children/{child.id}/plan/translations/es",
         {"translations": {"summary": {"text": SPANISH, "verified": True}}})  # fmt: skip
    shown = api.client.get(f"/action-plans/{made['id']}?text_lang=es").get_data(as_text=True)
    assert "Convulsiones" in shown and "Llame al 911" in shown and "Give midazolam" in shown
    link = api.post(
        f"/api/v1/children/{child.id}/emergency-links", {"label": "School nurse", "days": 30}
    ).get_json()
    anonymous = app.test_client()
    card = anonymous.get(link["url"] + "?text_lang=es").get_data(as_text=True)
    assert SPANISH in card and "Convulsiones" in card and "Llame al 911" in card
    assert "<script" not in card
    english = anonymous.get(link["url"]).get_data(as_text=True)
    assert DOCUMENT["summary"] in english and "?text_lang=es" in english
    # Removing the action plan removes its translations.
    etag = api.get(f"/api/v1/action-plans/{made['id']}").headers["ETag"]
    send(api, "DELETE", f"/api/v1/action-plans/{made['id']}", **{"If-Match": etag})
    assert _rows(app) == 1


def test_translation_pages_on_a_phone_form(app, client):
    _, child, _api = _family(app)
    form_login(client, "g@example.org")
    overview = client.get(f"/children/{child.id}/translations")
    assert overview.status_code == 200
    assert "English" in overview.get_data(as_text=True)
    url = f"/children/{child.id}/plan/translations?lang=es"
    token = csrf_from(client, url)
    saved = client.post(
        url,
        data={"csrf_token": token, "text:summary": SPANISH, "verified:summary": "1",
              "text:baseline.vitals": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    listed = client.get(f"/children/{child.id}/translations").get_data(as_text=True)
    assert "1 of 3 texts translated" in listed
    again = client.get(url).get_data(as_text=True)
    assert SPANISH in again and "Checked by Guardian Sam" in again
    no_csrf = client.post(url, data={"text:summary": "x"})
    assert no_csrf.status_code in (400, 403)
    language = client.post(
        f"/children/{child.id}/translations/language", data={"csrf_token": token, "language": "es"}
    )
    assert language.status_code == 302
    # Now written in Spanish: a translation into Spanish would shadow the original, so it goes.
    assert _rows(app) == 0
    bad = client.post(
        f"/children/{child.id}/translations/language", data={"csrf_token": token, "language": "zz"}
    )
    assert bad.status_code == 302
    assert "Choose one of the languages offered." in client.get(bad.headers["Location"]).get_data(
        as_text=True
    )


def test_the_fhir_export_carries_current_translations(app):
    from fhir.resources.R4B.bundle import Bundle

    _, child, api = _family(app)
    body = {"translations": {"summary": {"text": SPANISH, "verified": True},
                             "medications.m1.schedule": {"text": "Dos veces al día"}}}  # fmt: skip
    send(api, "PUT", f"/api/v1/children/{child.id}/plan/translations/es", body)
    send(api, "PUT", f"/api/v1/children/{child.id}/plan/translations/vi",
         {"translations": {"summary": {"text": "Sam, 6 tuổi, có ống mở khí quản."}}})  # fmt: skip
    bundle = api.get(f"/api/v1/children/{child.id}/plan.fhir.json").get_json()
    Bundle.model_validate(bundle)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    plan = resources["CarePlan"]
    assert plan["language"] == "en"
    langs = {
        ext["extension"][0]["valueCode"]: ext["extension"][1]["valueString"]
        for ext in plan["_description"]["extension"]
        if ext["url"] == "http://hl7.org/fhir/StructureDefinition/translation"
    }
    assert langs == {"es": SPANISH, "vi": "Sam, 6 tuổi, có ống mở khí quản."}
    dosage = resources["MedicationStatement"]["dosage"][0]
    assert dosage["_text"]["extension"][0]["extension"][1]["valueString"] == "Dos veces al día"
    # A translation of older text is not exported as if it said the same as the original.
    changed = dict(DOCUMENT, summary="Sam, 6, trach, G-tube, VP shunt.")
    send(api, "PUT", f"/api/v1/children/{child.id}/plan", changed, **{"If-Match": '"plan-1"'})
    again = api.get(f"/api/v1/children/{child.id}/plan.fhir.json").get_json()
    plan = next(
        e["resource"] for e in again["entry"] if e["resource"]["resourceType"] == "CarePlan"
    )
    assert "_description" not in plan
