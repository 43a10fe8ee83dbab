"""Rendered pages and parts of pages, kept per process and keyed by everything they are made of.

The plan page is the page people open most, and rendering a full plan (about 130 items and
labels through Jinja macros, Babel formatting and url_for) is most of its cost. What a page
shows is a pure function of its inputs, so the cache key is a digest of all of them and an
entry can never outlive a change: a new version, a translation, a renamed child, another
language or a minute later is a new key, and the old entry ages out of the LRU. Two layers:

- A **fragment** (`Fragment`, the plan itself) is shared by everyone who reads the same thing
  the same way (same document, reading language, rights, interface language, time zone, path).
  Nothing person-specific is in it: a CSRF field holds a placeholder, filled with a freshly
  masked token each time it is used.
- A **page** (`page`) is one person's whole response, including its compressed bytes, keyed
  also by their user, their session's CSRF secret, the full path, the endpoint and every plain
  value the context processors give (the "offline copy as of" minute among them). A page is
  never served from the cache when a message is waiting to be shown.

Against BREACH (core/csrf.py masks the token afresh on each render): a cached page repeats its
bytes only for the very same request, and any difference in what a request could reflect (its
path and query) is a different key, so a new render with a new mask. An attacker varying what
is reflected never sees two lengths made from the same masked token.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import brotli
from flask import Flask, Response, current_app, g, render_template, request, session
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from familyapp.core import clock, csrf, generation
from familyapp.core.lru import SizedLRU

EXTENSION = "familyapp.fragments"
CONFIG_BYTES = "FRAGMENT_CACHE_BYTES"
# About 150 full plans with their pages per process: a few MiB of memory.
DEFAULT_BYTES = 8 * 1024 * 1024
# Markup never produced from escaped text ("<" is always "&lt;" there), so no family-written
# text can be taken for the token's place.
CSRF_PLACEHOLDER = Markup("<!--csrf-token-->")
_PLAIN_TYPES = (str, int, float, bool, type(None))


@dataclasses.dataclass
class _Page:
    """One cached response: its HTML and, made on first demand, its compressed forms."""

    html: bytes
    encoded: dict[str, bytes]


def init_app(app: Flask) -> None:
    """Give the app its own cache."""
    app.config.setdefault(CONFIG_BYTES, DEFAULT_BYTES)
    app.extensions[EXTENSION] = SizedLRU(int(app.config[CONFIG_BYTES]))


def cache_of(app: Flask) -> SizedLRU:
    """The app's cache of fragments and pages."""
    found: SizedLRU = app.extensions[EXTENSION]
    return found


def _enabled() -> bool:
    # Templates reloaded from disk (development) would not be seen behind a cached page.
    return cache_of(current_app).max_size > 0 and not current_app.jinja_env.auto_reload


class Fragment:
    """A part of a page rendered through the cache when it is output (`{{ fragment }}`);
    `key` must name everything in `context` and anything else the template reads."""

    def __init__(self, template: str, key: Sequence[Any], **context: Any) -> None:
        self.template = template
        self.context = context
        self.digest = _digest(
            [
                "fragment",
                template,
                str(get_locale()),
                str(get_timezone()),
                request.script_root,
                request.path,
                list(key),
            ]
        )

    def __html__(self) -> str:
        """The fragment's HTML, each CSRF field with its own freshly masked token."""
        cache = cache_of(current_app)
        enabled = _enabled()
        text = cache.get(self.digest) if enabled else None
        if text is None:
            text = render_template(
                self.template, csrf_token=lambda: CSRF_PLACEHOLDER, **self.context
            )
            if enabled:
                cache.put(self.digest, text, len(text))
        pieces = text.split(CSRF_PLACEHOLDER)
        return pieces[0] + "".join(csrf.get_token() + piece for piece in pieces[1:])


def recall(template: str) -> Response | None:
    """This request's page as served before at the current data generation (core/generation.py):
    nothing written since, same person, session, path, language, minute and grant; else None,
    and the view goes on to build its key and call `page`, which remembers it for next time."""
    material = _material(template)
    if material is None:
        return None
    slot = _digest(material)
    name, generation_seen = generation.recall("page", slot)
    g.familyapp_page_slot = (slot, generation_seen)
    cached: _Page | None = cache_of(current_app).get(name) if name is not None else None
    return _respond(cached) if cached is not None else None


