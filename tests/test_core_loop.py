"""The core loop end to end: the real Bolt app over HTTP, the fake Slack, the fake Claude."""

from __future__ import annotations

import pytest

from bot.constants import ACTION_EDIT_BRIEF, ACTION_RETRY
from bot.domain.prompts import BRIEF_TOOL_NAME
from sandbox.claude import FakeReply
from storage.models import Draft, Feedback, Request
from tests.world import (
    ALICE,
    BOB,
    CHANNEL,
    World,
    block_texts,
    buttons,
    draft_body,
    rows,
    scripted_draft,
)

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words, no jargon"


def draft_calls(world: World) -> list:
    return [c for c in world.claude.message_calls() if not c.body.get("tools")]


def brief_calls(world: World) -> list:
    return [c for c in world.claude.message_calls() if c.body.get("tools")]


def test_mention_gets_a_brief_then_a_streamed_draft_in_its_thread(world: World) -> None:
    """A mention becomes a brief (with the stated constraints) and a draft, both in the thread."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    brief, *_ = world.baton_messages(ts)
    shown = block_texts(brief)
    assert "*Goal:*" in shown and "*Audience:* customers" in shown
    assert "Under 150 words" in shown and "No jargon" in shown
    assert ACTION_EDIT_BRIEF in buttons(brief)
    assert draft.thread_ts == ts
    assert "download any report as CSV or PDF" in draft_body(draft)
    footer = block_texts(draft)
    assert "Confidence: medium" in footer and "Rests on: The feature ships this week" in footer
    assert "within the 150-word limit" in footer
    # The request reached Claude as quoted data, and the draft was streamed.
    assert "<request>" in brief_calls(world)[0].body["messages"][0]["content"]
    assert draft_calls(world)[0].body.get("stream") is True
    [request] = rows(world, Request)
    assert request.state == "drafted" and request.requester_id == ALICE
    assert request.text == LAUNCH


def test_the_placeholder_comes_first_and_becomes_the_brief(world: World) -> None:
    """The first thing in the thread is Baton's working line; it is then replaced by the brief."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    posts = world.slack.calls_to("chat.postMessage")
    first = posts[0]
    assert first.params["thread_ts"] == ts
    assert "Reading your request" in str(first.params["blocks"])
    updates = [
        c for c in world.slack.calls_to("chat.update") if c.params["ts"] == first.response["ts"]
    ]
    assert updates and "*Goal:*" in str(updates[-1].params["blocks"])


def test_a_direct_message_gets_the_same_flow(world: World) -> None:
    """A DM to Baton is a request too, answered in the DM's thread."""
    dm = world.slack.open_dm(BOB)
    ts = world.slack.post_user_message(BOB, dm, LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1, channel=dm)
    assert draft.thread_ts == ts
    [request] = rows(world, Request)
    assert request.channel_type == "im" and request.requester_id == BOB


def test_a_vague_request_gets_questions_not_a_draft_until_answered(world: World) -> None:
    """`@Baton do it` asks what to produce; the answer in the thread leads to a draft."""
    ts = world.mention("do it")
    world.idle()
    [questions] = world.baton_messages(ts)
    assert "before I draft I need to know" in block_texts(questions)
    assert world.claude.message_calls() == []  # nothing to send to a model yet
    world.reply(ts, "a launch note about CSV export, for customers, under 150 words")
    [draft] = world.wait_for_drafts(ts, 1)
    assert "CSV" in draft_body(draft)
    assert "<answers>" in brief_calls(world)[0].body["messages"][0]["content"]


def test_an_empty_mention_asks_what_is_wanted(world: World) -> None:
    """A bare @Baton is not an error: Baton asks its questions."""
    ts = world.slack.post_user_message(ALICE, CHANNEL, f"<@{world.slack.bot_user_id}>")
    world.idle()
    [questions] = world.baton_messages(ts)
    assert "What should I produce" in block_texts(questions)
    [request] = rows(world, Request)
    assert request.state == "needs_answers"


