"""/baton, preferences, brief editing, the Home tab and forget-me, through the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.constants import (
    ACTION_EDIT_BRIEF,
    ACTION_FORGET_CONFIRM,
    ACTION_RESET_VALUE,
    CALLBACK_EDIT_BRIEF,
    CALLBACK_PREFS,
)
from storage.models import BriefVersion, Draft, Feedback, Person, Request
from tests.world import ALICE, BOB, CHANNEL, World, block_texts, draft_body, form_state, rows

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"


def last_view(world: World, callback_id: str) -> tuple[str, dict]:
    views = world.slack.wait_for(
        lambda: [
            (vid, v)
            for vid, v in world.slack.views().items()
            if v.get("callback_id") == callback_id
        ],
        message=f"a {callback_id} modal",
    )
    return views[-1]


def draft_system(world: World) -> str:
    drafts = [c for c in world.claude.message_calls() if not c.body.get("tools")]
    return str(drafts[-1].body["system"])


def test_slash_brief_posts_the_request_and_drafts_in_its_thread(world: World) -> None:
    """`/baton brief` posts the ask in the channel as Baton and works in that thread."""
    ack = world.slack.send_slash_command(BOB, CHANNEL, "/baton", f"brief {LAUNCH}")
    assert ack.ok
    posted = world.slack.wait_for(
        lambda: [m for m in world.slack.messages(CHANNEL) if "asked Baton" in block_texts(m)],
        message="the request posted in the channel",
    )
    assert f"<@{BOB}>" in block_texts(posted[0]) and LAUNCH in block_texts(posted[0])
    [draft] = world.wait_for_drafts(posted[0].ts, 1)
    assert "download any report" in draft_body(draft)
    [request] = rows(world, Request)
    assert request.requester_id == BOB and request.text == LAUNCH


def test_slash_brief_where_baton_is_not_a_member_says_how_to_invite(world: World) -> None:
    """In a channel Baton is not in, the person is told privately how to invite it."""
    world.slack.add_channel("CRANDOM", name="random", members=[ALICE], bot_member=False)
    world.slack.send_slash_command(ALICE, "CRANDOM", "/baton", f"brief {LAUNCH}")
    world.idle()
    said = world.slack.wait_for(lambda: world.slack.responses(), message="a private answer")
    assert "/invite @Baton" in str(said[-1]["body"])
    assert rows(world, Request) == []


def test_slash_brief_without_text_asks_for_it(world: World) -> None:
    """An empty `/baton brief` gets a private nudge with an example."""
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "brief")
    said = world.slack.wait_for(lambda: world.slack.responses(), message="a private answer")
    assert "Tell me what you need" in str(said[-1]["body"])


def test_prefs_shows_learned_values_and_saving_overrides_them(world: World) -> None:
    """The modal shows what was learned and why; an explicit choice then shapes drafts."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "scissors")
    world.wait_for_drafts(ts, 2)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    view_id, view = last_view(world, CALLBACK_PREFS)
    length = next(b for b in view["blocks"] if b.get("block_id") == "style_length")
    assert "Learned: short" in length["hint"]["text"]
    zone = next(b for b in view["blocks"] if b.get("block_id") == "timezone")
    assert "Europe/London" in str(zone) and "Slack profile" in zone["hint"]["text"]
    answers = {
        "style_formality": "formal",
        "digest_time": "08:30",
        "language": "French",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "digest_days": ["0", "2", "4"],
    }
    delivery = world.slack.submit_view(ALICE, view_id, form_state(view, answers))
    assert delivery.ok and "errors" not in delivery.response_body
    [person] = rows(world, Person)
    assert person.style == {"formality": "formal"} and person.digest_time == "08:30"
    assert person.language == "French"
    assert person.digest_days == [0, 2, 4] and (person.quiet_start, person.quiet_end) == (
        "22:00",
        "07:00",
    )
    ts = world.mention(LAUNCH + " again")
    world.wait_for_drafts(ts, 1)
    assert "formal" in draft_system(world).lower()
    assert "Write in French" in draft_system(world)


