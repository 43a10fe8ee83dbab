"""Server-side sessions: the cookie holds a random token, the data lives in a table.

Logging out, changing a password or revoking access deletes rows, which ends those sessions
for real (a signed cookie session cannot be ended early).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, request, session
from flask.sessions import SessionInterface, SessionMixin
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import CallbackDict

from familyapp.core import clock, generation, ids
from familyapp.core.db import db
from familyapp.core.models import ServerSession

COOKIE_NAME = "familyapp_session"
# Sent by the offline copy's background fetches (static/js/shared/offline-copy.js): such a
# request may add what a page needs (a CSRF token) but removes nothing from the session (a
# "Saved." message stays for the page the person sees) and is not activity (it does not hold
# the idle timeout off while a tab sits open).
PREFETCH_HEADER = "X-Familyapp-Prefetch"
# Where open_session leaves the database error it met, for raise_if_unavailable to raise.
UNAVAILABLE = "familyapp.session_unavailable"
# How stale a session's idle clock may be: refreshed at most once a minute (a write saved).
_TOUCH = timedelta(seconds=60)


class DbSession(CallbackDict[str, Any], SessionMixin):
    """The session dict of one request, backed by a ServerSession row."""

    def __init__(self, stored: str | None = None, token: str | None = None) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(json.loads(stored) if stored else {}, on_update)
        # What the row held when this request began: only what the request changed is written
        # back, so two requests at once (a form post and a background fetch) lose nothing.
        # A copy of its own: flash() appends to a list in place.
        self.original: dict[str, Any] = json.loads(stored) if stored else {}
        self.token = token
        self.modified = False
        self.rotate = False
        self.destroy = False
        self.new = token is None
        self.frozen = False  # never written back, and the cookie is left as it is

    def regenerate(self) -> None:
        """Give this session a new id (at sign-in), so a planted id is worthless."""
        self.rotate = True
        self.modified = True

    def end(self) -> None:
        """Delete this session on the server and clear the cookie."""
        self.destroy = True
        self.modified = True


@dataclass(frozen=True)
class _Stored:
    """What a request needs of a session row and its user, as remembered between requests."""

    data: str  # as JSON: each request is given its own copy (json.loads beats deepcopy)
    created_at: datetime
    last_seen_at: datetime
    user: Any  # generation.snapshot of the user, or None


class DbSessionInterface(SessionInterface):
    """Flask session interface storing sessions in the server_sessions table."""

    def __init__(self, idle_seconds: int, absolute_seconds: int, owner: type[Any]) -> None:
        self.idle = timedelta(seconds=idle_seconds)
        self.absolute = timedelta(seconds=absolute_seconds)
        # `owner` is the mapped class of the session's user (accounts' User, given by the app
        # factory: core does not import features). Read in the same query as the session, it is
        # in the identity map when Flask-Login loads the user, which then costs no query of its
        # own. Built once: making the statement anew on each request cost as much as running it.
        self._query = (
            select(ServerSession, owner)
            .outerjoin(owner, owner.id == ServerSession.user_id)
            .where(ServerSession.id == bindparam("digest"))
        )

    def open_session(self, app: Flask, request: Request) -> DbSession:
        """Load the session named by the cookie, or start an empty one."""
        token = request.cookies.get(COOKIE_NAME)
        if not token or len(token) > 100:
            return DbSession()
        now = clock.utcnow()
        digest = ids.token_digest(token)
        try:
            # Remembered per process until the data generation moves (a write anywhere), and
            # read afresh once its idle clock is a minute old (the clock moves without a write).
            stored = generation.remember(
                "session",
                digest,
                lambda: self._read(digest),
                stale=lambda found: found is not None and now - found.last_seen_at > _TOUCH,
            )
            if stored is not None and (
                now - stored.last_seen_at > self.idle or now - stored.created_at > self.absolute
            ):
                db.session.execute(delete(ServerSession).where(ServerSession.id == digest))
                generation.changed()
                db.session.commit()
                return DbSession()
        except OperationalError as error:
            # The database is down. An empty session would look signed out and its cookie
            # would replace the real one: keep the cookie and answer 503 instead.
            db.session.rollback()
            request.environ[UNAVAILABLE] = error
            frozen = DbSession(token=token)
            frozen.frozen = True
            return frozen
        if stored is None:
            return DbSession()
        generation.attach(stored.user)  # Flask-Login's user loader finds it: no query
        session = DbSession(stored.data, token=token)
        # Refresh the idle clock at most once a minute, to spare a write per request.
        if now - stored.last_seen_at > _TOUCH:
            session.modified = True
        return session

    def _read(self, digest: str) -> _Stored | None:
        found = db.session.execute(self._query, {"digest": digest}).first()
        if found is None:
            return None
        row, user = found
        return _Stored(
            json.dumps(row.data or {}), row.created_at, row.last_seen_at, generation.snapshot(user)
        )

    @staticmethod
    def raise_if_unavailable() -> None:
        """Before each request: the database error the session met, for a 503 answer."""
        error = request.environ.get(UNAVAILABLE)
        if error is not None:
            raise error

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Write the session row and set (or clear) the cookie."""
        assert isinstance(session, DbSession)
        if session.frozen:
            return
        secure = _is_secure()
        if session.destroy:
            if session.token:
                db.session.execute(
                    delete(ServerSession).where(ServerSession.id == ids.token_digest(session.token))
                )
                generation.changed()
                db.session.commit()
            response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True)
            return
        if not session.modified:
            return
        if not session and session.new:
            return
        prefetch = bool(request.headers.get(PREFETCH_HEADER))
        changed, removed = _changes(session, prefetch)
        if prefetch and not (changed or session.rotate or session.new):
            return
        now = clock.utcnow()
        row = None
        if session.token and not session.rotate:
            # Read afresh (and lock on PostgreSQL): another request may have written meanwhile.
            row = db.session.get(
                ServerSession,
                ids.token_digest(session.token),
                populate_existing=True,
                with_for_update=True,
            )
        if session.token and session.rotate:
            db.session.execute(
                delete(ServerSession).where(ServerSession.id == ids.token_digest(session.token))
            )
            generation.changed()
        if row is None and session.token and not session.rotate:
            # The row was deleted while this request ran (signed out elsewhere, password
            # changed): the session is over and must not be brought back by this write.
            response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True)
            return
        fresh = row is None
        if row is None:
            session.token = ids.new_token()
            row = ServerSession(id=ids.token_digest(session.token), created_at=now)
            db.session.add(row)
            data = dict(session)
        else:
            data = {k: v for k, v in (row.data or {}).items() if k not in removed}
            data.update(changed)
            if changed or removed:  # more than the idle clock: remembered copies are stale
                generation.changed()
        row.data = data
        if fresh or not prefetch:
            row.last_seen_at = now
        user_id = data.get("_user_id")
        row.user_id = uuid.UUID(user_id) if user_id else None
        row.ip = (request.remote_addr or "")[:64]
        row.user_agent = (request.user_agent.string or "")[:300]
        db.session.commit()
        assert session.token is not None
        response.set_cookie(
            COOKIE_NAME,
            session.token,
            httponly=True,
            samesite="Lax",
            secure=secure,
            path="/",
            # On a shared device the cookie dies with the browser: the next person finds no
            # session (the server-side timeouts still apply either way).
            max_age=None if data.get("shared_device") else int(self.absolute.total_seconds()),
        )