def test_the_model_can_judge_a_request_too_vague(world: World) -> None:
    """When Claude marks the brief not actionable, its questions are asked in the thread."""
    world.claude.on_tool(
        BRIEF_TOOL_NAME,
        lambda request: {
            "goal": "unclear",
            "audience": "unknown",
            "deliverable": "unknown",
            "constraints": [],
            "assumptions": [],
            "actionable": False,
            "open_questions": ["Which project do you mean by 'the plan'?"],
        },
    )
    ts = world.mention("update the plan for the thing we discussed")
    world.idle()
    [message] = world.baton_messages(ts)
    assert "Which project do you mean" in block_texts(message)
    assert draft_calls(world) == []


def test_a_reply_revises_the_draft_as_v2_with_context(world: World) -> None:
    """A reply gives Claude the brief, the previous draft and the reply; v2 lands in the thread."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.reply(ts, "make it warmer please", user=BOB)
    _, second = world.wait_for_drafts(ts, 2)
    assert "*Draft v2*" in block_texts(second)
    assert "warmer and clearer" in draft_body(second)
    asked = draft_calls(world)[-1].body["messages"][0]["content"]
    assert "<previous_draft>" in asked and "download any report" in asked
    assert "<reply>\nmake it warmer please\n</reply>" in asked
    assert "<brief>" in asked
    [feedback] = rows(world, Feedback)
    assert (feedback.user_id, feedback.kind) == (BOB, "reply")
    assert feedback.seconds_after_draft is not None and feedback.seconds_after_draft >= 0


def test_each_reaction_is_recorded_and_acted_on(world: World) -> None:
    """+1 accepts, -1 offers its giver reason chips privately, repeat/scissors/mag make new
    versions."""
    ts = world.mention(LAUNCH)
    [first] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "+1")
    world.slack.add_reaction(BOB, CHANNEL, first.ts, "-1")
    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "-1")
    world.idle()
    # Each -1 gets its giver one private "what missed?" with reason chips; no one else sees it.
    asked = world.slack.calls_to("chat.postEphemeral")
    assert sorted(call.params["user"] for call in asked) == [ALICE, BOB]
    assert all("What missed in draft v1?" in str(call.params["blocks"]) for call in asked)
    assert not [m for m in world.baton_messages(ts) if "what missed?" in block_texts(m)]
    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "scissors")
    shorter = world.wait_for_drafts(ts, 2)[-1]
    assert draft_body(shorter) == "Export is here. Try it today."
    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "mag")
    detailed = world.wait_for_drafts(ts, 3)[-1]
    assert "Details on formats" in draft_body(detailed)
    world.slack.add_reaction(BOB, CHANNEL, first.ts, "repeat")
    other = world.wait_for_drafts(ts, 4)[-1]
    assert "A different angle" in draft_body(other)
    kinds = sorted((f.user_id, f.kind) for f in rows(world, Feedback))
    assert kinds == sorted(
        [
            (ALICE, "accept"),
            (BOB, "reject"),
            (ALICE, "reject"),
            (ALICE, "shorter"),
            (ALICE, "more_detail"),
            (BOB, "redo"),
        ]
    )
    assert all(
        f.draft_id is not None and f.seconds_after_draft is not None for f in rows(world, Feedback)
    )
    versions = sorted((d.version, d.trigger) for d in rows(world, Draft))
    assert versions == [(1, "first"), (2, "shorter"), (3, "more_detail"), (4, "redo")]


def test_removing_a_reaction_takes_its_feedback_back(world: World) -> None:
    """reaction_removed marks the person's feedback retracted; others' feedback stays."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "+1")
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "+1")
    # Acked is not yet handled: a removal handled before its add leaves no feedback at all
    # (test_a_removal_delivered_before_its_add_leaves_no_feedback), so let the adds land first.
    world.idle()
    world.slack.remove_reaction(ALICE, CHANNEL, draft.ts, "+1")
    world.idle()
    by_user = {f.user_id: f for f in rows(world, Feedback)}
    assert by_user[ALICE].retracted_at is not None
    assert by_user[BOB].retracted_at is None


