"""The reminder queue: planning reminders from appointments, claiming due ones (safely with
several workers), and delivering them to push services with the rules of RFC 8030."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from itertools import repeat
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from webpush import WebPush
from webpush.types import WebPushSubscription

from familyapp.accounts.models import User
from familyapp.calendar import service as calendar
from familyapp.carelog import service as carelog
from familyapp.core import clock, ids
from familyapp.core.authz import Role
from familyapp.core.db import db
from familyapp.core.i18n import zone
from familyapp.families import service as families
from familyapp.plan import service as plan
from familyapp.push import survey_reminders
from familyapp.push.delivery import MAX_ATTEMPTS, MAX_PAYLOAD_BYTES, Action, Verdict, classify
from familyapp.push.models import PushPreference, PushSubscription, Reminder, ReminderDelivery
from familyapp.push.queue import add_reminder, reachable
from familyapp.push.quiet import quiet_end_after
from familyapp.push.service import VapidKeys, ensure_vapid_keys
from familyapp.push.transport import Answer, Transport

log = logging.getLogger("familyapp.push")


# --- planning ------------------------------------------------------------------------------

# Appointment reminders go to the people who care for the child day to day; a coordinator
# with a panel of dozens of families would drown in them (design.md, Push reminders).
APPOINTMENT_ROLES = {Role.GUARDIAN, Role.CAREGIVER}
PLAN_WINDOW = timedelta(hours=26)
LATE_GRACE = timedelta(minutes=15)


def plan_reminders(now: datetime | None = None) -> int:
    """Queue the appointment reminders due soon (idempotent); return how many were added."""
    now = now or clock.utcnow()
    due = calendar.reminders_due(now - LATE_GRACE, now + PLAN_WINDOW)
    people = reachable(
        families.people_for_child(list({d.appointment.child_id for d in due}), APPOINTMENT_ROLES)
    )
    sources = {_source(d, user) for d in due for user in people.get(d.appointment.child_id, [])}
    known = set()
    for chunk in _chunks(sorted(sources), 500):
        known |= set(db.session.scalars(select(Reminder.source).where(Reminder.source.in_(chunk))))
    added = 0
    for item in due:
        for user in people.get(item.appointment.child_id, []):
            source = _source(item, user)
            if source in known:
                continue
            row = Reminder(
                user_id=user.id,
                source=source,
                kind="appointment",
                params={"start": item.start.isoformat(), "offset": str(item.offset_minutes)},
                url=f"/appointments/{item.appointment.id}",
                appointment_id=item.appointment.id,
                due_at=item.due_at,
                not_after=item.start,
                # Worth keeping at the push service until the visit starts, at most 4 weeks.
                ttl_seconds=int(min(max((item.start - now).total_seconds(), 60), 2419200)),
                urgency="high" if item.offset_minutes <= 120 else "normal",
            )
            added += add_reminder(row)
    db.session.commit()
    return added


def plan_review_reminders(now: datetime) -> int:
    """Queue a reminder for the guardians when a plan's review is due, then weekly until done."""
    due = plan.reviews_due(now.date())
    people = reachable(
        families.people_for_child([child_id for child_id, _ in due], {Role.GUARDIAN})
    )
    added = 0
    for child_id, day in due:
        week = (now.date() - day).days // 7
        for user in people.get(child_id, []):
            source = f"plan-review:{child_id}:{day.isoformat()}:{week}:{user.id}"
            if db.session.scalar(select(Reminder.id).where(Reminder.source == source)):
                continue
            row = Reminder(
                user_id=user.id,
                source=source,
                kind="plan_review",
                url=f"/children/{child_id}/plan",
                due_at=now,
                ttl_seconds=86400,
                urgency="low",
            )
            added += add_reminder(row)
    db.session.commit()
    return added


NUDGE_AT = dt_time(18, 0)  # Sunday evening, when the week's care is fresh in mind


