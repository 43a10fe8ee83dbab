"""The verbs of the care log: log a care entry (exactly once, however often a phone replays
it), change or remove one with its history kept, and timers. What the family tells about itself
(activities, wages, work missed, nursing hours, consent) is in household.py."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from familyapp.accounts.models import User
from familyapp.carelog import household, taxonomy
from familyapp.carelog.models import (
    FAMILY,
    PAID,
    TEAM,
    CareEntry,
    CareEntryRevision,
    CaregiverProfile,
    CareTimer,
)
from familyapp.core import audit, authz, clock, ids
from familyapp.core.authz import Grant, Perm, Role
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.core.i18n import today_in_zone, zone
from familyapp.families import service as families
from familyapp.families.models import Child, Family

# A phone's clock may run a little ahead of the server's: a start up to this far in the
# future is taken as "now", anything later is refused.
CLOCK_SKEW = timedelta(minutes=5)
MAX_ENTRY = timedelta(minutes=24 * 60)


def child_of_entry(entry_id: uuid.UUID) -> uuid.UUID | None:
    """The child a care entry belongs to (for the policy)."""
    return db.session.scalar(select(CareEntry.child_id).where(CareEntry.id == entry_id))


def install_policy() -> None:
    """Tell the policy how a care entry leads to its child."""
    authz.register_child_resource("entry_id", child_of_entry)


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError(
        _("Please correct the fields shown."), status=422, errors={field: [message]}
    )


# -- care entries ---------------------------------------------------------------------------


def _aware(moment: datetime, user: User) -> datetime:
    # A time without an offset (a phone's datetime-local field) is in the caller's own zone.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(user.time_zone or "UTC"))
    return moment.astimezone(clock.utcnow().tzinfo)


def _digest(child_id: uuid.UUID, body: dict[str, Any]) -> str:
    canonical = json.dumps({"child": str(child_id), **body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _performed_by(family_id: uuid.UUID, caregiver_id: uuid.UUID, role: str) -> str:
    if role == Role.CARE_TEAM.value:
        return TEAM
    paid = db.session.scalar(
        select(CaregiverProfile.paid_staff).where(
            CaregiverProfile.family_id == family_id, CaregiverProfile.user_id == caregiver_id
        )
    )
    return PAID if paid else FAMILY


def _caregiver_role(
    user: User, grant: Grant, child: Child, requested: uuid.UUID | None
) -> tuple[uuid.UUID, str]:
    if requested is None or requested == user.id:
        return user.id, grant.role.value
    # Only a guardian logs care on someone else's behalf, and only for a member of the family.
    if grant.role is not Role.GUARDIAN:
        raise _invalid("caregiver", _("You can log only your own care time."))
    for member in families.members(child.family_id):
        if member["user_id"] == requested and member["role"] != Role.VIEWER.value:
            return requested, str(member["role"])
    raise _invalid("caregiver", _("Choose a member of this family."))


def _check(
    user: User,
    child: Child,
    body: dict[str, Any],
    role: str,
    exclude: uuid.UUID | None = None,
) -> str:
    """Validate an entry's rules beyond its fields; returns the activity's class."""
    care_class = household.resolve_activity(child.family_id, body["activity"])
    if care_class is None:
        raise _invalid("activity", _("Choose an activity from the list."))
    if role == Role.CARE_TEAM.value and care_class != taxonomy.COORDINATION:
        # Care-team members log their own unbilled coordination time (Ronis et al. 2019);
        # the family's hands-on care is the family's to log.
        raise _invalid("activity", _("Care-team members log care coordination activities."))
    start: datetime = body["started_at"]
    if start > clock.utcnow() + CLOCK_SKEW:
        raise _invalid("started_at", _("The start cannot be in the future."))
    end = start + timedelta(minutes=body["minutes"])
    # Overlaps by the same caregiver for the same child are refused, not just flagged: one
    # person's hour would otherwise be valued twice in the replacement cost.
    stmt = select(CareEntry).where(
        CareEntry.child_id == child.id,
        CareEntry.caregiver_id == body["caregiver"],
        CareEntry.deleted_at.is_(None),
        CareEntry.started_at < end,
        CareEntry.started_at > start - MAX_ENTRY,
    )
    for other in db.session.scalars(stmt):
        if other.id != exclude and other.started_at + timedelta(minutes=other.minutes) > start:
            raise _invalid(
                "started_at",
                _("This overlaps care already logged by the same person for this child."),
            )
    return care_class


def _normalised(
    user: User, grant: Grant, child: Child, data: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    caregiver, role = _caregiver_role(user, grant, child, data.get("caregiver"))
    body = {
        "activity": data["activity"].strip(),
        "started_at": _aware(data["started_at"], user).replace(microsecond=0),
        "minutes": int(data["minutes"]),
        "caregiver": caregiver,
        "note": (data.get("note") or "").strip(),
    }
    return body, role


def _find(user: User, entry_id: uuid.UUID | None, key: str | None) -> CareEntry | None:
    by_id = db.session.get(CareEntry, entry_id) if entry_id else None
    by_key = (
        db.session.scalar(
            select(CareEntry).where(
                CareEntry.created_by_id == user.id, CareEntry.idempotency_key == key
            )
        )
        if key
        else None
    )
    if by_id is not None and by_key is not None and by_id.id != by_key.id:
        raise _invalid("id", _("This Idempotency-Key was used for another entry."))
    return by_id or by_key


def _replay(found: CareEntry, child: Child, digest: str) -> CareEntry:
    if found.child_id != child.id or found.body_digest != digest:
        raise _invalid(
            "id", _("An entry with this id or key was already saved with other details.")
        )
    return found


def log_entry(
    user: User, grant: Grant, child: Child, data: dict[str, Any], key: str | None = None
) -> tuple[CareEntry, bool]:
    """Log care once: (entry, True) when saved now, (stored entry, False) for a replay."""
    body, role = _normalised(user, grant, child, data)
    digest = _digest(child.id, body)
    key = (key or "").strip()[:200] or None
    found = _find(user, data.get("id"), key)
    if found is not None:
        return _replay(found, child, digest), False
    try:
        care_class = _check(user, child, body, role)
    except ServiceError:
        # The same entry sent twice at once (the page and the service worker's Background
        # Sync): the other copy may have landed between _find and _check, and then "overlaps"
        # this one. It is this one: answer as a replay.
        found = _find(user, data.get("id"), key)
        if found is not None:
            return _replay(found, child, digest), False
        raise
    entry = CareEntry(
        child_id=child.id,
        caregiver_id=body["caregiver"],
        activity=body["activity"],
        care_class=care_class,
        performed_by=_performed_by(child.family_id, body["caregiver"], role),
        started_at=body["started_at"],
        minutes=body["minutes"],
        note=body["note"],
        idempotency_key=key,
        body_digest=digest,
        created_by_id=user.id,
    )
    if data.get("id"):
        entry.id = data["id"]
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        # Two replays of one entry raced: the other one landed, so this one is that one.
        db.session.rollback()
        found = _find(user, data.get("id"), key)
        if found is None:
            raise
        return _replay(found, child, digest), False
    audit.record(
        "care_entry.created",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"care_entry:{entry.id}",
    )
    db.session.commit()
    return entry, True


def get_entry(entry_id: uuid.UUID | str) -> CareEntry:
    """One care entry, removed or not (callers have passed the policy)."""
    parsed = ids.parse_uuid(str(entry_id))
    found = db.session.get(CareEntry, parsed) if parsed else None
    if found is None:
        raise ServiceError(_("Not found"), status=404)
    return found


def may_change(user: User, grant: Grant, entry: CareEntry) -> bool:
    """A guardian changes any entry of the family; anyone else only the ones they logged."""
    return grant.role is Role.GUARDIAN or user.id in (entry.caregiver_id, entry.created_by_id)


def _snapshot(entry: CareEntry) -> dict[str, Any]:
    return {
        "activity": entry.activity,
        "care_class": entry.care_class,
        "started_at": entry.started_at.isoformat(),
        "minutes": entry.minutes,
        "caregiver": str(entry.caregiver_id) if entry.caregiver_id else None,
        "note": entry.note,
    }


def _editable(user: User, grant: Grant, entry: CareEntry) -> None:
    if entry.deleted_at is not None:
        raise ServiceError(_("Not found"), status=404)
    if not may_change(user, grant, entry):
        raise ServiceError(_("You can change only the care time you logged."), status=403)


def update_entry(user: User, grant: Grant, entry: CareEntry, data: dict[str, Any]) -> CareEntry:
    """Change an entry; what it was before is kept as a revision."""
    _editable(user, grant, entry)
    child = families.get_child(entry.child_id)
    body, role = _normalised(user, grant, child, data)
    care_class = _check(user, child, body, role, exclude=entry.id)
    db.session.add(
        CareEntryRevision(
            entry_id=entry.id, action="updated", before=_snapshot(entry), changed_by_id=user.id
        )
    )
    entry.activity = body["activity"]
    entry.care_class = care_class
    entry.caregiver_id = body["caregiver"]
    entry.performed_by = _performed_by(child.family_id, body["caregiver"], role)
    entry.started_at = body["started_at"]
    entry.minutes = body["minutes"]
    entry.note = body["note"]
    entry.updated_at = clock.utcnow()
    audit.record(
        "care_entry.updated",
        actor_id=user.id,
        family_id=child.family_id,
        child_id=child.id,
        target=f"care_entry:{entry.id}",
    )
    db.session.commit()
    return entry


def delete_entry(user: User, grant: Grant, entry: CareEntry) -> None:
    """Remove an entry from the reports; the row and its history are kept."""
    _editable(user, grant, entry)
    db.session.add(
        CareEntryRevision(
            entry_id=entry.id, action="deleted", before=_snapshot(entry), changed_by_id=user.id
        )
    )
    entry.deleted_at = clock.utcnow()
    audit.record(
        "care_entry.deleted",
        actor_id=user.id,
        family_id=families.family_of_child(entry.child_id),
        child_id=entry.child_id,
        target=f"care_entry:{entry.id}",
    )
    db.session.commit()


def sees_all(grant: Grant) -> bool:
    """Guardians and the care team see every entry and the family's report; a caregiver
    (a nurse on shift, a grandparent) sees the care time they logged themselves."""
    return authz.has_role_permission(grant.role, Perm.REPORTS_READ)


def entries(
    user: User, grant: Grant, child: Child, start: datetime, end: datetime, limit: int = 500
) -> list[CareEntry]:
    """The child's entries started in [start, end), newest first (own ones for caregivers)."""
    stmt = select(CareEntry).where(
        CareEntry.child_id == child.id,
        CareEntry.deleted_at.is_(None),
        CareEntry.started_at >= start,
        CareEntry.started_at < end,
    )
    if not sees_all(grant):
        stmt = stmt.where(CareEntry.caregiver_id == user.id)
    return list(db.session.scalars(stmt.order_by(CareEntry.started_at.desc()).limit(limit)))


