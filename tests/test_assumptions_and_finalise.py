"""Assumptions as questions (Right / Wrong) and Finalise (learning from the human's edit),
through the fake Slack and the fake Claude."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.constants import (
    ACTION_ASSUMPTION_RIGHT,
    ACTION_ASSUMPTION_WRONG,
    ACTION_FINALISE,
    CALLBACK_ASSUMPTION_CORRECTION,
    CALLBACK_FINALISE,
    CALLBACK_PREFS,
)
from bot.domain.prompts import BRIEF_TOOL_NAME
from sandbox.claude import FakeReply
from storage.models import AssumptionCheck, BriefVersion, Draft, Feedback
from storage.retention import expire_text
from tests.world import (
    ALICE,
    BOB,
    CHANNEL,
    World,
    block_texts,
    buttons,
    draft_body,
    form_state,
    rows,
    scripted_brief,
)

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"
ASSUMED = "The feature ships this week"  # what the scripted brief assumes
DRAFTED = "Export is here: download any report as CSV or PDF from the new Export button."
EDITED = "Export is here: download reports as CSV or PDF."


def opened_view(world: World, callback_id: str, *, user: str, count: int = 1) -> tuple[str, dict]:
    """The newest modal with this callback id, once `count` have been opened, for `user`."""
    views = world.slack.wait_for(
        lambda: (
            found
            if len(
                found := [
                    (view_id, view)
                    for view_id, view in world.slack.views().items()
                    if view.get("callback_id") == callback_id
                ]
            )
            >= count
            else None
        ),
        message=f"a {callback_id} modal",
    )
    view_id, view = views[-1]
    assert view["user"] == user  # opened with the trigger of the person who clicked
    return view_id, view


def said_to(world: World, user: str, words: str) -> list[dict[str, Any]]:
    """Wait for a private answer to `user` containing `words`."""
    return world.slack.wait_for(
        lambda: [r for r in world.slack.responses() if r["user"] == user and words in str(r)],
        message=f"a private answer to {user} saying {words!r}",
    )


def draft_calls(world: World) -> list[Any]:
    """Claude's draft calls (not the brief's tool calls), oldest first."""
    return [c for c in world.claude.message_calls() if not c.body.get("tools")]


def brief_message(world: World, ts: str) -> Any:
    """Baton's first message in the thread: the brief (None before it is posted)."""
    messages = world.baton_messages(ts)
    return messages[0] if messages else None


def test_right_confirms_an_assumption_for_the_brief_and_later_drafts(world: World) -> None:
    """Right marks the assumption confirmed on the brief, with who; the next draft's footer
    no longer lists it and Claude gets it as a constraint; a second Right says it was
    already confirmed."""
    ts = world.mention(LAUNCH)
    [first] = world.wait_for_drafts(ts, 1)
    assert f"Rests on: {ASSUMED}" in block_texts(first)
    assert ACTION_ASSUMPTION_RIGHT in buttons(brief_message(world, ts))

    world.slack.click_button(
        BOB, CHANNEL, brief_message(world, ts).ts, ACTION_ASSUMPTION_RIGHT, block_id="assumption_0"
    )
    brief = world.slack.wait_for(
        lambda: (m := brief_message(world, ts)) and "✓ confirmed by" in str(m.blocks) and m,
        message="the brief re-rendered with the confirmation",
    )
    assert f"{ASSUMED} · ✓ confirmed by <@{BOB}>" in str(brief.blocks)
    assert ACTION_ASSUMPTION_RIGHT not in buttons(brief)
    assert ACTION_ASSUMPTION_WRONG not in buttons(brief)
    said_to(world, BOB, "is confirmed")
    [check] = rows(world, AssumptionCheck)
    assert (check.assumption, check.verdict, check.user_id) == (ASSUMED, "right", BOB)

    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "scissors")
    [_, second] = world.wait_for_drafts(ts, 2)
    assert "Rests on" not in block_texts(second)
    assert ACTION_ASSUMPTION_RIGHT not in buttons(second)
    assert ACTION_FINALISE in buttons(second)
    # Claude reads it as a fact now: among the constraints, no longer an assumption.
    brief_sent = world.claude.message_calls()[-1].last_user_text.split("</brief>")[0]
    assert f"{ASSUMED} (confirmed)" in brief_sent
    assert '"assumptions": []' in brief_sent

    # The old draft's footer still has the button: clicking it changes nothing.
    world.slack.click_button(
        ALICE, CHANNEL, first.ts, ACTION_ASSUMPTION_RIGHT, block_id="assumption_0"
    )
    said_to(world, ALICE, "already confirmed")
    assert len(rows(world, AssumptionCheck)) == 1


