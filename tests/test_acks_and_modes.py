"""Acks never wait on drafts; Baton without a model says so; commands, buttons and health."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.constants import ACTION_RETRY
from sandbox.claude import FakeClaude, FakeReply
from sandbox.slack import FakeSlack
from storage.db import Database
from tests.world import ALICE, CHANNEL, World, block_texts, buttons, scripted_draft

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"


@pytest.fixture
def busy_world(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> Iterator[World]:
    """Baton with a deliberately small drafting pool, so slow drafts fill it."""
    world = World.start(
        database=database,
        slack=fake_slack,
        claude=fake_claude,
        baton_draft_workers=4,
        baton_limit_person_in_flight=0,  # one person fills the pool on purpose
    )
    # Drafts take seconds to start; briefs are quick.
    fake_claude.responder = lambda request: FakeReply(text=scripted_draft(request), ttft=2.5)
    try:
        yield world
    finally:
        world.stop()


@pytest.mark.slow
def test_acks_stay_immediate_with_ten_slow_drafts_in_flight(busy_world: World) -> None:
    """With the drafting pool full, a slash command and a new mention are still acked in time,
    and the new request still gets its placeholder at once."""
    world = busy_world
    for index in range(10):
        world.mention(f"{LAUNCH} #{index}")
    world.slack.wait_for(
        lambda: len([c for c in world.claude.message_calls() if c.body.get("stream")]) >= 4,
        message="the drafting pool to fill with slow drafts",
    )
    command = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "help")
    assert command.ok, command  # answered within Slack's 3 s
    assert "Baton turns a request" in command.response_body
    ts = world.mention(LAUNCH + " #late")
    latest = [d for d in world.slack.deliveries if d.event and d.event.get("ts") == ts]
    assert latest and all(d.ok for d in latest)
    placeholder = world.slack.wait_for(
        lambda: [m for m in world.baton_messages(ts) if "Reading your request" in block_texts(m)],
        message="the late request's placeholder",
    )
    assert placeholder
    # Slow drafts are still running: the placeholder did not wait for them.
    assert world.app.work.pending > 0
    assert all(d.ok for d in world.slack.deliveries if d.kind == "event")


def test_without_a_model_baton_says_so_and_keeps_the_request(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> None:
    """No ANTHROPIC_API_KEY: the thread says no model is configured and how to set one."""
    world = World.start(database=database, slack=fake_slack, claude=fake_claude, with_model=False)
    try:
        ts = world.mention(LAUNCH)
        world.idle()
        [message] = world.baton_messages(ts)
        shown = block_texts(message)
        assert "No model is configured" in shown and "ANTHROPIC_API_KEY" in shown
        assert ACTION_RETRY in buttons(message)
        assert fake_claude.calls == []
    finally:
        world.stop()


def test_help_and_unknown_subcommands_answer_plainly(world: World) -> None:
    """`/baton help` lists the commands; an unknown one says what went wrong, with help."""
    helped = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "")
    assert helped.ok and "Mention `@Baton`" in helped.response_body
    unknown = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "frobnicate now")
    assert unknown.ok and "frobnicate" in unknown.response_body
    assert "Mention `@Baton`" in unknown.response_body


def test_health_check_and_unknown_paths(world: World) -> None:
    """/healthz is 200 with a small JSON body; other paths are 404, not a trace."""
    import json
    import urllib.error
    import urllib.request

    base = world.events_url.removesuffix("/slack/events")
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "/nope", timeout=5)
    assert missing.value.code == 404


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b'{"type": "event_callback"}', b'{"event": []}', b"\xff\xfe" * 10],
)
def test_malformed_signed_bodies_get_no_500(world: World, body: bytes) -> None:
    """Signed but malformed bodies are answered with a 4xx or a quiet ack, never a 500."""
    delivery = world.slack.post_raw(body, world.slack.signed_headers(body))
    assert delivery.status is not None and delivery.status < 500


def test_stale_signatures_are_refused(world: World) -> None:
    """A correctly signed request from more than five minutes ago is refused."""
    import time

    delivery = world.slack.send_event(
        {"type": "app_mention", "channel": CHANNEL, "user": ALICE, "text": "hi", "ts": "1.2"},
        timestamp=int(time.time()) - 600,
    )
    assert delivery.status == 401


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe"])
def test_forged_malformed_bodies_are_refused_as_forged(world: World, body: bytes) -> None:
    """An unsigned body is refused with 401 before its shape is even looked at."""
    headers = world.slack.signed_headers(body)
    headers["X-Slack-Signature"] = "v0=" + "1" * 64
    assert world.slack.post_raw(body, headers).status == 401
