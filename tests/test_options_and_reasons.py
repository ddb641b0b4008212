"""Options, then variation, and reasons for a thumbs-down, end to end: the real Bolt app over
HTTP between the fake Slack and the fake Claude."""

from __future__ import annotations

from typing import Any

import pytest

from bot.constants import (
    ACTION_OPTIONS,
    ACTION_REASON_MISSED_POINT,
    ACTION_REASON_OTHER,
    ACTION_REASON_TOO_LONG,
    ACTION_REASON_TOO_SHORT,
    ACTION_REASON_WRONG_FACTS,
    ACTION_REASON_WRONG_TONE,
    ACTION_USE_OPTION,
    CALLBACK_REASON_OTHER,
)
from bot.domain.brief import Brief
from bot.domain.options.prompt import OPTIONS_TOOL_NAME, options_prompt
from bot.domain.prompts import DRAFT_SYSTEM
from bot.domain.reasons import REASON_ACTIONS
from sandbox.claude import FakeReply
from sandbox.offline import LABEL_LINE, OfflineDrafter
from storage.models import Draft, DraftOption, Feedback, Job, OptionSet, Request
from tests.world import (
    ALICE,
    BOB,
    CHANNEL,
    SCRIPTED_OPTIONS,
    World,
    block_texts,
    buttons,
    draft_body,
    form_state,
    rows,
    scripted_draft,
)

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"
ASK_OPTIONS = "give me 3 options for a launch note about the new export feature, for customers"
FORMAL_TEXT = SCRIPTED_OPTIONS[1][1]
LIST_TEXT = SCRIPTED_OPTIONS[2][1]


# ---- helpers ---------------------------------------------------------------------------------


def options_message(world: World, thread_ts: str, *, chosen: bool = False) -> Any:
    """Baton's options message in a thread (once its choice is shown, with `chosen`)."""

    def find() -> Any:
        for message in world.baton_messages(thread_ts):
            shown = block_texts(message)
            if "*Options A" in shown and (not chosen or "chose" in shown):
                return message
        return None

    found = world.slack.wait_for(find, timeout=20, message="the options in the thread")
    world.idle()
    return world.slack.message(CHANNEL, found.ts)


def use_values(message: Any) -> list[str]:
    return [
        element["value"]
        for block in message.blocks or []
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == ACTION_USE_OPTION
    ]


def stale_click(
    world: World, user: str, blocks: list[dict[str, Any]], block_id: str, value: str | None = None
) -> None:
    """A click on a Use button as a client showed it before the message changed."""
    if value is not None:
        blocks = [
            {**b, "elements": [{**e, "value": value} for e in b["elements"]]}
            if b.get("block_id") == block_id
            else b
            for b in blocks
        ]
    world.slack.click_ephemeral_button(user, CHANNEL, blocks, ACTION_USE_OPTION, block_id=block_id)


def options_calls(world: World) -> list[Any]:
    return [c for c in world.claude.message_calls() if OPTIONS_TOOL_NAME in c.tool_names]


def draft_calls(world: World) -> list[Any]:
    return [c for c in world.claude.message_calls() if not c.body.get("tools")]


def said_to(world: World, user: str) -> list[str]:
    """What Baton told `user` privately through response_urls, oldest first."""
    return [str(r["body"].get("text", "")) for r in world.slack.responses() if r["user"] == user]


def wait_said(world: World, user: str, words: str) -> str:
    return world.slack.wait_for(
        lambda: next((t for t in said_to(world, user) if words in t), None),
        message=f"{words!r} said to {user}",
    )


def chips(world: World, user: str) -> list[dict[str, Any]]:
    """The reason-chip ephemerals `user` was shown."""
    return [
        e
        for e in world.slack.ephemerals(CHANNEL, user=user)
        if any(
            el.get("action_id") == ACTION_REASON_TOO_LONG
            for b in e.get("blocks") or []
            if b.get("type") == "actions"
            for el in b["elements"]
        )
    ]


