"""The verbs of translations (the plan's service, split by meaning): the language a family
writes in, translations of each field into other languages, verifying them, and reading a plan
or action plan in a chosen language. Action plans reach these through actionplans.service.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _
from sqlalchemy import Executable, bindparam, delete, select

from familyapp.accounts.models import User
from familyapp.core import audit, clock
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families.models import Child
from familyapp.plan import texts
from familyapp.plan.models import CarePlan, TextTranslation

PLAN, ACTION_PLAN = "plan", "action_plan"
TEXT_LANGUAGES = texts.TEXT_LANGUAGES
MAX_TEXT = texts.MAX_TEXT


@dataclass(frozen=True)
class EditorField:
    """One field on the translation page: the original, the translation and its state."""

    path: str
    section: str
    name: str
    source: str
    text: str
    status: str | None  # None (not translated), "current" or "stale"
    source_then: str  # the original as it read when the translation was written
    written_by: str | None
    written_at: datetime | None
    verified_by: str | None
    verified_at: datetime | None


def language_name(code: str, in_locale: str) -> str:
    """The name of a text language, in the reader's language ("Somali", "somalí")."""
    try:
        return Locale.parse(code).get_display_name(in_locale) or code
    except (UnknownLocaleError, ValueError):
        return code


def language_of(child_id: uuid.UUID) -> str:
    """The language the family writes this child's plan in ("en" until they say otherwise)."""
    found = db.session.scalar(select(CarePlan.language).where(CarePlan.child_id == child_id))
    return found or "en"


def set_language(user: User, child: Child, code: str) -> None:
    """Say which language the family writes the plan in (its translations go stale as needed)."""
    if code not in TEXT_LANGUAGES:
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"language": [_("Choose one of the languages offered.")]},
        )
    row = db.session.scalar(select(CarePlan).where(CarePlan.child_id == child.id))
    if row is None:
        row = CarePlan(child_id=child.id, version=0, document={})
        db.session.add(row)
    row.language = code
    # A translation into the language the plan is now written in would only shadow it.
    db.session.execute(
        delete(TextTranslation).where(
            TextTranslation.child_id == child.id, TextTranslation.locale == code
        )
    )
    audit.record(
        "plan.language",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        detail={"language": code},
    )
    db.session.commit()


def languages(child_id: uuid.UUID) -> list[str]:
    """The languages this child's plan and action plans have any translation in."""
    return sorted(db.session.scalars(_languages_query(), {"child_id": child_id}))


@functools.cache
def _languages_query() -> Executable:
    # Built once: the plan page asks on every read.
    return (
        select(TextTranslation.locale)
        .where(TextTranslation.child_id == bindparam("child_id"))
        .distinct()
    )


@dataclass
class Reading:
    """Which language family-written text is shown in, and which others it can be read in."""

    language: str  # shown
    original: str  # written
    offered: list[str]
    direction: str
    marks: dict[str, str]


def read(
    child_id: uuid.UUID,
    original: str,
    document: Mapping[str, Any],
    requested: str | None,
    ui_locale: str,
) -> tuple[dict[str, Any], Reading]:
    """The plan document in the language the reader asked for (else theirs, else the
    original, whichever it has), and how it reads: one query, two when translated."""
    offered = sorted({original, *languages(child_id)})
    language = next((c for c in (requested, ui_locale) if c and c in offered), original)
    reading = Reading(language, original, offered, texts.direction(language), {})
    if language == original:
        return dict(document), reading
    rows = stored(PLAN, [child_id], language)[child_id]
    shown, reading.marks = texts.localized(document, texts.plan_fields(document), rows)
    return shown, reading


def stored(
    owner_kind: str, owner_ids: Iterable[uuid.UUID], locale: str
) -> dict[uuid.UUID, dict[str, texts.Stored]]:
    """The translations into `locale` of several owners, in one query."""
    wanted = list(owner_ids)
    found: dict[uuid.UUID, dict[str, texts.Stored]] = {owner: {} for owner in wanted}
    if not wanted:
        return found
    rows = db.session.execute(
        select(
            TextTranslation.owner_id,
            TextTranslation.field,
            TextTranslation.text,
            TextTranslation.source_digest,
            TextTranslation.verified_at,
        ).where(
            TextTranslation.owner_kind == owner_kind,
            TextTranslation.owner_id.in_(wanted),
            TextTranslation.locale == locale,
        )
    )
    for owner, field, text, source_digest, verified_at in rows:
        found[owner][field] = texts.Stored(text, source_digest, verified_at is not None)
    return found


