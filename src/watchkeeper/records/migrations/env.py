"""Alembic environment: online migrations on the engine `migrate.upgrade` passes in.

`render_as_batch` lets the same scripts alter tables on SQLite, which cannot ALTER
most things in place.
"""

from __future__ import annotations

from alembic import context

from watchkeeper.records.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