def care_log_nudges(now: datetime) -> int:
    """Queue the weekly "log this week's care hours" reminder for those who asked for it."""
    rows = db.session.execute(
        select(User)
        .join(PushPreference, PushPreference.user_id == User.id)
        .where(
            PushPreference.weekly_care_nudge.is_(True),
            User.is_active.is_(True),
            User.id.in_(select(PushSubscription.user_id)),
        )
    ).scalars()
    added = 0
    for user in rows:
        local_zone = zone(user.time_zone)
        today = now.astimezone(local_zone).date()
        sunday = today + timedelta(days=6 - today.weekday())
        due = datetime.combine(sunday, NUDGE_AT, tzinfo=local_zone).astimezone(UTC)
        if not (now - LATE_GRACE <= due < now + PLAN_WINDOW):
            continue
        source = f"care-nudge:{user.id}:{sunday.isoformat()}"
        if db.session.scalar(select(Reminder.id).where(Reminder.source == source)):
            continue
        if not carelog.loggable_children(user):  # only people who log care for a child
            continue
        row = Reminder(
            user_id=user.id,
            source=source,
            kind="care_nudge",
            url="/care",
            due_at=due,
            not_after=due + timedelta(hours=12),
            ttl_seconds=12 * 3600,
            urgency="low",
        )
        added += add_reminder(row)
    db.session.commit()
    return added


def _source(item: calendar.DueReminder, user: User) -> str:
    return f"appt:{item.appointment.id}:{item.start.isoformat()}:{item.offset_minutes}:{user.id}"


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


# --- messages ------------------------------------------------------------------------------


def _when_words(start: datetime, user: User, now: datetime) -> str:
    local = start.astimezone(zone(user.time_zone))
    today = now.astimezone(zone(user.time_zone)).date()
    at = format_time(local.replace(tzinfo=None), "short", locale=user.locale)
    if local.date() == today:
        return _("Appointment today at %(time)s. Open Familyapp for details.", time=at)
    if local.date() == today + timedelta(days=1):
        return _("Appointment tomorrow at %(time)s. Open Familyapp for details.", time=at)
    day = format_date(local.date(), "medium", locale=user.locale)
    return _("Appointment on %(date)s at %(time)s. Open Familyapp for details.", date=day, time=at)


def message_for(reminder: Reminder, user: User, now: datetime) -> dict[str, str]:
    """The notification in the recipient's language, with no health details in it."""
    with force_locale(user.locale or "en"):
        if reminder.kind == "appointment":
            body = _when_words(datetime.fromisoformat(reminder.params["start"]), user, now)
        elif reminder.kind == "test":
            body = _("Notifications work on this device.")
        elif reminder.kind == "care_nudge":
            body = _("Time to log this week's care hours. Open Familyapp to add them.")
        elif reminder.kind in survey_reminders.KINDS:
            body = survey_reminders.message(reminder, user)
        elif reminder.kind == "plan_review":
            body = _("The care plan is due for its review. Open Familyapp to review it.")
        else:
            body = _("Open Familyapp for details.")
        # The tag is the reminder: a repeat after a crash replaces, never adds, a notification.
        return {"title": "Familyapp", "body": body, "url": reminder.url, "tag": str(reminder.id)}


# --- delivery ------------------------------------------------------------------------------

LEASE = timedelta(minutes=5)


def _claimable(now: datetime) -> Any:
    return or_(
        and_(
            Reminder.status == "pending",
            Reminder.due_at <= now,
            or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
        ),
        # A worker that died mid-batch left these: after the lease anyone may take them.
        and_(Reminder.status == "sending", Reminder.claimed_at < now - LEASE),
    )


def claim_due(now: datetime, limit: int = 200) -> list[Reminder]:
    """Claim due reminders for this worker, so no other worker sends them at the same time."""
    token = ids.new_token()[:40]
    candidates = select(Reminder.id).where(_claimable(now)).order_by(Reminder.due_at).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        # Workers skip each other's locked rows instead of waiting (design.md).
        chosen = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
    else:
        # SQLite has one writer at a time: this single UPDATE claims atomically.
        chosen = candidates.scalar_subquery()  # type: ignore[assignment]
    db.session.execute(
        update(Reminder)
        .where(Reminder.id.in_(chosen), _claimable(now))
        .values(status="sending", claim=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(Reminder).where(Reminder.claim == token).order_by(Reminder.due_at)
        )
    )