def editor(
    child_id: uuid.UUID,
    owner_kind: str,
    owner_id: uuid.UUID,
    fields: list[texts.SourceField],
    locale: str,
) -> list[EditorField]:
    """Every translatable field of one plan with its translation into `locale`."""
    rows = {
        row.field: row
        for row in db.session.scalars(
            select(TextTranslation).where(
                TextTranslation.child_id == child_id,
                TextTranslation.owner_kind == owner_kind,
                TextTranslation.owner_id == owner_id,
                TextTranslation.locale == locale,
            )
        )
    }
    names = _names(
        *(r.written_by_id for r in rows.values()), *(r.verified_by_id for r in rows.values())
    )
    result = []
    for field in fields:
        row = rows.get(field.path)
        shown = None
        if row is not None:
            shown = texts.Stored(row.text, row.source_digest, row.verified_at is not None)
        result.append(
            EditorField(
                path=field.path,
                section=field.section,
                name=field.name,
                source=field.text,
                text=row.text if row else "",
                status=texts.status(field, shown),
                source_then=row.source_text if row else "",
                written_by=names.get(row.written_by_id) if row and row.written_by_id else None,
                written_at=row.written_at if row else None,
                verified_by=names.get(row.verified_by_id) if row and row.verified_by_id else None,
                verified_at=row.verified_at if row else None,
            )
        )
    return result


