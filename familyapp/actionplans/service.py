"""The verbs of action plans and emergency links: write plans (from templates or blank) with
optimistic concurrency, make and revoke links, open the emergency card and tell the guardians."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from familyapp.accounts.models import User
from familyapp.actionplans import reading as text_reading
from familyapp.actionplans import templates_data
from familyapp.actionplans.models import ActionPlan, EmergencyLink
from familyapp.actionplans.schemas import KINDS, ActionPlanDocumentSchema
from familyapp.core import audit, authz, clock, ids, mail, ratelimit, sealing
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.families import service as families
from familyapp.families.models import Child
from familyapp.plan import service as plan_service
from familyapp.plan import translations

SEAL_PURPOSE = "emergency-link"
KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}


class StalePlan(ServiceError):
    """The action plan changed since the writer read it (HTTP 412)."""

    status = 412

    def __init__(self, current: ActionPlan) -> None:
        super().__init__(_("Someone else saved this plan while you were editing. Check it again."))
        self.current = current


def child_of_plan(plan_id: uuid.UUID) -> uuid.UUID | None:
    """The child an action plan belongs to (for the policy)."""
    return db.session.scalar(select(ActionPlan.child_id).where(ActionPlan.id == plan_id))


def child_of_link(link_id: uuid.UUID) -> uuid.UUID | None:
    """The child an emergency link belongs to (for the policy)."""
    return db.session.scalar(select(EmergencyLink.child_id).where(EmergencyLink.id == link_id))


def install_policy() -> None:
    """Tell the policy how action plans and links lead to their child."""
    authz.register_child_resource("action_plan_id", child_of_plan)
    authz.register_child_resource("link_id", child_of_link)


def list_plans(child: Child) -> list[ActionPlan]:
    """The child's action plans, seizures first, in the usual order of the kinds."""
    plans = db.session.scalars(select(ActionPlan).where(ActionPlan.child_id == child.id)).all()
    return sorted(plans, key=lambda p: (KIND_ORDER.get(p.kind, 99), p.title.lower()))


def plans_by_child(child_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ActionPlan]]:
    """The action plans of several children in one query (the home screen)."""
    found: dict[uuid.UUID, list[ActionPlan]] = {child_id: [] for child_id in child_ids}
    if not child_ids:
        return found
    for plan in db.session.scalars(select(ActionPlan).where(ActionPlan.child_id.in_(child_ids))):
        found[plan.child_id].append(plan)
    for plans in found.values():
        plans.sort(key=lambda p: (KIND_ORDER.get(p.kind, 99), p.title.lower()))
    return found


def get_plan(plan_id: uuid.UUID | str) -> ActionPlan:
    """One action plan (callers have passed the policy)."""
    parsed = ids.parse_uuid(str(plan_id))
    found = db.session.get(ActionPlan, parsed) if parsed else None
    if found is None:
        raise ServiceError(_("Not found"), status=404)
    return found


def create_plan(
    user: User, child: Child, data: dict[str, Any], template: str | None = None
) -> ActionPlan:
    """Add an action plan from validated data."""
    document = ActionPlanDocumentSchema().dump(
        data.get("document") or ActionPlanDocumentSchema().load({})
    )
    plan = ActionPlan(
        child_id=child.id,
        kind=data.get("kind", "other"),
        title=data["title"].strip(),
        document=document,
        template=template,
        reviewed_by=(data.get("reviewed_by") or "").strip(),
        reviewed_on=data.get("reviewed_on"),
        version=1,
        updated_by_id=user.id,
    )
    db.session.add(plan)
    db.session.flush()
    audit.record(
        "actionplan.created",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"action_plan:{plan.id}",
    )
    db.session.commit()
    return plan


def create_from_template(user: User, child: Child, kind: str) -> ActionPlan:
    """Start a plan from a template (clearly a starting point) or blank when kind is ''."""
    if kind in templates_data.TEMPLATES:
        document = ActionPlanDocumentSchema().load(templates_data.template_document(kind))
        data = {"kind": kind, "title": templates_data.template_title(kind), "document": document}
        return create_plan(user, child, data, template=kind)
    return create_plan(user, child, {"kind": "other", "title": _("New action plan")})