class _ReusedVapidToken:
    """webpush's VAPID signer, keeping each audience's token for an hour.

    RFC 8292 lets a token be reused for its audience until it expires (webpush makes them
    valid for 12 hours); signing once per message cost more than the encryption itself.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.tokens: dict[tuple[str, ...], tuple[float, str]] = {}

    def get_authorization_header(self, endpoint: Any, subscriber: Any, expiration: int) -> str:
        """The Authorization header for this push service's origin, signed at most hourly."""
        key = (str(endpoint.scheme), str(endpoint.host), str(endpoint.port), str(subscriber))
        now = time.monotonic()
        found = self.tokens.get(key)
        if found is not None and found[0] > now:
            return found[1]
        header: str = self.inner.get_authorization_header(
            endpoint=endpoint, subscriber=subscriber, expiration=expiration
        )
        self.tokens[key] = (now + min(expiration / 2, 3600), header)
        return header


class Sender:
    """Encrypts and POSTs push messages; safe to share between threads.

    webpush.WebPush keeps per-call values on the instance and http.client connections are not
    thread-safe, so each thread gets its own of both.
    """

    def __init__(self, keys: VapidKeys, subject: str) -> None:
        self.keys, self.subject = keys, subject
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._lock = threading.Lock()

    @property
    def _webpush(self) -> WebPush:
        found: WebPush | None = getattr(self._local, "webpush", None)
        if found is None:
            found = WebPush(
                private_key=self.keys.private_path.read_bytes(),
                public_key=self.keys.public_path.read_bytes(),
                subscriber=self.subject.removeprefix("mailto:"),
            )
            found.vapid = _ReusedVapidToken(found.vapid)
            self._local.webpush = found
        return found

    @property
    def transport(self) -> Transport:
        """This thread's connections to push services."""
        found: Transport | None = getattr(self._local, "transport", None)
        if found is None:
            found = self._local.transport = Transport()
            with self._lock:
                self._transports.append(found)
        return found

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            for transport in self._transports:
                transport.close()
            self._transports.clear()

    def send(self, subscription: PushSubscription, payload: bytes, reminder: Reminder) -> Answer:
        """Encrypt payload for one device and POST it with TTL, Urgency and Topic."""
        message = self._webpush.get(
            payload,
            WebPushSubscription.model_validate(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                }
            ),
            ttl=max(1, reminder.ttl_seconds),
        )
        headers = {
            "TTL": str(max(1, reminder.ttl_seconds)),
            "Urgency": reminder.urgency,
            # RFC 8030 5.4: at most 32 base64url characters; repeats of one reminder collapse.
            "Topic": _topic(reminder.source),
            "Content-Encoding": "aes128gcm",
            # webpush omits it; some push services (and the emulator) need it to read the body.
            "Content-Type": "application/octet-stream",
            "Authorization": message.headers["authorization"],
        }
        return self.transport.post(subscription.endpoint, headers, message.encrypted)


def _topic(source: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(source.encode()).digest()[:24]).decode()


@dataclass
class Outcome:
    """What one run of the dispatcher did."""

    sent: int = 0
    gone: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    dropped: int = 0

    def add(self, other: Outcome) -> None:
        """Count another run's outcome in this one."""
        for name in ("sent", "gone", "retried", "failed", "deferred", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _finish(reminder: Reminder, status: str, outcome: str, now: datetime) -> None:
    _store(reminder, status=status, outcome=outcome[:500], finished_at=now)
    db.session.commit()


@dataclass
class Batch:
    """What delivering a batch of reminders reads, loaded in a few queries (never per row)."""

    users: dict[uuid.UUID, User]
    quiet: dict[uuid.UUID, PushPreference]
    devices: dict[uuid.UUID, list[PushSubscription]]
    done: dict[uuid.UUID, dict[uuid.UUID | None, ReminderDelivery]]


def load_batch(claimed: list[Reminder]) -> Batch:
    """Users, quiet hours, devices and earlier deliveries of the claimed reminders."""
    user_ids = {r.user_id for r in claimed}
    batch = Batch(
        users={u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))},
        quiet={
            p.user_id: p
            for p in db.session.scalars(
                select(PushPreference).where(PushPreference.user_id.in_(user_ids))
            )
        },
        devices={},
        done={},
    )
    for device in db.session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id.in_(user_ids))
        .order_by(PushSubscription.created_at.desc())
    ):
        batch.devices.setdefault(device.user_id, []).append(device)
    for row in db.session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.reminder_id.in_([r.id for r in claimed]))
    ):
        batch.done.setdefault(row.reminder_id, {})[row.subscription_id] = row
    return batch