def revisions(entry: CareEntry) -> list[CareEntryRevision]:
    """What an entry was before each change, oldest first."""
    return list(
        db.session.scalars(
            select(CareEntryRevision)
            .where(CareEntryRevision.entry_id == entry.id)
            .order_by(CareEntryRevision.changed_at)
        )
    )


# -- timers ---------------------------------------------------------------------------------


def running_timers(user: User) -> list[CareTimer]:
    """The user's running stopwatches."""
    return list(
        db.session.scalars(
            select(CareTimer).where(CareTimer.user_id == user.id).order_by(CareTimer.started_at)
        )
    )


def start_timer(user: User, grant: Grant, child: Child, data: dict[str, Any]) -> CareTimer:
    """Start a stopwatch on the server (one per person and child), so closing the app is safe."""
    care_class = household.resolve_activity(child.family_id, data["activity"])
    if care_class is None:
        raise _invalid("activity", _("Choose an activity from the list."))
    if grant.role is Role.CARE_TEAM and care_class != taxonomy.COORDINATION:
        raise _invalid("activity", _("Care-team members log care coordination activities."))
    existing = _running_timer(user, child)
    if existing is not None:
        return existing  # a second tap on "Start" must not restart the clock
    now = clock.utcnow().replace(microsecond=0)
    started_at = data.get("started_at") or now
    # A phone's clock may be a little ahead; a start from more than a day ago is not a timer.
    if started_at > now + timedelta(minutes=5) or started_at < now - timedelta(hours=24):
        raise _invalid("started_at", _("The start must be within the last 24 hours."))
    timer = CareTimer(
        user_id=user.id,
        child_id=child.id,
        activity=data["activity"],
        started_at=min(started_at, now).replace(microsecond=0),
        note=data.get("note") or "",
    )
    db.session.add(timer)
    try:
        db.session.commit()
    except IntegrityError:
        # The same start sent twice at once (the page and the service worker's Background
        # Sync): the other one made the timer between the look and the insert; it is this one.
        db.session.rollback()
        existing = _running_timer(user, child)
        if existing is None:
            raise
        return existing
    return timer


