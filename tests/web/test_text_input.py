"""Text holding NUL (U+0000), which PostgreSQL cannot store, is refused before any handler."""

from __future__ import annotations

import io
import json

from flask import Flask
from sqlalchemy import func, select

from familyapp.carelog.models import CareEntry
from familyapp.core.db import db
from familyapp.plan.models import CarePlanVersion
from tests.factories import Api, csrf_from, family_with_child, form_login


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_nul_in_json_form_query_or_file_is_refused_and_nothing_is_saved(app: Flask) -> None:
    _, _, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(app.test_client())
    assert api.login("g@example.org").status_code == 200
    entry = {"activity": "suctioning", "started_at": "2026-01-05T08:00:00+00:00", "minutes": 10}
    refused = api.post(f"/api/v1/children/{child.id}/care-entries", {**entry, "note": "a\x00b"})
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert "NUL" in refused.get_json()["detail"]
    nested = api.post(f"/api/v1/children/{child.id}/care-entries", {**entry, "x\x00": [1]})
    assert nested.status_code == 400
    query = api.get(f"/api/v1/children/{child.id}/care-entries?from=2026-01-01\x00")
    assert query.status_code == 400
    assert _count(app, CareEntry) == 0
    assert api.post(f"/api/v1/children/{child.id}/care-entries", entry).status_code == 201

    client = app.test_client()
    form_login(client, "g@example.org")
    token = csrf_from(client, f"/children/{child.id}/plan/import")
    document = {"summary": "Sam\u0000", "medications": []}
    upload = (io.BytesIO(json.dumps(document).encode()), "plan.json")
    page = client.post(
        f"/children/{child.id}/plan/import",
        data={"csrf_token": token, "file": upload},
    )
    assert page.status_code == 400 and page.mimetype == "text/html"
    shown = page.get_data(as_text=True)
    assert "NUL" in shown and "Nothing was saved" in shown
    assert _count(app, CarePlanVersion) == 0