def test_wrong_turns_the_answer_into_a_constraint_and_redoes_the_draft(world: World) -> None:
    """Wrong (on the draft's footer) opens the one-field form; bad answers come back as field
    errors; a good one makes brief v2 (corrected, by Bob) without the assumption, and a new
    draft whose prompt carries the constraint."""
    ts = world.mention(LAUNCH)
    [first] = world.wait_for_drafts(ts, 1)
    world.slack.click_button(
        BOB, CHANNEL, first.ts, ACTION_ASSUMPTION_WRONG, block_id="assumption_0"
    )
    view_id, view = opened_view(world, CALLBACK_ASSUMPTION_CORRECTION, user=BOB)
    assert f"I assumed: {ASSUMED}" in str(view["blocks"])

    empty = world.slack.submit_view(BOB, view_id, form_state(view, {"truth": "  "}))
    assert empty.json()["response_action"] == "errors" and "truth" in empty.json()["errors"]
    huge = world.slack.submit_view(BOB, view_id, form_state(view, {"truth": "x" * 5_000}))
    assert "under 300 characters" in huge.json()["errors"]["truth"]
    assert len(rows(world, BriefVersion)) == 1  # nothing changed yet

    answer = "It ships on 1 December, not this week"
    done = world.slack.submit_view(BOB, view_id, form_state(view, {"truth": answer}))
    assert done.ok and "errors" not in done.response_body
    [_, redone] = world.wait_for_drafts(ts, 2)

    versions = sorted(rows(world, BriefVersion), key=lambda b: b.version)
    assert [(b.version, b.source, b.author_id) for b in versions] == [
        (1, "extracted", None),
        (2, "corrected", BOB),
    ]
    assert versions[1].content["assumptions"] == []
    assert f"{answer} (not: {ASSUMED})" in versions[1].content["constraints"]
    prompt = draft_calls(world)[-1].body["messages"][-1]["content"]
    assert answer in prompt and "corrected one of the brief's assumptions" in prompt
    assert "<previous_draft>" in prompt  # redone from the draft it corrects
    drafts = sorted(rows(world, Draft), key=lambda d: d.version)
    assert [(d.trigger, d.asked_by) for d in drafts] == [("first", None), ("corrected", BOB)]
    assert "Rests on" not in block_texts(redone)

    brief = world.slack.wait_for(
        lambda: (m := brief_message(world, ts)) and "Brief (v2)" in str(m.blocks) and m,
        message="the brief shown as v2",
    )
    assert answer in str(brief.blocks) and ACTION_ASSUMPTION_WRONG not in buttons(brief)
    [check] = rows(world, AssumptionCheck)
    assert (check.verdict, check.user_id, check.brief_version) == ("wrong", BOB, 1)

    # The first draft's Wrong is stale now: the assumption is gone, so no form opens.
    world.slack.click_button(
        ALICE, CHANNEL, first.ts, ACTION_ASSUMPTION_WRONG, block_id="assumption_0"
    )
    said_to(world, ALICE, "no longer in the brief")
    assert len([v for v in world.slack.views().values() if v["user"] == ALICE]) == 0