def test_prefs_refuses_bad_input_inside_the_modal(world: World) -> None:
    """A made-up time zone and half-set quiet hours come back as field errors, nothing saved."""
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    view_id, view = last_view(world, CALLBACK_PREFS)
    answers = {"timezone": "Mars/Olympus_Mons", "quiet_start": "22:00"}
    delivery = world.slack.submit_view(ALICE, view_id, form_state(view, answers))
    answer = delivery.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"timezone", "quiet_end"}
    assert rows(world, Person) == [] or rows(world, Person)[0].timezone is None


def test_digest_now_lists_what_waits_and_drops_what_was_judged(world: World) -> None:
    """`/baton digest` DMs open questions and unjudged drafts; a +1 takes a draft off."""
    vague = world.mention("do it")
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest")
    dm = world.slack.open_dm(ALICE)
    first = world.slack.wait_for(lambda: world.slack.messages(dm), message="the digest DM")
    shown = block_texts(first[-1])
    assert "answer questions" in shown and "judge draft v1" in shown
    assert f"thread_ts={vague}" in shown and f"p{draft.ts.replace('.', '')}" in shown
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "+1")
    world.idle()
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest")
    second = world.slack.wait_for(
        lambda: world.slack.messages(dm)[1:] or None, message="the second digest"
    )
    assert "judge draft" not in block_texts(second[-1])
    assert "answer questions" in block_texts(second[-1])


def test_edit_brief_makes_a_new_version_and_a_new_draft(world: World) -> None:
    """The Edit button opens the brief prefilled; saving keeps v1, adds v2 and redrafts."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    brief_message = world.baton_messages(ts)[0]
    world.slack.click_button(BOB, CHANNEL, brief_message.ts, ACTION_EDIT_BRIEF)
    view_id, view = last_view(world, CALLBACK_EDIT_BRIEF)
    goal = next(b for b in view["blocks"] if b["block_id"] == "goal")
    assert goal["element"]["initial_value"].startswith("write a launch note")
    bad = world.slack.submit_view(BOB, view_id, form_state(view, {"goal": "  "}))
    assert bad.json()["response_action"] == "errors" and "goal" in bad.json()["errors"]
    good = world.slack.submit_view(
        BOB, view_id, form_state(view, {"audience": "partners and resellers"})
    )
    assert good.ok
    world.wait_for_drafts(ts, 2)
    versions = sorted((b.version, b.source, b.author_id) for b in rows(world, BriefVersion))
    assert versions == [(1, "extracted", None), (2, "edited", BOB)]
    assert "partners and resellers" in str(
        [c for c in world.claude.message_calls() if not c.body.get("tools")][-1].body
    )
    assert [d.trigger for d in sorted(rows(world, Draft), key=lambda d: d.version)] == [
        "first",
        "edited",
    ]


def test_home_tab_shows_waiting_work_profile_reasons_and_record(world: World) -> None:
    """Home lists what waits (with links), the style with reasons, and drafts accepted."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "scissors")
    [_, shorter] = world.wait_for_drafts(ts, 2)
    world.slack.add_reaction(ALICE, CHANNEL, shorter.ts, "+1")
    world.idle()
    world.slack.send_event(
        {
            "type": "app_home_opened",
            "user": ALICE,
            "channel": "D1",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    home = world.slack.wait_for(lambda: world.slack.home_views.get(ALICE), message="Home")
    shown = str(home["blocks"])
    assert "*Length:* short" in shown and "trimmed" in shown
    assert "1 draft accepted" in shown and "average revisions to acceptance: 1.0" in shown
    assert ACTION_RESET_VALUE in shown
    world.slack.click_view_button(ALICE, home, ACTION_RESET_VALUE)  # the first: length
    world.idle()
    style, _, _ = world.app.preferences.profiles(team_id=world.slack.team_id, user_id=ALICE)
    assert style.length.value == "medium"  # learning starts afresh after a reset
    refreshed = world.slack.home_views[ALICE]
    assert "*Length:* medium" in str(refreshed["blocks"])


def test_forget_me_erases_the_person_and_keeps_what_others_built(world: World) -> None:
    """After forget-me nothing of Alice is stored; Bob's feedback on her request survives
    on an anonymised request."""
    ts = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "+1")
    world.slack.add_reaction(BOB, CHANNEL, draft.ts, "-1")
    world.reply(ts, "warmer please", user=ALICE)
    world.wait_for_drafts(ts, 2)
    solo = world.mention("write a haiku about exports, for the team")
    world.wait_for_drafts(solo, 1)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    view_id, view = last_view(world, CALLBACK_PREFS)
    world.slack.submit_view(ALICE, view_id, form_state(view, {"style_length": "short"}))
    ack = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "forget-me")
    assert "Erase everything" in ack.response_body
    done = world.slack.click_ephemeral_button(
        ALICE, CHANNEL, ack.json()["blocks"], ACTION_FORGET_CONFIRM
    )
    assert done.ok
    world.idle()
    said = world.slack.wait_for(
        lambda: [r for r in world.slack.responses() if "erased" in str(r["body"])],
        message="the erasure summary",
    )
    assert "Done." in str(said[-1]["body"])
    assert [f for f in rows(world, Feedback) if f.user_id == ALICE] == []
    assert [p for p in rows(world, Person) if p.user_id == ALICE] == []
    requests = rows(world, Request)
    assert all(r.requester_id != ALICE for r in requests)
    assert len(requests) == 1 and requests[0].text.startswith("[erased")
    assert all(d.asked_by != ALICE for d in rows(world, Draft))
    assert [f.user_id for f in rows(world, Feedback)] == [BOB]


