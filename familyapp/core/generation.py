"""The data generation: one number the database raises with every committed write, which lets
each process reuse what it read until anything changes.

Every signed-in request used to read, whatever the page: its session and user, the person's
memberships (so a revoked role is refused on the very next request, in every worker), whose a
child is, then the page's own rows. On a read-mostly app (a parent opening the plan again and
again) these are the same rows each time. Each worker now remembers them (`remember`) under
the generation it read them at, and one short query per request tells whether that is still
the current one. Nothing remembered can be served stale:

- Every statement that writes is seen at the engine (`after_cursor_execute`), whichever way it
  was made (ORM flush, Core, text), and marks its connection; when that connection commits,
  the number is raised in the same transaction, just before COMMIT, so readers see the new
  number exactly when they can see the new rows, and its row lock is held a moment and always
  taken last (no deadlock with the rows the transaction wrote).
- The number is read before anything remembered is looked up or loaded, so what is kept under
  a number is at least as new as that number.
- A request that has written stops using (and keeping) remembered values until its commit,
  and reads the number again after it: it sees its own writes.
- Tables written on reads (the audit log, rate-limit hits, a session's idle clock) raise
  nothing: nothing remembered is made of them. Sessions raise it where they change what a
  request may do: core/sessions.py calls `changed` when it ends one or changes its data.
- Rows changed by hand in the database (psql) are not seen: restart the app after doing so.

The cost: with writes spread over every family, the number changes often and the memory helps
less; it never helps a wrong answer through. Each process keeps at most `MEMO_ENTRIES` values.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached

from familyapp.core.db import db
from familyapp.core.lru import SizedLRU

EXTENSION = "familyapp.memo"
CONFIG_ENTRIES = "MEMO_ENTRIES"
# About four per person active at one generation (session with user, grants, a child, a page
# slot), measured at 0.3-5 KiB each: about 10 MiB at most; old generations' entries go first.
DEFAULT_ENTRIES = 5_000
# Written while reading (an audit row for each read, a session's idle clock, a throttle count)
# or the generation itself: nothing remembered is made of them.
UNTRACKED = frozenset({"audit_events", "rate_limit_hits", "server_sessions", "data_generation"})
# The connection wrote since its transaction began (in Connection.info, cleared at its end).
WROTE = "familyapp.wrote"
# The number this session read (in Session.info, dropped when its own commit raised it).
SEEN = "familyapp.generation"
# The connection of the session's transaction, while it has one.
CONNECTION = "familyapp.connection"
_WRITE_TEXT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE)\b", re.IGNORECASE)
# Where the generation is read on a pooled connection of its own (see `_read`).
_POOLED_READ_DIALECT = "sqlite"
_READ_TEXT = "SELECT value FROM data_generation WHERE id = 1"
_RAISE_TEXT = "UPDATE data_generation SET value = value + 1 WHERE id = 1"
T = TypeVar("T")
# The app's engines. Others (Alembic's, during migrations: the table may not exist yet) are
# left alone unless a caller marks a transaction itself (`changed`).
_WATCHED: weakref.WeakSet[Engine] = weakref.WeakSet()


def init_app(app: Flask) -> None:
    """Give the app its memory of what it read (0 entries turns it off), and watch its engine."""
    app.config.setdefault(CONFIG_ENTRIES, DEFAULT_ENTRIES)
    app.extensions[EXTENSION] = SizedLRU(int(app.config[CONFIG_ENTRIES]))
    if db.engine is not None:
        _WATCHED.add(db.engine)


def memo_of(app: Flask) -> SizedLRU:
    """The app's remembered values (keyed by kind, key and generation)."""
    found: SizedLRU = app.extensions[EXTENSION]
    return found


def changed(connection: Connection | None = None) -> None:
    """Note that this transaction (of the request's session, or `connection`) changed what the
    engine cannot see changing (a session ended, its data changed): its commit raises the
    generation."""
    (connection or db.session.connection()).info[WROTE] = True


def current() -> int | None:
    """The generation this request may use remembered values at; None when it may not (it has
    written and not committed, or the database has no generation row)."""
    session = db.session()
    connection: Connection | None = session.info.get(CONNECTION)
    if connection is not None and connection.info.get(WROTE):
        return None
    if SEEN not in session.info:
        if connection is None and _engine().dialect.name != _POOLED_READ_DIALECT:
            # A server database: a connection of its own would cost round trips (the pool's
            # ping, the rollback on return) twice in a request that goes on to query.
            connection = session.connection()
        session.info[SEEN] = _read(connection)
    found: int | None = session.info[SEEN]
    return found


def _engine() -> Engine:
    assert db.engine is not None
    return db.engine


