"""Every migration is tested: upgrade from empty, the result matches the models, downgrade."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from familyapp import import_models
from familyapp.core import migrate
from familyapp.core.db import Base
from tests.conftest import PG_URL, make_pg_database


# The PostgreSQL case runs in the suite's PostgreSQL pass, where the server URL is known.
@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url, drop = make_pg_database()
    yield url
    drop()


def test_upgrade_matches_models_and_downgrade_empties(empty_database):
    import_models()
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        assert migrate.current_heads(empty_database)
        migrate.downgrade(empty_database, "base")
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        migrate.upgrade(empty_database)  # and up again
        assert "users" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