def _held_back(reminder: Reminder, user: User | None, batch: Batch, now: datetime) -> str:
    """Why the reminder must not go out now ('' when it may): dropped or deferred."""
    if user is None or not user.is_active:
        return "dropped:no such user"
    if reminder.not_after is not None and now >= reminder.not_after:
        return "dropped:too late to be useful"
    if reminder.kind in survey_reminders.KINDS and not survey_reminders.still_wanted(reminder):
        return "dropped:answered or closed"
    if reminder.kind == "appointment" and reminder.appointment_id is not None:
        start = datetime.fromisoformat(reminder.params["start"])
        offset = int(reminder.params["offset"])
        if calendar.reminder_still_wanted(reminder.appointment_id, start, offset) is None:
            return "dropped:the appointment changed"
    quiet = batch.quiet.get(user.id)
    # A test notification is asked for now, on purpose: quiet hours would make it look broken.
    if quiet is not None and reminder.kind != "test":
        later = quiet_end_after(now, user.time_zone, quiet.quiet_start, quiet.quiet_end)
        if later > now:
            if reminder.not_after is not None and later >= reminder.not_after:
                return "dropped:quiet hours last past the appointment"
            reminder.due_at = later
            return "deferred"
    return ""


def deliver(
    sender: Sender, reminder: Reminder, now: datetime, result: Outcome, batch: Batch | None = None
) -> None:
    """Send one claimed reminder to each of its user's devices not yet reached."""
    batch = batch or load_batch([reminder])
    user = batch.users.get(reminder.user_id)
    held = _held_back(reminder, user, batch, now)
    if held == "deferred":
        _store(reminder, status="pending", due_at=reminder.due_at)
        db.session.commit()
        result.deferred += 1
        return
    if held:
        _finish(reminder, "dropped", held.removeprefix("dropped:"), now)
        result.dropped += 1
        return
    assert user is not None
    payload = json.dumps(message_for(reminder, user, now), ensure_ascii=False).encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        _finish(reminder, "failed", "payload too large", now)
        result.failed += 1
        return
    done = batch.done.get(reminder.id, {})
    devices = batch.devices.get(user.id, [])
    sent_any = any(row.status == "sent" for row in done.values())
    waiting = [
        d for d in devices if d.id not in done or done[d.id].status not in ("sent", "failed")
    ]
    retry_at: datetime | None = None
    if not waiting:
        # Every device was turned off since the reminder was queued: nothing failed.
        _finish(reminder, "sent" if sent_any else "no_device", "", now)
        if not sent_any:
            result.dropped += 1
        return
    for number, device in enumerate(waiting, start=1):
        answer = sender.send(device, payload, reminder)
        verdict = classify(answer.status, answer.headers, reminder.attempts + 1, now)
        if verdict.action is Action.RETRY and reminder.attempts + 1 >= MAX_ATTEMPTS:
            verdict = Verdict(Action.RETRY, None)  # out of attempts: give up and record it
        status = _device_outcome(verdict, answer, device, devices, now, result)
        if status == "retry":
            assert verdict.retry_at is not None
            retry_at = max(retry_at or verdict.retry_at, verdict.retry_at)
        sent_any = sent_any or status == "sent"
        _record(reminder, device, done.get(device.id), status, answer, now)
        if number == len(waiting):  # the reminder's own outcome goes in the same commit
            if retry_at is not None:
                reminder.attempts += 1
                _store(
                    reminder, status="pending", attempts=reminder.attempts, next_attempt_at=retry_at
                )
                result.retried += 1
            elif sent_any:
                _store(reminder, status="sent", outcome="", finished_at=now)
            else:
                _store(reminder, status="failed", outcome="no device took it", finished_at=now)
        # Each device's result is kept at once: a crash after this never sends it again.
        db.session.commit()


def _device_outcome(
    verdict: Verdict,
    answer: Answer,
    device: PushSubscription,
    devices: list[PushSubscription],
    now: datetime,
    result: Outcome,
) -> str:
    if verdict.action is Action.SENT:
        # "Last notified" is for the device list: an hour's precision spares a write a send.
        if device.last_sent_at is None or now - device.last_sent_at > timedelta(hours=1):
            device.last_sent_at = now
            _core(_TOUCH_DEVICE, b_id=device.id, last_sent_at=now)
        result.sent += 1
        return "sent"
    if verdict.action is Action.GONE:
        devices.remove(device)  # later reminders of this batch skip it too
        _core(_DELETE_DEVICE, b_id=device.id)
        result.gone += 1
        return "gone"
    if verdict.action is Action.RETRY and verdict.retry_at is not None:
        return "retry"  # deliver() gives up instead once the attempts are used up
    result.failed += 1
    if verdict.action is Action.CONFIG:
        log.error(
            "push service refused our request (%s): check the VAPID keys and subject",
            answer.status,
        )
    else:
        log.warning("push delivery failed for good (%s %s)", answer.status, verdict.action)
    return "failed"


