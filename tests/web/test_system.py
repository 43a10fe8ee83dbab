"""Health, OpenAPI, PWA shell, security headers; every route declares a permission."""

from __future__ import annotations

from openapi_spec_validator import validate

from familyapp.core.authz import Perm, declared_permission
from tests.factories import PASSWORD, family_with_child, form_login, user


def test_every_route_declares_its_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # public files served by Flask itself
        view = app.view_functions[rule.endpoint]
        if declared_permission(view) is None:
            undeclared.append(rule.rule)
    assert undeclared == []


def test_public_routes_are_the_expected_few(app):
    public = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and declared_permission(app.view_functions[rule.endpoint]) is Perm.PUBLIC
    )
    assert public == sorted(
        [
            "/",
            "/healthz",
            "/api/v1/openapi.json",
            "/language",
            "/manifest.webmanifest",
            "/sw.js",
            "/offline",
            "/login",
            # The second step of signing in: nobody is signed in yet between the two steps.
            "/login/code",
            "/login/setup",
            "/register",
            "/password/forgot",
            "/password/reset/<token>",
            "/invite/<token>",
            "/api/v1/accounts",
            "/api/v1/session",
            "/api/v1/session",
            "/api/v1/password/forgot",
            "/api/v1/password/reset",
            "/e/<token>",
            "/calendar/feed/<token>.ics",
        ]
    )


def test_healthz(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_openapi_is_valid_and_lists_the_contract(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    paths = spec["paths"]
    assert {"post"} <= set(paths["/api/v1/accounts"])
    assert {"get", "post", "delete"} <= set(paths["/api/v1/session"])
    assert {"get", "post"} <= set(paths["/api/v1/children"])
    assert {"get", "patch"} <= set(paths["/api/v1/children/{child_id}"])
    register = paths["/api/v1/accounts"]["post"]["requestBody"]["content"]["application/json"]
    schema_name = register["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"email", "password", "name", "locale"} <= set(
        spec["components"]["schemas"][schema_name]["properties"]
    )
    assert paths["/api/v1/children/{child_id}"]["patch"]["x-permission"] == "child.edit"


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_no_inline_script_in_pages(app, client):
    family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    for path in ("/", "/account", "/family", "/children/new", "/login"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "style=" not in html


def test_authenticated_responses_are_not_stored(app, client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    family_with_child(app, "g@example.org")
    form_login(client, "g@example.org")
    assert client.get("/api/v1/children").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_secure_cookie_over_https(app):
    family_with_child(app, "g@example.org")
    https = app.test_client()
    response = https.post(
        "/api/v1/session",
        json={"email": "g@example.org", "password": "violet-harbor-lantern-42"},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["start_url"].startswith("/") and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert ("512x512", "maskable") in purposes and ("192x192", "any") in purposes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_manifest_in_spanish(client):
    manifest = client.get("/manifest.webmanifest?lang=es").get_json()
    assert manifest["lang"] == "es"


def test_service_worker_served_from_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    assert "FAMILYAPP_VERSION" in source and "/offline" in source
    assert 'addEventListener("fetch"' in source
    for asset in ("/static/css/app.css", "/static/js/app/app.js"):
        assert asset in source


def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_wrong_method_is_405_problem(client):
    response = client.put("/api/v1/session", json={})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_unknown_page_is_translated_html(client):
    response = client.get("/nothing-here", headers={"Accept-Language": "es"})
    assert response.status_code == 404 and 'lang="es"' in response.get_data(as_text=True)


def test_fingerprinted_static_files_are_cached_for_a_year(app, client):
    from familyapp.pwa.service import static_version

    current = client.get(f"/static/css/app.css?v={static_version()}")
    assert current.status_code == 200
    assert current.cache_control.max_age == 365 * 24 * 3600 and current.cache_control.immutable
    stale = client.get("/static/css/app.css?v=older")
    assert not stale.cache_control.immutable and (stale.cache_control.max_age or 0) <= 3600


def test_text_responses_are_compressed(app, client):
    import gzip
    import zlib

    import brotli

    page = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.data).decode()
    assert "<form" in html and "csrf_token" in html
    css = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate"})
    body = css.data
    assert css.headers["Content-Encoding"] == "deflate"  # streamed from disk
    assert len(body) < len(zlib.decompress(body)) / 2
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(api.data).startswith(b"{")
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers.get("Vary", "")


def test_the_csrf_token_is_masked_afresh_on_every_page(app, client):
    import re

    def token(path: str = "/login") -> str:
        html = client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found
        return found.group(1)

    first, second = token(), token()
    assert first != second  # never the same bytes twice: nothing for BREACH to measure
    for submitted in (first, second):  # both stand for the one secret of the session
        answer = client.post("/language", data={"csrf_token": submitted, "lang": "en"})
        assert answer.status_code == 302, submitted
    assert client.post("/language", data={"csrf_token": first[:-4] + "AAAA"}).status_code == 400
    assert client.post("/language", data={"csrf_token": "x" * 500}).status_code == 400
    user(app, "mask@example.org")
    signed = client.post(
        "/login", data={"csrf_token": token(), "email": "mask@example.org", "password": PASSWORD}
    )
    assert signed.status_code == 302
    # Signing in starts a new session: a token from before it no longer works.
    assert client.post("/language", data={"csrf_token": first, "lang": "en"}).status_code == 400
