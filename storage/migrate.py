"""Bringing a database's schema to what this code expects, with the Alembic revisions in
storage/migrations (see its __init__ for how to add one)."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from bot.domain.states import SchemaState
from storage.db import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# Any fixed number: every Baton process takes this PostgreSQL lock while it migrates, so
# replicas that all run `baton db upgrade` at start migrate one after the other.
_MIGRATION_LOCK = 7_204_617_001


class MigrationError(Exception):
    """The database cannot be migrated as it stands; the message says why, in one line."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against this code's revisions."""

    current: str | None  # the revision recorded in the database; None when there is none
    head: str  # the revision this code's models match
    state: SchemaState

    @property
    def up_to_date(self) -> bool:
        """True when the database is at this code's head revision."""
        return self.state == SchemaState.UP_TO_DATE


def alembic_config(*, connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: the scripts ship inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Dated names keep versions/ in order; the random revision ids keep parallel work apart.
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in storage/migrations/versions: what the models match."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError("storage/migrations/versions holds no revision")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database records; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's revision with this code's head."""
    head = head_revision()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        has_tables = current is None and _has_baton_tables(connection)
    if current == head:
        state = SchemaState.UP_TO_DATE
    elif current is None:
        state = SchemaState.UNVERSIONED if has_tables else SchemaState.EMPTY
    elif _is_known(current):
        state = SchemaState.BEHIND
    else:
        state = SchemaState.UNKNOWN  # migrated by newer code, most likely
    return SchemaStatus(current=current, head=head, state=state)


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at this code's head revision."""
    return schema_status(engine).up_to_date


def upgrade_to_head(engine: Engine) -> str | None:
    """Apply every revision the database lacks (none is fine); returns where it was before."""
    with _migrating(engine) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        # A database made by create_tables (before migrations) is adopted by the initial
        # revision, which creates only what is missing.
        command.upgrade(alembic_config(connection=connection), "head")
    return before


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole upgrade, taken with the migration lock."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch ALTERs copy a table and drop the old one, which fails while other tables
            # point at it and foreign keys are on. The pragma is ignored inside a transaction,
            # so it goes straight to the driver before ours begins; the check below replaces it.
            _driver_pragma(connection, "PRAGMA foreign_keys=OFF")
            # Another process's whole upgrade may hold the write lock for longer than the
            # usual 10 s wait (a slow disk, a busy machine): wait for it to finish instead.
            _driver_pragma(connection, "PRAGMA busy_timeout=300000")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise MigrationError("the migration left rows pointing at missing rows")
        finally:
            if sqlite:
                _driver_pragma(connection, "PRAGMA foreign_keys=ON")


def _driver_pragma(connection: Connection, pragma: str) -> None:
    """Run a SQLite pragma on the driver's own connection, outside any transaction of ours."""
    driver = connection.connection.driver_connection
    if driver is None:  # only a closed or invalidated connection has none
        raise MigrationError("the database connection is closed")
    driver.execute(pragma)


def _has_baton_tables(connection: Connection) -> bool:
    present = set(inspect(connection).get_table_names())
    return bool(present & set(SQLModel.metadata.tables))


def _is_known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:  # "no such revision": a newer Baton's, or another branch's
        return False


def new_revision(*, message: str) -> str:
    """Autogenerate a revision for what the models have and head lacks; returns its path."""
    with tempfile.TemporaryDirectory() as folder:
        # A throwaway database at head is what autogenerate compares the models with.
        engine = make_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        try:
            upgrade_to_head(engine)
            with engine.connect() as connection:
                config = alembic_config(connection=connection)
                # Leave the new file as `ruff check` and `ruff format` want it.
                config.set_section_option("post_write_hooks", "hooks", "format, fix")
                for hook, options in (("format", "format"), ("fix", "check --fix")):
                    config.set_section_option("post_write_hooks", f"{hook}.type", "module")
                    config.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
                    config.set_section_option(
                        "post_write_hooks", f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME"
                    )
                script = command.revision(config, message=message, autogenerate=True)
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    return script.path


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m storage.migrate revision -m "add jobs table"`: for developers."""
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="autogenerate a revision from the models")
    revision.add_argument("-m", "--message", required=True, help="what the revision does")
    args = parser.parse_args(argv)
    print(new_revision(message=args.message))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