def _running_timer(user: User, child: Child) -> CareTimer | None:
    return db.session.scalar(
        select(CareTimer).where(CareTimer.user_id == user.id, CareTimer.child_id == child.id)
    )


def stop_timer(
    user: User, grant: Grant, child: Child, ended_at: datetime | None = None
) -> CareEntry | None:
    """Stop the stopwatch and log its time as an entry (under a minute is dropped); `ended_at`
    is when it was stopped on a phone with no network (never later than now)."""
    timer = _running_timer(user, child)
    if timer is None:
        return None
    now = clock.utcnow()
    end = min(max(ended_at, timer.started_at), now) if ended_at is not None else now
    elapsed = end - timer.started_at
    minutes = min(round(elapsed.total_seconds() / 60), 24 * 60)
    data = {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"care-timer:{timer.id}"),
        "activity": timer.activity,
        "started_at": timer.started_at,
        "minutes": minutes,
        "note": timer.note,
    }
    db.session.delete(timer)
    if minutes < 1:
        db.session.commit()
        return None
    entry, _created = log_entry(user, grant, child, data)
    return entry


def today_for(child: Child) -> date:
    """Today in the child's family's time zone."""
    return today_in(families.get_family(child.family_id))


def today_in(family: Family) -> date:
    """Today in the family's time zone."""
    return today_in_zone(family.time_zone)