def wait_chips(world: World, user: str) -> dict[str, Any]:
    return world.slack.wait_for(lambda: chips(world, user), message=f"chips for {user}")[-1]


def click_chip(world: World, user: str, chip: dict[str, Any], action_id: str) -> None:
    world.slack.click_ephemeral_button(
        user, CHANNEL, chip["blocks"], action_id, message_ts=chip["message_ts"]
    )
    world.idle()


def feedback_of(world: World, user: str, kind: str) -> list[Feedback]:
    return [f for f in rows(world, Feedback) if f.user_id == user and f.kind == kind]


def style_of(world: World, user: str) -> Any:
    style, _, _ = world.app.preferences.profiles(team_id=world.slack.team_id, user_id=user)
    return style


# ---- options ---------------------------------------------------------------------------------


def test_a_request_asking_for_options_gets_a_b_c_instead_of_a_draft(world: World) -> None:
    """ "Give me 3 options" makes Claude write three labelled options through a forced tool
    call; the thread shows them as A, B, C with a Use button each, and no draft yet."""
    ts = world.mention(ASK_OPTIONS)
    message = options_message(world, ts)
    shown = block_texts(message)
    assert "*A · Casual and quick*" in shown and "*B · Formal announcement*" in shown
    assert "*C · Scannable list*" in shown and "they differ in tone and structure" in shown
    assert FORMAL_TEXT in shown and "reply with its letter" in shown
    [set_row] = rows(world, OptionSet)
    assert use_values(message) == [f"{set_row.id}:A", f"{set_row.id}:B", f"{set_row.id}:C"]
    assert world.drafts(ts) == []
    [call] = options_calls(world)
    assert call.body["tool_choice"] == {"type": "tool", "name": OPTIONS_TOOL_NAME}
    asked = call.body["messages"][0]["content"]
    assert "<brief>" in asked and "Write exactly 3 options" in asked
    assert (set_row.source, set_row.asked_by, set_row.state) == ("wording", ALICE, "shown")
    [request] = rows(world, Request)
    assert request.state == "choosing"
    assert len(feedback_of(world, ALICE, "options_asked")) == 1


def test_two_takes_are_two_options(world: World) -> None:
    """The count comes from the request's own words."""
    ts = world.mention("draft two takes on a launch note about the new export feature")
    message = options_message(world, ts)
    assert len(use_values(message)) == 2 and "*C ·" not in block_texts(message)


def test_the_options_button_on_a_brief_offers_options_beside_the_draft(world: World) -> None:
    """Options on a drafted brief writes three options with the current draft as reference;
    pressing it again while they wait says so instead of writing more."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    brief = world.baton_messages(ts)[0]
    assert ACTION_OPTIONS in buttons(brief)
    world.slack.click_button(BOB, CHANNEL, brief.ts, ACTION_OPTIONS)
    assert "Writing 3 options" in wait_said(world, BOB, "options")
    options_message(world, ts)
    asked = options_calls(world)[0].body["messages"][0]["content"]
    assert "<previous_draft>" in asked and "download any report" in asked
    [set_row] = rows(world, OptionSet)
    assert (set_row.source, set_row.asked_by) == ("button", BOB)
    world.slack.click_button(BOB, CHANNEL, brief.ts, ACTION_OPTIONS)
    wait_said(world, BOB, "already waiting in the thread")
    assert len(options_calls(world)) == 1


def test_a_reply_asking_for_options_gets_options_not_a_revision(world: World) -> None:
    """ "Give me two takes with different tones" in the thread of a drafted brief writes two
    options varying in tone, not a v2."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.reply(ts, "give me two takes with different tones", user=BOB)
    message = options_message(world, ts)
    assert len(use_values(message)) == 2
    asked = options_calls(world)[0].body["messages"][0]["content"]
    assert "Write exactly 2 options" in asked and "different in tone" in asked
    assert len(world.drafts(ts)) == 1 and not feedback_of(world, BOB, "reply")
    assert len(feedback_of(world, BOB, "options_asked")) == 1


