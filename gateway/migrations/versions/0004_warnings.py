"""early warnings: desa subscriptions, warnings (the audit log) and their recipients

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("village_code", sa.String(length=13), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_subscriptions")),
        sa.UniqueConstraint("phone", "village_code", name=op.f("uq_warning_subscriptions_phone")),
    )
    op.create_index(op.f("ix_warning_subscriptions_village_code"), "warning_subscriptions", ["village_code"])
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("queued_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("key", name=op.f("uq_warnings_key")),
    )
    op.create_table(
        "warning_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("outbound_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_recipients_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_recipients")),
        sa.UniqueConstraint("warning_id", "phone", name=op.f("uq_warning_recipients_warning_id")),
    )
    op.create_index("ix_warning_recipients_warning_outbound", "warning_recipients", ["warning_id", "outbound_id"])


def downgrade() -> None:
    op.drop_index("ix_warning_recipients_warning_outbound", table_name="warning_recipients")
    op.drop_table("warning_recipients")
    op.drop_table("warnings")
    op.drop_index(op.f("ix_warning_subscriptions_village_code"), table_name="warning_subscriptions")
    op.drop_table("warning_subscriptions")
