"""The OpenAPI document lists every operation the plan and action-plan issues promise, with the
concurrency headers (ETag, If-Match) and the 304/412/428 answers where they happen."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

# (method, path) as the issues write them; {…} stands for any path parameter name.
CONTRACT = [
    ("get", "/api/v1/children/{id}/plan"),
    ("put", "/api/v1/children/{id}/plan"),
    ("get", "/api/v1/children/{id}/plan/versions"),
    ("get", "/api/v1/children/{id}/plan/versions/{n}"),
    ("get", "/api/v1/children/{id}/plan.fhir.json"),
    ("get", "/api/v1/children/{id}/action-plans"),
    ("post", "/api/v1/children/{id}/action-plans"),
    ("get", "/api/v1/action-plans/{id}"),
    ("put", "/api/v1/action-plans/{id}"),
    ("delete", "/api/v1/action-plans/{id}"),
    ("get", "/api/v1/children/{id}/emergency-links"),
    ("post", "/api/v1/children/{id}/emergency-links"),
    ("delete", "/api/v1/emergency-links/{id}"),
]


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    return document


def _pattern(path):
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + r"\{[^}/]+\}".join(re.escape(part) for part in parts) + "$")


def _operation(spec, method, path):
    matches = [p for p in spec["paths"] if _pattern(path).match(p)]
    assert len(matches) == 1, f"{path}: {matches}"
    operations = spec["paths"][matches[0]]
    assert method in operations, f"{method.upper()} {path} is not documented"
    return operations[method]


def _headers(operation, location="header"):
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == location}


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_every_promised_operation_is_documented(spec, method, path):
    operation = _operation(spec, method, path)
    assert operation["summary"] and operation["x-permission"]
    assert "default" in operation["responses"]


@pytest.mark.parametrize(
    ("method", "path", "success"),
    [
        ("get", "/api/v1/children/{id}/plan", "200"),
        ("put", "/api/v1/children/{id}/plan", "200"),
        ("get", "/api/v1/action-plans/{id}", "200"),
        ("put", "/api/v1/action-plans/{id}", "200"),
        ("post", "/api/v1/children/{id}/action-plans", "201"),
    ],
)
def test_reads_and_writes_of_versioned_records_document_the_etag(spec, method, path, success):
    response = _operation(spec, method, path)["responses"][success]
    assert "ETag" in response["headers"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/children/{id}/plan"),
        ("put", "/api/v1/action-plans/{id}"),
        ("delete", "/api/v1/action-plans/{id}"),
    ],
)
def test_writes_document_if_match_412_and_428(spec, method, path):
    operation = _operation(spec, method, path)
    assert _headers(operation)["If-Match"]["required"] is True
    responses = operation["responses"]
    refused = responses["412"]["content"]["application/problem+json"]["schema"]
    assert "$ref" in refused["properties"]["current"]  # the current copy, as a read returns it
    assert "ETag" in responses["412"]["headers"]
    assert "application/problem+json" in responses["428"]["content"]


def test_plan_read_documents_if_none_match_and_304(spec):
    operation = _operation(spec, "get", "/api/v1/children/{id}/plan")
    assert "If-None-Match" in _headers(operation)
    assert "ETag" in operation["responses"]["304"]["headers"]
    # reads never answer 412/428, and unversioned routes claim no ETag
    assert "412" not in operation["responses"] and "428" not in operation["responses"]
    links = _operation(spec, "get", "/api/v1/children/{id}/emergency-links")
    assert "headers" not in links["responses"]["200"] and "If-Match" not in _headers(links)


def test_the_documented_304_happens(app, client):
    from tests.factories import Api, family_with_child

    _, _fam, child = family_with_child(app, "g@example.org", "Sam")
    api = Api(client)
    assert api.login("g@example.org").status_code == 200
    first = client.get(f"/api/v1/children/{child.id}/plan")
    again = client.get(
        f"/api/v1/children/{child.id}/plan", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
