"""Tokens and keys never reach a log line, whatever Baton does."""

from __future__ import annotations

import logging

import pytest

from bot.entrypoints.cli import RedactTokens
from tests.world import CHANNEL, World


def test_a_whole_conversation_logs_no_token_or_key(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Mention, draft, failures and a forged request at DEBUG: no secret in any record."""
    caplog.set_level(logging.DEBUG)
    world.slack.fail_next("chat.update", error="ratelimited", retry_after=0, times=1)
    ts = world.mention("write a launch note for the export feature, for customers")
    world.wait_for_drafts(ts, 1)
    world.slack.send_event(
        {"type": "app_mention", "channel": CHANNEL, "user": "UALICE", "text": "hi", "ts": "1.2"},
        signature="v0=" + "0" * 64,
    )
    world.slack.send_slash_command("UALICE", CHANNEL, "/baton", "help")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the flow did log
    for secret in (world.slack.bot_token, world.slack.signing_secret, world.claude.api_key):
        assert secret not in text


@pytest.mark.parametrize(
    "message",
    ["token xoxb-123-456-abcDEF leaked", "app xapp-1-A1-2-abc", "key sk-ant-api03-AbC_d-9"],
)
def test_the_log_filter_masks_token_shapes(message: str) -> None:
    """The CLI's log filter replaces anything shaped like a Slack or Anthropic token."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    assert RedactTokens().filter(record)
    assert "[redacted]" in record.getMessage()
    assert "xox" not in record.getMessage() and "sk-ant" not in record.getMessage()
