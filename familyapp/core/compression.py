"""Compressed responses, by Flask-Compress (brotli where the browser takes it, else gzip):
pages, JSON, CSS, JavaScript, SVG and the manifest. A cheap phone on a slow line gets the
plan in a third of the bytes.

BREACH (guessing a secret from compressed sizes) needs a secret repeated in every response
and text an attacker can reflect beside it: the CSRF token is masked afresh on each page
(core/csrf.py), and pages do not reflect query strings into their HTML.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()
MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/calendar",
    "text/csv",
    "application/javascript",
    "text/javascript",
    "application/json",
    "application/problem+json",
    "application/fhir+json",
    "application/manifest+json",
    "image/svg+xml",
]


def init_app(app: Flask) -> None:
    """Compress every text response worth it (over 500 bytes)."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Static files are streamed from disk: Flask-Compress streams brotli or deflate, not gzip
    # (every browser that sends gzip sends deflate too).
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
