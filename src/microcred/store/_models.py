"""The issuer's records as SQLAlchemy 2 ORM classes (tables, constraints, types).

Learner personal data is deliberately absent: a credential row keeps only ``learner_ref``,
the institution's own learner identifier (see docs/store-and-status.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BATCH_STATES = ("building", "signed", "pending-anchor", "anchored")
CREDENTIAL_FORMATS = ("elm", "ob3", "ob3-jwt")
STATUS_ACTIONS = ("revoke", "suspend", "reinstate")
_PURPOSES = ("revocation", "suspension")
_UUID = 36
_SHA256_HEX = 64


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the store only accepts timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime}


class Specification(Base):
    """A micro-credential specification file as it was when a batch used it."""

    __tablename__ = "specifications"
    __table_args__ = (UniqueConstraint("spec_uri", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spec_uri: Mapped[str] = mapped_column(String(500))
    source_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(_SHA256_HEX))
    title: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class Batch(Base):
    """One issuing run: one specification, one learner CSV, many credentials."""

    __tablename__ = "batches"
    __table_args__ = (CheckConstraint(_in("state", BATCH_STATES), name="state"),)

    id: Mapped[str] = mapped_column(String(_UUID), primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("specifications.id"), index=True)
    issued_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20))
    learner_count: Mapped[int] = mapped_column(Integer)
    credential_count: Mapped[int] = mapped_column(Integer, default=0)
    input_sha256: Mapped[str] = mapped_column(String(_SHA256_HEX), unique=True, index=True)
    # The resolved output directory: a rerun into it finds this batch even if the files are
    # gone (NULL for batches recorded before migration 0004).
    out_dir: Mapped[str | None] = mapped_column(String(4096))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Credential(Base):
    """One issued document; ``sha256`` stays NULL until it is signed."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("batch_id", "learner_ref", "format"),
        CheckConstraint(_in("format", CREDENTIAL_FORMATS), name="format"),
    )

    id: Mapped[str] = mapped_column(String(500), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    learner_ref: Mapped[str | None] = mapped_column(String(200), index=True)
    format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str | None] = mapped_column(String(_SHA256_HEX))
    created_at: Mapped[datetime]
    signed_at: Mapped[datetime | None]


class StatusList(Base):
    """One published bitstring; ``revision`` grows by one on every bit change."""

    __tablename__ = "status_lists"
    __table_args__ = (
        CheckConstraint(_in("purpose", _PURPOSES), name="purpose"),
        CheckConstraint("size >= 131072 AND size % 8 = 0", name="size"),
    )

    id: Mapped[str] = mapped_column(String(_UUID), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(500), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The DID that signs this list: the issuer of every credential on it (a did:key issuer
    # that rotates gets a new DID, and its old lists stay signed by the old DID's key).
    # NULL for lists opened before the first rotation: the issuer's only DID so far.
    issuer_did: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatusAllocation(Base):
    """An index taken from a list; the primary key is what makes reuse impossible."""

    __tablename__ = "status_allocations"
    __table_args__ = (
        UniqueConstraint("credential_id", "purpose"),
        CheckConstraint(_in("purpose", _PURPOSES), name="purpose"),
        CheckConstraint("status_index >= 0", name="status_index"),
    )

    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    status_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    purpose: Mapped[str] = mapped_column(String(20))
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"))
    allocated_at: Mapped[datetime]


class StatusEvent(Base):
    """An append-only record of who changed a credential's status, when and why."""

    __tablename__ = "status_events"
    __table_args__ = (
        CheckConstraint(_in("purpose", _PURPOSES), name="purpose"),
        CheckConstraint(_in("action", STATUS_ACTIONS), name="action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    list_revision: Mapped[int] = mapped_column(Integer)


class Anchor(Base):
    """A Merkle root put on a ledger for a batch or a status list version (NULLs until mined)."""

    __tablename__ = "anchors"
    __table_args__ = (
        CheckConstraint(
            "(batch_id IS NULL) <> (status_list_version_id IS NULL)", name="one_subject"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"), index=True)
    status_list_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_list_versions.id"), index=True
    )
    root_hex: Mapped[str] = mapped_column(String(_SHA256_HEX))
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    contract: Mapped[str | None] = mapped_column(String(42))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_time: Mapped[int | None] = mapped_column(BigInteger)
    anchored_by: Mapped[str | None] = mapped_column(String(42))  # NULL before migration 0004
    created_at: Mapped[datetime]
    anchored_at: Mapped[datetime | None]


class StatusListVersion(Base):
    """One published list credential: its revision, the exact signed JSON and its SHA-256."""

    __tablename__ = "status_list_versions"
    __table_args__ = (UniqueConstraint("list_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    revision: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(_SHA256_HEX))
    document: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