def test_a_forged_assumption_button_is_refused_plainly(world: World) -> None:
    """A value that names no assumption gets a plain private answer, no stack trace."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    brief = brief_message(world, ts)
    world.slack.click_button(
        BOB, CHANNEL, brief.ts, ACTION_ASSUMPTION_RIGHT, block_id="assumption_0", value="1:1:7"
    )
    said_to(world, BOB, "out of date")
    world.slack.click_button(
        BOB, CHANNEL, brief.ts, ACTION_ASSUMPTION_WRONG, block_id="assumption_0", value="99:1:0"
    )
    said_to(world, BOB, "can't find that brief")
    assert rows(world, AssumptionCheck) == []


def test_finalise_posts_the_final_records_the_diff_and_changes_the_next_draft(
    world: World,
) -> None:
    """Finalise opens the draft in a form; the final is posted as "final, edited by"; the
    diff is stored with known numbers; the profile, the Home tab, the prefs form and the next
    draft's system prompt all follow."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    assert "Keep it short" not in str(draft_calls(world)[-1].body["system"])
    world.slack.click_button(ALICE, CHANNEL, draft.ts, ACTION_FINALISE)
    view_id, view = opened_view(world, CALLBACK_FINALISE, user=ALICE)
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["initial_value"] == draft_body(draft) == DRAFTED

    empty = world.slack.submit_view(ALICE, view_id, form_state(view, {"final_0": ""}))
    assert "can't be empty" in empty.json()["errors"]["final_0"]
    done = world.slack.submit_view(ALICE, view_id, form_state(view, {"final_0": EDITED}))
    assert done.ok and "errors" not in done.response_body

    final = world.slack.wait_for(
        lambda: [m for m in world.baton_messages(ts) if "*Final*" in block_texts(m)],
        message="the final in the thread",
    )[-1]
    assert f"*Final*, edited by <@{ALICE}> from draft v1" in block_texts(final)
    assert draft_body(final) == EDITED and "cut 40% · 1 word replaced" in block_texts(final)
    world.idle()
    assert len(rows(world, Draft)) == 1  # a final is not a new draft version
    [edit] = [f for f in rows(world, Feedback) if f.kind == "final_edit"]
    assert (edit.user_id, edit.draft_id, edit.text, edit.message_ts) == (
        ALICE,
        rows(world, Draft)[0].id,
        None,
        final.ts,
    )
    assert edit.edit_diff is not None
    assert {
        k: edit.edit_diff[k]
        for k in (
            "draft_words",
            "final_words",
            "length_ratio",
            "sentences_cut",
            "words_replaced",
            "words_removed",
            "words_added",
        )
    } == {
        "draft_words": 15,
        "final_words": 9,
        "length_ratio": 0.6,
        "sentences_cut": 0,
        "words_replaced": 1,
        "words_removed": 6,
        "words_added": 0,
    }

    # Reactions on the final are not feedback on a draft.
    world.slack.add_reaction(BOB, CHANNEL, final.ts, "+1")
    world.idle()
    assert [f.kind for f in rows(world, Feedback)] == ["final_edit"]

    reason = "you cut about 40% of my last draft"
    style, _, _ = world.app.preferences.profiles(team_id=world.slack.team_id, user_id=ALICE)
    assert (style.length.value, style.length.reason) == ("short", reason)
    world.slack.send_event(
        {"type": "app_home_opened", "user": ALICE, "channel": "D1", "tab": "home", "event_ts": "1"}
    )
    home = world.slack.wait_for(lambda: world.slack.home_views.get(ALICE), message="Home")
    assert f"*Length:* short. Learned: short ({reason})." in str(home["blocks"])
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    _, prefs = opened_view(world, CALLBACK_PREFS, user=ALICE)
    length = next(b for b in prefs["blocks"] if b.get("block_id") == "style_length")
    assert reason in length["hint"]["text"]

    again = world.mention(LAUNCH + " for partners")
    [next_draft] = world.wait_for_drafts(again, 1)
    assert "Keep it short" in str(draft_calls(world)[-1].body["system"])
    assert f"kept short: {reason}" in block_texts(next_draft)


def test_a_long_draft_is_finalised_in_parts(world: World) -> None:
    """A draft too long for one form field comes in parts, Finalise sits on its last message
    only, and an unchanged final long enough for two messages is posted in two."""
    paragraph = "Export is here for every report you run, in CSV or PDF, at any size. " * 12
    long_draft = "\n\n".join(f"{i}. {paragraph}" for i in range(14))
    world.claude.responder = lambda request: FakeReply(text=long_draft)
    ts = world.mention(LAUNCH)
    parts = world.slack.wait_for(
        lambda: (
            found
            if len(found := world.drafts(ts)) >= 2
            and "reply in this thread" in block_texts(found[-1])
            else None
        ),
        message="a two-part draft",
        timeout=20,
    )
    world.idle()
    assert ACTION_FINALISE not in buttons(parts[0]) and ACTION_FINALISE in buttons(parts[-1])
    world.slack.click_button(BOB, CHANNEL, parts[-1].ts, ACTION_FINALISE)
    view_id, view = opened_view(world, CALLBACK_FINALISE, user=BOB)
    fields = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(fields) >= 5 and "parts" in str(view["blocks"][0])
    assert all(len(f["element"]["initial_value"]) <= 3_000 for f in fields)
    done = world.slack.submit_view(BOB, view_id, form_state(view, {}))
    assert done.ok and "errors" not in done.response_body
    finals = world.slack.wait_for(
        lambda: (
            found
            if len(found := [m for m in world.baton_messages(ts) if "*Final*" in block_texts(m)])
            >= 2
            else None
        ),
        message="the final in two messages",
    )
    assert "part 1 of 2" in block_texts(finals[0]) and "no changes" in block_texts(finals[-1])
    world.idle()
    [edit] = [f for f in rows(world, Feedback) if f.kind == "final_edit"]
    assert edit.edit_diff is not None and edit.edit_diff["length_ratio"] == 1.0
    assert edit.edit_diff["words_replaced"] == 0


