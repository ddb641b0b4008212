"""Baton in Socket Mode end to end: Bolt's SocketModeHandler connected to the fake Slack's
WebSocket, the fake Claude scripted as in tests/world.py, and `baton run` with SLACK_APP_TOKEN."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.bootstrap import create_app
from bot.constants import SLASH_COMMAND
from bot.domain.prompts import BRIEF_TOOL_NAME
from bot.settings import Settings
from handlers.commands import command_help
from sandbox.claude import FakeClaude, FakeReply
from sandbox.slack import FakeSlack
from storage.db import Database
from tests.world import (
    ALICE,
    CHANNEL,
    World,
    block_texts,
    draft_body,
    is_finished,
    scripted_brief,
    scripted_draft,
)

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"
# The client's monitor reconnects a dropped session on its next tick, every ping_interval
# seconds (Bolt's default is 10); a short interval keeps the reconnection test quick.
PING_INTERVAL = 1.0


@dataclass
class SocketWorld(World):
    """World (tests/world.py) with Bolt's SocketModeHandler in place of the HTTP server."""

    handler: SocketModeHandler | None = None

    @classmethod
    def connect(cls, *, database: Database, slack: FakeSlack, claude: FakeClaude) -> SocketWorld:
        """Create Baton from Socket Mode settings and connect it to the fake Slack."""
        claude.on_tool(BRIEF_TOOL_NAME, scripted_brief)
        claude.responder = lambda request: FakeReply(text=scripted_draft(request))
        slack.socket_mode = True
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=slack.bot_token,
            slack_app_token=slack.app_token,  # Socket Mode: no signing secret needed
            slack_api_url=slack.api_url,
            anthropic_api_key=claude.api_key,
            anthropic_base_url=claude.url,
            database_url="sqlite://",  # unused: the fixture's database is passed in
        )
        app = create_app(settings, db=database)
        app.usecases.retry.backoff = (0.01, 0.02)
        app.usecases.drafting.stream_interval = 0.05
        # Built as `baton run` builds it; only the ping interval is shortened (see above).
        handler = SocketModeHandler(app.bolt, slack.app_token, ping_interval=PING_INTERVAL)
        handler.connect()  # returns once connected; the client's threads receive from now on
        slack.wait_for(lambda: slack.socket_connections >= 1, message="Baton connecting")
        return cls(
            app=app,
            slack=slack,
            claude=claude,
            database=database,
            server=None,  # no HTTP server, thread or events_url in Socket Mode
            thread=None,  # type: ignore[arg-type]
            events_url="",
            handler=handler,
        )

    def stop(self) -> None:
        """Let Baton's work finish, disconnect, close clients (not the test's database)."""
        if self.stopped:
            return
        self.stopped = True
        self.app.wait_idle(timeout=30)
        if self.handler is not None:
            client = self.handler.client
            # close() joins a message processor sitting in queue.get(timeout=1); a None
            # message (which it skips) wakes it to see `closed` at once.
            client.closed = True
            client.message_queue.put(None)
            self.handler.close()
        self.app.listeners.shutdown(wait=True)
        self.app.work.shutdown(wait=True)
        self.app.jobs.stop()
        self.app.degraded.stop()
        if self.app.claude is not None:
            self.app.claude.close()


@pytest.fixture
def world(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> Iterator[SocketWorld]:
    """Baton connected over Socket Mode to the fake Slack, with a scripted model."""
    world = SocketWorld.connect(database=database, slack=fake_slack, claude=fake_claude)
    try:
        yield world
    finally:
        world.stop()


def test_a_mention_gets_a_brief_and_a_draft_in_its_thread(world: SocketWorld) -> None:
    """The core loop works with every event arriving as a Socket Mode envelope."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    brief, *_ = world.baton_messages(ts)
    shown = block_texts(brief)
    assert "*Goal:*" in shown and "*Audience:* customers" in shown and "Under 150 words" in shown
    assert draft.thread_ts == ts and is_finished(draft)
    assert "download any report as CSV or PDF" in draft_body(draft)
    deliveries = world.slack.deliveries
    assert {d.event["type"] for d in deliveries if d.event} >= {"message", "app_mention"}
    # All of them went over the socket (there is no events_url) and were acked in time.
    assert world.slack.events_url is None
    assert all(d.envelope_id and d.ok for d in deliveries), deliveries


def test_baton_help_is_acked_with_the_help_text(world: SocketWorld) -> None:
    """`/baton help` is answered in the ack itself, as a Socket Mode response payload."""
    delivery = world.slack.send_slash_command(ALICE, CHANNEL, SLASH_COMMAND, "help")
    assert delivery.ok and delivery.envelope_id
    answer = delivery.json()
    assert answer["response_type"] == "ephemeral" and answer["blocks"] == command_help()


def test_baton_reconnects_by_itself_after_the_socket_drops(world: SocketWorld) -> None:
    """A connection reset mid-session: Baton opens a new one and keeps answering."""
    world.slack.drop_socket()
    world.slack.wait_for(
        lambda: world.slack.socket_connections >= 2 and world.slack.open_sockets == 1,
        timeout=5 * PING_INTERVAL,
        message="Baton reconnecting",
    )
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    assert "download any report as CSV or PDF" in draft_body(draft)
    assert all(d.ok for d in world.slack.deliveries)


def test_baton_follows_a_refresh_request(world: SocketWorld) -> None:
    """Slack's `disconnect` message: Baton moves to a new connection and drops the old one."""
    world.slack.send_disconnect("refresh_requested")
    world.slack.wait_for(
        lambda: world.slack.socket_connections == 2 and world.slack.open_sockets == 1,
        message="the new connection replacing the old",
    )
    assert world.slack.send_slash_command(ALICE, CHANNEL, SLASH_COMMAND, "help").ok


@pytest.mark.slow
def test_baton_run_connects_in_socket_mode_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`baton run` with SLACK_APP_TOKEN connects, answers over the socket, stops on SIGTERM."""
    with FakeSlack(socket_mode=True) as slack:
        slack.add_user(ALICE, name="alice")
        slack.add_channel(CHANNEL, name="general", members=[ALICE])
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "ANTHROPIC_", "BATON_", "DATABASE_"))
        }
        env = {
            **clean,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
        }
        subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            check=True,
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.entrypoints.cli", "run"],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            slack.wait_for(
                lambda: slack.socket_connections >= 1 or process.poll() is not None,
                timeout=30,
                message="baton run connecting",
            )
            assert process.poll() is None, "baton run exited instead of connecting"
            delivery = slack.send_slash_command(ALICE, CHANNEL, SLASH_COMMAND, "help")
            assert delivery.ok and delivery.json()["blocks"] == command_help()
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=20)
    assert slack.app_token not in stderr and slack.bot_token not in stderr
    assert process.returncode == 0, stderr
