"""Alembic's environment for Baton. The target is SQLModel.metadata, on which storage.models
registers every table. storage.migrate runs it with an open connection; the alembic command
line (alembic.ini at the repository root) runs it on DATABASE_URL."""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from storage.db import make_engine  # also imports storage.models, which registers the tables

config = context.config


def render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Write SQLModel's column types (AutoString, UTCDateTime) as the SQLAlchemy types they
    store, so revisions read plainly and need not import sqlmodel."""
    if (
        type_ == "type"
        and isinstance(obj, TypeDecorator)
        and type(obj).__module__.startswith("sqlmodel")
    ):
        return f"sa.{obj.impl!r}"
    return False


def configure(**kwargs: Any) -> None:
    """Configure the context the same way online, offline and for autogenerate."""
    context.configure(
        target_metadata=SQLModel.metadata,
        # SQLite can only ALTER by copying the table: batch mode does that for later revisions.
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def database_url() -> str:
    """The URL the alembic command line works on: sqlalchemy.url, else DATABASE_URL."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL to the database to migrate")
    return url


def run_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate over the connection storage.migrate handed over, else over a new engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