def page(template: str, key: Sequence[Any], **context: Any) -> Response:
    """`template` rendered with `context` as this request's response, from the cache when the
    same person asked for the same thing before; `key` must name everything in `context`."""
    material = _material(template)
    if material is None:
        return current_app.make_response(render_template(template, **context))
    processed: dict[str, Any] = {}
    current_app.update_template_context(processed)
    plain = {name: value for name, value in processed.items() if isinstance(value, _PLAIN_TYPES)}
    digest = _digest([material, str(get_locale()), str(get_timezone()), plain, list(key)])
    cache = cache_of(current_app)
    cached: _Page | None = cache.get(digest)
    if cached is None:
        html = render_template(template, **context).encode()
        cached = _Page(html, {})
        cache.put(digest, cached, len(html))
    slot = g.pop("familyapp_page_slot", None)
    if slot is not None:
        generation.keep("page", slot[0], slot[1], digest)
    return _respond(cached)


def _material(template: str) -> list[Any] | None:
    """Everything of this request a cached page may depend on besides its view's key, its
    language and zone, and the context processors' plain values, all functions of it at one
    data generation (test_page_cache checks each processor's); None when the page must be
    rendered (not a GET, no CSRF secret yet, a message waiting)."""
    secret = session.get("csrf")
    if (
        not _enabled()
        or request.method != "GET"
        or not isinstance(secret, str)  # the render would create the session's token
        or session.get("_flashes")  # a message to show once: rendered, never cached
    ):
        return None
    found: list[Any] | None = g.get("familyapp_page_material")
    if found is not None and found[1] == template:
        return found
    grant = g.get("grant")
    material = [
        "page",
        template,
        # Not the language and zone themselves (`page` adds them to its key): at one data
        # generation they follow from the person's row, the session's data, the query and
        # this header (core/i18n.py select_locale), and asking costs more than the rest here.
        request.headers.get("Accept-Language"),
        request.host,
        request.script_root,
        request.full_path,
        request.endpoint,
        session.get("_user_id"),  # Flask-Login's: who is signed in
        secret,
        session.get("shared_device"),
        # The minute: pages say "as of" a time to the minute (pwa's offline_copy_context).
        clock.utcnow().replace(second=0, microsecond=0),
        # The grant that let this request through (what it may edit): a membership is the same
        # grant at the same data generation, and the generation is in the page's slot.
        str(grant.membership_id) if grant is not None else None,
    ]
    g.familyapp_page_material = material
    return material


def _respond(cached: _Page) -> Response:
    # The same algorithms, levels and threshold as every other response (core/compression.py).
    config = current_app.config
    algorithm = None
    if len(cached.html) >= config["COMPRESS_MIN_SIZE"]:
        algorithm = request.accept_encodings.best_match(config["COMPRESS_ALGORITHM"])
    if algorithm not in ("br", "gzip"):
        return current_app.response_class(cached.html, mimetype="text/html")
    body = cached.encoded.get(algorithm)
    if body is None:  # two threads may both compress once: the same bytes either way
        if algorithm == "br":
            body = brotli.compress(cached.html, quality=config["COMPRESS_BR_LEVEL"])
        else:
            body = gzip.compress(cached.html, config["COMPRESS_LEVEL"])
        cached.encoded[algorithm] = body
    response = current_app.response_class(body, mimetype="text/html")
    # Flask-Compress leaves a response that says its encoding as it is (and adds Vary).
    response.headers["Content-Encoding"] = algorithm
    return response


def _digest(material: list[Any]) -> bytes:
    encoded = json.dumps(material, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.blake2b(encoded.encode(), digest_size=20).digest()


def _plain(value: Any) -> Any:
    """JSON for the values keys are made of: dataclasses, dates, ids, sets, digests."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot key a fragment on {type(value).__name__}")