def _changes(session: DbSession, prefetch: bool) -> tuple[dict[str, Any], set[str]]:
    """What this request set and what it removed, compared with the row it read."""
    before = session.original
    if prefetch:
        return {k: v for k, v in session.items() if k not in before}, set()
    changed = {k: v for k, v in session.items() if k not in before or before[k] != v}
    return changed, {k for k in before if k not in session}


def _is_secure() -> bool:
    return bool(request.is_secure)


def end_user_sessions(user_id: uuid.UUID, keep_token: str | None = None) -> int:
    """Delete every session of a user (except, optionally, the current one)."""
    stmt = delete(ServerSession).where(ServerSession.user_id == user_id)
    if keep_token:
        stmt = stmt.where(ServerSession.id != ids.token_digest(keep_token))
    result = db.session.execute(stmt)
    return _ended(int(getattr(result, "rowcount", 0) or 0))


def user_sessions(user_id: uuid.UUID) -> list[ServerSession]:
    """The live sessions of a user, newest first."""
    stmt = (
        select(ServerSession)
        .where(ServerSession.user_id == user_id)
        .order_by(ServerSession.last_seen_at.desc())
    )
    return list(db.session.scalars(stmt))


def end_session_by_digest(user_id: uuid.UUID, digest: str) -> bool:
    """End one of a user's own sessions by its stored id."""
    stmt = delete(ServerSession).where(ServerSession.user_id == user_id, ServerSession.id == digest)
    result = db.session.execute(stmt)
    return bool(_ended(int(getattr(result, "rowcount", 0) or 0)))


def purge_expired(idle_seconds: int, absolute_seconds: int) -> int:
    """Delete sessions past their idle or absolute timeout."""
    now = clock.utcnow()
    stmt = delete(ServerSession).where(
        (ServerSession.last_seen_at < now - timedelta(seconds=idle_seconds))
        | (ServerSession.created_at < now - timedelta(seconds=absolute_seconds))
    )
    result = db.session.execute(stmt)
    return _ended(int(getattr(result, "rowcount", 0) or 0))


def _ended(count: int) -> int:
    if count:  # sessions remembered by the workers are over: their next request must see it
        generation.changed()
    return count


def digest_of(token: str | None) -> str | None:
    """The stored id of the session with this cookie token."""
    return ids.token_digest(token) if token else None


def sign_in(user: Any) -> None:
    """Start a signed-in session with a fresh id (no session fixation) and a fresh CSRF token."""
    lang = session.get("lang")
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]
    login_user(user)
    if lang:
        session["lang"] = lang


def sign_out() -> None:
    """End the current session on the server, not only in the browser."""
    logout_user()
    session.end()  # type: ignore[attr-defined]
