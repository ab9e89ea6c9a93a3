"""a batch remembers its output directory; an anchor remembers who anchored it

Both let a lost output directory be rebuilt from the records alone (with the same
specification and learners file): the directory names the batch, the anchoring address
completes each credential's anchor proof without asking the ledger.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as table:
        table.add_column(sa.Column("out_dir", sa.String(length=4096), nullable=True))
    with op.batch_alter_table("anchors") as table:
        table.add_column(sa.Column("anchored_by", sa.String(length=42), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("anchors") as table:
        table.drop_column("anchored_by")
    with op.batch_alter_table("batches") as table:
        table.drop_column("out_dir")
