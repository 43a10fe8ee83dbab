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


def init_app(app: Flask) -> None:
    """Install the after-request hook that sets the headers."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        # Browsers ignore HSTS over plain http, so sending it always is harmless and means a
        # deployment behind a TLS proxy is covered without extra configuration.
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            # PHI must not linger in shared or browser caches; the service worker keeps its
            # own, deliberate, per-user copy (docs/security.md).
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