def update_plan(
    user: User, plan: ActionPlan, data: dict[str, Any], expected_version: int
) -> ActionPlan:
    """Replace an action plan's content, if nobody saved since `expected_version`."""
    locked = db.session.scalar(select(ActionPlan).where(ActionPlan.id == plan.id).with_for_update())
    if locked is None:
        raise ServiceError(_("Not found"), status=404)
    if locked.version != expected_version:
        raise StalePlan(locked)
    locked.kind = data.get("kind", locked.kind)
    locked.title = data["title"].strip()
    locked.document = ActionPlanDocumentSchema().dump(data["document"])
    locked.reviewed_by = (data.get("reviewed_by") or "").strip()
    locked.reviewed_on = data.get("reviewed_on")
    locked.version += 1
    locked.updated_at = clock.utcnow()
    locked.updated_by_id = user.id
    child_family = families.family_of_child(locked.child_id)
    audit.record(
        "actionplan.updated",
        actor_id=user.id,
        family_id=child_family,
        child_id=locked.child_id,
        target=f"action_plan:{locked.id}",
        detail={"version": locked.version},
    )
    db.session.commit()
    return locked


def delete_plan(user: User, plan: ActionPlan, expected_version: int) -> None:
    """Remove an action plan."""
    if plan.version != expected_version:
        raise StalePlan(plan)
    audit.record(
        "actionplan.deleted",
        actor_id=user.id,
        family_id=families.family_of_child(plan.child_id),
        child_id=plan.child_id,
        target=f"action_plan:{plan.id}",
        detail={"title": plan.title},
    )
    translations.forget(translations.ACTION_PLAN, plan.id)
    db.session.delete(plan)
    db.session.commit()


# --- emergency links and the card -----------------------------------------------------------


@dataclass
class LinkView:
    """An emergency link with its (unsealed) token, for its guardians."""

    link: EmergencyLink
    token: str | None
    status: str


def create_link(
    user: User, child: Child, label: str, days: int, secret_key: str
) -> tuple[EmergencyLink, str]:
    """Make an emergency link; returns it and its token (256 bits)."""
    token = ids.new_token()
    link = EmergencyLink(
        child_id=child.id,
        token_hash=ids.token_digest(token),
        token_sealed=sealing.seal(secret_key, SEAL_PURPOSE, token),
        label=label.strip(),
        expires_at=clock.utcnow() + timedelta(days=days),
        created_by_id=user.id,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        "emergency_link.created",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"emergency_link:{link.id}",
        detail={"label": link.label, "days": days},
    )
    db.session.commit()
    return link, token


def list_links(child: Child, secret_key: str) -> list[LinkView]:
    """The child's emergency links, newest first, with their status."""
    now = clock.utcnow()
    rows = db.session.scalars(
        select(EmergencyLink)
        .where(EmergencyLink.child_id == child.id)
        .order_by(EmergencyLink.created_at.desc())
    )
    return [
        LinkView(row, sealing.unseal(secret_key, SEAL_PURPOSE, row.token_sealed), row.status(now))
        for row in rows
    ]


def get_link(link_id: uuid.UUID | str, secret_key: str) -> LinkView:
    """One emergency link (callers have passed the policy)."""
    parsed = ids.parse_uuid(str(link_id))
    row = db.session.get(EmergencyLink, parsed) if parsed else None
    if row is None:
        raise ServiceError(_("Not found"), status=404)
    return LinkView(
        row, sealing.unseal(secret_key, SEAL_PURPOSE, row.token_sealed), row.status(clock.utcnow())
    )


def revoke_link(user: User, link: EmergencyLink) -> None:
    """Stop a link from working, at once."""
    if link.revoked_at is None:
        link.revoked_at = clock.utcnow()
        audit.record(
            "emergency_link.revoked",
            actor_id=user.id,
            family_id=families.family_of_child(link.child_id),
            child_id=link.child_id,
            target=f"emergency_link:{link.id}",
            detail={"label": link.label},
        )
    db.session.commit()