def _names(*user_ids: uuid.UUID | None) -> dict[uuid.UUID, str]:
    wanted = {uid for uid in user_ids if uid is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def check_locale(child_id: uuid.UUID, locale: str) -> None:
    """Refuse a language one cannot translate this plan into (unknown, or its own)."""
    if locale not in TEXT_LANGUAGES:
        raise ServiceError(_("Not found"), status=404)
    if locale == language_of(child_id):
        raise ServiceError(
            _("The plan is written in this language: choose another one to translate into."),
            status=422,
        )


def save(
    user: User,
    child: Child,
    owner_kind: str,
    owner_id: uuid.UUID,
    fields: list[texts.SourceField],
    locale: str,
    submitted: Mapping[str, Mapping[str, Any]],
) -> int:
    """Write the translations a person submitted ({path: {text, verified}}); how many changed.

    A new or changed text is "written by" this person and unverified unless they tick it; a
    ticked, unchanged text is verified by them (and brought up to date with the original).
    """
    check_locale(child.id, locale)
    by_path = {field.path: field for field in fields}
    unknown = sorted(set(submitted) - set(by_path))
    too_long = sorted(p for p, v in submitted.items() if len(str(v.get("text", ""))) > MAX_TEXT)
    if unknown or too_long:
        errors: dict[str, list[str]] = {}
        for path in unknown:
            errors[path] = [_("This text is no longer in the plan. Reload the page.")]
        for path in too_long:
            errors[path] = [_("Keep this under %(n)d characters.", n=MAX_TEXT)]
        raise ServiceError(_("Please correct the fields shown."), status=422, errors=errors)
    rows = {
        row.field: row
        for row in db.session.scalars(
            select(TextTranslation).where(
                TextTranslation.owner_kind == owner_kind,
                TextTranslation.owner_id == owner_id,
                TextTranslation.locale == locale,
            )
        )
    }
    now = clock.utcnow()
    changed = 0
    for path, value in submitted.items():
        field, row = by_path[path], rows.get(path)
        text = str(value.get("text") or "").strip()
        verified = bool(value.get("verified"))
        if not text:
            if row is not None:
                db.session.delete(row)
                changed += 1
            continue
        source_digest = texts.digest(field.text)
        if row is None:
            row = TextTranslation(
                child_id=child.id, owner_kind=owner_kind, owner_id=owner_id, field=path,
                locale=locale, text="", source_digest="",
            )  # fmt: skip
            db.session.add(row)
        if row.text != text:
            row.text, row.written_by_id, row.written_at = text, user.id, now
            row.source_digest, row.source_text = source_digest, field.text
            row.verified_by_id, row.verified_at = (user.id, now) if verified else (None, None)
            changed += 1
        elif verified and (row.verified_at is None or row.source_digest != source_digest):
            # Ticked against the original as it reads now: verified, and current again.
            row.source_digest, row.source_text = source_digest, field.text
            row.verified_by_id, row.verified_at = user.id, now
            changed += 1
        elif not verified and row.verified_at is not None:
            row.verified_by_id, row.verified_at = None, None
            changed += 1
    if changed:
        audit.record(
            "plan.translated",
            actor_id=user.id,
            family_id=child.family_id,
            child_id=child.id,
            target=f"{owner_kind}:{owner_id}",
            detail={"locale": locale, "fields": changed},
        )
    db.session.commit()
    return changed


def forget(owner_kind: str, owner_id: uuid.UUID) -> None:
    """Delete the translations of a removed action plan (in the caller's transaction)."""
    db.session.execute(
        delete(TextTranslation).where(
            TextTranslation.owner_kind == owner_kind, TextTranslation.owner_id == owner_id
        )
    )


@dataclass(frozen=True)
class Translations:
    """A plan's (or action plan's) fields and their translations into one language."""

    language: str
    locale: str
    direction: str
    texts: list[EditorField]


def plan_translations(child: Child, document: Mapping[str, Any], locale: str) -> Translations:
    """The plan's translatable fields and their translations into `locale`."""
    check_locale(child.id, locale)
    rows = editor(child.id, PLAN, child.id, texts.plan_fields(document), locale)
    return Translations(language_of(child.id), locale, texts.direction(locale), rows)


def save_plan_translations(
    user: User,
    child: Child,
    document: Mapping[str, Any],
    locale: str,
    submitted: Mapping[str, Mapping[str, Any]],
) -> Translations:
    """Write translations of the plan's fields into `locale`."""
    save(user, child, PLAN, child.id, texts.plan_fields(document), locale, submitted)
    return plan_translations(child, document, locale)


@dataclass(frozen=True)
class Progress:
    """How far the translation into one language has come."""

    locale: str
    total: int
    current: int
    verified: int
    stale: int


def progress(
    child_id: uuid.UUID, owners: list[tuple[str, uuid.UUID, list[texts.SourceField]]]
) -> dict[uuid.UUID, dict[str, Progress]]:
    """Per owner and language: fields translated, verified and needing update (one query)."""
    rows = db.session.execute(
        select(
            TextTranslation.owner_kind,
            TextTranslation.owner_id,
            TextTranslation.field,
            TextTranslation.locale,
            TextTranslation.source_digest,
            TextTranslation.verified_at,
        ).where(TextTranslation.child_id == child_id)
    ).all()
    sources = {
        (kind, owner, f.path): texts.digest(f.text) for kind, owner, fs in owners for f in fs
    }
    totals = {owner: len(fs) for _kind, owner, fs in owners}
    counts: dict[tuple[uuid.UUID, str], list[int]] = {}
    for kind, owner, path, locale, source_digest, verified_at in rows:
        wanted = sources.get((kind, owner, path))
        if wanted is None:
            continue  # a field since emptied or removed
        tally = counts.setdefault((owner, locale), [0, 0, 0])
        if wanted == source_digest:
            tally[0] += 1
            tally[1] += verified_at is not None
        else:
            tally[2] += 1
    found: dict[uuid.UUID, dict[str, Progress]] = {owner: {} for owner in totals}
    for (owner, locale), (current, verified, stale) in sorted(counts.items()):
        found[owner][locale] = Progress(locale, totals[owner], current, verified, stale)
    return found


def current_translations(
    child_id: uuid.UUID, document: Mapping[str, Any]
) -> dict[str, dict[str, str]]:
    """Every up-to-date translation of the plan, {path: {locale: text}} (for exports)."""
    sources = {f.path: texts.digest(f.text) for f in texts.plan_fields(document)}
    found: dict[str, dict[str, str]] = {}
    rows = db.session.execute(
        select(
            TextTranslation.field,
            TextTranslation.locale,
            TextTranslation.text,
            TextTranslation.source_digest,
        ).where(TextTranslation.owner_kind == PLAN, TextTranslation.owner_id == child_id)
    )
    for field, locale, text, source_digest in rows:
        if sources.get(field) == source_digest:
            found.setdefault(field, {})[locale] = text
    return found
