"""The verbs of families: children, memberships, invitations; and the grants the policy reads."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Executable, Select, bindparam, func, or_, select

from familyapp.accounts import service as accounts
from familyapp.accounts.models import User
from familyapp.core import audit, authz, clock, generation, ids
from familyapp.core.authz import Grant, Perm, Role
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.core.i18n import zone
from familyapp.families import access_log, privacy
from familyapp.families.models import Child, Family, Invitation, Membership, RecordLimit


@functools.cache
def _grants_query() -> Executable:
    # Built once: it runs on every signed-in request, and building it cost as much as running it.
    return (
        select(Membership, RecordLimit.child_id)
        .outerjoin(RecordLimit, RecordLimit.membership_id == Membership.id)
        .where(Membership.user_id == bindparam("user_id"))
    )


def load_grants(user_id: uuid.UUID) -> list[Grant]:
    """Every membership of a user as policy grants (the policy filters by time), each with
    the children whose young person chose that this membership does not see their record."""
    rows = db.session.execute(_grants_query(), {"user_id": user_id}).all()
    memberships: dict[uuid.UUID, Membership] = {}
    hidden: dict[uuid.UUID, set[uuid.UUID]] = {}
    for membership, limited_child in rows:
        memberships[membership.id] = membership
        if limited_child is not None:
            hidden.setdefault(membership.id, set()).add(limited_child)
    return [
        Grant(
            membership_id=row.id,
            family_id=row.family_id,
            role=Role(row.role),
            child_id=row.child_id,
            starts_at=row.starts_at,
            expires_at=row.expires_at,
            hidden=frozenset(hidden.get(row.id, ())),
        )
        for row in memberships.values()
    ]


def families_with_role(
    user_id: uuid.UUID, perm: Perm, *, whole_family: bool = False
) -> Select[uuid.UUID]:
    """A query of the families where the user now holds a role that carries `perm`."""
    # The policy's own rules (authz.Grant.active, the role matrix) asked in SQL, for callers
    # that need many families at once: a coordinator's 1,000 memberships need not become
    # 1,000 grant objects to yield a list of ids.
    now = clock.utcnow()
    roles = [role.value for role in Role if authz.has_role_permission(role, perm)]
    stmt = select(Membership.family_id).where(
        Membership.user_id == user_id,
        Membership.role.in_(roles),
        Membership.active_at(now),
    )
    if whole_family:
        stmt = stmt.where(Membership.child_id.is_(None))
    return stmt


def guardians_of(family_ids: Any) -> Select[uuid.UUID]:
    """A query of the active guardians (user ids) of the families that `family_ids` selects."""
    now = clock.utcnow()
    return (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.family_id.in_(family_ids),
            Membership.role == Role.GUARDIAN.value,
            Membership.child_id.is_(None),
            Membership.active_at(now),
            User.is_active.is_(True),
        )
        .distinct()
    )


def family_of_child(child_id: uuid.UUID) -> uuid.UUID | None:
    """The family a child belongs to, or None when there is no such child."""
    # The policy asks this first on every child route: remembered until the next write
    # (core/generation.py).
    found: uuid.UUID | None = generation.remember("child", child_id, lambda: _loaded(child_id))
    return found


def _loaded(child_id: uuid.UUID) -> uuid.UUID | None:
    # The whole row, kept: the view's get_child then finds it in the identity map (no query).
    child = db.session.get(Child, child_id)
    db.keep(child)
    return child.family_id if child is not None else None


def family_exists(family_id: uuid.UUID) -> bool:
    """True when a family with this id exists."""
    return db.session.get(Family, family_id) is not None


def install_policy() -> None:
    """Tell the core policy where memberships, children and families live."""
    authz.configure(load_grants, family_of_child, family_exists)


@dataclass(frozen=True)
class FamilyView:
    """A family with the viewer's role in it."""

    family: Family
    role: Role
    child_id: uuid.UUID | None


def families_for(user: User) -> list[FamilyView]:
    """The families a user belongs to (active memberships only), with their role."""
    now = clock.utcnow()
    rows = db.session.execute(
        select(Family, Membership)
        .join(Membership, Membership.family_id == Family.id)
        .where(Membership.user_id == user.id)
        .order_by(Family.created_at)
    ).all()
    views: list[FamilyView] = []
    for family, membership in rows:
        grant = Grant(
            membership.id,
            family.id,
            Role(membership.role),
            membership.child_id,
            membership.starts_at,
            membership.expires_at,
        )
        if grant.active(now):
            views.append(FamilyView(family, Role(membership.role), membership.child_id))
    return views