class LinkGone(ServiceError):
    """A revoked or expired emergency link (HTTP 410): it names nothing of the child."""

    status = 410


# Generous limits: an ER team reloading the card, or a school's nurses sharing one address,
# stay well under them; a script walking tokens or scraping one card does not.
OPEN_WINDOW_SECONDS = 600
OPENS_PER_IP = 60
OPENS_PER_LINK = 120


class TooManyOpens(ServiceError):
    """Too many openings from one address or of one link (HTTP 429): names nothing of the child."""

    status = 429


def open_card(
    token: str, ip: str | None, user_agent: str, sender: str
) -> tuple[Child, EmergencyLink]:
    """Resolve an emergency link for a person with no account; log it and tell the guardians."""
    busy = _("Too many attempts. Wait a few minutes and try again.")
    ip_key = f"emergency:ip:{ip or '-'}"
    if ratelimit.is_limited(ip_key, OPENS_PER_IP, OPEN_WINDOW_SECONDS):
        raise TooManyOpens(busy)
    # Every attempt counts against the address, known token or not, so guessing links costs
    # the guesser their address and reloading a real one cannot go on without end.
    ratelimit.hit(ip_key)
    row = db.session.scalar(
        select(EmergencyLink).where(EmergencyLink.token_hash == ids.token_digest(token))
    )
    if row is None:
        db.session.commit()
        raise ServiceError(_("Not found"), status=404)
    # A link spread over many addresses (a leaked QR code) is limited on its own.
    link_key = f"emergency:link:{row.id}"
    if ratelimit.is_limited(link_key, OPENS_PER_LINK, OPEN_WINDOW_SECONDS):
        db.session.commit()
        raise TooManyOpens(busy)
    ratelimit.hit(link_key)
    now = clock.utcnow()
    if row.status(now) != "active":
        db.session.commit()
        raise LinkGone(_("This emergency link no longer works."))
    child = db.session.get(Child, row.child_id)
    assert child is not None
    row.opened_count += 1
    row.last_opened_at = now
    audit.record(
        "emergency_card.opened",
        actor_id=None,
        family_id=child.family_id,
        child_id=child.id,
        target=f"emergency_link:{row.id}",
        ip=ip,
        detail={"label": row.label, "user_agent": user_agent[:300]},
    )
    notify = not ratelimit.is_limited(f"emergency:notify:{row.id}", 1, 3600)
    if notify:
        ratelimit.hit(f"emergency:notify:{row.id}")
    db.session.commit()
    if notify:
        _tell_guardians(child, row, now, sender)
    return child, row


def _tell_guardians(child: Child, link: EmergencyLink, when: datetime, sender: str) -> None:
    # At most one message an hour per link: an ER team may reload the card many times.
    for member in families.members(child.family_id):
        if member["role"] != "guardian":
            continue
        user = db.session.get(User, member["user_id"])
        if user is None:
            continue
        with force_locale(user.locale):
            subject = _("%(name)s's emergency card was opened", name=child.display_name)
            body = _(
                'The emergency card of %(name)s was opened with the link "%(label)s" at '
                "%(when)s (UTC). If you did not expect this, you can revoke the link in "
                "Familyapp.",
                name=child.display_name,
                label=link.label,
                when=when.strftime("%Y-%m-%d %H:%M"),
            )
        mail.send(user.email, subject, body, sender)


@dataclass
class EmergencyCard:
    """What the emergency card shows: the plan's essentials and the action plans' red zones."""

    child: Child
    plan: plan_service.PlanView
    action_plans: list[text_reading.PlanText]
    reading: translations.Reading


def emergency_card(
    child: Child, requested: str | None = None, ui_locale: str = "en"
) -> EmergencyCard:
    """Everything the emergency card needs, with family text in the language asked for."""
    plan = plan_service.get_plan(child)
    document, chosen = translations.read(
        child.id, plan.language, plan.document, requested, ui_locale
    )
    shown = text_reading.in_language(list_plans(child), chosen.language, chosen.original)
    return EmergencyCard(child, replace(plan, document=document), shown, chosen)