def test_a_person_who_keeps_asking_for_another_take_gets_options_by_habit(world: World) -> None:
    """Three :repeat: in a row make Alice's next request open with options, saying why."""
    ts = world.mention(LAUNCH)
    drafts = world.wait_for_drafts(ts, 1)
    for count in (2, 3, 4):
        world.slack.add_reaction(ALICE, CHANNEL, drafts[-1].ts, "repeat")
        drafts = world.wait_for_drafts(ts, count)
    second = world.mention("write a launch note for the new search feature")
    message = options_message(world, second)
    assert "you asked for another take or for options 3 of your last 3 times" in block_texts(
        message
    )
    assert world.drafts(second) == []
    habit = [s for s in rows(world, OptionSet) if s.source == "habit"]
    assert len(habit) == 1 and habit[0].asked_by is None
    # Bob has no such habit: his request gets a draft.
    third = world.mention("write a launch note for the new billing page", user=BOB)
    world.wait_for_drafts(third, 1)


def test_use_b_makes_b_the_working_draft_and_writes_the_next_version_from_it(
    world: World,
) -> None:
    """The Use B button marks B chosen, stores it as draft v1 and writes v2 from it; the
    choice and the two options passed over are Alice's feedback, and she is now formal."""
    ts = world.mention(ASK_OPTIONS)
    message = options_message(world, ts)
    world.slack.click_button(ALICE, CHANNEL, message.ts, ACTION_USE_OPTION, block_id="option_B")
    [v2] = world.wait_for_drafts(ts, 1)
    assert "*Draft v2*" in block_texts(v2)
    asked = draft_calls(world)[-1].body["messages"][0]["content"]
    assert f"<previous_draft>\n{FORMAL_TEXT}\n</previous_draft>" in asked
    assert "A person chose this option" in asked
    updated = options_message(world, ts, chosen=True)
    shown = block_texts(updated)
    assert "B · Formal announcement* :white_check_mark: chosen" in shown
    assert "A · Casual and quick* · not chosen" in shown and f"<@{ALICE}> chose B" in shown
    assert ACTION_USE_OPTION not in buttons(updated)
    drafts = sorted(rows(world, Draft), key=lambda d: d.version)
    assert [(d.version, d.trigger) for d in drafts] == [(1, "option"), (2, "chosen")]
    assert drafts[0].text == FORMAL_TEXT and drafts[1].parent_id == drafts[0].id
    options = {o.id: o for o in rows(world, DraftOption)}
    [chosen] = feedback_of(world, ALICE, "option_chosen")
    assert chosen.draft_id == drafts[0].id and options[chosen.option_id].label == "B"
    passed = feedback_of(world, ALICE, "option_passed")
    assert sorted(options[f.option_id].label for f in passed) == ["A", "C"]
    style = style_of(world, ALICE)
    assert (style.formality.value, style.formality.reason) == (
        "formal",
        "you picked a formal option",
    )
    assert rows(world, Request)[0].state == "drafted"


def test_options_waiting_for_a_choice_are_in_the_digest_until_chosen(world: World) -> None:
    """`/baton digest` lists options shown and not chosen, linked to them; once B is
    chosen they are gone (and the new draft waits for judgement instead)."""
    ts = world.mention(ASK_OPTIONS)
    message = options_message(world, ts)
    dm = world.slack.open_dm(ALICE)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest")
    first = world.slack.wait_for(lambda: world.slack.messages(dm), message="the digest DM")
    shown = block_texts(first[-1])
    assert "choose an option" in shown and f"p{message.ts.replace('.', '')}" in shown
    world.slack.click_button(ALICE, CHANNEL, message.ts, ACTION_USE_OPTION, block_id="option_B")
    world.wait_for_drafts(ts, 1)
    world.idle()
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest")
    second = world.slack.wait_for(
        lambda: world.slack.messages(dm)[1:] or None, message="the second digest"
    )
    assert "choose an option" not in block_texts(second[-1])
    assert "judge draft v2" in block_texts(second[-1])


