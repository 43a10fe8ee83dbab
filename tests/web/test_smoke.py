from __future__ import annotations

from tests.factories import Api, family_with_child, form_login


def test_health_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_login_page_renders_in_spanish_from_accept_language(client):
    response = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert response.status_code == 200
    assert 'lang="es"' in response.get_data(as_text=True)


def test_guardian_signs_in_and_sees_child(app, client):
    family_with_child(app, "g@example.org", "Maya")
    response = form_login(client, "g@example.org")
    assert response.status_code == 302
    home = client.get("/")
    assert "Maya" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"


def test_api_login_and_children(app, client):
    _, _, child = family_with_child(app, "g@example.org", "Maya")
    api = Api(client)
    assert api.login("g@example.org").status_code == 200
    listed = api.get("/api/v1/children").get_json()
    assert [c["display_name"] for c in listed] == ["Maya"]
    assert api.get(f"/api/v1/children/{child.id}").status_code == 200
