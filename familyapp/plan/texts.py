"""Family-written text and its translations, field by field (pure: nothing web, no database).

A field is named by a path into its document: "summary", "baseline.vitals",
"medications.<item id>.schedule" for plan items (followed by id, so reordering keeps the
translation), and "red.steps.2" or "call.0.when" for action-plan lines (by position: a moved
line no longer matches its translation's source and turns "needs update", never wrong).

A translation remembers a digest of the source text it was written from; when the source
changes, the translation is stale: readers are shown the original instead, marked, until
someone updates it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from familyapp.settings import SUPPORTED_LOCALES

# Languages a family may write or translate into: the app's own, and the languages most
# spoken at home by US families with limited English after them (ACS 2019-2023), so a plan
# can be read by a grandmother or a home nurse in Haitian Creole or Somali even before the app
# itself speaks it.
TEXT_LANGUAGES: tuple[str, ...] = (
    *SUPPORTED_LOCALES,
    "fr", "ht", "ko", "pt", "ru", "so", "fil", "pl", "hi", "fa", "ja", "de", "it", "uk",
)  # fmt: skip
RIGHT_TO_LEFT = frozenset({"ar", "fa"})
MAX_TEXT = 4000

# Free text a family writes in its own words; names of medicines, devices and people, sizes,
# doses and settings stay as written (they are the same on every label and order).
PLAN_SINGLE = {"summary": ("summary",), "baseline": ("vitals", "neuro", "communication", "other")}
PLAN_ITEMS: dict[str, tuple[str, ...]] = {
    "allergies": ("reaction",),
    "medications": ("schedule", "purpose", "notes"),
    "equipment": ("notes",),
    "avoid": ("what", "why"),
    "problems": ("name", "details"),
    "goals": ("goal", "who"),
    "contacts": ("role", "notes"),
    "transitions": ("plan",),
}
ACTION_LINES = (
    "green.signs",
    "green.steps",
    "yellow.signs",
    "yellow.steps",
    "red.signs",
    "red.steps",
    "call_911_when",
    "bring",
    "avoid",
)

CURRENT, STALE = "current", "stale"


@dataclass(frozen=True)
class SourceField:
    """One translatable field: its path, its section (for grouping) and the text it holds."""

    path: str
    section: str
    name: str
    text: str


@dataclass(frozen=True)
class Stored:
    """What a translation row holds, as far as showing it needs."""

    text: str
    source_digest: str
    verified: bool


def direction(code: str) -> str:
    """'rtl' for text in a right-to-left language, else 'ltr'."""
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"


def digest(text: str) -> str:
    """The fingerprint of a source text a translation was written from."""
    return hashlib.sha256(text.strip().encode()).hexdigest()


def plan_fields(document: Mapping[str, Any]) -> list[SourceField]:
    """The translatable, non-empty fields of a plan document, in reading order."""
    found: list[SourceField] = []
    if (document.get("summary") or "").strip():
        found.append(SourceField("summary", "summary", "summary", document["summary"]))
    baseline = document.get("baseline") or {}
    for name in PLAN_SINGLE["baseline"]:
        if (baseline.get(name) or "").strip():
            found.append(SourceField(f"baseline.{name}", "baseline", name, baseline[name]))
    for section, names in PLAN_ITEMS.items():
        for item in document.get(section) or []:
            for name in names:
                text = item.get(name) or ""
                if text.strip() and item.get("id"):
                    found.append(SourceField(f"{section}.{item['id']}.{name}", section, name, text))
    return found


def action_plan_fields(title: str, document: Mapping[str, Any]) -> list[SourceField]:
    """The translatable, non-empty fields of an action plan (its title included)."""
    found = [SourceField("title", "title", "title", title)] if title.strip() else []
    if (document.get("normal") or "").strip():
        found.append(SourceField("normal", "normal", "normal", document["normal"]))
    for key in ACTION_LINES:
        lines = _at(document, key.split(".")) or []
        for index, line in enumerate(lines):
            if isinstance(line, str) and line.strip():
                found.append(SourceField(f"{key}.{index}", key, key, line))
    for index, call in enumerate(document.get("call") or []):
        if (call.get("when") or "").strip():
            found.append(SourceField(f"call.{index}.when", "call", "when", call["when"]))
    return found


def status(field: SourceField, stored: Stored | None) -> str | None:
    """'current', 'stale' or None (no translation) for one field."""
    if stored is None or not stored.text.strip():
        return None
    return CURRENT if stored.source_digest == digest(field.text) else STALE


def localized(
    document: Mapping[str, Any], fields: list[SourceField], stored: Mapping[str, Stored]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of the document with current translations in place, and each field's mark.

    Marks: 'translated' (verified by a person), 'unverified', 'stale' (the original is shown:
    the translation was written from older text) or 'original' (not translated yet).
    """
    result = copy.deepcopy(dict(document))
    marks: dict[str, str] = {}
    for field in fields:
        row = stored.get(field.path)
        state = status(field, row)
        if state == CURRENT and row is not None:
            _put(result, field.path.split("."), row.text)
            marks[field.path] = "translated" if row.verified else "unverified"
        else:
            marks[field.path] = "stale" if state == STALE else "original"
    return result, marks


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list):
        if part.isdigit():
            index = int(part)
            return node[index] if index < len(node) else None
        return next(
            (item for item in node if isinstance(item, dict) and item.get("id") == part), None
        )
    return None


def _at(node: Any, parts: list[str]) -> Any:
    for part in parts:
        node = _step(node, part)
        if node is None:
            return None
    return node


def _put(document: dict[str, Any], parts: list[str], text: str) -> None:
    parent = _at(document, parts[:-1]) if len(parts) > 1 else document
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = text
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        parent[int(last)] = text