def test_learned_timing_suggests_a_digest_time(world: World) -> None:
    """Feedback mostly around 08:xx London time makes 08:00 the suggested digest time."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    [stored] = rows(world, Draft)
    start = datetime(2026, 11, 2, 8, 15, tzinfo=UTC)  # London is UTC in November
    with Session(world.database.engine) as session:
        for day in range(6):
            session.add(
                Feedback(
                    team_id=world.slack.team_id,
                    user_id=ALICE,
                    request_id=1,
                    draft_id=stored.id,
                    kind="accept",
                    created_at=start + timedelta(days=day, minutes=day * 5),
                    seconds_after_draft=600.0,
                )
            )
        session.commit()
    world.app.preferences.clock = lambda: datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    _, timing, _ = world.app.preferences.profiles(team_id=world.slack.team_id, user_id=ALICE)
    assert timing.digest_time.source == "learned"
    assert timing.digest_time.value.strftime("%H:%M") == "08:00"


def test_the_assistant_view_gets_prompts_status_and_a_title(world: World) -> None:
    """In Slack's assistant view: suggested prompts at the start, a thinking status while
    Baton works, a title from the brief's goal, and the draft in the assistant thread."""
    dm = world.slack.open_dm(ALICE)
    # Slack opens the assistant thread itself; Baton first hears of it from this event.
    thread_ts = "1795000000.000100"
    started = world.slack.send_event(
        {
            "type": "assistant_thread_started",
            "assistant_thread": {
                "user_id": ALICE,
                "channel_id": dm,
                "thread_ts": thread_ts,
                "context": {},
            },
            "event_ts": thread_ts,
        }
    )
    assert started.ok
    prompts = world.slack.wait_for(
        lambda: world.slack.assistant_thread(dm, thread_ts).get("prompts"),
        message="suggested prompts",
    )
    assert any("Launch note" in str(prompt) for prompt in prompts)
    world.slack.post_user_message(ALICE, dm, LAUNCH, thread_ts=thread_ts)
    [draft] = world.wait_for_drafts(thread_ts, 1, channel=dm)
    assert "download any report" in draft_body(draft)
    state = world.slack.assistant_thread(dm, thread_ts)
    assert "is drafting" in str(state.get("statuses"))
    assert state.get("title", "").startswith("write a launch note")


def test_digest_now_includes_threads_the_person_took_part_in(world: World) -> None:
    """Bob replied in Alice's thread: the new version waits for his judgement too."""
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.reply(ts, "make it warmer please", user=BOB)
    [_, second] = world.wait_for_drafts(ts, 2)
    world.slack.send_slash_command(BOB, CHANNEL, "/baton", "digest")
    dm = world.slack.open_dm(BOB)
    digest = world.slack.wait_for(lambda: world.slack.messages(dm), message="Bob's digest")
    shown = block_texts(digest[-1])
    assert "judge draft v2" in shown and f"p{second.ts.replace('.', '')}" in shown
