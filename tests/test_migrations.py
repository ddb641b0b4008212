"""Alembic migrations: the revisions build exactly the models' schema on SQLite and PostgreSQL,
and `baton run` refuses a database that is not migrated."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import (
    _migrating,
    alembic_config,
    current_revision,
    head_revision,
    is_up_to_date,
    schema_status,
    upgrade_to_head,
)
from tests.conftest import BACKENDS
from tests.test_cli_and_manifest import baton

# What create_tables made before migrations existed: the initial revision adopts these.
INITIAL_TABLES = (
    "event_claims",
    "requests",
    "brief_versions",
    "drafts",
    "draft_messages",
    "feedback",
    "people",
    "digest_claims",
    "channel_digests",
)


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each backend (PostgreSQL: a schema of its own)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
        yield engine
        engine.dispose()
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"baton_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, schema=schema)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_migrating_an_empty_database_yields_exactly_the_models(empty: Engine) -> None:
    """Every table, column type, index and constraint of the models comes from a revision."""
    upgrade_to_head(empty)
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, SQLModel.metadata)
    assert drift == [], (
        "storage/models.py and storage/migrations disagree; add a revision with "
        f'`python -m storage.migrate revision -m "…"`: {_summary(drift)}'
    )


def _summary(drift: list) -> str:
    """One short phrase per difference, e.g. "add_column people.nickname"."""
    phrases = []
    for item in drift:
        for op in item if isinstance(item, list) else [item]:
            names = [str(getattr(part, "name", part)) for part in op[1:4] if part is not None]
            phrases.append(" ".join([op[0], ".".join(names[:2])]))
    return "; ".join(phrases)


def test_upgrade_is_idempotent_and_makes_the_database_current(empty: Engine) -> None:
    """Upgrading twice is fine; the database is behind before and current after."""
    assert not is_up_to_date(empty)
    assert current_revision(empty) is None and schema_status(empty).state == "empty"
    assert upgrade_to_head(empty) is None
    assert is_up_to_date(empty)
    assert upgrade_to_head(empty) == head_revision()
    assert current_revision(empty) == head_revision() and is_up_to_date(empty)


def test_replicas_upgrading_at_once_take_turns(empty: Engine) -> None:
    """Three processes' upgrades at the same moment: one migrates, the others find it done."""
    url = empty.url.render_as_string(hide_password=False)
    options = {}
    if empty.dialect.name == "postgresql":  # the schema the fixture pinned
        with empty.connect() as connection:
            options["schema"] = connection.execute(text("SELECT current_schema()")).scalar()
    results: list[object] = []

    def upgrade() -> None:
        engine = make_engine(url, **options)
        try:
            results.append(upgrade_to_head(engine))
        except Exception as exc:  # the assertion below shows it
            results.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, results)) == sorted(["None"] + [head_revision()] * 2), results
    assert is_up_to_date(empty)


def test_a_revision_this_code_does_not_know_is_unknown(empty: Engine) -> None:
    """A database migrated by newer code is "unknown", not "behind" (old replicas may run)."""
    upgrade_to_head(empty)
    with empty.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    status = schema_status(empty)
    assert status.state == "unknown" and not status.up_to_date


def test_the_version_table_lives_beside_the_tables(empty: Engine) -> None:
    """On PostgreSQL the version table lands in the schema the engine is pinned to."""
    upgrade_to_head(empty)
    with empty.connect() as connection:
        names = set(inspect(connection).get_table_names())
    assert "alembic_version" in names and set(INITIAL_TABLES) <= names


def test_a_database_one_revision_behind_is_behind(empty: Engine) -> None:
    """A database at an older revision reports behind until upgraded."""
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_revision(head_revision())
    if head is None or head.down_revision is None:
        pytest.skip("only one revision so far")
    with empty.begin() as connection:
        command.upgrade(alembic_config(connection=connection), str(head.down_revision))
    status = schema_status(empty)
    assert status.state == "behind" and status.current == head.down_revision
    upgrade_to_head(empty)
    assert schema_status(empty).up_to_date


def test_every_revision_downgrades_and_upgrades_again(empty: Engine) -> None:
    """Downgrading to nothing removes every table; upgrading again restores them."""
    upgrade_to_head(empty)
    with empty.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")
    with empty.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(empty)
    assert is_up_to_date(empty)