def test_a_second_choice_is_refused_plainly(world: World) -> None:
    """Once B is chosen, Bob's Use A tells him who chose what; a made-up button value and a
    vanished set say they are out of date. Nothing more is written."""
    ts = world.mention(ASK_OPTIONS)
    message = options_message(world, ts)
    world.slack.click_button(ALICE, CHANNEL, message.ts, ACTION_USE_OPTION, block_id="option_B")
    world.wait_for_drafts(ts, 1)
    # Bob's client still shows the buttons as they were before Alice chose.
    stale_click(world, BOB, message.blocks, "option_A")
    assert f"already chosen by <@{ALICE}>" in wait_said(world, BOB, "already chosen")
    stale_click(world, BOB, message.blocks, "option_A", value="garbage")
    wait_said(world, BOB, "That button is out of date.")
    stale_click(world, BOB, message.blocks, "option_A", value="99999:A")
    wait_said(world, BOB, "Those options are no longer here.")
    world.idle()
    assert len(rows(world, Draft)) == 2 and not feedback_of(world, BOB, "option_chosen")


def test_a_reply_b_but_warmer_chooses_b_and_revises_it_warmer(world: World) -> None:
    """ "B but warmer" picks B and writes the next version from B with "warmer" as the reply;
    "use option c, shorter" does the same for C."""
    ts = world.mention(ASK_OPTIONS)
    options_message(world, ts)
    world.reply(ts, "B but warmer", user=BOB)
    [v2] = world.wait_for_drafts(ts, 1)
    assert "*Draft v2*" in block_texts(v2) and "warmer and clearer" in draft_body(v2)
    asked = draft_calls(world)[-1].body["messages"][0]["content"]
    assert f"<previous_draft>\n{FORMAL_TEXT}\n</previous_draft>" in asked
    assert "<reply>\nwarmer\n</reply>" in asked
    [reply] = feedback_of(world, BOB, "reply")
    assert reply.text == "warmer" and len(feedback_of(world, BOB, "option_chosen")) == 1
    latest = max(rows(world, Draft), key=lambda d: d.version)
    assert (latest.trigger, latest.instruction, latest.asked_by) == ("reply", "warmer", BOB)

    other = world.mention(ASK_OPTIONS + " and partners")
    options_message(world, other)
    world.reply(other, "use option c, shorter")
    world.wait_for_drafts(other, 1)
    asked = draft_calls(world)[-1].body["messages"][0]["content"]
    assert LIST_TEXT in asked and "<reply>\nshorter\n</reply>" in asked


def test_a_reply_that_is_not_a_choice_is_told_how_to_choose_once(world: World) -> None:
    """With options waiting and no draft yet, "A few more details please" is not option A:
    Baton says how to choose, once, and writes nothing."""
    ts = world.mention(ASK_OPTIONS)
    options_message(world, ts)
    world.reply(ts, "A few more details please")
    world.reply(ts, "hmm, thinking")
    world.idle()
    hints = [m for m in world.baton_messages(ts) if "reply with a letter" in block_texts(m)]
    assert len(hints) == 1 and "Options A/B/C are waiting" in block_texts(hints[0])
    assert world.drafts(ts) == [] and not rows(world, Draft)
    assert rows(world, OptionSet)[0].state == "shown"


