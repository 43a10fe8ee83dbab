"""Writing the audit log: every read of a child's record by a non-guardian, every refusal."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyapp.core.db import db
from familyapp.core.models import AuditEvent


def record(action: str, **kwargs: Any) -> AuditEvent:
    """Add an audit row to the current session (committed with the caller's transaction)."""
    event = _event(action, **kwargs)
    db.session.add(event)
    return event


def _event(
    action: str,
    *,
    actor_id: uuid.UUID | None,
    family_id: uuid.UUID | None = None,
    child_id: uuid.UUID | None = None,
    outcome: str = "ok",
    target: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent(
        action=action,
        actor_user_id=actor_id,
        family_id=family_id,
        child_id=child_id,
        outcome=outcome,
        target=target,
        ip=ip,
        detail=detail or {},
    )


def record_now(action: str, **kwargs: Any) -> None:
    """Write an audit row in its own transaction, so it survives the caller's rollback."""
    # A refusal must be logged even though the request that caused it changes nothing else,
    # and logging it must neither commit nor discard whatever the caller has pending.
    with Session(db.engine) as session:
        session.add(_event(action, **kwargs))
        session.commit()


def record_all_now(action: str, rows: list[dict[str, Any]]) -> None:
    """Write several audit rows of one action in one transaction (a read of many children)."""
    if not rows:
        return
    with Session(db.engine) as session:
        session.add_all([_event(action, **row) for row in rows])
        session.commit()


def for_family(family_id: uuid.UUID, limit: int = 200) -> list[AuditEvent]:
    """The newest audit rows about one family, for its guardians to read."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.family_id == family_id)
        .order_by(AuditEvent.at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
