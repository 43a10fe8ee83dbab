"""Finding things in a JSON-decoded FHIR Questionnaire for the builder's edits (pure: no web,
no database): items by linkId anywhere in the tree, a new linkId, the base language, an
element's extensions and the scoring document; and BuilderError, which every edit raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.questionnaire_profile import SCORING_URL

Resource = dict[str, Any]

_GENERATED = re.compile(r"^q(\d+)$")


class BuilderError(ValueError):
    """An edit that cannot be made (an unknown linkId, a value of the wrong kind).

    `field` names the form field it is about, when there is one; `message` is for people.
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def iter_items(resource: Resource) -> Iterator[tuple[dict[str, Any], int]]:
    """Every item with its depth (0 at the top), depth first, in questionnaire order."""

    def walk(items: Any, depth: int) -> Iterator[tuple[dict[str, Any], int]]:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                yield item, depth
                yield from walk(item.get("item"), depth + 1)

    return walk(resource.get("item"), 0)


def link_ids(resource: Resource) -> list[str]:
    """Every linkId, in questionnaire order."""
    return [str(item.get("linkId")) for item, _depth in iter_items(resource)]


def find_item(resource: Resource, link_id: str) -> dict[str, Any] | None:
    """The item with this linkId anywhere in the tree (not a copy), or None."""
    return next((item for item, _d in iter_items(resource) if item.get("linkId") == link_id), None)


def next_link_id(resource: Resource) -> str:
    """A new linkId "q<n>", n above every "q<n>" in the survey (gaps are not refilled)."""
    used = set(link_ids(resource))
    numbers = [int(m.group(1)) for m in map(_GENERATED.match, used) if m]
    n = max(numbers, default=0) + 1
    while f"q{n}" in used:
        n += 1
    return f"q{n}"


def locate(resource: Resource, link_id: str) -> tuple[list[Any], int, dict[str, Any]]:
    """The list holding the item, its index there, and the item; BuilderError when absent."""

    def search(items: Any) -> tuple[list[Any], int, dict[str, Any]] | None:
        if not isinstance(items, list):
            return None
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if item.get("linkId") == link_id:
                return items, index, item
            found = search(item.get("item"))
            if found is not None:
                return found
        return None

    found = search(resource.get("item"))
    if found is None:
        raise BuilderError(_l("There is no question '%(item)s' in this survey.", item=link_id))
    return found


def base_language(resource: Resource) -> str:
    """The language the plain texts are written in ("en" when the resource does not say)."""
    language = resource.get("language")
    return language if isinstance(language, str) and language else "en"


def scoring(resource: Resource) -> dict[str, Any] | None:
    """The scoring document (the SCORING_URL extension's JSON), or None when there is none
    or it cannot be read."""
    for ext in extensions(resource):
        if ext.get("url") == SCORING_URL and isinstance(ext.get("valueString"), str):
            try:
                doc = json.loads(ext["valueString"])
            except ValueError:
                return None
            return doc if isinstance(doc, dict) else None
    return None


def extensions(element: Any) -> list[dict[str, Any]]:
    """The extensions of an element that are objects (none when it is not a dict)."""
    if not isinstance(element, dict) or not isinstance(element.get("extension"), list):
        return []
    return [ext for ext in element["extension"] if isinstance(ext, dict)]
