"""Alembic environment: runs against the engine the gateway hands over (see gateway.db.alembic_config)."""

from __future__ import annotations

from alembic import context

from gateway.models import Base

connectable = context.config.attributes["engine"]

with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
