"""The `familyapp` command: run, demo, db, reminders, wages, translations, maintenance."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
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
    from familyapp.surveys import service as surveys

    surveys.install_bundled()  # the public-domain survey every program may send
    if with_demo:
        from familyapp.demo import create_demo

        create_demo()


@main.command("demo")
def demo_command() -> None:
    """Create the demo family (idempotent). Logins are in README.md."""
    _prepare(with_demo=True)
    click.echo(
        "demo family ready: parent@example.org / nurse@example.org / "
        "coordinator@example.org (two-step: the code is shown on the sign-in page) / "
        "chidi@example.org (a teen), password familyapp-demo"
    )


def _maintenance_loop(app: Flask, stop: threading.Event, every_seconds: int = 30) -> None:
    # The embedded default runs background work in-process (design.md, Push reminders):
    # reminders are delivered, expired sessions and old rate-limit hits purged.
    from familyapp.core import ratelimit, sessions
    from familyapp.core.db import db as database
    from familyapp.push import reminders as queue

    with app.app_context():
        settings = app.extensions["familyapp.settings"]
        sender = queue.sender_for(settings.instance_path, settings.vapid_subject)
    while not stop.wait(every_seconds):
        _reminder_tick(app, sender, _threads(settings, None))
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


@main.group()
def reminders() -> None:
    """Push reminders: deliver what is due."""


def _threads(settings: Any, asked: int | None) -> int:
    # Sends wait on the network, so threads overlap them; SQLite has one writer at a time and
    # gains nothing from them (benchmarks/push_delivery.py), PostgreSQL does.
    if asked:
        return asked
    return 1 if settings.is_sqlite else 4


def _reminder_tick(app: Flask, sender: Any, threads: int = 1) -> Any:
    from familyapp.core.db import db as database
    from familyapp.push import reminders as queue

    with app.app_context():
        try:
            return queue.send_due(sender, threads=threads)
        except Exception:  # keep a worker alive; the next tick retries
            log.exception("reminder tick failed")
            database.session.rollback()
            return None
        finally:
            database.remove()


THREADS_HELP = "Threads sending at once (default: 1 on SQLite, 4 on PostgreSQL)."


@reminders.command("send")
@click.option("--once", is_flag=True, help="Deliver everything due, then exit (the default).")
@click.option("--threads", type=int, default=None, help=THREADS_HELP)
def reminders_send(once: bool, threads: int | None) -> None:
    """Deliver every reminder that is due now, then exit."""
    from familyapp.push import reminders as queue

    settings = _settings()
    sender = queue.sender_for(settings.instance_path, settings.vapid_subject)
    try:
        result = queue.send_due(sender, threads=_threads(settings, threads))
    finally:
        sender.close()
    click.echo(
        f"sent {result.sent}, retrying {result.retried}, failed {result.failed}, "
        f"expired devices {result.gone}, deferred {result.deferred}, dropped {result.dropped}"
    )


@reminders.command("worker")
@click.option("--every", default=30, show_default=True, type=int, help="Seconds between runs.")
@click.option("--threads", type=int, default=None, help=THREADS_HELP)
def reminders_worker(every: int, threads: int | None) -> None:
    """Deliver reminders in a loop (run beside the web servers; several may run at once)."""
    from familyapp.push import reminders as queue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = _settings()
    sender = queue.sender_for(settings.instance_path, settings.vapid_subject)
    stop = threading.Event()
    click.echo(f"reminder worker: every {every} s (Ctrl-C stops)")
    try:
        while True:
            _reminder_tick(app, sender, _threads(settings, threads))
            if stop.wait(every):
                break
    except KeyboardInterrupt:
        pass
    finally:
        sender.close()


@main.group()
def wages() -> None:
    """Wage tables the care-log reports value care hours with (the administrator's to set)."""


def _echo_rates(rates: Any) -> None:
    from flask_babel import gettext as _

    from familyapp.carelog import valuation

    if rates is valuation.DEFAULT_RATES:
        click.echo(_("Built-in defaults (no wage table saved yet)."))
    click.echo(_("Region: %(region)s, year: %(year)s", region=rates.region, year=rates.year))
    click.echo(_("Source: %(source)s", source=rates.source))
    for label, amount in (
        (_("Home health aide"), rates.aide),
        (_("Licensed practical nurse"), rates.lpn),
        (_("Registered nurse"), rates.rn),
        (_("All occupations"), rates.all_occupations),
        (_("Minimum wage"), rates.minimum),
    ):
        click.echo(_("%(label)s: %(amount)s an hour", label=label, amount=amount))
    click.echo(_("Minimum wage source: %(source)s", source=rates.minimum_source))


@wages.command("show")
def wages_show() -> None:
    """Print the wage rates in force, with their region, year and source."""
    from familyapp.carelog import household

    _echo_rates(household.rates_in_force())


@wages.command("set")
@click.option("--region", help="Where the rates apply, e.g. US.")
@click.option("--year", help="The year of the rates, 2000 to 2100.")
@click.option("--source", help="Where the rates come from (shown beside every figure).")
@click.option("--aide", help="Home health aide, hourly (SOC 31-1120).")
@click.option("--lpn", help="Licensed practical nurse, hourly (SOC 29-2061).")
@click.option("--rn", help="Registered nurse, hourly (SOC 29-1141).")
@click.option("--all-occupations", help="All occupations, hourly: the default caregiver wage.")
@click.option("--minimum", help="The minimum wage, hourly.")
@click.option("--minimum-source", help="Where the minimum wage comes from.")
def wages_set(**options: str | None) -> None:
    """Validate a wage table and put it in force; nothing is saved if any value is wrong."""
    from flask_babel import gettext as _
    from marshmallow import ValidationError

    from familyapp.carelog import household, schemas, valuation

    given = {name: value for name, value in options.items() if value is not None}
    try:
        data = schemas.WageTableSchema().load(given)
    except ValidationError as error:
        # Option names are the schema's field names with dashes (--all-occupations).
        assert isinstance(error.messages, dict)
        for name, messages in sorted(error.messages.items()):
            for message in messages if isinstance(messages, list) else [messages]:
                click.echo(f"--{name.replace('_', '-')}: {message}", err=True)
        raise click.ClickException(_("The wage table was not saved.")) from None
    household.save_wage_table(valuation.WageRates(**data))
    click.echo(_("Wage table saved and in force:"))
    _echo_rates(household.rates_in_force())


@main.command("bench-data")
@click.option("--families", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--care-years", type=click.FloatRange(0, 10), default=2.0, show_default=True)
@click.option("--care-per-day", type=click.IntRange(0, 6), default=1, show_default=True)
def bench_data_command(families: int, care_years: float, care_per_day: int) -> None:
    """Add synthetic families (plans, 3 years of appointments, care entries) for benchmarks."""
    from flask_babel import gettext as _

    from familyapp.surveys import service as surveys
    from familyapp.system import bench_data

    migrate.upgrade(_settings().database_url)
    surveys.install_bundled()

    def progress(done: int, seconds: float) -> None:
        click.echo(_("%(done)s families in %(seconds)s s", done=done, seconds=round(seconds)))

    filled = bench_data.fill(
        families, care_years=care_years, care_per_day=care_per_day, progress=progress
    )
    click.echo(
        _(
            "Added %(families)s families (%(rows)s rows) in %(seconds)s s. Guardians sign in as "
            "bench<number>@example.org with the password %(password)s.",
            families=filled.families,
            rows=sum(filled.rows.values()),
            seconds=round(filled.seconds, 1),
            password=bench_data.PASSWORD,
        )
    )


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(path: Path) -> None:
    """Write every table to PATH (a zip) from one consistent snapshot."""
    from flask_babel import gettext as _

    from familyapp.core.db import db as database
    from familyapp.system import backup

    assert database.engine is not None
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        summary = backup.backup(database.engine, out)
    partial.replace(path)  # a backup cut short never takes the name of a good one
    click.echo(
        _(
            "Backup written to %(path)s: %(rows)s rows in %(tables)s tables, schema %(revision)s.",
            path=path,
            rows=summary.rows,
            tables=len(summary.tables),
            revision=summary.revision,
        )
    )
    click.echo(_("It holds health information: keep it as safe as the database itself."))
    click.echo(_("Keep the instance folder's keys with it (secret_key, vapid_*.pem)."))


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete what the database holds first.")
def restore_command(path: Path, replace: bool) -> None:
    """Load a backup made by `familyapp backup`: all of it, or nothing."""
    from flask_babel import gettext as _

    from familyapp.core.db import db as database
    from familyapp.system import backup

    assert database.engine is not None
    url = _settings().database_url
    try:
        if not migrate.current_heads(url):
            # A new database gets the schema the backup was made with; newer migrations run
            # after the data is in, as they would have on the old server.
            migrate.upgrade(url, backup.revision_of(path) or "head")
        summary = backup.restore(database.engine, path, replace=replace)
    except backup.BackupError as error:
        raise click.ClickException(_("Nothing was restored: %(why)s", why=error)) from error
    migrate.upgrade(url)
    click.echo(
        _(
            "Restored %(rows)s rows in %(tables)s tables from %(path)s.",
            rows=summary.rows,
            tables=len(summary.tables),
            path=path,
        )
    )


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
            " (two-step: the code is shown on the sign-in page), chidi@example.org (a teen);"
            " password familyapp-demo"
        )
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="familyapp")
    finally:
        stop.set()


