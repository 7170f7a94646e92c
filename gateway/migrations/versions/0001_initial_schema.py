"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:49:53.930324
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gateway.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kk", sa.String(length=16), nullable=False),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("rt", sa.String(length=3), nullable=True),
        sa.Column("rw", sa.String(length=3), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("in_registry", sa.Boolean(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("ineligible_reason", sa.String(length=40), nullable=True),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("kk", name=op.f("uq_households_kk")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_households_village_code"), ["village_code"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("to", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link_id", sa.String(length=100), nullable=True),
        sa.Column("sent_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("received_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("processed_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("intent", sa.String(length=20), nullable=True),
        sa.Column("problem", sa.String(length=30), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_inbound_messages_provider_id")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_messages_phone"), ["phone"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=12), nullable=True),
        sa.Column("hazard", sa.String(length=20), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("district_code", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("houses", sa.Integer(), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("last_report_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("ref", name=op.f("uq_incidents_ref")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incidents_cluster", ["hazard", "village_code", "status", "last_report_at"], unique=False
        )

    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("districts", sa.Text(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("phone", "agency", name=op.f("uq_officers_phone")),
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officers_phone"), ["phone"], unique=False)

    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("available_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("enqueued_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("started_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_jobs_status_available", ["status", "available_at"], unique=False)

    op.create_table(
        "registry_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_imports")),
    )
    op.create_table(
        "ussd_sessions",
        sa.Column("session_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("expires_at", gateway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_ussd_sessions")),
    )
    with op.batch_alter_table("ussd_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ussd_sessions_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "affected_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kk", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_affected_households_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_affected_households_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_affected_households_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_households")),
        sa.UniqueConstraint("incident_id", "kk", name=op.f("uq_affected_households_incident_id")),
    )
    with op.batch_alter_table("affected_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affected_households_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "allocation_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kk", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("program", sa.String(length=30), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_allocation_refusals_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_allocation_refusals_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_refusals")),
    )
    with op.batch_alter_table("allocation_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_refusals_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("program", sa.String(length=30), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("pickup_point", sa.String(length=60), nullable=False),
        sa.Column("window_start", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("window_end", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("notified_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("collected_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("collected_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["collected_by"], ["officers.id"], name=op.f("fk_allocations_collected_by_officers")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_allocations_household_id_households")
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_allocations_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint("code", name=op.f("uq_allocations_code")),
        sa.UniqueConstraint("incident_id", "household_id", "category", name=op.f("uq_allocations_incident_id")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_allocations_status_window", ["status", "window_end"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("opted_out_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name=op.f("fk_contacts_household_id_households")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("phone", name=op.f("uq_contacts_phone")),
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("task_en", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("next_escalation_at", gateway.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["officers.id"], name=op.f("fk_dispatches_acknowledged_by_officers")
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_dispatches_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
        sa.UniqueConstraint("incident_id", "agency", name=op.f("uq_dispatches_incident_id")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index("ix_dispatches_escalation", ["acknowledged_at", "next_escalation_at"], unique=False)

    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_events_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_incident_events_officer_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_events_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=30), nullable=True),
        sa.Column("provider_message_id", sa.String(length=100), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", gateway.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", gateway.db.UTCDateTime(), nullable=True),
        sa.Column("delivery_status", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound_messages.id"], name=op.f("fk_outbound_messages_inbound_id_inbound_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbound_messages_idempotency_key")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_messages_inbound_id"), ["inbound_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_provider_message_id"), ["provider_message_id"], unique=False
        )
        batch_op.create_index("ix_outbound_messages_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("updated_at", gateway.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], name=op.f("fk_people_household_id_households")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("nik", name=op.f("uq_people_nik")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_phone"), ["phone"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("hazard", sa.String(length=20), nullable=True),
        sa.Column("village_code", sa.String(length=13), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("houses", sa.Integer(), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("created_at", gateway.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound_messages.id"], name=op.f("fk_reports_inbound_id_inbound_messages")
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_reports_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("inbound_id", name=op.f("uq_reports_inbound_id")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_incident_id"))

    op.drop_table("reports")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_phone"))
        batch_op.drop_index(batch_op.f("ix_people_household_id"))

    op.drop_table("people")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_status_next")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_provider_message_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_inbound_id"))

    op.drop_table("outbound_messages")
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_events_incident_id"))

    op.drop_table("incident_events")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index("ix_dispatches_escalation")

    op.drop_table("dispatches")
    op.drop_table("contacts")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_allocations_status_window")
        batch_op.drop_index(batch_op.f("ix_allocations_incident_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_household_id"))

    op.drop_table("allocations")
    with op.batch_alter_table("allocation_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_refusals_incident_id"))

    op.drop_table("allocation_refusals")
    with op.batch_alter_table("affected_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affected_households_incident_id"))

    op.drop_table("affected_households")
    with op.batch_alter_table("ussd_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ussd_sessions_expires_at"))

    op.drop_table("ussd_sessions")
    op.drop_table("registry_imports")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_jobs_status_available")

    op.drop_table("outbox_jobs")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officers_phone"))

    op.drop_table("officers")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_cluster")

    op.drop_table("incidents")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_phone"))

    op.drop_table("inbound_messages")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_village_code"))
        batch_op.drop_index(batch_op.f("ix_households_phone"))

    op.drop_table("households")
