"""With the database down, Slack is still answered at once, the person is told Baton is
degraded, and the event is not lost: Slack's retry, or Baton's own hold, brings it in later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine

from storage.models import Request
from tests.world import ALICE, CHANNEL, World, rows

LAUNCH = "write a launch note for the new export feature, for customers"
DEAD_DATABASE = "postgresql+psycopg://baton@127.0.0.1:9/nowhere"  # nothing listens on port 9


@contextmanager
def database_down(world: World) -> Iterator[None]:
    """Point Baton at a database that refuses connections, as a crashed server does."""
    live = world.app.db.engine
    dead = create_engine(DEAD_DATABASE, connect_args={"connect_timeout": 1})
    world.app.db.engine = dead
    try:
        yield
    finally:
        world.app.db.engine = live
        dead.dispose()


def _degraded_notes(world: World) -> list[dict]:
    return [e for e in world.slack.ephemerals(user=ALICE) if "degraded" in str(e.get("text"))]


@pytest.mark.slow
def test_events_get_503_and_one_notice_then_slacks_retry_is_taken(world: World) -> None:
    watch = world.app.degraded.watch
    with database_down(world):
        world.slack.wait_for(lambda: not watch.healthy, message="the watch to see it down")
        ts = world.mention(LAUNCH)
        first = [d for d in world.slack.deliveries if d.kind == "event"]
        assert [d.status for d in first] == [503, 503]  # message and app_mention
        assert not any(d.timed_out for d in first)
        world.slack.wait_for(lambda: _degraded_notes(world), message="the degraded notice")
        world.idle()
        assert len(_degraded_notes(world)) == 1  # once, though Slack sent two events
        assert world.baton_messages(ts) == []

        # A slash command is answered with the reason, not left to time out.
        command = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
        assert command.status == 200 and "degraded" in command.response_body

    world.slack.wait_for(lambda: watch.healthy, message="the watch to see it back")
    for delivery in first:  # Slack's retry of each, after the 503
        envelope = delivery.payload
        retried = world.slack.send_event(
            envelope["event"], event_id=envelope["event_id"], retry_num=1, retry_reason="http_error"
        )
        assert retried.status == 200
    world.wait_for_drafts(ts, 1)
    assert len(rows(world, Request)) == 1  # two events, one request


def test_an_event_acked_just_before_the_database_died_is_held_and_run_when_it_is_back(
    world: World,
) -> None:
    """The watch has not noticed yet (it is stopped here), so Slack gets its 200; the work
    meets the dead database, is held, the author is told, and it runs once the database is
    back, with no retry from Slack."""
    world.app.degraded.watch.stop()
    with database_down(world):
        ts = world.mention(LAUNCH)
        statuses = [d.status for d in world.slack.deliveries if d.kind == "event"]
        # The first is taken; once its work meets the dead database the ack path knows too,
        # so the app_mention may already get the 503 that makes Slack send it again.
        assert statuses[0] == 200 and statuses[1] in (200, 503)
        world.slack.wait_for(lambda: _degraded_notes(world), message="the degraded notice")
        world.slack.wait_for(
            lambda: world.app.degraded.redelivery.held >= 1, message="the event to be held"
        )
        assert world.baton_messages(ts) == []
    world.wait_for_drafts(ts, 1, timeout=30)
    assert world.app.degraded.redelivery.held == 0
    assert len(rows(world, Request)) == 1