def test_a_removal_delivered_before_its_add_leaves_no_feedback(world: World) -> None:
    """Slack does not promise order: a reaction_removed that overtakes its reaction_added
    still wins, so the late add records nothing that stands."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    item = {"type": "message", "channel": CHANNEL, "ts": draft.ts}

    def reaction(kind: str, event_ts: str) -> dict:
        return {"type": kind, "user": ALICE, "reaction": "+1", "item": item, "event_ts": event_ts}

    assert world.slack.send_event(reaction("reaction_removed", "1800000000.000200")).ok
    assert world.slack.send_event(reaction("reaction_added", "1800000000.000100")).ok
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "+1")  # in order: counts
    world.idle()
    live = [f.user_id for f in rows(world, Feedback) if f.retracted_at is None]
    assert live == [BOB]


def test_two_people_asking_for_shorter_get_one_shorter_version(world: World) -> None:
    """The same ask on the same draft twice is recorded twice but drafted once."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "scissors")
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "scissors")
    world.wait_for_drafts(ts, 2)
    world.idle()
    assert len([d for d in rows(world, Draft) if d.trigger == "shorter"]) == 1
    assert len([f for f in rows(world, Feedback) if f.kind == "shorter"]) == 2


def test_retried_and_duplicate_deliveries_make_one_draft(world: World) -> None:
    """Slack's retries (same event id) and the mention's two events produce one request."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    original = next(
        d.payload for d in world.slack.deliveries if d.payload["event"]["type"] == "app_mention"
    )
    for attempt in (1, 2):
        retry = world.slack.send_event(
            original["event"],
            event_id=original["event_id"],
            retry_num=attempt,
            retry_reason="http_timeout",
        )
        assert retry.ok
    world.idle()
    assert len(rows(world, Request)) == 1
    assert len(world.drafts(ts)) == 1
    assert len(brief_calls(world)) == 1


def test_bots_and_baton_itself_never_get_a_reply(world: World) -> None:
    """Another bot's message, and Baton's own echoed posts, start nothing."""
    world.slack.send_event(
        {
            "type": "message",
            "channel": CHANNEL,
            "user": "UOTHERBOT",
            "bot_id": "BOTHER",
            "text": f"<@{world.slack.bot_user_id}> write a poem",
            "ts": "1700000000.000100",
        }
    )
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.idle()
    # Baton's posts and updates were echoed back as events, and ignored.
    assert any(d.payload["event"].get("bot_id") for d in world.slack.deliveries)
    assert len(rows(world, Request)) == 1
    assert all(
        m.thread_ts == ts
        for m in world.slack.messages(CHANNEL)
        if m.user == world.slack.bot_user_id
    )


@pytest.mark.slow
def test_claude_failing_says_so_with_retry_and_keeps_the_request(world: World) -> None:
    """Persistent overload ends in a clear message and a Retry button that then works."""
    world.claude.fail_next("overloaded", times=9)  # the SDK's retries and Baton's own
    ts = world.mention(LAUNCH)
    world.idle()
    [message] = world.baton_messages(ts)
    assert "Claude is overloaded" in block_texts(message)
    assert ACTION_RETRY in buttons(message)
    [request] = rows(world, Request)
    assert request.state == "failed"
    world.slack.click_button(ALICE, CHANNEL, message.ts, ACTION_RETRY)
    world.wait_for_drafts(ts, 1)
    assert rows(world, Request)[0].state == "drafted"


def test_a_stream_broken_midway_is_redone_not_posted_as_whole(world: World) -> None:
    """A mid-stream error restarts the draft; the final message holds the whole text only."""
    drafts_asked = []

    def break_first_draft(request: dict) -> FakeReply:
        drafts_asked.append(request)
        reply = FakeReply(text=scripted_draft(request))
        if len(drafts_asked) == 1:
            reply.error_after_chars = 20
        return reply

    world.claude.responder = break_first_draft
    ts = world.mention("write a short welcome message for new hires")
    [draft] = world.wait_for_drafts(ts, 1)
    body = draft_body(draft)
    assert body == "Export is here: download any report as CSV or PDF from the new Export button."
    [stored] = rows(world, Draft)
    assert stored.state == "complete" and stored.text == body
    assert len(draft_calls(world)) == 2


def test_slack_rate_limits_slow_baton_down_but_lose_nothing(world: World) -> None:
    """429s on chat.update are retried after Retry-After; the draft arrives whole."""
    world.slack.fail_next("chat.update", error="ratelimited", retry_after=1, times=2)
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1, timeout=30)
    assert "download any report" in draft_body(draft)
    statuses = [c.status for c in world.slack.calls_to("chat.update")]
    assert statuses.count(429) == 2


def test_a_39000_character_request_is_kept_whole(world: World) -> None:
    """An enormous request is stored intact and still briefed and drafted."""
    text = "write a summary of these notes, for the team: " + ("lorem ipsum dolor " * 2200)[:39_000]
    ts = world.mention(text)
    world.wait_for_drafts(ts, 1)
    [request] = rows(world, Request)
    assert request.text == text.strip()
    assert text.strip()[-200:] in brief_calls(world)[0].body["messages"][0]["content"]


def test_a_forged_request_is_refused_and_touches_nothing(world: World) -> None:
    """A bad signature gets 401: no row, no Slack call, no model call."""
    delivery = world.slack.send_event(
        {"type": "app_mention", "channel": CHANNEL, "user": ALICE, "text": "hi", "ts": "1.2"},
        signature="v0=" + "0" * 64,
    )
    assert delivery.status == 401
    assert rows(world, Request) == []
    assert world.slack.calls_to("chat.postMessage") == []
    assert world.claude.calls == []


def test_channel_chatter_and_other_threads_are_left_alone(world: World) -> None:
    """Messages not addressed to Baton, and replies in threads it is not part of, cause
    no reply and no database write."""
    from storage.models import EventClaim

    ts = world.slack.post_user_message(ALICE, CHANNEL, "lunch anyone?")
    world.reply(ts, "yes please", user=BOB)
    world.idle()
    assert world.baton_messages(ts) == []
    assert rows(world, EventClaim) == [] and rows(world, Request) == []


def test_a_mention_inside_someone_elses_thread_starts_a_request_there(world: World) -> None:
    """@Baton in a reply of an ordinary thread answers in that thread."""
    ts = world.slack.post_user_message(BOB, CHANNEL, "we need a launch note for export")
    world.reply(ts, f"<@{world.slack.bot_user_id}> {LAUNCH}")
    [draft] = world.wait_for_drafts(ts, 1)
    assert draft.thread_ts == ts
    [request] = rows(world, Request)
    assert request.thread_ts == ts and request.requester_id == ALICE


def test_deleting_a_message_in_slack_drops_baton_s_copy_of_it(world: World) -> None:
    """message_deleted removes the stored words of a request or a reply."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    reply_ts = world.reply(ts, "make it warmer please, mention the Q3 numbers", user=BOB)
    world.wait_for_drafts(ts, 2)
    for deleted in (ts, reply_ts):
        world.slack.send_event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": CHANNEL,
                "deleted_ts": deleted,
                "hidden": True,
                "ts": "1795000000.000200",
                "previous_message": {"type": "message", "user": ALICE, "ts": deleted},
            }
        )
    world.idle()
    [request] = rows(world, Request)
    assert request.text == "[deleted in Slack]"
    assert all(f.text is None for f in rows(world, Feedback))
    assert len(world.drafts(ts)) == 2  # no reply to a deletion


def test_editing_a_request_in_slack_changes_nothing_baton_does(world: World) -> None:
    """Edits are not requests: a `message_changed` event, even one adding a mention, starts
    no work and changes no stored request (reply in the thread to steer instead)."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    mention = f"<@{world.slack.bot_user_id}>"
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "channel_type": "channel",
        "hidden": True,
        "ts": "1999999999.000100",
        "message": {"type": "message", "user": ALICE, "text": f"{mention} now a poem", "ts": ts},
        "previous_message": {"type": "message", "user": ALICE, "text": LAUNCH, "ts": ts},
    }
    assert world.slack.send_event(edited).ok
    world.idle()
    [request] = rows(world, Request)
    assert request.text == LAUNCH and len(rows(world, Draft)) == 1
    assert len(world.claude.message_calls()) == 2  # the brief and the one draft