def test_options_failing_say_so_with_retry_and_retry_writes_them(world: World) -> None:
    """When Claude cannot write the options the thread says so with Retry; Retry writes
    them."""
    world.claude.on_tool(OPTIONS_TOOL_NAME, lambda request: {"varies": "x", "options": []})
    ts = world.mention(ASK_OPTIONS)
    failed = world.slack.wait_for(
        lambda: [
            m for m in world.baton_messages(ts) if "couldn't write the options" in block_texts(m)
        ],
        message="the failure in the thread",
    )
    assert "baton_retry" in buttons(failed[-1])
    world.idle()
    assert rows(world, Request)[0].state == "failed"
    from tests.world import scripted_options

    world.claude.on_tool(OPTIONS_TOOL_NAME, scripted_options)
    world.slack.click_button(ALICE, CHANNEL, failed[-1].ts, "baton_retry")
    options_message(world, ts)
    assert [s.state for s in sorted(rows(world, OptionSet), key=lambda s: s.id)] == [
        "failed",
        "shown",
    ]


def test_options_and_the_choice_survive_a_process_dying(world: World) -> None:
    """Both steps are durable jobs: when the process that recorded them dies before running
    them, another process's sweep writes the options, then the version from the choice."""
    from datetime import timedelta

    from sqlmodel import Session

    runner = world.app.jobs
    real_run = runner.run
    dropped: list[str] = []

    def dies_before_running(job_id: int) -> None:
        with Session(world.database.engine) as session:
            job = session.get(Job, job_id)
        if job is not None and job.kind in ("options", "option_chosen"):
            dropped.append(job.kind)  # recorded and committed, never run here
            return
        real_run(job_id)

    runner.run = dies_before_running  # type: ignore[method-assign]
    runner.pending_grace = timedelta(0)
    ts = world.mention(ASK_OPTIONS)
    # (Both the submit after commit and the runner's "what waits next" would have run it.)
    world.slack.wait_for(lambda: "options" in dropped, message="the options job recorded")
    world.idle()
    assert not [m for m in world.baton_messages(ts) if "*Options A" in block_texts(m)]
    assert runner.sweep() == 1
    options_message(world, ts)
    world.reply(ts, "B")
    world.slack.wait_for(lambda: "option_chosen" in dropped, message="the choice recorded")
    world.idle()
    assert world.drafts(ts) == []
    assert runner.sweep() == 1
    [v2] = world.wait_for_drafts(ts, 1)
    assert "*Draft v2*" in block_texts(v2)
    assert ACTION_USE_OPTION not in buttons(options_message(world, ts, chosen=True))
    assert sorted(j.kind for j in rows(world, Job) if j.state == "done")[-2:] == [
        "option_chosen",
        "options",
    ]


def test_the_offline_drafter_writes_labelled_options() -> None:
    """`baton sandbox` without a key: the stand-in answers the options tool with distinct,
    labelled options that say they are not Claude."""
    brief = Brief(
        goal="Announce the new export feature",
        audience="customers",
        deliverable="a launch note",
        actionable=True,
    )
    prompt = options_prompt(brief, style=[], count=4, varies=None)
    request = {"system": prompt.system, "messages": prompt.messages}
    answer = OfflineDrafter(tokens_per_second=None).options(request)
    texts = [option["text"] for option in answer["options"]]
    assert len(texts) == 4 and len(set(texts)) == 4
    assert all(text.startswith(LABEL_LINE) for text in texts)
    assert "offline drafter" in answer["varies"]
    assert prompt.system.startswith(DRAFT_SYSTEM)


def test_the_sandbox_s_offline_drafter_offers_options_and_writes_up_the_pick(
    world: World,
) -> None:
    """Through Baton, the offline drafter's options are labelled as not Claude, and the one
    picked is what the next version is written from."""
    OfflineDrafter(tokens_per_second=None).install(world.claude)
    ts = world.mention(ASK_OPTIONS)
    shown = block_texts(options_message(world, ts))
    assert "offline drafter, not Claude" in shown and shown.count(LABEL_LINE) == 3
    assert "*B · Three questions*" in shown
    world.reply(ts, "b")
    [v2] = world.wait_for_drafts(ts, 1)
    assert draft_body(v2).startswith(LABEL_LINE) and "*What is it?*" in draft_body(v2)


