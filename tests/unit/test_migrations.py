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

pytestmark = pytest.mark.postgres


# The PostgreSQL case runs in the suite's PostgreSQL pass, where the server URL is known.
@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url, drop = make_pg_database()
    yield url
    drop()


# SQLAlchemy cannot reflect SQLite's expression indexes (ix_care_entries_child_month), so the
# comparison skips them with this warning; the test below checks that one by name instead.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_matches_models_and_downgrade_empties(empty_database):
    import_models()
    migrate.upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": migrate.include_for(conn.dialect.name)}
            )
            diff = compare_metadata(context, Base.metadata)
            if engine.dialect.name == "sqlite":
                indexes = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'ix_care_entries_child_month'"
                ).scalar()
                assert indexes is not None and "substr(started_at, 1, 7)" in indexes
        assert diff == []
        assert migrate.current_heads(empty_database)
        migrate.downgrade(empty_database, "base")
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        migrate.upgrade(empty_database)  # and up again
        assert "users" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
