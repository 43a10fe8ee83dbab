"""Translated texts in a JSON-decoded FHIR Questionnaire, for the builder (pure: no web, no
database): the plain value of element[key] is in the base language and each other language
is one core translation extension in element["_key"]; read them, set one, or remove one.
"""

from __future__ import annotations

import copy
from typing import Any

from flask_babel import lazy_gettext as _l

from familyapp.surveys.builder_lookup import (
    BuilderError,
    Resource,
    base_language,
    extensions,
    locate,
)
from familyapp.surveys.questionnaire_profile import TRANSLATION_URL


def translations(element: dict[str, Any], key: str) -> dict[str, str]:
    """The translations of element[key] by language (from the `_key` translation extension)."""
    holder = element.get("_" + key)
    found: dict[str, str] = {}
    for ext in extensions(holder):
        if ext.get("url") != TRANSLATION_URL:
            continue
        parts = {p.get("url"): p for p in ext.get("extension") or [] if isinstance(p, dict)}
        lang = parts.get("lang", {}).get("valueCode")
        content = parts.get("content", {}).get("valueString")
        if isinstance(lang, str) and isinstance(content, str) and content:
            found[lang] = content
    return found


def put_translation(element: dict[str, Any], key: str, base: str, lang: str, text: str) -> None:
    """Set (or, with an empty text, remove) one language of element[key]."""
    text = text.strip()
    if lang == base:
        if text:
            element[key] = text
        else:
            element.pop(key, None)
        return
    found = element.get("_" + key)
    holder: dict[str, Any] = dict(found) if isinstance(found, dict) else {}
    old = holder.get("extension")
    kept = [
        ext
        for ext in (old if isinstance(old, list) else [])
        if not (
            isinstance(ext, dict)
            and ext.get("url") == TRANSLATION_URL
            and _translation_lang(ext) == lang
        )
    ]
    if text:
        kept.append(
            {
                "url": TRANSLATION_URL,
                "extension": [
                    {"url": "lang", "valueCode": lang},
                    {"url": "content", "valueString": text},
                ],
            }
        )
        kept.sort(key=lambda ext: _translation_lang(ext) if isinstance(ext, dict) else "")
    if kept:
        holder["extension"] = kept
    else:
        holder.pop("extension", None)
    if holder:
        element["_" + key] = holder
    else:
        element.pop("_" + key, None)


def _translation_lang(ext: dict[str, Any]) -> str:
    for part in ext.get("extension") or []:
        if isinstance(part, dict) and part.get("url") == "lang":
            return str(part.get("valueCode"))
    return ""


def set_translation(
    resource: Resource, link_id: str | None, lang: str, text: str, *, field: str | None = None
) -> Resource:
    """Set one language of an item's text (or, for link_id None, of the survey's title or,
    with field="description", its description); an empty text removes that translation."""
    result = copy.deepcopy(resource)
    if link_id is None:
        key = field or "title"
        if key not in ("title", "description"):
            raise BuilderError(_l("'%(key)s' cannot be translated here.", key=key))
        element: dict[str, Any] = result
    else:
        key = field or "text"
        if key not in ("text", "prefix"):
            raise BuilderError(_l("'%(key)s' cannot be translated here.", key=key))
        _holder, _index, element = locate(result, link_id)
    put_translation(element, key, base_language(result), lang, text)
    return result