# ---- reasons for a thumbs-down ---------------------------------------------------------------


def test_a_thumbs_down_offers_reason_chips_once_to_that_person_only(world: World) -> None:
    """Each person who reacts -1 gets one ephemeral in the thread with six chips; reacting
    again does not repeat it, and nothing is posted for everyone."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    chip = wait_chips(world, BOB)
    assert chip["thread_ts"] == ts and "What missed in draft v1?" in str(chip["blocks"])
    actions = [
        el["action_id"] for b in chip["blocks"] if b["type"] == "actions" for el in b["elements"]
    ]
    assert actions == list(REASON_ACTIONS.values())
    world.slack.remove_reaction(BOB, CHANNEL, draft.ts, "-1")
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "-1")
    wait_chips(world, ALICE)
    world.idle()
    assert len(chips(world, BOB)) == 1 and len(chips(world, ALICE)) == 1
    sent = world.slack.calls_to("chat.postEphemeral")
    assert sorted(c.params["user"] for c in sent) == [ALICE, BOB]
    assert not [m for m in world.baton_messages(ts) if "what missed" in block_texts(m).lower()]


def test_too_long_is_stored_counts_once_can_change_and_goes_with_the_thumbs_down(
    world: World,
) -> None:
    """Too long makes Bob short; the same chip again counts once; too short replaces it;
    taking the -1 back takes the reason back, and a later chip says there is nothing to
    give a reason for."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    chip = wait_chips(world, BOB)
    click_chip(world, BOB, chip, ACTION_REASON_TOO_LONG)
    [reject] = feedback_of(world, BOB, "reject")
    assert reject.reason == "too_long"
    shown = world.slack.ephemerals(CHANNEL, user=BOB)[-1]
    assert "Noted: too long. Your drafts will lean shorter." in str(shown["blocks"])
    style = style_of(world, BOB)
    assert (style.length.value, style.length.reason) == (
        "short",
        "you said too long on your last draft",
    )
    click_chip(world, BOB, chip, ACTION_REASON_TOO_LONG)
    assert "Already noted: too long. It counts once." in str(
        world.slack.ephemerals(CHANNEL, user=BOB)[-1]["blocks"]
    )
    assert [f.reason for f in feedback_of(world, BOB, "reject")] == ["too_long"]
    click_chip(world, BOB, chip, ACTION_REASON_TOO_SHORT)
    assert "Changed from too long to too short." in str(
        world.slack.ephemerals(CHANNEL, user=BOB)[-1]["blocks"]
    )
    assert style_of(world, BOB).length.value == "long"
    world.slack.remove_reaction(BOB, CHANNEL, draft.ts, "-1")
    world.idle()
    assert style_of(world, BOB).length.value == "medium"
    click_chip(world, BOB, chip, ACTION_REASON_TOO_LONG)
    assert "was taken back" in wait_said(world, BOB, "taken back")
    [retracted] = feedback_of(world, BOB, "reject")
    assert retracted.retracted_at is not None and retracted.reason == "too_short"


@pytest.mark.parametrize(
    ("text", "learned", "said"),
    [
        (FORMAL_TEXT, "casual", "This draft read formal, so your drafts will lean more casual."),
        (
            "Hey folks! It's here and it's awesome, grab it now! Cheers!",
            "formal",
            "This draft read casual, so your drafts will lean more formal.",
        ),
    ],
)
def test_wrong_tone_moves_formality_away_from_the_draft_s_tone(
    world: World, text: str, learned: str, said: str
) -> None:
    """Wrong tone on a formal draft makes the person casual, on a casual one formal."""
    world.claude.responder = lambda request: FakeReply(text=text)
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "-1")
    click_chip(world, ALICE, wait_chips(world, ALICE), ACTION_REASON_WRONG_TONE)
    assert said in str(world.slack.ephemerals(CHANNEL, user=ALICE)[-1]["blocks"])
    assert style_of(world, ALICE).formality.value == learned