def test_a_database_made_before_migrations_is_adopted(empty: Engine) -> None:
    """Tables from the old create_tables keep their rows and gain the indexes they lacked."""
    # The schema create_tables made before migrations is revision 0001's, unrecorded
    # (today's models have columns, such as feedback.option_id, that it never had).
    with empty.begin() as connection:
        command.upgrade(alembic_config(connection=connection), "0001")
    with empty.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("DROP INDEX ix_request_state"))
        connection.execute(text("CREATE INDEX ix_requests_requester_id ON requests (requester_id)"))
        connection.execute(
            text(
                "INSERT INTO people (team_id, user_id, style, style_reset, updated_at) "
                "VALUES ('T1', 'U1', '{}', '{}', CURRENT_TIMESTAMP)"
            )
        )
    assert schema_status(empty).state == "unversioned"
    upgrade_to_head(empty)
    assert is_up_to_date(empty)
    with empty.connect() as connection:
        indexes = {index["name"] for index in inspect(connection).get_indexes("requests")}
        people = connection.execute(text("SELECT count(*) FROM people")).scalar()
    assert "ix_request_state" in indexes and "ix_requests_requester_id" not in indexes
    assert people == 1


def test_the_revisions_form_one_line() -> None:
    """One head: two revisions on the same parent need a merge (`alembic merge heads`)."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads {heads}: merge them, or rebase one revision"


def test_sqlite_alters_a_table_other_rows_point_at(tmp_path: Path) -> None:
    """A batch ALTER copies the table; with rows pointing at it, foreign keys must not stop it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO requests (id, team_id, channel_id, channel_type, message_ts,"
                " thread_ts, requester_id, text, state, brief_version, created_at, updated_at)"
                " VALUES (1, 'T1', 'C1', 'channel', '1.1', '1.1', 'U1', 'x', 'new', 0,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO drafts (id, team_id, request_id, version, trigger, state, text,"
                " channel_id, created_at) VALUES (1, 'T1', 1, 1, 'first', 'pending', '', 'C1',"
                " CURRENT_TIMESTAMP)"
            )
        )
    with _migrating(engine) as connection:
        operations = Operations(MigrationContext.configure(connection))
        with operations.batch_alter_table("requests", recreate="always") as batch:
            batch.alter_column("error", type_=sa.String(length=600))
    with engine.connect() as connection:
        [error] = [c for c in inspect(connection).get_columns("requests") if c["name"] == "error"]
        assert error["type"].length == 600
        assert connection.execute(text("SELECT count(*) FROM drafts")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


@pytest.mark.slow
def test_baton_run_refuses_an_unmigrated_database_until_baton_db_upgrade(tmp_path: Path) -> None:
    """`baton run` names `baton db upgrade` and stops; after it, `baton db status` is current."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        # Nothing listens here: Baton must stop before it would call Slack.
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
    }
    refused = baton(["run"], env, tmp_path)
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and 'run "baton db upgrade" first' in lines[0], refused.stderr
    assert "no schema yet" in lines[0] and head_revision() in lines[0]

    upgraded = baton(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert head_revision() in upgraded.stdout and len(upgraded.stdout.splitlines()) <= 2
    assert upgraded.stderr == ""

    status = baton(["db", "status"], env, tmp_path)
    assert status.returncode == 0, status.stderr
    assert f"database: {head_revision()}" in status.stdout and "up to date" in status.stdout


@pytest.mark.slow
def test_baton_db_status_exits_non_zero_on_an_empty_database(tmp_path: Path) -> None:
    """A deploy script can tell from the exit code that the database needs upgrading."""
    status = baton(["db", "status"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}, tmp_path)
    assert status.returncode == 1
    assert "database: none" in status.stdout and "empty" in status.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql+psycopg://baton:hunter2@127.0.0.1:1/baton", "connection"),
        ("sqlite:////nonexistent-folder/baton.db", "unable to open database file"),
        ("mysql://localhost/baton", "DATABASE_URL must be a sqlite"),
    ],
)
def test_baton_db_upgrade_fails_in_one_line(url: str, named: str, tmp_path: Path) -> None:
    """An unreachable or malformed database ends `baton db upgrade` with one line, no trace."""
    result = baton(["db", "upgrade"], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
