"""open_store: the one place that turns a database URL into an engine, migrated to head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from microcred.store._errors import StoreError
from microcred.store._migrate import upgrade_to_head

DATABASE_FILE_NAME = "microcred.db"
_SQLITE_BUSY_TIMEOUT_SECONDS = 60
_SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class Store:
    """An open records store; ``transaction()`` gives a session committed on success."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: commit when the block ends, roll back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def default_store_url(home: Path) -> str:
    """The SQLite database in the issuer's home directory."""
    return f"sqlite:///{home / DATABASE_FILE_NAME}"


def open_store(url: str) -> Store:
    """Connect to ``url`` (sqlite:///… or postgresql+psycopg://…) and migrate it to head."""
    engine = _engine(url)
    try:
        upgrade_to_head(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open or migrate the store at {_safe(url)}: {exc}") from exc
    return Store(engine)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED_BACKENDS:
        raise StoreError(f"unsupported database {backend!r}; use one of {_SUPPORTED_BACKENDS}")
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if not database or database == ":memory:":
        raise StoreError("the store needs a SQLite file, not an in-memory database")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that reads and then writes fails
    # with SQLITE_BUSY (no waiting) when another process wrote in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
