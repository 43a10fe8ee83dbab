"""carelog indexes: the program view's GROUP BY read from an index on SQLite

Revision ID: 0007_carelog_indexes
Revises: 0006_carelog
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_carelog_indexes"
down_revision = "0006_carelog"
branch_labels = None
depends_on = None

# (child, UTC month, class, who, minutes, start, deleted): the program view groups by the
# first four in this order, so SQLite streams the groups out of the index instead of sorting
# a year of entries (docs/performance.md). The month is written exactly as reports.py writes
# it. PostgreSQL aggregates by hashing and gets no such index.
COLUMNS = [
    "child_id",
    sa.text("substr(started_at, 1, 7)"),
    "care_class",
    "performed_by",
    "minutes",
    "started_at",
    "deleted_at",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_care_entries_child_month", "care_entries", COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_care_entries_child_month", table_name="care_entries")
