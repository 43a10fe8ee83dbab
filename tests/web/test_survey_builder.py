"""The survey builder through the Flask test client: a program's staff write a survey, add a
choice question with options and a Spanish translation, reorder, delete and publish it, and
preview it in Spanish; everyone else gets 404; two people editing at once get 412; a survey
that has been sent refuses edits (409) and offers a copy."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from familyapp.accounts.models import User
from familyapp.core import clock
from familyapp.core.db import db
from familyapp.surveys import programs, service
from familyapp.surveys import questionnaire as fhirq
from familyapp.surveys.models import Questionnaire
from tests.factories import csrf_from, family_with_child, form_login, user


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Two programs with a staff member each, and a parent who runs none."""
    staff = user(app, "staff@example.org", "Program Staff")
    other = user(app, "other@example.org", "Other Program Staff")
    parent, _family, _child = family_with_child(app, "parent@example.org", "Sam")
    with app.test_request_context("/"):
        program = programs.create_program("Lakeside")
        programs.add_program_member(program, db.session.get(User, staff.id), "staff")
        elsewhere = programs.create_program("Hillside")
        programs.add_program_member(elsewhere, db.session.get(User, other.id), "staff")
        [bundled] = service.install_bundled()
        db.session.commit()
        return {
            "staff": staff,
            "other": other,
            "parent": parent,
            "program_id": program.id,
            "bundled_id": bundled.id,
        }


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert form_login(client, email).status_code == 302
    return client


def _form(client: FlaskClient, page: str) -> dict[str, str]:
    """The CSRF token and the revision a builder page was drawn from."""
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    revision = re.search(r'name="revision" value="(-?\d+)"', html)
    assert token, f"no csrf token on {page}"
    found = {"csrf_token": token.group(1)}
    if revision:
        found["revision"] = revision.group(1)
    return found


def _stored(app: Flask, questionnaire_id: str) -> Questionnaire:
    with app.app_context():
        row = db.session.get(Questionnaire, questionnaire_id)
        assert row is not None
        db.session.expunge(row)
        return row


def _model(app: Flask, questionnaire_id: str) -> fhirq.Questionnaire:
    return fhirq.parse(_stored(app, questionnaire_id).resource)


def _new_survey(client: FlaskClient, program_id: Any, title: str = "Sleep check") -> str:
    page = f"/programs/{program_id}/questionnaires/new"
    made = client.post(page, data={**_form(client, page), "title": title, "language": "en"})
    assert made.status_code == 302, made.get_data(as_text=True)
    match = re.search(r"/questionnaires/([0-9a-f-]+)/edit", made.headers["Location"])
    assert match
    return match.group(1)


