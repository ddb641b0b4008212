"""SIGTERM drains: the draft in flight is finished and posted, then `baton run` exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.claude import FakeClaude, FakeReply
from sandbox.slack import FakeSlack
from tests.listening import read_port
from tests.world import ALICE, CHANNEL, block_texts, is_draft, is_finished, scripted_brief

pytestmark = pytest.mark.slow  # starts `baton run`

FINAL_WORDS = "Export is here, for every report."


def test_sigterm_mid_draft_finishes_the_draft_then_exits(tmp_path: Path) -> None:
    with FakeSlack() as slack, FakeClaude() as claude:
        slack.add_user(ALICE, name="alice", tz="Europe/London")
        slack.add_channel(CHANNEL, name="general", members=[ALICE])
        claude.on_tool("record_brief", scripted_brief)
        # Slow enough that SIGTERM lands while the draft streams.
        claude.responder = lambda request: FakeReply(
            text=FINAL_WORDS, ttft=1.0, tokens_per_second=4
        )
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "ANTHROPIC_", "BATON_", "DATABASE_"))
        }
        env = {
            **clean,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "ANTHROPIC_API_KEY": claude.api_key,
            "ANTHROPIC_BASE_URL": claude.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
        }
        subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            check=True,
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.entrypoints.cli",
                "run",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
            ],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        head = ""
        try:
            port, head = read_port(process.stderr)
            assert port is not None, head
            slack.events_url = f"http://127.0.0.1:{port}/slack/events"
            ts = slack.post_user_message(ALICE, CHANNEL, f"<@{slack.bot_user_id}> a launch note")
            claude.wait_for(
                lambda: any(not call.tool_names for call in claude.message_calls()),
                timeout=20,
                message="the draft call",
            )
            process.send_signal(signal.SIGTERM)
            _, rest = process.communicate(timeout=60)
            stderr = head + rest
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert process.returncode == 0, stderr
        drafts = [
            m
            for m in slack.messages(CHANNEL, thread_ts=ts)
            if m.user == slack.bot_user_id and is_draft(m)
        ]
        assert len(drafts) == 1 and is_finished(drafts[0]), stderr
        assert FINAL_WORDS in block_texts(drafts[0])
        assert "finishing drafts in flight" in stderr
