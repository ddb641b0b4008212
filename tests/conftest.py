"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set),
the fake Slack and fake Claude servers, and Baton itself served over HTTP between them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sandbox.claude import FakeClaude
from sandbox.slack import FakeSlack
from storage.db import Database
from tests.world import World

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])
DOMAIN = Path(__file__).resolve().parent / "domain"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """What `-n auto` (pyproject's addopts) means. The tests mostly wait on HTTP and databases,
    so one worker more than the CPUs (on 2 cores with PostgreSQL: 3 workers took 2.9 min, 2 took
    3.6, 4 and 6 took 3.1), at most 8 (each holds PostgreSQL connections). The pure tier alone
    (tests/domain) runs in this process: starting workers costs more than it takes."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own reading of it
    paths = [(config.invocation_params.dir / arg.split("::")[0]).resolve() for arg in config.args]
    if paths and all(path.is_relative_to(DOMAIN) for path in paths):
        return 0
    return min((os.cpu_count() or 1) + 1, 8)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (in their usual order otherwise): the parallel workers then share them
    out at the start, rather than one worker finishing the run alone on a long test."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    """An empty Baton database of each backend; PostgreSQL gets its own schema, dropped after."""
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite:///{tmp_path / 'baton.db'}")
        db.create_tables()
        yield db
        db.dispose()
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"baton_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.from_url(url, schema=schema)
    db.create_tables()
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack workspace with two people and a channel Baton is in."""
    with FakeSlack() as slack:
        slack.add_user("UALICE", name="alice", tz="Europe/London")
        slack.add_user("UBOB", name="bob", tz="America/New_York")
        slack.add_channel("CGENERAL", name="general", members=["UALICE", "UBOB", slack.bot_user_id])
        yield slack


@pytest.fixture
def fake_claude() -> Iterator[FakeClaude]:
    """A fake Claude API that records every call."""
    with FakeClaude() as claude:
        yield claude


@pytest.fixture
def world(database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude) -> Iterator[World]:
    """Baton running over HTTP against the fake Slack and fake Claude, with a scripted model."""
    world = World.start(database=database, slack=fake_slack, claude=fake_claude)
    try:
        yield world
    finally:
        world.stop()