def children_for(user: User) -> list[Child]:
    """Every child the user may see, in a stable order."""
    grants = authz.grants_for(user.id)
    if not grants:
        return []
    family_ids = {grant.family_id for grant in grants}
    children = db.session.scalars(
        select(Child).where(Child.family_id.in_(family_ids)).order_by(Child.created_at)
    )
    return [
        child
        for child in children
        if authz.decide_child(grants, Perm.CHILD_READ, child.family_id, child.id) is not None
    ]


def get_child(child_id: uuid.UUID | str) -> Child:
    """A child by id (callers have passed the policy check already)."""
    parsed = ids.parse_uuid(str(child_id))
    child = db.session.get(Child, parsed) if parsed else None
    if child is None:
        raise ServiceError(_("Not found"), status=404)
    return child


def get_family(family_id: uuid.UUID | str) -> Family:
    """A family by id (callers have passed the policy check already)."""
    parsed = ids.parse_uuid(str(family_id))
    family = db.session.get(Family, parsed) if parsed else None
    if family is None:
        raise ServiceError(_("Not found"), status=404)
    return family


def create_family(user: User, name: str, time_zone: str = "UTC") -> Family:
    """Create a household with the user as its first guardian."""
    family = Family(name=name.strip(), time_zone=time_zone)
    db.session.add(family)
    db.session.flush()
    db.session.add(
        Membership(
            family_id=family.id, user_id=user.id, role=Role.GUARDIAN.value, created_by_id=user.id
        )
    )
    audit.record("family.created", actor_id=user.id, family_id=family.id)
    db.session.commit()
    authz.forget_grants()
    return family


def update_family(user: User, family: Family, changes: dict[str, Any]) -> Family:
    """Rename a family or change its time zone."""
    for key in ("name", "time_zone"):
        if changes.get(key):
            setattr(family, key, changes[key])
    audit.record("family.updated", actor_id=user.id, family_id=family.id)
    db.session.commit()
    return family


def _guardian_family_ids(user: User) -> list[uuid.UUID]:
    return [
        grant.family_id
        for grant in authz.grants_for(user.id)
        if grant.role is Role.GUARDIAN and grant.child_id is None
    ]


def create_child(user: User, data: dict[str, Any]) -> Child:
    """Add a child; a user with no family gets one named after them."""
    family_id = data.get("family_id")
    guardian_of = _guardian_family_ids(user)
    if family_id is not None:
        if family_id not in guardian_of:
            # Same answer as a family that does not exist.
            raise ServiceError(_("Not found"), status=404)
    elif guardian_of:
        family_id = guardian_of[0]
    else:
        family = create_family(user, _("%(name)s's family", name=user.name), user.time_zone)
        family_id = family.id
        authz.forget_grants()
    child = Child(
        family_id=family_id,
        display_name=data["display_name"].strip(),
        birth_date=data.get("birth_date"),
        pronouns=data.get("pronouns"),
        preferred_language=data.get("preferred_language"),
    )
    db.session.add(child)
    db.session.flush()
    audit.record("child.created", actor_id=user.id, family_id=family_id, child_id=child.id)
    db.session.commit()
    return child


def update_child(user: User, child: Child, changes: dict[str, Any]) -> Child:
    """Change a child's details; the audit row names the fields that changed."""
    changed = []
    for key in ("display_name", "birth_date", "pronouns", "preferred_language"):
        if key in changes and getattr(child, key) != changes[key]:
            setattr(child, key, changes[key])
            changed.append(key)
    audit.record(
        "child.updated",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        detail={"fields": changed},
    )
    db.session.commit()
    return child


def members(family_id: uuid.UUID) -> list[dict[str, Any]]:
    """The members of a family with their names and roles."""
    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.family_id == family_id)
        .order_by(Membership.created_at)
    ).all()
    hidden = privacy.limits_by_membership(family_id)
    return [
        {
            "id": membership.id,
            "user_id": user.id,
            "name": user.name,
            "email": user.email,
            "role": membership.role,
            "child_id": membership.child_id,
            "expires_at": membership.expires_at,
            "title": membership.title,
            "hidden_from": hidden.get(membership.id, []),
        }
        for membership, user in rows
    ]


