"""Checks the system pages need: database reachability, the home screen's contents."""

from __future__ import annotations

from sqlalchemy import text

from familyapp.core.db import db


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not ok" to a health check
        db.session.rollback()
        return False
