"""Action plans read in a family's languages (the action plans' service, split by meaning):
which language family text is shown in, action plans in that language, and their translations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from familyapp.accounts.models import User
from familyapp.actionplans.models import ActionPlan
from familyapp.families.models import Child
from familyapp.plan import texts, translations


@dataclass
class PlanText:
    """An action plan as read in one language: its title and content, and each field's mark."""

    plan: ActionPlan
    title: str
    document: dict[str, Any]
    marks: dict[str, str]

    @property
    def id(self) -> uuid.UUID:
        """The action plan's id."""
        return self.plan.id


def in_language(plans: list[ActionPlan], language: str, original: str) -> list[PlanText]:
    """Action plans as read in `language` (one query for all their translations)."""
    if language == original:
        return [PlanText(p, p.title, p.document, {}) for p in plans]
    rows = translations.stored(translations.ACTION_PLAN, [p.id for p in plans], language)
    shown = []
    for plan in plans:
        fields = texts.action_plan_fields(plan.title, plan.document)
        document, marks = texts.localized(
            {"title": plan.title, **plan.document}, fields, rows[plan.id]
        )
        title = document.pop("title")
        shown.append(PlanText(plan, title, document, marks))
    return shown


def action_plan_translations(
    plan: ActionPlan, child: Child, locale: str
) -> translations.Translations:
    """The action plan's translatable fields and their translations into `locale`."""
    translations.check_locale(child.id, locale)
    fields = texts.action_plan_fields(plan.title, plan.document)
    rows = translations.editor(child.id, translations.ACTION_PLAN, plan.id, fields, locale)
    original = translations.language_of(child.id)
    return translations.Translations(original, locale, texts.direction(locale), rows)


def save_action_plan_translations(
    user: User, plan: ActionPlan, child: Child, locale: str, submitted: dict[str, Any]
) -> translations.Translations:
    """Write translations of the action plan's fields into `locale`."""
    fields = texts.action_plan_fields(plan.title, plan.document)
    translations.save(user, child, translations.ACTION_PLAN, plan.id, fields, locale, submitted)
    return action_plan_translations(plan, child, locale)


@dataclass(frozen=True)
class Overview:
    """The languages of a child's plan and action plans, and how far each translation is."""

    original: str
    plan: dict[str, translations.Progress]
    action_plans: list[tuple[ActionPlan, dict[str, translations.Progress]]]
    languages: list[str]


def overview(child: Child, plan_document: dict[str, Any], plans: list[ActionPlan]) -> Overview:
    """What is translated into which language, for the child's translations page."""
    plan_fields = texts.plan_fields(plan_document)
    owners = [(translations.PLAN, child.id, plan_fields)]
    owners += [
        (translations.ACTION_PLAN, p.id, texts.action_plan_fields(p.title, p.document))
        for p in plans
    ]
    per_owner = translations.progress(child.id, owners)
    found = sorted({code for rows in per_owner.values() for code in rows})
    return Overview(
        translations.language_of(child.id),
        per_owner[child.id],
        [(p, per_owner[p.id]) for p in plans],
        found,
    )
