"""Security headers on every response, and no-store on anything a signed-in user sees."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

# Strict CSP without inline script (design.md, People and access). Styles too come only from
# files, so no 'unsafe-inline' anywhere.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Set on every response, replacing a view's own.
_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # Browsers ignore HSTS over plain http, so sending it always is harmless and means a
    # deployment behind a TLS proxy is covered without extra configuration.
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
)
# Set unless the view chose its own (the emergency card and calendar feed send no referrer).
_UNLESS_SET = (("Content-Security-Policy", CSP), ("Referrer-Policy", "same-origin"))


def init_app(app: Flask) -> None:
    """Install the after-request hook that sets the headers."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        present = {key.lower() for key, _value in headers}  # one pass, not one per header
        signed_in = current_user.is_authenticated and not request.path.startswith("/static/")
        for key, value in _ALWAYS:
            if key.lower() in present:
                headers[key] = value
            else:
                headers.add(key, value)
        for key, value in _UNLESS_SET:
            if key.lower() not in present:
                headers.add(key, value)
        if signed_in:
            # PHI must not linger in shared or browser caches; the service worker keeps its
            # own, deliberate, per-user copy (docs/security.md).
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
