"""Alembic's entry: migrations run on the connection database.migrate() opened (never from a
config file), so the service and the tests migrate exactly as shipped."""

from alembic import context

from bcf_xl.web.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
