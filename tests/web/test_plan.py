"""The plan of care through the API and the pages, as families and the care team use it."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import event, func, select

from familyapp.core import generation
from familyapp.core.db import db
from familyapp.core.models import AuditEvent
from familyapp.plan.models import CarePlanVersion
from tests.factories import Api, add_member, csrf_from, family_with_child, form_login

MED = {
    "name": "Levetiracetam",
    "dose_amount": "250",
    "dose_unit": "mg",
    "route": "g_tube",
    "schedule": "Twice daily",
    "purpose": "Seizures",
    "prescriber": "Dr. Patel",
}
PLAN = {
    "summary": "Sam is 6, trach and G-tube, epilepsy.",
    "allergies": [{"substance": "Latex", "reaction": "Hives", "severity": "life_threatening"}],
    "medications": [MED],
    "equipment": [{"name": "Trach", "kind": "tracheostomy", "size": "Bivona 4.0 cuffless"}],
    "contacts": [
        {
            "name": "Dr. Morales",
            "kind": "care_team",
            "role": "Complex care",
            "phone": "(312) 555-0100",
            "email": "cc@example.org",
        }
    ],
    "goals": [{"goal": "School four days a week", "who": "Parents", "by_when": "2027-01-31"}],
    "baseline": {"vitals": "HR 90-120", "neuro": "Alert", "communication": "Smiles for yes"},
}


@pytest.fixture
def family(app):
    _, fam, child = family_with_child(app, "g@example.org", "Sam")
    return fam, child


def signed_in(app, email):
    api = Api(app.test_client())
    assert api.login(email).status_code == 200
    return api


def put(api, child_id, body, etag):
    headers = {"X-CSRFToken": api.csrf, "If-Match": etag} if etag else {"X-CSRFToken": api.csrf}
    return api.client.put(f"/api/v1/children/{child_id}/plan", json=body, headers=headers)


def test_empty_plan_reads_as_version_zero(app, family):
    _, child = family
    response = signed_in(app, "g@example.org").get(f"/api/v1/children/{child.id}/plan")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"plan-0"'
    body = response.get_json()
    assert body["version"] == 0 and body["document"]["medications"] == []
    assert body["review_overdue"] is True


def test_put_with_if_match_saves_a_version_and_returns_new_etag(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    response = put(api, child.id, PLAN, '"plan-0"')
    assert response.status_code == 200
    assert response.headers["ETag"] == '"plan-1"'
    saved = response.get_json()["document"]
    assert saved["medications"][0]["dose_amount"] == "250"
    assert saved["medications"][0]["id"]  # every item gets a stable id
    assert api.get(f"/api/v1/children/{child.id}/plan").get_json()["document"] == saved
    versions = api.get(f"/api/v1/children/{child.id}/plan/versions").get_json()
    assert [v["number"] for v in versions] == [1] and versions[0]["created_by"]
    one = api.get(f"/api/v1/children/{child.id}/plan/versions/1").get_json()
    assert one["document"]["summary"] == PLAN["summary"]
    assert api.get(f"/api/v1/children/{child.id}/plan/versions/9").status_code == 404


def test_missing_if_match_is_428_and_stale_is_412_with_current_copy(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    assert put(api, child.id, PLAN, None).status_code == 428
    assert put(api, child.id, PLAN, '"plan-0"').status_code == 200
    stale = put(api, child.id, dict(PLAN, summary="Overwrite?"), '"plan-0"')
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"plan-1"'
    assert stale.mimetype == "application/problem+json" and stale.get_json()["status"] == 412
    assert stale.get_json()["current"]["document"]["summary"] == PLAN["summary"]
    assert put(api, child.id, PLAN, '"nonsense"').status_code == 412
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 1


def test_exported_plan_imports_back_unchanged(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, PLAN, '"plan-0"')
    exported = api.get(f"/api/v1/children/{child.id}/plan").get_json()
    again = put(api, child.id, exported, '"plan-1"')
    assert again.status_code == 200 and again.headers["ETag"] == '"plan-1"'  # nothing changed


@pytest.mark.parametrize(
    ("body", "field_path"),
    [
        ({"medications": [{"name": "X", "dose_amount": "5"}]}, ("medications", "0", "dose_unit")),
        ({"medications": [{"dose_amount": "5", "dose_unit": "mg"}]}, ("medications", "0", "name")),
        (
            {"allergies": [{"substance": "Nuts", "severity": "deadly"}]},
            ("allergies", "0", "severity"),
        ),
        ({"summary": "x" * 10_000}, ("summary",)),
        ({"medications": "not a list"}, ("medications",)),
        ({"surprise": 1}, ("surprise",)),
        ({"goals": [{"goal": "Walk", "by_when": "next spring"}]}, ("goals", "0", "by_when")),
        ({"contacts": [{"name": "X", "email": "nope"}]}, ("contacts", "0", "email")),
    ],
)
def test_bad_plan_input_is_refused_field_by_field_and_changes_nothing(
    app, family, body, field_path
):
    _, child = family
    api = signed_in(app, "g@example.org")
    response = put(api, child.id, body, '"plan-0"')
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    node = response.get_json()["errors"]
    for key in field_path:
        node = node[key]
    assert node and isinstance(node, list)
    assert api.get(f"/api/v1/children/{child.id}/plan").get_json()["version"] == 0


def test_errors_are_in_the_readers_language(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    api.patch("/api/v1/account", {"locale": "es"})
    response = put(api, child.id, {"medications": [{"name": "X", "dose_amount": "5"}]}, '"plan-0"')
    message = response.get_json()["errors"]["medications"]["0"]["dose_unit"][0]
    assert "unidad" in message.lower()


def _put_raw(api, child_id, data, **headers):
    return api.client.put(
        f"/api/v1/children/{child_id}/plan",
        data=data,
        content_type="application/json",
        headers={"X-CSRFToken": api.csrf, "If-Match": '"plan-1"', **headers},
    )


@pytest.mark.parametrize(("locale", "title"), [("en", "Too large"), ("es", "Demasiado grande")])
def test_ten_megabytes_is_refused(app, family, locale, title):
    _, child = family
    api = signed_in(app, "g@example.org")
    assert api.patch("/api/v1/account", {"locale": locale}).status_code == 200
    assert put(api, child.id, PLAN, '"plan-0"').status_code == 200
    response = _put_raw(api, child.id, json.dumps({"summary": "x" * (10 * 1024 * 1024)}))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 413 and problem["title"] == title  # in the reader's language
    assert "5 MB" in problem["detail"] and "errors" not in problem
    assert len(response.data) < 2000  # the refusal does not echo the body
    read = api.get(f"/api/v1/children/{child.id}/plan")
    assert read.headers["ETag"] == '"plan-1"'  # nothing saved
    assert read.get_json()["document"]["summary"] == PLAN["summary"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 1


def test_too_large_follows_accept_language_before_sign_in(client):
    response = client.post(
        "/api/v1/session",
        data=json.dumps({"email": "x" * (6 * 1024 * 1024)}),
        content_type="application/json",
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Demasiado grande"


def test_four_megabytes_of_summary_is_a_field_error_naming_summary(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    assert put(api, child.id, PLAN, '"plan-0"').status_code == 200
    body = json.dumps(dict(PLAN, summary="x" * (4 * 1024 * 1024)))
    assert len(body) < 5 * 1024 * 1024  # under the body limit
    response = _put_raw(api, child.id, body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert list(errors) == ["summary"] and errors["summary"]
    assert len(response.data) < 5000  # the message names the field, never echoes the text
    assert api.get(f"/api/v1/children/{child.id}/plan").headers["ETag"] == '"plan-1"'


def test_roles_read_and_edit(app, family):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    add_member(app, fam, "coord@example.org", "care_team")
    guardian = signed_in(app, "g@example.org")
    put(guardian, child.id, PLAN, '"plan-0"')
    nurse = signed_in(app, "nurse@example.org")
    assert nurse.get(f"/api/v1/children/{child.id}/plan").status_code == 200
    assert put(nurse, child.id, PLAN, '"plan-1"').status_code == 403
    coordinator = signed_in(app, "coord@example.org")
    edited = put(coordinator, child.id, dict(PLAN, summary="Reviewed with the team."), '"plan-1"')
    assert edited.status_code == 200
    reviewed = coordinator.post(f"/api/v1/children/{child.id}/plan/review")
    assert reviewed.status_code == 200
    body = reviewed.get_json()
    assert body["reviewed_by"] == "Care_Team Person" and body["review_overdue"] is False
    # the caregiver's read is in the audit log the guardians see
    log = guardian.get(f"/api/v1/families/{fam.id}/audit").get_json()
    assert any(row["action"] == "phi.read" and row["actor"] == "Caregiver Person" for row in log)


def test_other_family_cannot_read_or_write_the_plan(app, family):
    _, child = family
    family_with_child(app, "other@example.org", "Other")
    stranger = signed_in(app, "other@example.org")
    assert stranger.get(f"/api/v1/children/{child.id}/plan").status_code == 404
    assert put(stranger, child.id, PLAN, '"plan-0"').status_code == 404
    assert stranger.get(f"/api/v1/children/{child.id}/plan.fhir.json").status_code == 404
    assert stranger.client.get(f"/children/{child.id}/plan").status_code == 404


def test_review_needs_a_plan(app, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    assert api.post(f"/api/v1/children/{child.id}/plan/review").status_code == 409


def _count_queries(client, path, cold=True):
    """The statements a page read runs; cold: with nothing remembered from earlier requests
    (core/generation.py), as after any write."""
    if cold:
        generation.memo_of(client.application).clear()
    statements = []

    def listener(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def _save_versions(app, child, document, count, start):
    # Through the service, as the API would, but without 200 HTTP round trips.
    from familyapp.accounts.models import User
    from familyapp.families import service as families
    from familyapp.plan import service as plan_service
    from familyapp.plan.schemas import PlanDocumentSchema

    with app.test_request_context("/"):
        guardian = db.session.scalar(select(User).where(User.email == "g@example.org"))
        kid = families.get_child(child.id)
        for n in range(count):
            loaded = PlanDocumentSchema().load(dict(document, summary=f"v{n}"))
            plan_service.save_plan(guardian, kid, loaded, start + n)
        db.session.remove()


def test_plan_page_query_count_does_not_grow_with_the_plan(app, family):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    api = signed_in(app, "g@example.org")
    nurse = signed_in(app, "nurse@example.org")
    path = f"/children/{child.id}/plan"
    put(api, child.id, PLAN, '"plan-0"')
    _count_queries(api.client, path)  # the first page of a session also writes its token
    _count_queries(nurse.client, path)
    small = _count_queries(api.client, path)
    small_caregiver = _count_queries(nurse.client, path)
    big = dict(
        PLAN,
        medications=[dict(MED, name=f"Med {i}") for i in range(40)],
        contacts=[{"name": f"Contact {i}", "phone": "555-0100"} for i in range(30)],
    )
    _save_versions(app, child, big, 200, start=1)  # more versions must not cost more queries
    assert api.get(f"/api/v1/children/{child.id}/plan").headers["ETag"] == '"plan-201"'
    large = _count_queries(api.client, path)
    assert large == small
    assert large <= 8
    # A caregiver's read also writes its audit row: still a fixed, small number of queries.
    with app.app_context():
        audited = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "phi.read")
        )
        before = db.session.scalar(audited)
    large_caregiver = _count_queries(nurse.client, path)
    with app.app_context():
        assert db.session.scalar(audited) == before + 1
    assert large_caregiver == small_caregiver
    assert large_caregiver <= large + 2
    # Read again with nothing written since: the session, grants, child and page are
    # remembered, and only the generation (read on the DBAPI cursor, unseen here) is asked.
    _count_queries(api.client, path, cold=False)
    _count_queries(nurse.client, path, cold=False)
    assert _count_queries(api.client, path, cold=False) == 0
    with app.app_context():
        before = db.session.scalar(audited)
    assert _count_queries(nurse.client, path, cold=False) == 1  # the caregiver's audit row
    with app.app_context():
        assert db.session.scalar(audited) == before + 1


def _item_form(client, path, data):
    token = csrf_from(client, path)
    html = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return client.post(path, data={**data, "csrf_token": token, "version": version})


def test_guardian_edits_sections_through_the_phone_forms(app, client, family):
    _, child = family
    form_login(client, "g@example.org")
    base = f"/children/{child.id}/plan"
    assert _item_form(client, f"{base}/summary", {"summary": "Two lines."}).status_code == 302
    added = _item_form(
        client,
        f"{base}/medications/new",
        {
            "name": "Baclofen",
            "dose_amount": "10",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "3x daily",
            "purpose": "",
            "prescriber": "",
            "notes": "",
        },
    )
    assert added.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Two lines." in page and "Baclofen" in page and "10 mg" in page
    assert f"/families/{child.family_id}/audit" in page
    item_id = re.search(rf"{base}/medications/([0-9a-f-]+)", page).group(1)
    edited = _item_form(
        client,
        f"{base}/medications/{item_id}",
        {
            "name": "Baclofen",
            "dose_amount": "12.5",
            "dose_unit": "mg",
            "route": "g_tube",
            "schedule": "3x daily",
            "purpose": "",
            "prescriber": "",
            "notes": "",
        },
    )
    assert edited.status_code == 302
    assert "12.5 mg" in client.get(base).get_data(as_text=True)
    diff = client.get(f"{base}/history/3").get_data(as_text=True)
    assert "Baclofen" in diff and "12.5" in diff


def test_form_errors_show_in_place_and_save_nothing(app, client, family):
    _, child = family
    form_login(client, "g@example.org")
    response = _item_form(
        client,
        f"/children/{child.id}/plan/medications/new",
        {"name": "", "dose_amount": "5", "dose_unit": "", "route": "g_tube"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="dose_unit-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 0


def test_stale_form_shows_both_versions_and_merging_saves_mine(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, PLAN, '"plan-0"')
    form_login(client, "g@example.org")
    base = f"/children/{child.id}/plan/summary"
    token = csrf_from(client, base)  # opened at version 1
    put(api, child.id, dict(PLAN, summary="Changed in another tab."), '"plan-1"')
    conflict = client.post(base, data={"summary": "My words.", "csrf_token": token, "version": "1"})
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Changed in another tab." in html and "My words." in html
    assert 'name="version" value="2"' in html
    merged = client.post(base, data={"summary": "My words.", "csrf_token": token, "version": "2"})
    assert merged.status_code == 302
    assert (
        api.get(f"/api/v1/children/{child.id}/plan").get_json()["document"]["summary"]
        == "My words."
    )


def test_caregiver_sees_the_plan_without_edit_links(app, client, family):
    fam, child = family
    add_member(app, fam, "nurse@example.org", "caregiver")
    put(signed_in(app, "g@example.org"), child.id, PLAN, '"plan-0"')
    form_login(client, "nurse@example.org")
    html = client.get(f"/children/{child.id}/plan").get_data(as_text=True)
    assert "Latex" in html and "Bivona 4.0 cuffless" in html
    assert 'href="tel:(312)555-0100"' in html and 'href="mailto:cc@example.org"' in html
    assert "/medications/new" not in html
    assert "/audit" not in html  # the access log is the guardians'
    assert client.get(f"/children/{child.id}/plan/medications/new").status_code == 403


def test_delete_item_keeps_history(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    saved = put(api, child.id, PLAN, '"plan-0"').get_json()
    med_id = saved["document"]["medications"][0]["id"]
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/children/{child.id}/plan")
    client.post(
        f"/children/{child.id}/plan/medications/{med_id}/delete",
        data={"csrf_token": token, "version": "1"},
    )
    now = api.get(f"/api/v1/children/{child.id}/plan").get_json()
    assert now["version"] == 2 and now["document"]["medications"] == []
    old = api.get(f"/api/v1/children/{child.id}/plan/versions/1").get_json()
    assert old["document"]["medications"][0]["name"] == "Levetiracetam"


def test_import_reports_every_problem_and_imports_nothing_then_imports(app, client, family):
    _, child = family
    form_login(client, "g@example.org")
    path = f"/children/{child.id}/plan/import"
    token = csrf_from(client, path)
    bad = {"medications": [{"name": "", "dose_amount": "5"}], "allergies": [{"severity": "x"}]}
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "version": "0",
            "file": (io.BytesIO(json.dumps(bad).encode()), "plan.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("<li><strong>") >= 4  # name, dose_unit, substance, severity
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 0
    good = client.post(
        path,
        data={
            "csrf_token": token,
            "version": "0",
            "file": (io.BytesIO(json.dumps({"document": PLAN}).encode()), "plan.json"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    exported = client.get(f"/children/{child.id}/plan.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(exported.data)["document"]["summary"] == PLAN["summary"]


def test_plan_saves_are_audited(app, family):
    _, child = family
    put(signed_in(app, "g@example.org"), child.id, PLAN, '"plan-0"')
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.saved")).all()
        assert len(rows) == 1 and rows[0].child_id == child.id


def test_small_doses_keep_every_digit_on_the_page(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, dict(PLAN, medications=[dict(MED, dose_amount="0.0625")]), '"plan-0"')
    form_login(client, "g@example.org")
    assert "0.0625 mg" in client.get(f"/children/{child.id}/plan").get_data(as_text=True)


def test_pdf_exports(app, client, family):
    _, child = family
    put(signed_in(app, "g@example.org"), child.id, PLAN, '"plan-0"')
    form_login(client, "g@example.org")
    for path in (f"/children/{child.id}/plan.pdf", f"/children/{child.id}/plan/emergency.pdf"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")


def test_fhir_export_through_the_api(app, family):
    from fhir.resources.R4B.bundle import Bundle

    _, child = family
    api = signed_in(app, "g@example.org")
    document = dict(
        PLAN,
        problems=[{"name": "Epilepsy", "details": "Controlled on two medicines"}],
        equipment=[*PLAN["equipment"], {"name": "G-tube", "kind": "gastrostomy", "size": "14 Fr"}],
    )
    put(api, child.id, document, '"plan-0"')
    response = api.get(f"/api/v1/children/{child.id}/plan.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    Bundle.model_validate(bundle)  # the live output, as a receiving system would read it
    for entry in bundle["entry"]:
        assert entry["resource"]["id"] and entry["fullUrl"]
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {
        "Patient",
        "CarePlan",
        "Condition",
        "AllergyIntolerance",
        "MedicationStatement",
        "CareTeam",
        "Goal",
    } <= types
    assert types & {"DeviceUseStatement", "Device"}


def test_two_simultaneous_first_saves_cannot_both_win(app, family):
    # Both writers read version 0; whichever commits second must get a 412, never a 500 or
    # a silently overwritten plan.
    import threading

    _, child = family
    writers = [signed_in(app, "g@example.org") for _ in range(2)]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def write(api, text):
        barrier.wait()
        results.append(put(api, child.id, dict(PLAN, summary=text), '"plan-0"').status_code)

    threads = [
        threading.Thread(target=write, args=(api, f"writer {i}")) for i, api in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 412]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 1


def test_two_simultaneous_edits_of_the_same_version_cannot_both_win(app, family):
    import threading

    _, child = family
    put(signed_in(app, "g@example.org"), child.id, PLAN, '"plan-0"')
    writers = [signed_in(app, "g@example.org") for _ in range(2)]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def write(api, text):
        barrier.wait()
        results.append(put(api, child.id, dict(PLAN, summary=text), '"plan-1"').status_code)

    threads = [threading.Thread(target=write, args=(api, f"w{i}")) for i, api in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 412]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarePlanVersion)) == 2


GTUBE = {
    "name": "G-tube",
    "kind": "gastrostomy",
    "model": "MIC-KEY low-profile button",
    "size": "14 Fr, 1.5 cm",
    "balloon_volume_ml": "5",
    "settings": "Checked weekly",
    "supplier": "Lakeside Medical Supply (DME)",
    "supplier_phone": "(312) 555-0142",
}
TRACH = {
    "name": "Tracheostomy tube",
    "kind": "tracheostomy",
    "model": "Shiley pediatric, cuffless",
    "size": "4.0",
}


def test_equipment_sizes_round_trip_through_export_and_import(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    saved = put(api, child.id, dict(PLAN, equipment=[TRACH, GTUBE]), '"plan-0"')
    assert saved.status_code == 200
    gtube = saved.get_json()["document"]["equipment"][1]
    assert {key: gtube[key] for key in GTUBE} == GTUBE
    trach = saved.get_json()["document"]["equipment"][0]
    assert trach["balloon_volume_ml"] is None and trach["supplier"] == ""  # optional
    # the JSON export imports back as it is: same document, no new version
    exported = api.get(f"/api/v1/children/{child.id}/plan").get_json()
    again = put(api, child.id, exported, '"plan-1"')
    assert again.status_code == 200 and again.headers["ETag"] == '"plan-1"'
    form_login(client, "g@example.org")
    download = json.loads(client.get(f"/children/{child.id}/plan.json").data)
    assert download["document"]["equipment"][1]["balloon_volume_ml"] == "5"
    bad = put(
        api, child.id, dict(PLAN, equipment=[dict(GTUBE, balloon_volume_ml="-2")]), '"plan-1"'
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["equipment"]["0"]["balloon_volume_ml"]


def test_plans_saved_before_the_equipment_fields_stay_valid(app, family):
    from familyapp.plan.models import CarePlan

    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, PLAN, '"plan-0"')
    old_item = {  # an equipment item as it was stored before model and balloon volume existed
        "id": "7b0f1e56-8a3c-4d7e-9a51-0c2f3b4d5e6f",
        "name": "Trach",
        "kind": "tracheostomy",
        "size": "Bivona 4.0 cuffless",
        "settings": "",
        "supplier": "",
        "supplier_phone": "",
        "notes": "",
    }
    with app.app_context():
        row = db.session.scalar(select(CarePlan).where(CarePlan.child_id == child.id))
        row.document = dict(row.document, equipment=[old_item])
        db.session.commit()
    read = api.get(f"/api/v1/children/{child.id}/plan")
    item = read.get_json()["document"]["equipment"][0]
    assert item["model"] == "" and item["balloon_volume_ml"] is None  # read with every field
    again = put(api, child.id, read.get_json(), read.headers["ETag"])
    assert again.status_code == 200 and again.headers["ETag"] == '"plan-1"'  # no empty version
    edited = put(
        api,
        child.id,
        dict(read.get_json()["document"], equipment=[dict(item, model="Bivona")]),
        '"plan-1"',
    )
    assert edited.headers["ETag"] == '"plan-2"'


def test_read_view_form_and_history_show_equipment_sizes(app, client, family):
    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, dict(PLAN, equipment=[TRACH]), '"plan-0"')
    form_login(client, "g@example.org")
    base = f"/children/{child.id}/plan"
    added = _item_form(client, f"{base}/equipment/new", {**GTUBE, "notes": ""})
    assert added.status_code == 302
    html = client.get(base).get_data(as_text=True)
    for text in (
        "Shiley pediatric, cuffless",
        "<strong>4.0</strong>",
        "MIC-KEY low-profile button",
        "14 Fr, 1.5 cm",
        "Balloon volume",
        "5 mL",
        'href="tel:(312)555-0142"',
    ):
        assert text in html, text
    gtube = api.get(f"/api/v1/children/{child.id}/plan").get_json()["document"]["equipment"][1]
    changed = _item_form(
        client, f"{base}/equipment/{gtube['id']}", {**GTUBE, "balloon_volume_ml": "4", "model": ""}
    )
    assert changed.status_code == 302
    history = client.get(f"{base}/history/3").get_data(as_text=True)
    assert "Balloon volume (mL)" in history and "Type or model" in history
    assert "balloon_volume_ml" not in history
    bad = _item_form(client, f"{base}/equipment/new", {**GTUBE, "balloon_volume_ml": "500"})
    assert bad.status_code == 422 and 'id="balloon_volume_ml-error"' in bad.get_data(as_text=True)


def test_fhir_bundle_of_sized_equipment_validates(app, family):
    from fhir.resources.R4B.bundle import Bundle

    _, child = family
    api = signed_in(app, "g@example.org")
    put(api, child.id, dict(PLAN, equipment=[TRACH, GTUBE]), '"plan-0"')
    bundle = api.get(f"/api/v1/children/{child.id}/plan.fhir.json").get_json()
    Bundle.model_validate(bundle)
    devices = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"]
    gtube = next(d for d in devices if d["deviceName"][0]["name"] == "G-tube")
    assert {"name": "MIC-KEY low-profile button", "type": "model-name"} in gtube["deviceName"]
    volume = next(p for p in gtube["property"] if p["type"]["text"] == "Balloon volume")
    assert volume["valueQuantity"] == [
        {"value": 5, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"}
    ]
