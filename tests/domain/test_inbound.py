"""Event payloads turned into typed inputs; anything odd becomes None, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.inbound import normalise_reaction, parse_message, parse_reaction


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {"team_id": "T1", "event_id": "Ev1", "event": event}


def test_a_mention_is_a_message_that_mentions_the_bot() -> None:
    """app_mention parses into an InboundMessage addressed to Baton."""
    message = parse_message(
        envelope(
            {"type": "app_mention", "channel": "C1", "user": "U1", "text": "<@UB> hi", "ts": "1.1"}
        ),
        bot_user_id="UB",
    )
    assert message is not None and message.mentions_bot and not message.in_thread
    assert message.channel_type == "channel"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.1"},
        {"type": "message", "subtype": "message_deleted", "channel": "C1", "ts": "1.1"},
        {"type": "message", "bot_id": "B2", "user": "U2", "channel": "C1", "ts": "1.1"},
        {"type": "message", "user": "UB", "channel": "C1", "ts": "1.1", "text": "x"},
        {"type": "message", "channel": "C1", "ts": "1.1", "text": "no user"},
        {"type": "message", "user": "U1", "ts": "1.1"},
        {"type": "message", "user": "U1", "channel": "C1"},
        {"type": "message", "user": ["U1"], "channel": "C1", "ts": "1.1"},
        {"type": "reaction_added"},
    ],
)
def test_edits_bots_self_and_malformed_events_are_not_messages(event: dict[str, Any]) -> None:
    """Nothing Baton should not answer gets through."""
    assert parse_message(envelope(event), bot_user_id="UB") is None


@pytest.mark.parametrize("body", [{}, {"event": None}, {"event": "x"}, {"event": []}])
def test_malformed_bodies_are_ignored(body: dict[str, Any]) -> None:
    """Bodies without an event object parse to None."""
    assert parse_message(body, bot_user_id="UB") is None
    assert parse_reaction(body) is None


def test_a_dm_thread_reply_parses() -> None:
    """A reply in a DM thread knows its thread and that it is a DM."""
    message = parse_message(
        envelope(
            {
                "type": "message",
                "channel": "D1",
                "user": "U1",
                "text": "shorter",
                "ts": "2.2",
                "thread_ts": "1.1",
            }
        ),
        bot_user_id="UB",
    )
    assert message is not None and message.is_dm and message.in_thread


def test_reactions_parse_with_skin_tones_normalised() -> None:
    """`+1::skin-tone-3` is `+1`, and removal is a change with added=False."""
    change = parse_reaction(
        envelope(
            {
                "type": "reaction_removed",
                "user": "U1",
                "reaction": "+1::skin-tone-3",
                "item": {"type": "message", "channel": "C1", "ts": "1.1"},
            }
        )
    )
    assert change is not None and change.reaction == "+1" and not change.added
    assert normalise_reaction("thumbsup") == "+1"


def test_reactions_on_files_are_ignored() -> None:
    """Only reactions on messages are feedback."""
    assert (
        parse_reaction(
            envelope(
                {
                    "type": "reaction_added",
                    "user": "U1",
                    "reaction": "+1",
                    "item": {"type": "file", "file": "F1"},
                }
            )
        )
        is None
    )


def test_deletions_parse_from_deleted_ts_or_previous_message() -> None:
    """message_deleted names the deleted message either way Slack sends it."""
    from bot.domain.inbound import parse_deletion

    direct = parse_deletion(
        envelope(
            {"type": "message", "subtype": "message_deleted", "channel": "C1", "deleted_ts": "1.1"}
        )
    )
    nested = parse_deletion(
        envelope(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": "C1",
                "previous_message": {"ts": "2.2"},
            }
        )
    )
    assert direct is not None and direct.ts == "1.1"
    assert nested is not None and nested.ts == "2.2"
    assert parse_deletion(envelope({"type": "message", "channel": "C1", "ts": "1.1"})) is None