def _add(client: FlaskClient, qid: str, kind: str, text: str, **extra: str) -> str:
    edit = f"/questionnaires/{qid}/edit"
    added = client.post(
        f"/questionnaires/{qid}/items",
        data={**_form(client, edit), "kind": kind, "text": text, **extra},
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    return added.headers["Location"].rsplit("/", 1)[1]


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def test_an_author_writes_translates_reorders_and_publishes_a_survey(
    app: Flask, world: dict[str, Any]
) -> None:
    client = _signed_in(app, "staff@example.org")
    new_page = client.get(f"/programs/{world['program_id']}/questionnaires/new")
    assert new_page.status_code == 200
    assert 'name="title"' in new_page.get_data(as_text=True)
    qid = _new_survey(client, world["program_id"])
    row = _stored(app, _uuid(qid))
    assert (row.origin, row.status, row.title) == ("built", "draft", "Sleep check")

    page = client.get(f"/questionnaires/{qid}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("Add a question", "Single choice", "Section (group)", "Preview on a phone"):
        assert text in html
    assert f"/questionnaires/{qid}.json" in html  # Download FHIR JSON

    # A choice question, then its options, its Spanish text and the Spanish labels.
    q1 = _add(client, qid, "single", "How rested do you feel?")
    assert q1 == "q1"
    item_page = f"/questionnaires/{qid}/items/{q1}"
    html = client.get(item_page).get_data(as_text=True)
    assert "Answer options" in html and "Show this question only when" in html
    assert 'lang="es"' in html  # a Spanish translation field
    saved = client.post(
        item_page,
        data={
            **_form(client, item_page),
            "kind": "single",
            "text": "How rested do you feel?",
            "text_es": "¿Qué tan descansado se siente?",
            "required": "1",
            "opt-0-code": "no",
            "opt-0-display": "Not at all",
            "opt-0-ordinal": "0",
            "opt-0-es": "Nada",
            "opt-1-code": "yes",
            "opt-1-display": "Well rested",
            "opt-1-ordinal": "2",
            "opt-1-es": "Bien descansado",
            "opt-2-code": "",
            "opt-2-display": "Somewhat",  # a new option without a code: numbered
            "opt-2-es": "Algo",
            "cond-0-question": "",
            "behavior": "all",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    item = _model(app, _uuid(qid)).item("q1")
    assert item is not None and item.required
    assert item.text == {"en": "How rested do you feel?", "es": "¿Qué tan descansado se siente?"}
    assert [(o.code, o.display.get("es"), o.ordinal) for o in item.options] == [
        ("no", "Nada", 0),
        ("yes", "Bien descansado", 2),
        ("1", "Algo", None),
    ]

    # A yes/no question shown only when the first is answered "no"; then reorder and delete.
    q2 = _add(client, qid, "yesno", "Do you nap?")
    page = f"/questionnaires/{qid}/items/{q2}"
    saved = client.post(
        page,
        data={
            **_form(client, page),
            "kind": "yesno",
            "text": "Do you nap?",
            "cond-0-question": "q1",
            "cond-0-operator": "=",
            "cond-0-answer": "no",
            "behavior": "all",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    rule = _model(app, _uuid(qid)).item("q2").enable_when[0]  # type: ignore[union-attr]
    assert (rule.question, rule.operator, rule.answer) == ("q1", "=", "no")
    _add(client, qid, "text", "Anything else?")
    edit = f"/questionnaires/{qid}/edit"
    moved = client.post(
        f"/questionnaires/{qid}/items/q3/move", data={**_form(client, edit), "direction": "up"}
    )
    assert moved.status_code == 302
    assert [i.link_id for i in _model(app, _uuid(qid)).items] == ["intro", "q1", "q3", "q2"]
    deleted = client.post(f"/questionnaires/{qid}/items/q1/delete", data=_form(client, edit))
    assert deleted.status_code == 302
    model = _model(app, _uuid(qid))
    assert [i.link_id for i in model.items] == ["intro", "q3", "q2"]
    assert model.item("q2").enable_when == ()  # type: ignore[union-attr]  # its condition went too

    # Publish, with a Spanish title.
    published = client.post(
        f"/questionnaires/{qid}/meta",
        data={
            **_form(client, edit),
            "title": "Sleep check",
            "description": "Two minutes about your nights.",
            "status": "active",
            "title_es": "Control del sueño",
            "description_es": "",
        },
    )
    assert published.status_code == 302, published.get_data(as_text=True)
    row = _stored(app, _uuid(qid))
    assert row.status == "active"
    assert fhirq.parse(row.resource).title == {"en": "Sleep check", "es": "Control del sueño"}
    html = client.get(edit).get_data(as_text=True)
    assert "Published" in html
    assert '<span lang="es">Español</span>: not translated' in html  # "Anything else?"


def test_preview_shows_each_language_and_cannot_send(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    qid = _new_survey(client, world["program_id"])
    _add(client, qid, "single", "How rested do you feel?")
    page = f"/questionnaires/{qid}/items/q1"
    client.post(
        page,
        data={
            **_form(client, page),
            "kind": "single",
            "text": "How rested do you feel?",
            "text_es": "¿Qué tan descansado se siente?",
            "opt-0-code": "no",
            "opt-0-display": "Not at all",
            "opt-0-es": "Nada",
        },
    )
    english = client.get(f"/questionnaires/{qid}/preview").get_data(as_text=True)
    assert "How rested do you feel?" in english and "Not at all" in english
    spanish = client.get(f"/questionnaires/{qid}/preview?lang=es")
    html = spanish.get_data(as_text=True)
    assert spanish.status_code == 200
    assert "¿Qué tan descansado se siente?" in html and "Nada" in html
    assert 'class="phone-frame" lang="es"' in html
    frame = html.split('class="phone-frame"', 1)[1]
    assert 'method="post"' not in frame and "action=" not in frame.split("</form>")[0]
    assert re.search(r"<button[^>]*disabled", frame)


def test_other_programs_and_non_authors_get_404(app: Flask, world: dict[str, Any]) -> None:
    author = _signed_in(app, "staff@example.org")
    qid = _new_survey(author, world["program_id"])
    for email in ("other@example.org", "parent@example.org"):
        client = _signed_in(app, email)
        token = csrf_from(client, "/account")
        assert client.get(f"/questionnaires/{qid}/edit").status_code == 404
        assert client.get(f"/questionnaires/{qid}/items/intro").status_code == 404
        assert client.get(f"/questionnaires/{qid}/preview").status_code == 404
        assert client.get(f"/programs/{world['program_id']}/questionnaires/new").status_code == 404
        posted = client.post(
            f"/questionnaires/{qid}/meta",
            data={"csrf_token": token, "revision": "1", "title": "Mine now", "status": "draft"},
        )
        assert posted.status_code == 404
        copied = client.post(f"/questionnaires/{qid}/copy", data={"csrf_token": token})
        assert copied.status_code == 404
    assert _stored(app, _uuid(qid)).title == "Sleep check"
    # Not signed in: to the sign-in page.
    assert app.test_client().get(f"/questionnaires/{qid}/edit").status_code == 302


def test_a_stale_revision_gets_412_and_keeps_the_input(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    qid = _new_survey(client, world["program_id"])
    edit = f"/questionnaires/{qid}/edit"
    seen = _form(client, edit)  # one person opens the page ...
    _add(client, qid, "string", "Your name")  # ... another saves a change
    stale = client.post(
        f"/questionnaires/{qid}/meta",
        data={**seen, "title": "My new title", "description": "", "status": "draft"},
    )
    html = stale.get_data(as_text=True)
    assert stale.status_code == 412
    assert "Someone else changed this survey while you were editing" in html
    assert 'value="My new title"' in html  # the input is kept
    assert f'name="revision" value="{seen["revision"]}"' in html  # still stale until reloaded
    assert _stored(app, _uuid(qid)).title == "Sleep check"


def test_problems_are_explained_with_a_link_to_the_item(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    qid = _new_survey(client, world["program_id"])
    _add(client, qid, "single", "Pick one")
    page = f"/questionnaires/{qid}/items/q1"
    refused = client.post(
        page,
        data={
            **_form(client, page),
            "kind": "single",
            "text": "Pick one",
            "opt-0-code": "1",
            "opt-0-display": "Option 1",
            "opt-0-remove": "1",
            "opt-1-code": "2",
            "opt-1-display": "Option 2",
            "opt-1-remove": "1",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Item &#39;q1&#39; is a choice question without any answer options." in html
    assert f'<a href="/questionnaires/{qid}/items/q1">' in html
    assert ">Pick one</textarea>" in html  # the input is kept
    # Field problems are shown at the field, linked from the summary.
    bad = client.post(
        page,
        data={
            **_form(client, page),
            "kind": "single",
            "text": "",
            "opt-0-code": "1",
            "opt-0-display": "One",
            "opt-0-ordinal": "lots",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="opt-0-ordinal-error"' in html and 'aria-describedby="opt-0-ordinal-error"' in html
    assert 'href="#text"' in html
    empty = client.post(
        f"/questionnaires/{qid}/items",
        data={**_form(client, f"/questionnaires/{qid}/edit"), "kind": "single", "text": ""},
    )
    assert empty.status_code == 422 and 'id="text-error"' in empty.get_data(as_text=True)
    # Deleting the survey's only items is refused with parse's explanation.
    edit = f"/questionnaires/{qid}/edit"
    client.post(f"/questionnaires/{qid}/items/q1/delete", data=_form(client, edit))
    last = client.post(f"/questionnaires/{qid}/items/intro/delete", data=_form(client, edit))
    assert last.status_code == 422
    assert "The questionnaire has no items." in last.get_data(as_text=True)


def test_a_sent_survey_refuses_edits_and_offers_a_copy(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    qid = _new_survey(client, world["program_id"])
    edit = f"/questionnaires/{qid}/edit"
    seen = _form(client, edit)
    client.post(
        f"/questionnaires/{qid}/meta",
        data={**seen, "title": "Sleep check", "description": "", "status": "active"},
    )
    stale_page = _form(client, edit)
    with app.test_request_context("/"):
        staff = db.session.get(User, world["staff"].id)
        now = clock.utcnow()
        service.create_campaign(
            staff,
            {
                "program_id": world["program_id"],
                "questionnaire_id": _uuid(qid),
                "target": "program",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=7),
                "title": "Spring",
            },
        )
    refused = client.post(
        f"/questionnaires/{qid}/items",
        data={**stale_page, "kind": "string", "text": "One more"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "This survey has been sent, so its questions cannot change." in html
    assert "Copy to edit" in html
    page = client.get(edit).get_data(as_text=True)
    assert "Copy to edit" in page and "Add a question" not in page
    assert f"/questionnaires/{qid}/items/intro/delete" not in page

    copied = client.post(f"/questionnaires/{qid}/copy", data=_form(client, edit))
    assert copied.status_code == 302
    copy_id = re.search(r"/questionnaires/([0-9a-f-]+)/edit", copied.headers["Location"])
    assert copy_id and copy_id.group(1) != qid
    row = _stored(app, _uuid(copy_id.group(1)))
    assert (row.status, row.program_id, row.origin) == ("draft", world["program_id"], "built")
    assert "Add a question" in client.get(copied.headers["Location"]).get_data(as_text=True)


def test_a_bundled_survey_can_only_be_copied(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    edit = f"/questionnaires/{world['bundled_id']}/edit"
    page = client.get(edit)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "comes with Familyapp" in html and "Copy to edit" in html
    assert "Add a question" not in html
    copied = client.post(f"/questionnaires/{world['bundled_id']}/copy", data=_form(client, edit))
    assert copied.status_code == 302
    copy_id = re.search(r"/questionnaires/([0-9a-f-]+)/edit", copied.headers["Location"])
    assert copy_id
    assert _stored(app, _uuid(copy_id.group(1))).program_id == world["program_id"]
    # A parent who runs no program cannot open it in the builder.
    parent = _signed_in(app, "parent@example.org")
    assert parent.get(edit).status_code == 404


def test_the_program_page_links_to_the_builder(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "staff@example.org")
    qid = _new_survey(client, world["program_id"])
    html = client.get(f"/programs/{world['program_id']}").get_data(as_text=True)
    assert f"/programs/{world['program_id']}/questionnaires/new" in html
    assert f"/questionnaires/{qid}/edit" in html
