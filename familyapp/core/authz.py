"""The one authorization policy: may this user do this to this child?

Routes declare the permission they need with @requires(...); a test walks app.url_map to
prove that no route is left undeclared. Scope checks (which family, which child, until when)
are answered here from the memberships that the families feature loads for us, so the rule
lives in one place and every feature asks the same question.
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, Protocol, TypeVar

from flask import abort, g, request
from flask_login import current_user

from familyapp.core import audit, clock, generation
from familyapp.core.ids import parse_uuid


class Role(enum.StrEnum):
    """What a member is to a family."""

    GUARDIAN = "guardian"
    CAREGIVER = "caregiver"
    CARE_TEAM = "care_team"
    VIEWER = "viewer"
    # The young person the record is about (12 or older), with their own account.
    SELF = "self"


class Perm(enum.StrEnum):
    """Everything a route can ask for."""

    PUBLIC = "public"  # no account needed (sign-in page, manifest, emergency card link)
    AUTHENTICATED = "authenticated"  # any signed-in user, about their own account
    FAMILY_READ = "family.read"
    FAMILY_MANAGE = "family.manage"  # invite, revoke, add children, edit the family
    CHILD_READ = "child.read"
    CHILD_EDIT = "child.edit"
    PLAN_READ = "plan.read"
    PLAN_EDIT = "plan.edit"
    CARELOG_READ = "carelog.read"  # care entries and reports (caregivers: their own entries)
    CARELOG_WRITE = "carelog.write"
    PROGRAM_READ = "program.read"  # de-identified totals across consenting families
    REPORTS_READ = "reports.read"
    AUDIT_READ = "audit.read"
    EMERGENCY_MANAGE = "emergency.manage"  # create, see and revoke emergency-card links
    # Surveys belong to programs, not families: the route asks for a signed-in user and the
    # surveys service checks the program role (staff, advisor) or the campaign's membership.
    SURVEY_ANSWER = "survey.answer"
    SURVEY_MANAGE = "survey.manage"
    SURVEY_RESULTS = "survey.results"
    # The young person's own say over who sees their record (teen assent, adult choice).
    RECORD_PRIVACY = "record.privacy"


_ALL_READ = {Perm.FAMILY_READ, Perm.CHILD_READ, Perm.PLAN_READ}

# The role matrix (design.md, People and access). Caregivers read the plan and log hours;
# the care team co-edits the plan and sees reports; viewers only read.
ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.GUARDIAN: frozenset(
        _ALL_READ
        | {
            Perm.FAMILY_MANAGE,
            Perm.CHILD_EDIT,
            Perm.PLAN_EDIT,
            Perm.CARELOG_READ,
            Perm.CARELOG_WRITE,
            Perm.REPORTS_READ,
            Perm.AUDIT_READ,
            Perm.EMERGENCY_MANAGE,
        }
    ),
    Role.CARE_TEAM: frozenset(
        _ALL_READ
        | {
            Perm.PLAN_EDIT,
            Perm.CARELOG_READ,
            Perm.CARELOG_WRITE,
            Perm.REPORTS_READ,
            Perm.PROGRAM_READ,
        }
    ),
    Role.CAREGIVER: frozenset(_ALL_READ | {Perm.CARELOG_READ, Perm.CARELOG_WRITE}),
    Role.VIEWER: frozenset(_ALL_READ),
    Role.SELF: frozenset(_ALL_READ | {Perm.RECORD_PRIVACY}),
}

# Reads of a child's health record by anyone but a guardian are written to the audit log.
PHI_READS = frozenset({Perm.CHILD_READ, Perm.PLAN_READ, Perm.CARELOG_READ, Perm.REPORTS_READ})


@dataclass(frozen=True)
class Grant:
    """One membership as the policy sees it."""

    membership_id: uuid.UUID
    family_id: uuid.UUID
    role: Role
    child_id: uuid.UUID | None  # None: every child of the family
    starts_at: datetime | None
    expires_at: datetime | None
    # Children whose record this membership may not see: the young person chose so.
    hidden: frozenset[uuid.UUID] = frozenset()

    def active(self, now: datetime) -> bool:
        """True inside the grant's time window (a nurse's shift, an expiring invitation)."""
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.expires_at is None or now < self.expires_at


class GrantLoader(Protocol):
    def __call__(self, user_id: uuid.UUID) -> Iterable[Grant]: ...


class ChildLocator(Protocol):
    def __call__(self, child_id: uuid.UUID) -> uuid.UUID | None: ...


class FamilyLocator(Protocol):
    def __call__(self, family_id: uuid.UUID) -> bool: ...


# URL parts that name something belonging to a child (an action plan, an emergency link):
# each maps to a function giving that child's id, so @requires checks them like child_id.
_child_resources: dict[str, Callable[[uuid.UUID], uuid.UUID | None]] = {}


def register_child_resource(
    url_part: str, child_of: Callable[[uuid.UUID], uuid.UUID | None]
) -> None:
    """Let a feature say how a URL part (e.g. action_plan_id) leads to a child."""
    _child_resources[url_part] = child_of


_grant_loader: GrantLoader | None = None
# Asked before any route beyond one's own account: a response that stops the request (a
# care-team member who has not set up two-step sign-in yet), or None to go on.
_signed_in_gate: Callable[[], Any] | None = None
_child_locator: ChildLocator | None = None
_family_locator: FamilyLocator | None = None


def configure(
    grant_loader: GrantLoader, child_locator: ChildLocator, family_locator: FamilyLocator
) -> None:
    """Let the families feature tell the policy where memberships, children, families live."""
    global _grant_loader, _child_locator, _family_locator
    _grant_loader = grant_loader
    _child_locator = child_locator
    _family_locator = family_locator


def set_signed_in_gate(gate: Callable[[], Any] | None) -> None:
    """Let accounts stop signed-in requests that must first finish a step (two-step setup)."""
    global _signed_in_gate
    _signed_in_gate = gate


def grants_for(user_id: uuid.UUID) -> list[Grant]:
    """The user's active grants, cached for the request."""
    cache: dict[uuid.UUID, list[Grant]] = g.setdefault("_grants", {})
    if user_id not in cache:
        assert _grant_loader is not None, "authz.configure() was not called"
        now = clock.utcnow()
        loader = _grant_loader
        # Remembered until the next write (core/generation.py); which are active is asked anew.
        every = generation.remember("grants", user_id, lambda: tuple(loader(user_id)))
        cache[user_id] = [grant for grant in every if grant.active(now)]
    return cache[user_id]


