"""A readable difference between two plan documents (pure: no web, no database).

List items are matched by their stable id, so a reordered list is not a change and an edited
medication reads as "changed: dose" rather than one removal and one addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTIONS = (
    "summary",
    "baseline",
    "allergies",
    "medications",
    "equipment",
    "problems",
    "goals",
    "contacts",
    "transitions",
    "avoid",
)
# The field that names an item of each list section, for a human-readable label.
LABEL_FIELDS = {
    "goals": "goal",
    "problems": "name",
    "allergies": "substance",
    "medications": "name",
    "equipment": "name",
    "contacts": "name",
    "transitions": "plan",
    "avoid": "what",
}


@dataclass
class FieldChange:
    """One field of one item (or of a single-value section) that changed."""

    field: str
    before: Any
    after: Any


@dataclass
class Change:
    """What happened to one item or single-value section between two versions."""

    section: str
    kind: str  # added, removed, changed
    label: str
    fields: list[FieldChange] = field(default_factory=list)


def _label(section: str, item: dict[str, Any]) -> str:
    return str(item.get(LABEL_FIELDS.get(section, "name"), "") or "")[:80]


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    keys = [k for k in dict.fromkeys([*before, *after]) if k != "id"]
    return [
        FieldChange(key, before.get(key), after.get(key))
        for key in keys
        if (before.get(key) or None) != (after.get(key) or None)
    ]


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from `old` to `new`, section by section in reading order."""
    changes: list[Change] = []
    for section in SECTIONS:
        before, after = old.get(section), new.get(section)
        if section == "summary":
            if (before or "") != (after or ""):
                changes.append(
                    Change(section, "changed", "", [FieldChange("summary", before, after)])
                )
            continue
        if section == "baseline":
            fields_changed = _field_changes(before or {}, after or {})
            if fields_changed:
                changes.append(Change(section, "changed", "", fields_changed))
            continue
        old_items = {item["id"]: item for item in before or []}
        new_items = {item["id"]: item for item in after or []}
        for item_id, item in new_items.items():
            if item_id not in old_items:
                changes.append(Change(section, "added", _label(section, item)))
            else:
                fields_changed = _field_changes(old_items[item_id], item)
                if fields_changed:
                    changes.append(
                        Change(section, "changed", _label(section, item), fields_changed)
                    )
        for item_id, item in old_items.items():
            if item_id not in new_items:
                changes.append(Change(section, "removed", _label(section, item)))
    return changes
