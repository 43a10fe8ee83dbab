"""Alembic, driven from code so `familyapp db upgrade` works from an installed wheel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def include_for(dialect: str) -> Callable[..., bool]:
    """Alembic's include_object for one dialect: indexes made for other dialects are left out."""

    # An index with info={"dialects": (...)} (and the matching ddl_if) exists only there, so
    # autogenerate and the migration test must not ask for it elsewhere.
    def include(obj: Any, _name: Any, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        only = getattr(obj, "info", {}).get("dialects")
        return type_ != "index" or not only or dialect in only

    return include


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to `revision` ('base' for an empty database)."""
    command.downgrade(alembic_config(database_url), revision)


def current_heads(database_url: str) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