def forget_grants() -> None:
    """Drop the request's cached grants after memberships change."""
    g.pop("_grants", None)


def decide_family(grants: Iterable[Grant], perm: Perm, family_id: uuid.UUID) -> Grant | None:
    """The grant that allows `perm` on a family as a whole, if any."""
    for grant in grants:
        # A grant for one child reads the family (its name, its members) but manages nothing.
        if (
            grant.family_id == family_id
            and perm in ROLE_PERMISSIONS[grant.role]
            and (grant.child_id is None or perm in _ALL_READ)
        ):
            return grant
    return None


def decide_child(
    grants: Iterable[Grant], perm: Perm, family_id: uuid.UUID, child_id: uuid.UUID
) -> Grant | None:
    """The grant that allows `perm` on one child, if any (pure: no database, no request)."""
    best: Grant | None = None
    for grant in grants:
        if grant.family_id != family_id or perm not in ROLE_PERMISSIONS[grant.role]:
            continue
        if grant.child_id is not None and grant.child_id != child_id:
            continue
        if child_id in grant.hidden:
            continue
        # Prefer a guardian grant, so a guardian's own reads are not audited as a caregiver's.
        if best is None or grant.role is Role.GUARDIAN:
            best = grant
    return best


def _deny(
    perm: Perm, target: str, family_id: uuid.UUID | None = None, *, visible: bool = False
) -> NoReturn:
    user_id = current_user.id if current_user.is_authenticated else None
    audit.record_now(
        "access.denied",
        actor_id=user_id,
        family_id=family_id,
        outcome="denied",
        target=target,
        ip=request.remote_addr,
        detail={"permission": perm.value, "method": request.method, "path": request.path},
    )
    # Another family's record answers exactly like one that does not exist; a member who may
    # see the record but not do this to it is told so (403), since its existence is no secret.
    abort(403 if visible else 404)


def refuse(perm: Perm, target: str) -> NoReturn:
    """Refuse a request for something outside the family model (a program's survey): 404."""
    _deny(perm, target)


