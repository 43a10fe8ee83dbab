"""Adding to the reminder queue: idempotent by source, and only for people with a device."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from familyapp.accounts.models import User
from familyapp.core.db import db
from familyapp.push.models import PushSubscription, Reminder


def add_reminder(row: Reminder) -> bool:
    """Queue a reminder unless one with its source is already there; True when added."""
    # The unique source makes planning idempotent, also when two workers plan at once.
    try:
        with db.session.begin_nested():
            db.session.add(row)
        return True
    except IntegrityError:
        return False


def reachable(people: dict[uuid.UUID, list[User]]) -> dict[uuid.UUID, list[User]]:
    """The same people, keeping only those with a device to notify."""
    # Only people with a device get reminders queued; one who turns notifications on later is
    # planned for on the next run (the window looks 26 hours ahead), so nothing is missed.
    ids_ = {user.id for users in people.values() for user in users}
    if not ids_:
        return {}
    with_device = set(
        db.session.scalars(
            select(PushSubscription.user_id).where(PushSubscription.user_id.in_(ids_)).distinct()
        )
    )
    return {
        key: [user for user in users if user.id in with_device] for key, users in people.items()
    }
