"""who may do what: an agency's part done, phone links to households vouched for, DAFTAR guesses counted

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_at", gateway.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("done_by", sa.Integer(), nullable=True))
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_vouched", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("link_code", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("link_failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("link_failures_since", gateway.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_messages_phone_created", ["phone", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_phone_created")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        for column in ("link_failures_since", "link_failures", "link_code", "link_vouched"):
            batch_op.drop_column(column)
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_column("done_by")
        batch_op.drop_column("done_at")