def people_for_child(child_ids: list[uuid.UUID], roles: set[Role]) -> dict[uuid.UUID, list[User]]:
    """Active users with one of `roles` for each child (scoped to it or to its whole family)."""
    if not child_ids:
        return {}
    now = clock.utcnow()
    rows = db.session.execute(
        select(Child.id, Membership, User)
        .join(Membership, Membership.family_id == Child.family_id)
        .join(User, User.id == Membership.user_id)
        # Nor anyone the young person chose not to show their record to.
        .outerjoin(
            RecordLimit,
            (RecordLimit.membership_id == Membership.id) & (RecordLimit.child_id == Child.id),
        )
        .where(
            Child.id.in_(child_ids),
            Membership.role.in_([r.value for r in roles]),
            or_(Membership.child_id.is_(None), Membership.child_id == Child.id),
            User.is_active.is_(True),
            RecordLimit.id.is_(None),
        )
    ).all()
    found: dict[uuid.UUID, list[User]] = {}
    for child_id, membership, user in rows:
        # The same rule as the policy: a membership counts only inside its dates.
        if (membership.starts_at and membership.starts_at > now) or (
            membership.expires_at and membership.expires_at <= now
        ):
            continue
        if user not in found.setdefault(child_id, []):
            found[child_id].append(user)
    return found


def invitations(family_id: uuid.UUID) -> list[dict[str, Any]]:
    """The family's invitations, newest first, with their status."""
    now = clock.utcnow()
    rows = db.session.scalars(
        select(Invitation)
        .where(Invitation.family_id == family_id)
        .order_by(Invitation.created_at.desc())
    )
    return [_invitation_dict(row, now) for row in rows]


def _invitation_dict(row: Invitation, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "role": row.role,
        "child_id": row.child_id,
        "label": row.label,
        "email": row.email,
        "expires_at": row.expires_at,
        "access_expires_at": row.access_expires_at,
        "created_at": row.created_at,
        "status": row.status(now),
    }


def _end_of_day(day: date, tz_name: str) -> datetime:
    # Access "until 12 March" lasts through that day in the family's own time zone.
    local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone(tz_name))
    return local.astimezone(clock.utcnow().tzinfo)


def create_invitation(
    user: User, family: Family, data: dict[str, Any], link_base: str
) -> dict[str, Any]:
    """Make an invitation link; the token is shown once and only its hash is kept."""
    child_id = data.get("child_id")
    if child_id is not None and family_of_child(child_id) != family.id:
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"child_id": [_("Choose one of this family's children.")]},
        )
    if data["role"] == Role.SELF.value:
        # A young person's own account is for their own record, from 12.
        privacy.check_own_account(db.session.get(Child, child_id) if child_id else None)
    token = ids.new_token()
    now = clock.utcnow()
    row = Invitation(
        family_id=family.id,
        token_hash=ids.token_digest(token),
        role=data["role"],
        child_id=child_id,
        label=(data.get("label") or "").strip() or None,
        email=accounts.normalize_email(data["email"]) if data.get("email") else None,
        expires_at=now + timedelta(days=int(data.get("link_days") or 7)),
        access_expires_at=(
            _end_of_day(data["access_until"], family.time_zone)
            if data.get("access_until")
            else None
        ),
        created_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "invitation.created",
        actor_id=user.id,
        family_id=family.id,
        child_id=child_id,
        target=f"invitation:{row.id}",
        detail={"role": row.role},
    )
    db.session.commit()
    result = _invitation_dict(row, now)
    result["url"] = f"{link_base}{token}"
    return result


def get_invitation_by_token(token: str) -> Invitation | None:
    """The pending invitation behind a link, or None when it is unknown or used up."""
    row = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == ids.token_digest(token))
    )
    if row is None or row.status(clock.utcnow()) != "pending":
        return None
    return row


def revoke_invitation(user: User, family: Family, invitation_id: uuid.UUID | str) -> None:
    """Withdraw an invitation that has not been accepted yet."""
    parsed = ids.parse_uuid(str(invitation_id))
    row = db.session.get(Invitation, parsed) if parsed else None
    if row is None or row.family_id != family.id:
        raise ServiceError(_("Not found"), status=404)
    if row.revoked_at is None:
        row.revoked_at = clock.utcnow()
        audit.record(
            "invitation.revoked",
            actor_id=user.id,
            family_id=family.id,
            target=f"invitation:{row.id}",
        )
    db.session.commit()


