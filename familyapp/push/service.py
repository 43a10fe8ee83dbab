"""Push verbs: VAPID keys (generated into the instance folder on first run, never in code),
device subscriptions and quiet hours. The reminder queue and delivery are in reminders.py."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from webpush.vapid import VAPID

from familyapp.accounts.models import User
from familyapp.core import audit, ids
from familyapp.core.db import db
from familyapp.core.errors import ServiceError
from familyapp.push.delivery import endpoint_allowed
from familyapp.push.models import PushPreference, PushSubscription, Reminder

PRIVATE_FILE = "vapid_private.pem"
PUBLIC_FILE = "vapid_public.pem"
APP_KEY_FILE = "vapid_application_server_key.txt"


@dataclass(frozen=True)
class VapidKeys:
    """Where the server's VAPID key pair lives, and the key browsers subscribe with."""

    private_path: Path
    public_path: Path
    application_server_key: str


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_vapid_keys(instance: Path) -> VapidKeys:
    """Load the instance's VAPID keys, generating them (P-256, RFC 8292) the first time."""
    private_path, public_path = instance / PRIVATE_FILE, instance / PUBLIC_FILE
    app_key_path = instance / APP_KEY_FILE
    if not (private_path.exists() and public_path.exists() and app_key_path.exists()):
        private_pem, public_pem, app_key = VAPID.generate_keys()
        for path in (private_path, public_path, app_key_path):
            path.unlink(missing_ok=True)
        _write_private(private_path, private_pem)
        public_path.write_bytes(public_pem)
        app_key_path.write_text(app_key)
    return VapidKeys(private_path, public_path, app_key_path.read_text().strip())


# --- subscriptions -------------------------------------------------------------------------


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscribe(user: User, data: dict[str, Any], allowed_hosts: tuple[str, ...]) -> PushSubscription:
    """Store (or take over) this browser's subscription for the user."""
    endpoint = data["endpoint"]
    if not endpoint_allowed(endpoint, allowed_hosts):
        raise ServiceError(
            _("Please correct the fields shown."),
            status=422,
            errors={"endpoint": [_("This is not the address of a known push service.")]},
        )
    row = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint_hash == _endpoint_hash(endpoint))
    )
    if row is None:
        row = PushSubscription(endpoint=endpoint, endpoint_hash=_endpoint_hash(endpoint))
        db.session.add(row)
    # A shared phone that changes hands keeps its endpoint: it now belongs to this user.
    row.user_id = user.id
    row.p256dh = data["keys"]["p256dh"]
    row.auth = data["keys"]["auth"]
    expiration = data.get("expirationTime")
    row.expires_at = (
        datetime.fromtimestamp(expiration / 1000, UTC) if isinstance(expiration, int) else None
    )
    row.label = (data.get("label") or "")[:120]
    db.session.flush()
    audit.record("push.subscribed", actor_id=user.id, target=f"push_subscription:{row.id}")
    db.session.commit()
    return row


def unsubscribe(user: User, endpoint: str) -> None:
    """Turn notifications off for one of the user's devices."""
    row = db.session.scalar(
        select(PushSubscription).where(
            PushSubscription.endpoint_hash == _endpoint_hash(endpoint),
            PushSubscription.user_id == user.id,
        )
    )
    if row is None:
        raise ServiceError(_("Not found"), status=404)
    audit.record("push.unsubscribed", actor_id=user.id, target=f"push_subscription:{row.id}")
    db.session.delete(row)
    db.session.commit()


def remove_device(user: User, subscription_id: uuid.UUID | str) -> None:
    """Turn off a device by its id (the settings page lists devices, not endpoints)."""
    parsed = ids.parse_uuid(str(subscription_id))
    row = db.session.get(PushSubscription, parsed) if parsed else None
    if row is None or row.user_id != user.id:
        raise ServiceError(_("Not found"), status=404)
    unsubscribe(user, row.endpoint)


def devices(user: User) -> list[PushSubscription]:
    """The user's subscribed devices, newest first."""
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.created_at.desc())
        )
    )


def preferences(user: User) -> PushPreference:
    """The user's quiet hours (none when never set)."""
    found = db.session.get(PushPreference, user.id)
    return found or PushPreference(user_id=user.id, weekly_care_nudge=False)


def save_preferences(user: User, data: dict[str, Any]) -> PushPreference:
    """Set quiet hours (both or neither) and the weekly care-log nudge."""
    row = db.session.get(PushPreference, user.id) or PushPreference(user_id=user.id)
    row.quiet_start = data.get("quiet_start")
    row.quiet_end = data.get("quiet_end")
    row.weekly_care_nudge = bool(data.get("weekly_care_nudge"))
    db.session.add(row)
    db.session.commit()
    return row


def service_name(subscription: PushSubscription) -> str:
    """Which push service a device uses (its endpoint's host), for the device list."""
    return urlsplit(subscription.endpoint).hostname or ""


def erase_child_reminders(family_id: uuid.UUID, child_ids: list[uuid.UUID]) -> int:
    """Delete reminders that name a deleted family's children (plan reviews: no foreign key)."""
    if not child_ids:
        return 0
    names = [str(child_id) for child_id in child_ids]
    wanted = [Reminder.source.contains(n) for n in names]
    wanted += [Reminder.url.contains(n) for n in names]
    result = db.session.execute(delete(Reminder).where(or_(*wanted)))
    return int(getattr(result, "rowcount", 0) or 0)
