"""The `familyapp` command: run, demo, db, maintenance."""

from __future__ import annotations

import logging
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command

from familyapp import create_app
from familyapp.core import migrate

log = logging.getLogger("familyapp")


def _settings() -> Any:
    return current_app.extensions["familyapp.settings"]


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def main() -> None:
    """Familyapp: the shared plan of care for children with medical complexity."""


main.add_command(shell_command)
main.add_command(routes_command)


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations (to the newest by default)."""
    migrate.upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' empties the database)."""
    migrate.downgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


def _prepare(with_demo: bool) -> None:
    """Migrations, keys and (optionally) the demo family: what a first run needs."""
    from familyapp.push.service import ensure_vapid_keys

    settings = _settings()
    migrate.upgrade(settings.database_url)
    ensure_vapid_keys(settings.instance_path)
    if with_demo:
        from familyapp.demo import create_demo

        create_demo()


@main.command("demo")
def demo_command() -> None:
    """Create the demo family (idempotent). Logins are in README.md."""
    _prepare(with_demo=True)
    click.echo(
        "demo family ready: parent@example.org / nurse@example.org / "
        "coordinator@example.org, password familyapp-demo"
    )


def _maintenance_loop(app: Flask, stop: threading.Event, every_seconds: int = 60) -> None:
    # The embedded default runs background work in-process (design.md, Push reminders):
    # expired sessions and old rate-limit hits are purged here; reminders join later.
    from familyapp.core import ratelimit, sessions
    from familyapp.core.db import db as database

    while not stop.wait(every_seconds):
        with app.app_context():
            try:
                settings = app.extensions["familyapp.settings"]
                sessions.purge_expired(
                    settings.session_idle_seconds, settings.session_absolute_seconds
                )
                ratelimit.purge()
                database.session.commit()
            except Exception:  # keep the loop alive; the next tick retries
                log.exception("maintenance tick failed")
                database.session.rollback()
            finally:
                database.remove()


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Create the demo family first.")
@click.option("--threads", default=8, show_default=True, type=int)
def run_command(host: str, port: int, demo: bool, threads: int) -> None:
    """Serve the app with a production WSGI server (waitress) and run background work."""
    import waitress

    _prepare(with_demo=demo)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    worker = threading.Thread(target=_maintenance_loop, args=(app, stop), daemon=True)
    worker.start()
    click.echo(f"Familyapp on http://{host}:{port}/")
    if demo:
        click.echo(
            "demo logins: parent@example.org, nurse@example.org, coordinator@example.org"
            " (password familyapp-demo)"
        )
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="familyapp")
    finally:
        stop.set()