def accept_invitation(user: User, token: str) -> Membership:
    """Join a family through an invitation link, with the user's own account."""
    row = get_invitation_by_token(token)
    if row is None:
        raise ServiceError(
            _("This invitation is not valid any more. Ask the family for a new link."),
            status=404,
        )
    existing = db.session.scalar(
        select(Membership).where(
            Membership.family_id == row.family_id,
            Membership.user_id == user.id,
            (
                Membership.child_id.is_(None)
                if row.child_id is None
                else Membership.child_id == row.child_id
            ),
        )
    )
    now = clock.utcnow()
    if existing is not None and existing.role == Role.GUARDIAN.value:
        membership = existing  # an invitation never demotes a guardian
    elif existing is not None:
        existing.role = row.role
        existing.expires_at = row.access_expires_at
        membership = existing
    else:
        membership = Membership(
            family_id=row.family_id,
            user_id=user.id,
            role=row.role,
            child_id=row.child_id,
            expires_at=row.access_expires_at,
            created_by_id=row.created_by_id,
        )
        db.session.add(membership)
    row.accepted_at = now
    row.accepted_by_id = user.id
    db.session.flush()
    audit.record(
        "invitation.accepted",
        actor_id=user.id,
        family_id=row.family_id,
        child_id=row.child_id,
        target=f"membership:{membership.id}",
        detail={"role": row.role},
    )
    db.session.commit()
    authz.forget_grants()
    return membership


def remove_membership(user: User, family: Family, membership_id: uuid.UUID | str) -> None:
    """Revoke someone's access; the last guardian cannot be removed."""
    parsed = ids.parse_uuid(str(membership_id))
    row = db.session.get(Membership, parsed) if parsed else None
    if row is None or row.family_id != family.id:
        raise ServiceError(_("Not found"), status=404)
    if privacy.is_adult_self(row):
        raise ServiceError(
            _("This is the account of an adult about their own record: only they can close it."),
            status=403,
        )
    if row.role == Role.GUARDIAN.value and row.child_id is None:
        guardians = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.family_id == family.id,
                Membership.role == Role.GUARDIAN.value,
                Membership.child_id.is_(None),
                Membership.id != row.id,
                (Membership.expires_at.is_(None)) | (Membership.expires_at > clock.utcnow()),
            )
        )
        if (guardians or 0) < 1:
            raise ServiceError(
                _("A family needs at least one guardian. Invite another guardian first."),
                status=409,
            )
    db.session.delete(row)
    audit.record(
        "membership.revoked",
        actor_id=user.id,
        family_id=family.id,
        target=f"user:{row.user_id}",
        detail={"role": row.role},
    )
    db.session.commit()
    authz.forget_grants()


def audit_log(family_id: uuid.UUID) -> list[dict[str, Any]]:
    """The family's audit log with actor and child names, for its guardians (three queries)."""
    events = audit.for_family(family_id)
    user_ids = {event.actor_user_id for event in events if event.actor_user_id}
    # A refusal names the child only in its target ("child:<id>").
    refused = {event.id: _uuid(access_log.child_in_target(event.target)) for event in events}
    child_ids = {event.child_id or refused[event.id] for event in events}
    child_ids.discard(None)
    names: dict[uuid.UUID, str] = {}
    if user_ids:
        stmt = select(User.id, User.name).where(User.id.in_(user_ids))
        names = {user_id: name for user_id, name in db.session.execute(stmt)}
    children: dict[uuid.UUID, str] = {}
    if child_ids:
        stmt = select(Child.id, Child.display_name).where(
            Child.id.in_(child_ids), Child.family_id == family_id
        )
        children = {child_id: name for child_id, name in db.session.execute(stmt)}
    rows = []
    for event in events:
        detail = event.detail or {}
        child_id = event.child_id or refused[event.id]
        opened_by_link = event.action.startswith("emergency_card.")
        about_link = opened_by_link or event.action.startswith("emergency_link.")
        rows.append(
            {
                "at": event.at,
                "actor": names.get(event.actor_user_id, "") if event.actor_user_id else "",
                "action": event.action,
                "outcome": event.outcome,
                "target": event.target,
                "child_id": str(child_id) if child_id else None,
                "child": children.get(child_id, "") if child_id else "",
                "record": access_log.record_kind(
                    event.action, event.target, str(detail.get("path") or "") or None
                ),
                "link_label": str(detail.get("label") or "") if about_link else "",
                # The address and device matter when someone without an account opened the
                # card; for members the name already says who it was.
                "ip": (event.ip or "") if opened_by_link else "",
                "device": (
                    access_log.short_user_agent(str(detail.get("user_agent") or ""))
                    if opened_by_link
                    else ""
                ),
            }
        )
    return rows


def _uuid(value: str | None) -> uuid.UUID | None:
    return ids.parse_uuid(value) if value else None