def authorize_child(perm: Perm, child_id: uuid.UUID | str) -> Grant:
    """Check `perm` on a child for the current user; 404 and an audit row when refused."""
    if isinstance(child_id, str):
        try:
            child_id = uuid.UUID(child_id)
        except ValueError:
            abort(404)
    assert _child_locator is not None
    family_id = _child_locator(child_id)
    if family_id is None or not current_user.is_authenticated:
        _deny(perm, f"child:{child_id}")
    grants = grants_for(current_user.id)
    grant = decide_child(grants, perm, family_id, child_id)
    if grant is None:
        visible = decide_child(grants, Perm.CHILD_READ, family_id, child_id) is not None
        _deny(perm, f"child:{child_id}", family_id, visible=visible)
    record_phi_read(grant, family_id, child_id, perm)
    return grant


def record_phi_read(
    grant: Grant,
    family_id: uuid.UUID,
    child_id: uuid.UUID,
    perm: Perm,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Audit a read of a child's record by anyone but a guardian (views listing many children)."""
    if perm in PHI_READS and grant.role is not Role.GUARDIAN:
        audit.record_now(
            "phi.read",
            actor_id=actor_id or current_user.id,
            family_id=family_id,
            child_id=child_id,
            target=f"{request.method} {request.path}",
            ip=request.remote_addr,
            detail={"permission": perm.value, "role": grant.role.value},
        )


def record_phi_reads(
    grants: Iterable[Grant], family_id: uuid.UUID, child_ids: Iterable[uuid.UUID], perm: Perm
) -> None:
    """Audit a read of several children's records at once (a family report): one row per
    child read through a grant other than a guardian's, written in one transaction."""
    if perm not in PHI_READS:
        return
    rows = []
    for child_id in child_ids:
        grant = decide_child(grants, perm, family_id, child_id)
        if grant is None or grant.role is Role.GUARDIAN:
            continue
        rows.append(
            {
                "actor_id": current_user.id,
                "family_id": family_id,
                "child_id": child_id,
                "target": f"{request.method} {request.path}",
                "ip": request.remote_addr,
                "detail": {"permission": perm.value, "role": grant.role.value},
            }
        )
    audit.record_all_now("phi.read", rows)


def _resource_child(url_part: str, value: str, perm: Perm) -> uuid.UUID:
    parsed = parse_uuid(str(value))
    child_id = _child_resources[url_part](parsed) if parsed is not None else None
    if child_id is None:
        _deny(perm, f"{url_part}:{value}")
    return child_id


def authorize_family(perm: Perm, family_id: uuid.UUID | str) -> Grant:
    """Check `perm` on a family for the current user; 404 and an audit row when refused."""
    if isinstance(family_id, str):
        try:
            family_id = uuid.UUID(family_id)
        except ValueError:
            abort(404)
    assert _family_locator is not None
    if not current_user.is_authenticated or not _family_locator(family_id):
        _deny(perm, f"family:{family_id}")
    grants = grants_for(current_user.id)
    grant = decide_family(grants, perm, family_id)
    if grant is None:
        visible = decide_family(grants, Perm.FAMILY_READ, family_id) is not None
        _deny(perm, f"family:{family_id}", family_id, visible=visible)
    return grant


F = TypeVar("F", bound=Callable[..., Any])


def requires(perm: Perm) -> Callable[[F], F]:
    """Declare the permission a route needs; child_id / family_id URL parts are checked too."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if perm is not Perm.PUBLIC:
                if not current_user.is_authenticated:
                    from familyapp.core.errors import unauthenticated

                    return unauthenticated()
                # One's own account (sign out, set up two-step sign-in) stays reachable.
                if perm is not Perm.AUTHENTICATED and _signed_in_gate is not None:
                    stopped = _signed_in_gate()
                    if stopped is not None:
                        return stopped
                # The grant that allowed the request is kept for the view (to show or hide
                # edit buttons without asking the policy, and auditing, twice).
                resource = next((part for part in _child_resources if part in kwargs), None)
                if "child_id" in kwargs:
                    g.grant = authorize_child(perm, kwargs["child_id"])
                elif resource is not None:
                    g.grant = authorize_child(
                        perm, _resource_child(resource, kwargs[resource], perm)
                    )
                elif "family_id" in kwargs:
                    g.grant = authorize_family(perm, kwargs["family_id"])
            return view(*args, **kwargs)

        wrapper.required_permission = perm  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def declared_permission(view: Callable[..., Any]) -> Perm | None:
    """The permission a view declared, or None when it declared none."""
    return getattr(view, "required_permission", None)


def has_role_permission(role: Role, perm: Perm) -> bool:
    """True when `role` carries `perm` at all (for showing or hiding buttons)."""
    return perm in ROLE_PERMISSIONS[role]
