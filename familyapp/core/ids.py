"""Public identifiers and secret tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id() -> uuid.UUID:
    """Return a random (version 4) UUID: public ids are never sequential."""
    return uuid.uuid4()


def new_token() -> str:
    """Return a URL-safe secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Hash a secret token for storage: a leaked table must not yield usable links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_uuid(value: str) -> uuid.UUID | None:
    """Parse a UUID from a URL segment, or None when it is not one."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
