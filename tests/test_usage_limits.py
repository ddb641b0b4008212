"""Unbounded consumption: per-person and per-workspace caps on model work, and a cap on what
one model call carries. Over a limit Baton says so plainly and keeps the request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.constants import ACTION_RETRY
from bot.domain.limits import Limits
from bot.domain.prompts import BRIEF_TOOL_NAME
from sandbox.claude import FakeClaude
from sandbox.slack import FakeSlack
from storage.db import Database
from storage.models import Draft, Request, utcnow
from tests.world import ALICE, BOB, CHANNEL, World, block_texts, buttons, rows, scripted_brief

LAUNCH = "write a launch note for the new export feature, for customers"


@pytest.fixture
def limited(database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude) -> Iterator[World]:
    """Baton with small limits: two pieces of work per person per hour, one in flight."""
    world = World.start(
        database=database,
        slack=fake_slack,
        claude=fake_claude,
        baton_limit_person_per_hour=2,
        baton_limit_person_in_flight=1,
        baton_limit_workspace_in_flight=2,
        baton_max_input_tokens=1_000,
    )
    try:
        yield world
    finally:
        world.stop()


def _draft_calls(world: World) -> int:
    return sum(1 for call in world.claude.message_calls() if not call.tool_names)


def test_over_the_hourly_limit_a_request_is_kept_and_retry_starts_it_later(
    limited: World,
) -> None:
    """Alice's third request in an hour is stored, not drafted; the thread says why and when,
    with Retry; Bob is not held back by Alice; an hour later Retry drafts it."""
    first = limited.mention(LAUNCH + " (one)")
    limited.wait_for_drafts(first, 1)
    second = limited.mention(LAUNCH + " (two)")
    limited.wait_for_drafts(second, 1)
    calls_before = len(limited.claude.message_calls())
    third = limited.mention(LAUNCH + " (three)")
    limited.idle()
    [held] = limited.baton_messages(third)
    assert "2 drafts in the last hour" in block_texts(held)
    assert "Your request is saved" in block_texts(held) and ACTION_RETRY in buttons(held)
    assert len(limited.claude.message_calls()) == calls_before  # Claude was not called
    stored = [r for r in rows(limited, Request) if r.message_ts == third]
    assert [r.state for r in stored] == ["limited"]

    bobs = limited.mention(LAUNCH + " (bob's)", user=BOB)
    limited.wait_for_drafts(bobs, 1)

    # Still within the hour: Retry says so again and starts nothing.
    limited.slack.click_button(ALICE, CHANNEL, held.ts, ACTION_RETRY)
    limited.slack.wait_for(
        lambda: any(
            "in the last hour" in str(e.get("text")) for e in limited.slack.ephemerals(user=ALICE)
        ),
        message="the refusal, privately",
    )
    limited.idle()
    assert [r.state for r in rows(limited, Request) if r.message_ts == third] == ["limited"]

    limited.app.usecases.deps.clock = lambda: utcnow() + timedelta(minutes=61)
    limited.slack.click_button(ALICE, CHANNEL, held.ts, ACTION_RETRY)
    limited.wait_for_drafts(third, 1)
    assert [r.state for r in rows(limited, Request) if r.message_ts == third] == ["drafted"]


def test_a_reaction_revision_over_the_limit_is_refused_in_the_thread(limited: World) -> None:
    """Revisions count too: past the limit, ✂️ gets a plain refusal and no new version."""
    ts = limited.mention(LAUNCH)
    [v1] = limited.wait_for_drafts(ts, 1)
    limited.slack.add_reaction(ALICE, CHANNEL, v1.ts, "repeat")
    limited.wait_for_drafts(ts, 2)
    drafts_before = _draft_calls(limited)
    limited.slack.add_reaction(ALICE, CHANNEL, v1.ts, "scissors")
    limited.idle()
    assert _draft_calls(limited) == drafts_before
    assert len(rows(limited, Draft)) == 2
    texts = [block_texts(m) for m in limited.baton_messages(ts)]
    assert any("in the last hour" in t and "revise the draft" in t for t in texts)


def test_work_in_flight_on_any_replica_counts_but_stale_work_does_not(
    limited: World, database: Database
) -> None:
    """A request another process is drafting holds Alice's one slot; one whose process died
    (no progress for 15 minutes) does not."""
    with database.session() as session:
        session.add(
            Request(
                team_id=limited.slack.team_id,
                channel_id=CHANNEL,
                channel_type="channel",
                message_ts="1700000000.000100",
                thread_ts="1700000000.000100",
                requester_id=ALICE,
                text="drafting elsewhere",
                state="drafting",
            )
        )
    ts = limited.mention(LAUNCH)
    limited.idle()
    [held] = limited.baton_messages(ts)
    assert "You already have 1 drafts in the works" in block_texts(held)

    with database.session() as session:
        elsewhere = session.get(Request, rows(limited, Request)[0].id)
        assert elsewhere is not None and elsewhere.text == "drafting elsewhere"
        elsewhere.updated_at = utcnow() - timedelta(minutes=20)
        session.add(elsewhere)
    fresh = limited.mention(LAUNCH + " again")
    limited.wait_for_drafts(fresh, 1)


def test_a_thread_too_long_for_the_input_cap_loses_its_oldest_replies_and_says_so(
    limited: World,
) -> None:
    """Answers to Baton's questions are sent newest first within the cap; the oldest go, and
    the thread says what was left out."""

    def brief_until_told_enough(request: dict) -> dict:
        brief = scripted_brief(request)
        if "NEWEST" not in str(request["messages"]):
            brief.update(actionable=False, open_questions=["Who is it for?"])
        return brief

    limited.claude.on_tool(BRIEF_TOOL_NAME, brief_until_told_enough)
    limited.app.usecases.usage.limits = Limits()  # room for the four briefs this thread takes
    ts = limited.mention("help")  # too vague: Baton asks questions first
    limited.idle()
    assert limited.baton_messages(ts), "Baton asked its questions"
    oldest = "OLDEST " + "detail " * 300  # about 500 tokens each
    limited.reply(ts, oldest)
    limited.idle()
    limited.reply(ts, "MIDDLE " + "detail " * 300)
    limited.idle()
    limited.reply(ts, "NEWEST: a launch note for customers, " + "detail " * 50)
    limited.idle()
    last_brief = [c for c in limited.claude.message_calls() if c.tool_names][-1]
    asked = last_brief.last_user_text
    assert "NEWEST" in asked and "OLDEST" not in asked
    assert "left out" in asked  # Claude is told too, as Baton's note, not the requester's
    notes = [block_texts(m) for m in limited.baton_messages(ts)]
    assert any("oldest repl" in n and "left out" in n for n in notes)