# Catalog upkeep (design.md, Languages): the same options as the pybabel commands in the docs,
# run from the checkout that holds babel.cfg, templates and the familyapp package.
EXTRACT_OPTIONS = (
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "--no-location",
    "--sort-output",
    "--project",
    "Familyapp",
    "--copyright-holder",
    "Familyapp contributors",
)


def _catalog_paths() -> tuple[Path, Path]:
    """The checkout root (holding babel.cfg) and its translations folder."""
    from familyapp.core.paths import resource_dir

    folder = resource_dir("translations")
    return folder.parent, folder


def _pybabel(*args: str) -> None:
    """Run one pybabel command in-process; a non-zero status becomes a CLI error."""
    from babel.messages.frontend import CommandLineInterface

    status = CommandLineInterface().run(["pybabel", *args])
    if status:
        raise click.ClickException(f"pybabel {args[0]} failed (exit status {status})")


def _compile_catalogs(folder: Path) -> None:
    """Compile every catalog under `folder`, with statistics."""
    _pybabel("compile", "--statistics", "-d", str(folder))


@main.group()
def translations() -> None:
    """Translation catalogs: extract new strings, update and compile them."""


@translations.command("extract", with_appcontext=False)
def translations_extract() -> None:
    """Extract strings, update and compile catalogs."""
    # update runs with --no-fuzzy-matching: a guessed translation is worse than none.
    root, folder = _catalog_paths()
    config = root / "babel.cfg"
    if not config.is_file():
        raise click.ClickException(f"{config} not found: extract from a source checkout")
    template = folder / "messages.pot"
    _pybabel("-q", "extract", "-F", str(config), *EXTRACT_OPTIONS, "-o", str(template), str(root))
    _pybabel("update", "-i", str(template), "-d", str(folder), "--no-fuzzy-matching")
    _compile_catalogs(folder)
    click.echo(f"catalogs in {folder} extracted, updated and compiled")


@translations.command("update", with_appcontext=False)
@click.option("--init", "new_locale", default="", help="Start a catalog for a new language.")
def translations_update(new_locale: str) -> None:
    """Bring every catalog in step with messages.pot (or start one with --init LOCALE)."""
    _, folder = _catalog_paths()
    template = folder / "messages.pot"
    if new_locale:
        _pybabel("init", "-i", str(template), "-d", str(folder), "-l", new_locale)
    _pybabel("update", "-i", str(template), "-d", str(folder), "--no-fuzzy-matching")
    _compile_catalogs(folder)
    click.echo(f"catalogs in {folder} updated from {template.name} and compiled")


@translations.command("compile", with_appcontext=False)
def translations_compile() -> None:
    """Compile each messages.po to messages.mo."""
    _, folder = _catalog_paths()
    _compile_catalogs(folder)
    click.echo(f"catalogs in {folder} compiled")