def _read(connection: Connection | None) -> int | None:
    # On the DBAPI cursor: this runs on every request, and SQLAlchemy's statement machinery
    # took longer than the read. In the session's transaction when it has begun one; else (on
    # SQLite, where taking a pooled connection is cheap) on a connection of its own, so a
    # request served from memory never starts a session transaction (that alone cost four
    # times the read).
    engine = _engine()
    raw = connection.connection if connection is not None else engine.raw_connection()
    driver_error = engine.dialect.loaded_dbapi.Error
    try:
        row = _fetch(raw)
    except driver_error as error:
        # As SQLAlchemy would have raised it, so a database that went away is answered with
        # 503 like any other query's failure (core/sessions.py, core/errors.py).
        raise DBAPIError.instance(_READ_TEXT, None, error, driver_error) from error
    finally:
        if connection is None:
            raw.close()  # back to the pool
    return row[0] if row is not None else None


def _fetch(raw: Any) -> Any:
    cursor = raw.cursor()
    try:
        cursor.execute(_READ_TEXT)
        return cursor.fetchone()
    finally:
        cursor.close()


def recall(kind: str, key: Hashable) -> tuple[Any, int | None]:
    """What `keep` stored for `key` at the current generation (None if nothing), and that
    generation (None when this request may not use remembered values)."""
    found, generation = _lookup(kind, key)
    return (found[0] if found is not None else None), generation


def _lookup(kind: str, key: Hashable) -> tuple[tuple[Any] | None, int | None]:
    # The stored 1-tuple (so a remembered None is told from nothing), and the generation.
    memo = memo_of(current_app)
    generation = current() if memo.max_size else None
    if generation is None:
        return None, None
    found: tuple[Any] | None = memo.get((kind, key, generation))
    return found, generation


def keep(kind: str, key: Hashable, generation: int | None, value: Any) -> None:
    """Remember `value`, read after `recall` gave `generation`, unless something was written
    since (then it may be older than the data, or newer than the number)."""
    if generation is not None and current() == generation:
        memo_of(current_app).put((kind, key, generation), (value,), 1)


def remember(
    kind: str,
    key: Hashable,
    load: Callable[[], T],
    stale: Callable[[T], bool] | None = None,
) -> T:
    """`load()`, or what it gave before at the current generation in this process (loaded
    again when `stale` says so of it: a value that ages without a write, like a session)."""
    found, generation = _lookup(kind, key)
    if generation is None:
        return load()
    if found is None or (stale is not None and stale(found[0])):
        found = (load(),)
        keep(kind, key, generation, found[0])
    value: T = found[0]
    return value


def snapshot(row: Any) -> tuple[type[Any], dict[str, Any]] | None:
    """A row's loaded column values, safe to share between threads (for `attach`)."""
    if row is None:
        return None
    mapper = type(row).__mapper__
    values = {attr.key: row.__dict__[attr.key] for attr in mapper.column_attrs}
    return type(row), values


def attach(frozen: tuple[type[Any], dict[str, Any]] | None) -> Any:
    """A row of this request's session made from a snapshot, without a query."""
    if frozen is None:
        return None
    model, values = frozen
    mapper = model.__mapper__
    identity = mapper.identity_key_from_primary_key(
        [values[column.key] for column in mapper.primary_key]
    )
    session = db.session()
    present = session.identity_map.get(identity)
    if present is not None:
        return present
    row = mapper.class_manager.new_instance()
    # As a query loads a row: the values straight into its dict, so they count as loaded.
    # Copies of mutable ones (JSON columns): a request changing its row in place must not
    # change what other requests are given.
    row.__dict__.update({name: _copied(value) for name, value in values.items()})
    make_transient_to_detached(row)
    session.add(row)
    db.keep(row)
    return row


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


@event.listens_for(Engine, "after_cursor_execute")
def _note_write(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if connection.engine not in _WATCHED:
        return
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        if getattr(table, "name", None) in UNTRACKED:
            return
        connection.info[WROTE] = True
    elif _WRITE_TEXT.match(statement):  # text SQL: which table is not known, so count it
        connection.info[WROTE] = True


@event.listens_for(Engine, "commit")
def _raise_on_commit(connection: Connection) -> None:
    # Fired just before the database commits, whoever commits (a session, a raw connection):
    # on the DBAPI cursor, as the transaction's last statement (its row lock held a moment).
    if not connection.invalidated and connection.info.pop(WROTE, False):
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_RAISE_TEXT)
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _rolled_back(connection: Connection) -> None:
    # A connection lost mid-transaction is rolled back as invalid: its info cannot be read
    # then. A flag left behind costs at most one needless raise, or memory unused until then.
    if not connection.invalidated:
        connection.info.pop(WROTE, None)


@event.listens_for(Session, "after_commit")
def _read_again(session: Session) -> None:
    session.info.pop(SEEN, None)  # its own commit may have raised it


@event.listens_for(Session, "after_begin")
def _note_connection(session: Session, _transaction: Any, connection: Connection) -> None:
    session.info[CONNECTION] = connection


@event.listens_for(Session, "after_transaction_end")
def _forget_connection(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost: its connection goes back to the pool
        session.info.pop(CONNECTION, None)