def test_wrong_facts_lowers_the_confidence_of_the_next_drafts_and_says_why(
    world: World,
) -> None:
    """After wrong facts, Alice's next announcement draft states low confidence (the brief
    said medium) with the reason; her style is untouched."""
    ts = world.mention(LAUNCH)
    [v1] = world.wait_for_drafts(ts, 1)
    assert "Confidence: medium (audience and length stated)" in block_texts(v1)
    world.slack.add_reaction(ALICE, CHANNEL, v1.ts, "-1")
    click_chip(world, ALICE, wait_chips(world, ALICE), ACTION_REASON_WRONG_FACTS)
    told = str(world.slack.ephemerals(CHANNEL, user=ALICE)[-1]["blocks"])
    assert "lower confidence on your announcement drafts" in told
    world.reply(ts, "the launch is on Tuesday, not Monday")
    _, v2 = world.wait_for_drafts(ts, 2)
    assert (
        "Confidence: low (audience and length stated; lowered from medium: wrong facts were "
        "flagged on a recent announcement draft)" in block_texts(v2)
    )
    assert all(value.is_neutral for value in style_of(world, ALICE).values())
    # Bob's requests are not Alice's: his draft states the brief's confidence.
    other = world.mention(LAUNCH + " for partners", user=BOB)
    [bob_draft] = world.wait_for_drafts(other, 1)
    assert "Confidence: medium (audience and length stated)" in block_texts(bob_draft)


def test_missed_the_point_is_recorded_without_a_style_vote(world: World) -> None:
    """Missed the point is stored and asks for a reply; the profile does not move."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    click_chip(world, BOB, wait_chips(world, BOB), ACTION_REASON_MISSED_POINT)
    assert feedback_of(world, BOB, "reject")[0].reason == "missed_point"
    assert "Reply in the thread with what you needed" in str(
        world.slack.ephemerals(CHANNEL, user=BOB)[-1]["blocks"]
    )
    assert all(value.is_neutral for value in style_of(world, BOB).values())


def test_other_opens_a_form_whose_words_are_stored_and_learned(world: World) -> None:
    """Other… opens a one-field form; blank words are refused in the form; "far too corporate
    for us" is stored with the -1, confirmed privately in the thread, and makes Bob casual."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    click_chip(world, BOB, wait_chips(world, BOB), ACTION_REASON_OTHER)
    view_id, view = world.slack.wait_for(
        lambda: next(
            (
                (vid, v)
                for vid, v in world.slack.views().items()
                if v.get("callback_id") == CALLBACK_REASON_OTHER
            ),
            None,
        ),
        message="the Other form",
    )
    blank = world.slack.submit_view(BOB, view_id, form_state(view, {"note": "  "}))
    assert blank.json() == {
        "response_action": "errors",
        "errors": {"note": "Tell me in a few words, or close the form."},
    }
    good = world.slack.submit_view(
        BOB, view_id, form_state(view, {"note": "far too corporate for us"})
    )
    assert good.ok and "errors" not in (good.response_body or "")
    world.idle()
    [reject] = feedback_of(world, BOB, "reject")
    assert (reject.reason, reject.reason_note) == ("other", "far too corporate for us")
    confirmed = world.slack.wait_for(
        lambda: [
            e
            for e in world.slack.ephemerals(CHANNEL, user=BOB)
            if "far too corporate" in str(e.get("text"))
        ],
        message="the confirmation",
    )
    assert confirmed[-1]["thread_ts"] == ts
    style = style_of(world, BOB)
    assert (style.formality.value, style.formality.reason) == (
        "casual",
        "you said what missed on your last draft",
    )