def test_finalise_on_a_forged_or_unknown_draft_says_so(world: World) -> None:
    """A Finalise value that names no finished draft: a plain private answer, no form."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.click_button(BOB, CHANNEL, draft.ts, ACTION_FINALISE, value="424242")
    said_to(world, BOB, "no longer here")
    assert not [
        v for v in world.slack.views().values() if v.get("callback_id") == CALLBACK_FINALISE
    ]


def test_a_correction_before_any_draft_waits_for_the_answers_and_goes_in_with_them(
    world: World,
) -> None:
    """While Baton waits for answers there is no draft to redo: the correction makes brief
    v2 and is given to Claude with the answers when they come."""

    def unsure(request: dict[str, Any]) -> dict[str, Any]:
        brief = scripted_brief(request)
        if "<answers>" not in str(request["messages"]):
            brief.update(actionable=False, open_questions=["Which customers is it for?"])
        return brief

    world.claude.on_tool(BRIEF_TOOL_NAME, unsure)
    ts = world.mention(LAUNCH)
    asking = world.slack.wait_for(
        lambda: (m := brief_message(world, ts)) and "before I draft" in block_texts(m) and m,
        message="the brief with its questions",
    )
    world.slack.click_button(
        ALICE, CHANNEL, asking.ts, ACTION_ASSUMPTION_WRONG, block_id="assumption_0"
    )
    view_id, view = opened_view(world, CALLBACK_ASSUMPTION_CORRECTION, user=ALICE)
    answer = "It shipped last month already"
    assert world.slack.submit_view(ALICE, view_id, form_state(view, {"truth": answer})).ok
    shown = world.slack.wait_for(
        lambda: (m := brief_message(world, ts)) and "Brief (v2)" in str(m.blocks) and m,
        message="brief v2, still asking",
    )
    assert "before I draft" in block_texts(shown) and answer in block_texts(shown)
    world.idle()
    assert world.drafts(ts) == []
    world.reply(ts, "Enterprise customers")
    world.wait_for_drafts(ts, 1)
    brief_calls = [c for c in world.claude.message_calls() if c.body.get("tools")]
    assert answer in str(brief_calls[-1].body["messages"])


def test_forget_me_and_the_retention_sweep_take_the_checks_too(world: World) -> None:
    """A person's confirmations go with forget-me; old ones with the briefs they quote; a
    request deleted by forget-me takes its checks with it."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    brief = brief_message(world, ts)
    world.slack.click_button(
        BOB, CHANNEL, brief.ts, ACTION_ASSUMPTION_RIGHT, block_id="assumption_0"
    )
    world.slack.wait_for(lambda: rows(world, AssumptionCheck), message="Bob's confirmation")
    world.idle()
    world.app.preferences.forget(team_id=world.slack.team_id, user_id=ALICE)
    assert rows(world, AssumptionCheck) == [] and rows(world, Draft) == []

    again = world.mention(LAUNCH)
    world.wait_for_drafts(again, 1)
    world.slack.click_button(
        BOB,
        CHANNEL,
        brief_message(world, again).ts,
        ACTION_ASSUMPTION_RIGHT,
        block_id="assumption_0",
    )
    world.slack.wait_for(lambda: rows(world, AssumptionCheck), message="a new confirmation")
    world.idle()
    with world.database.session() as session:
        expire_text(session, before=datetime.now(UTC) + timedelta(days=1))
    assert rows(world, AssumptionCheck) == []
    world.app.preferences.forget(team_id=world.slack.team_id, user_id=BOB)  # nothing left: fine
