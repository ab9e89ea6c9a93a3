"""Alembic, configured in code: the migrations ship inside the package (no alembic.ini)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every microcred process.
_PG_MIGRATION_LOCK = 0x6D696372  # "micr"


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config pointing at the bundled migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction, one process at a time."""
    with engine.begin() as connection:
        _lock_against_other_migrators(connection)
        command.upgrade(alembic_config(connection), "head")


def _lock_against_other_migrators(connection: Connection) -> None:
    # SQLite is already locked by BEGIN IMMEDIATE; PostgreSQL needs an explicit lock, or two
    # processes opening an empty database would both try to create the tables.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