# Built once: the dispatcher's hot path writes a few rows a send, and building statements per
# call cost more than running them. An UPDATE sets the columns named in the parameters.
_TOUCH_DEVICE = update(PushSubscription).where(PushSubscription.id == bindparam("b_id"))
_DELETE_DEVICE = delete(PushSubscription).where(PushSubscription.id == bindparam("b_id"))
_INSERT_DELIVERY = insert(ReminderDelivery)
_UPDATE_DELIVERY = update(ReminderDelivery).where(ReminderDelivery.id == bindparam("b_id"))
_UPDATE_REMINDER = update(Reminder).where(Reminder.id == bindparam("b_id"))


def _core(statement: Any, **values: Any) -> None:
    # On the session's connection, past the ORM: the loaded objects of the batch are not read
    # again after these statements, so keeping them in step would be wasted work.
    db.session.connection().execute(statement, values)


def _record(
    reminder: Reminder,
    device: PushSubscription,
    earlier: ReminderDelivery | None,
    status: str,
    answer: Answer,
    now: datetime,
) -> None:
    # Core statements, not the unit of work: this is the dispatcher's hot path.
    values = {
        "status": status,
        "http_status": answer.status,
        "detail": answer.error[:500],
        "at": now,
        "subscription_id": None if status == "gone" else device.id,
    }
    if earlier is not None:
        _core(_UPDATE_DELIVERY, b_id=earlier.id, **values)
    else:
        _core(_INSERT_DELIVERY, id=ids.new_id(), reminder_id=reminder.id, **values)


def _store(reminder: Reminder, **values: Any) -> None:
    values.setdefault("claim", None)
    _core(_UPDATE_REMINDER, b_id=reminder.id, **values)


def _deliver_chunk(
    app: Any, sender: Sender, chunk: list[Reminder], batch: Batch, now: datetime
) -> Outcome:
    # A thread of its own: its own app context and so its own database session.
    result = Outcome()
    with app.app_context():
        try:
            for reminder in chunk:
                deliver(sender, reminder, now, result, batch)
        finally:
            db.remove()
    return result


def send_due(
    sender: Sender, now: datetime | None = None, batch: int = 200, threads: int = 1
) -> Outcome:
    """Plan, then deliver everything due now, batch after batch, until nothing is left.

    With threads > 1 a batch is shared out: sends wait on the network and on encryption,
    which threads overlap; each reminder is still claimed by exactly one of them.
    """
    result = Outcome()
    now = now or clock.utcnow()
    plan_reminders(now)
    plan_review_reminders(now)
    care_log_nudges(now)
    survey_reminders.plan(now)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=threads) if threads > 1 else nullcontext() as pool:
        while True:
            claimed = claim_due(now, batch)
            if not claimed:
                return result
            loaded = load_batch(claimed)
            if pool is None:
                for reminder in claimed:
                    deliver(sender, reminder, now, result, loaded)
                continue
            chunks = [claimed[i::threads] for i in range(threads)]
            parts = pool.map(
                _deliver_chunk, repeat(app), repeat(sender), chunks, repeat(loaded), repeat(now)
            )
            for part in parts:
                result.add(part)


def sender_for(instance: Path, subject: str) -> Sender:
    """A sender with the instance's VAPID keys."""
    return Sender(ensure_vapid_keys(instance), subject)


def send_test(sender: Sender, user: User) -> Outcome:
    """Send a test notification to the user's devices now."""
    now = clock.utcnow()
    reminder = Reminder(
        user_id=user.id,
        source=f"test:{user.id}:{ids.new_id()}",
        kind="test",
        url="/account/notifications",
        due_at=now,
        ttl_seconds=600,
        urgency="normal",
        status="sending",
        claimed_at=now,
    )
    db.session.add(reminder)
    db.session.commit()
    result = Outcome()
    deliver(sender, reminder, now, result)
    return result
