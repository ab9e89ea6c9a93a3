"""Alembic environment: always run by microcred.store._migrate with a live connection."""

from __future__ import annotations

from alembic import context

from microcred.store._models import Base


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("microcred migrations run through microcred.store.open_store only")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        transactional_ddl=True,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run_online()