def loggable_children(user: User, perm: Perm = Perm.CARELOG_WRITE) -> list[tuple[Child, Grant]]:
    """The children the user may log care for (or read, with perm), each with its grant."""
    grants = authz.grants_for(user.id)
    found = []
    for child in families.children_for(user):
        grant = authz.decide_child(grants, perm, child.family_id, child.id)
        if grant is not None:
            found.append((child, grant))
    return found


def import_entries(child: Child, rows: list[dict[str, Any]]) -> int:
    """Add trusted entries in one transaction without per-entry checks (demo data,
    benchmarks). Each row: activity, started_at (aware), minutes, caregiver (id), role."""
    objects = []
    for row in rows:
        care_class = household.resolve_activity(child.family_id, row["activity"])
        assert care_class is not None, row["activity"]
        body = {k: row[k] for k in ("activity", "started_at", "minutes", "caregiver")}
        body["note"] = row.get("note", "")
        objects.append(
            {
                "id": ids.new_id(),
                "child_id": child.id,
                "caregiver_id": row["caregiver"],
                "activity": row["activity"],
                "care_class": care_class,
                "performed_by": row.get("performed_by", FAMILY),
                "started_at": row["started_at"],
                "minutes": row["minutes"],
                "note": body["note"],
                "body_digest": _digest(child.id, body),
                "created_by_id": row["caregiver"],
                "created_at": clock.utcnow(),
                "updated_at": clock.utcnow(),
            }
        )
    if objects:
        db.session.execute(insert(CareEntry), objects)
    db.session.commit()
    return len(objects)