def test_chips_for_a_missing_draft_or_from_someone_without_a_thumbs_down(world: World) -> None:
    """A chip for a draft that is gone, or clicked by someone whose -1 is not there, is
    answered plainly and stores nothing."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    chip = wait_chips(world, BOB)
    gone = [
        {
            **block,
            "elements": [{**el, "value": "999999"} for el in block["elements"]],
        }
        if block["type"] == "actions"
        else block
        for block in chip["blocks"]
    ]
    world.slack.click_ephemeral_button(BOB, CHANNEL, gone, ACTION_REASON_TOO_LONG)
    wait_said(world, BOB, "That draft is no longer here.")
    world.slack.click_ephemeral_button(ALICE, CHANNEL, chip["blocks"], ACTION_REASON_TOO_LONG)
    wait_said(world, ALICE, "was taken back")
    world.idle()
    assert [f.reason for f in rows(world, Feedback) if f.kind == "reject"] == [None]


def test_scripted_draft_is_unchanged_by_options(world: World) -> None:
    """Requests that do not ask for options still get a first draft straight away."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    assert draft_body(draft) == scripted_draft(draft_calls(world)[0].body)
    assert rows(world, OptionSet) == [] and options_calls(world) == []


def test_forget_me_and_retention_reach_options_and_reasons(world: World) -> None:
    """Forget-me deletes a request with chosen options (their rows and feedback too) and takes
    the person's name off options they chose on others' requests; the retention sweep blanks
    option text and the words of "other" reasons."""
    from datetime import timedelta

    from sqlmodel import Session

    from bot.constants import ACTION_FORGET_CONFIRM
    from storage.models import utcnow
    from storage.retention import EXPIRED_TEXT, expire_text

    mine = world.mention(ASK_OPTIONS, user=BOB)
    message = options_message(world, mine)
    world.slack.click_button(BOB, CHANNEL, message.ts, ACTION_USE_OPTION, block_id="option_A")
    world.wait_for_drafts(mine, 1)
    theirs = world.mention(ASK_OPTIONS + " and partners")
    options_message(world, theirs)
    world.reply(theirs, "B", user=BOB)
    world.wait_for_drafts(theirs, 1)
    [draft] = world.drafts(theirs)
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    click_chip(world, BOB, wait_chips(world, BOB), ACTION_REASON_OTHER)
    view_id, view = world.slack.wait_for(
        lambda: next(
            (
                (vid, v)
                for vid, v in world.slack.views().items()
                if v.get("callback_id") == CALLBACK_REASON_OTHER
            ),
            None,
        ),
        message="the Other form",
    )
    world.slack.submit_view(BOB, view_id, form_state(view, {"note": "too stiff"}))
    world.idle()
    with Session(world.database.engine) as session:
        swept = expire_text(session, before=utcnow() + timedelta(seconds=1))
        session.commit()
    assert swept.drafts >= 6 and swept.replies >= 1
    assert {o.text for o in rows(world, DraftOption)} == {EXPIRED_TEXT}
    assert [f.reason_note for f in rows(world, Feedback) if f.reason] == [None]
    ack = world.slack.send_slash_command(BOB, CHANNEL, "/baton", "forget-me")
    world.slack.click_ephemeral_button(BOB, CHANNEL, ack.json()["blocks"], ACTION_FORGET_CONFIRM)
    world.slack.wait_for(
        lambda: [r for r in world.slack.responses() if "erased" in str(r["body"])],
        message="the erasure summary",
    )
    world.idle()
    sets = rows(world, OptionSet)
    assert len(sets) == 1 and sets[0].chosen_by is None and sets[0].asked_by == ALICE
    assert {o.set_id for o in rows(world, DraftOption)} == {sets[0].id}
    assert not [f for f in rows(world, Feedback) if f.user_id == BOB]
    assert [r.requester_id for r in rows(world, Request)] == [ALICE]
