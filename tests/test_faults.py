"""Fault injection: the whole app, driven through the fake Slack and fake Claude with their
fault switches. Whatever fails, every delivery is acked, the request is stored once, and it
ends either drafted or with a plain explanation a person can see (in the thread with Retry,
or by DM when the thread is out of reach); nothing ends in an unhandled exception."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.constants import ACTION_RETRY
from storage.models import Request
from tests.world import ALICE, World, block_texts, buttons, is_finished, rows

LAUNCH = "write a launch note for the new export feature, for customers"

Fault = Callable[[World], None]

FAULTS: dict[str, tuple[Fault, str]] = {
    # name: (switch it on, how the request must end)
    "claude 429 twice": (lambda w: w.claude.fail_next("rate_limit", times=2), "drafted"),
    "claude 500 twice": (lambda w: w.claude.fail_next("server", times=2), "drafted"),
    "claude overloaded throughout": (
        lambda w: w.claude.fail_next("overloaded", times=40),
        "failed in thread",
    ),
    "claude stream error midway": (
        lambda w: w.claude.fail_next("midstream_error", times=1),
        "drafted",
    ),
    "claude connection dropped midway": (
        lambda w: w.claude.fail_next("midstream_drop", times=1),
        "drafted",
    ),
    "slack 429 on post": (
        lambda w: w.slack.fail_next("chat.postMessage", error="ratelimited", times=1),
        "drafted",
    ),
    "slack 500 on update": (
        lambda w: w.slack.fail_next("chat.update", error="internal_error", times=2),
        "drafted",
    ),
    "slack refuses every post": (
        lambda w: w.slack.fail_next("chat.postMessage", error="fatal_error", times=200),
        "failed quietly",
    ),
    "slack msg_too_long on update": (
        lambda w: w.slack.fail_next("chat.update", error="msg_too_long", times=200),
        "failed by dm",
    ),
    "slack invalid_blocks on post": (
        lambda w: w.slack.fail_next("chat.postMessage", error="invalid_blocks", times=1),
        "drafted",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_ends_in_a_draft_or_a_visible_explanation(
    world: World, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    switch_on, ending = FAULTS[name]
    switch_on(world)
    with caplog.at_level(logging.WARNING):
        ts = world.mention(LAUNCH)
        world.idle(timeout=60)
    assert all(d.ok for d in world.slack.deliveries), "every delivery acked in time"
    [request] = rows(world, Request)
    messages = world.baton_messages(ts)
    if ending == "drafted":
        assert request.state == "drafted", request.error
        assert any(is_finished(m) for m in messages)
    elif ending == "failed in thread":
        assert request.state == "failed"
        assert any(ACTION_RETRY in buttons(m) for m in messages)
    else:
        assert request.state == "failed" and (request.error or "").startswith("slack:")
        dm = world.slack.open_dm(ALICE)
        told = [m for m in world.slack.messages(dm) if m.user == world.slack.bot_user_id]
        if ending == "failed by dm":
            assert told and "I stopped working on your request" in block_texts(told[-1])
    unhandled = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert unhandled == [], [r.getMessage() for r in unhandled]
