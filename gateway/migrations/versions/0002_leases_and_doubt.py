"""leases on running jobs and sending SMS; SMS in doubt

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", gateway.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", gateway.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("doubt_resends", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("doubt_resends")
        batch_op.drop_column("lease_until")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
