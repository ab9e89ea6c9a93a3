"""one batch per input: two issuers racing on the same command cannot both create it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_batches_input_sha256"), "batches", ["input_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_batches_input_sha256"), table_name="batches")
