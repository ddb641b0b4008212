"""Two workspaces with the same user and channel ids: nothing crosses between them, through
commands, the Home tab, digests or revisions. Baton runs in single-workspace mode, but Slack
can still deliver another team_id (Enterprise Grid, shared channels), and every stored row and
every query is keyed by it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.constants import ACTION_EDIT_BRIEF, ACTION_FORGET_CONFIRM, CALLBACK_PREFS
from sandbox.claude import FakeClaude
from sandbox.slack import FakeSlack
from storage.db import Database
from storage.models import (
    BriefVersion,
    ChannelDigest,
    Draft,
    DraftMessage,
    Feedback,
    Person,
    Request,
)
from tests.test_oauth import install, start
from tests.world import ALICE, BOB, CHANNEL, World, block_texts, form_state, rows

OTHER_TEAM = "T0002"
APOLLO = "write a launch note for the Apollo export feature, for customers, under 150 words"
BOREALIS = "write a launch note for the Borealis import feature, for customers, under 150 words"
# Wednesday 25 November 2026, London (UTC in November).
WED_0900 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WED_1000 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WORKSPACE_TABLES = (Request, BriefVersion, Draft, DraftMessage, Feedback, Person, ChannelDigest)


@dataclass(frozen=True)
class Apollo:
    """Workspace A's thread: Alice's request, her trim (v2), Bob's reply (v3) and his +1."""

    ts: str
    brief_ts: str
    first_ts: str
    reply_ts: str
    latest_ts: str


def team_a(world: World) -> str:
    return world.slack.team_id


def seed_workspace_a(world: World) -> Apollo:
    """Alice asks; she trims v1 (so A's Alice learns "short"); Bob replies for v3 and accepts
    it, so v3 waits for Alice's judgement in workspace A."""
    ts = world.mention(APOLLO)
    [first] = world.wait_for_drafts(ts, 1)
    world.slack.add_reaction(ALICE, CHANNEL, first.ts, "scissors")
    world.wait_for_drafts(ts, 2)
    reply_ts = world.reply(ts, "make it warmer please", user=BOB)
    latest = world.wait_for_drafts(ts, 3)[-1]
    world.slack.add_reaction(BOB, CHANNEL, latest.ts, "+1")
    world.idle()
    brief = world.baton_messages(ts)[0]
    return Apollo(
        ts=ts, brief_ts=brief.ts, first_ts=first.ts, reply_ts=reply_ts, latest_ts=latest.ts
    )


def seed_workspace_b(world: World) -> str:
    """The same Alice id, in the same channel id, asks in workspace B; returns its ts."""
    with world.slack.as_team(OTHER_TEAM):
        ts = world.mention(BOREALIS)
    world.wait_for_drafts(ts, 1)
    return ts


def snapshot(world: World, team_id: str) -> list[dict[str, Any]]:
    """Every stored row of one workspace, to compare before and after."""
    with Session(world.database.engine) as session:
        return [
            {"table": model.__tablename__, **row.model_dump()}
            for model in WORKSPACE_TABLES
            for row in session.exec(select(model).where(model.team_id == team_id)).all()
        ]


def draft_calls(world: World, marker: str) -> list[Any]:
    """Claude's draft calls (not brief extraction) about the request containing `marker`."""
    return [
        c
        for c in world.claude.message_calls()
        if not c.body.get("tools") and marker in str(c.body["messages"])
    ]


def published_home(world: World, user: str, *, team_id: str) -> str:
    """Open the person's Home tab from `team_id`; the blocks Baton published, as text."""
    before = len(world.slack.calls_to("views.publish"))
    with world.slack.as_team(team_id):
        delivery = world.slack.send_event(
            {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
        )
    assert delivery.ok
    world.slack.wait_for(
        lambda: len(world.slack.calls_to("views.publish")) > before, message="Home published"
    )
    world.idle()
    return str(world.slack.home_views[user]["blocks"])


def digest_now(world: World, user: str, *, team_id: str) -> str:
    """`/baton digest` from `team_id`; the DM Baton sent, as text."""
    dm = world.slack.open_dm(user)
    before = len(world.slack.messages(dm))
    with world.slack.as_team(team_id):
        world.slack.send_slash_command(user, CHANNEL, "/baton", "digest")
    sent = world.slack.wait_for(lambda: world.slack.messages(dm)[before:], message="the digest DM")
    return block_texts(sent[-1])


def latest_view(world: World, callback_id: str) -> tuple[str, dict[str, Any]]:
    views = world.slack.wait_for(
        lambda: [
            (vid, v)
            for vid, v in world.slack.views().items()
            if v.get("callback_id") == callback_id
        ],
        message=f"a {callback_id} modal",
    )
    return views[-1]


def test_reactions_replies_and_buttons_from_another_workspace_leave_a_draft_alone(
    world: World,
) -> None:
    """In B, on A's message ts: reactions, removing A's +1, a reply, a deletion and Edit brief
    find nothing. No revision, no feedback, no "what missed?", A's rows byte for byte."""
    apollo = seed_workspace_a(world)
    before = snapshot(world, team_a(world))
    slack_calls = len(world.claude.message_calls())
    thread = [m.ts for m in world.slack.messages(CHANNEL, thread_ts=apollo.ts)]
    with world.slack.as_team(OTHER_TEAM):
        for emoji in ("+1", "scissors", "mag", "repeat"):
            world.slack.add_reaction(ALICE, CHANNEL, apollo.latest_ts, emoji)
        world.slack.add_reaction(BOB, CHANNEL, apollo.latest_ts, "-1")
        world.slack.add_reaction(BOB, CHANNEL, apollo.first_ts, "mag")
        world.slack.remove_reaction(BOB, CHANNEL, apollo.latest_ts, "+1")  # A's Bob's +1
        world.reply(apollo.ts, "make it much longer please", user=ALICE)
        for deleted in (apollo.ts, apollo.reply_ts):  # A's request, and A's Bob's reply
            world.slack.send_event(
                {
                    "type": "message",
                    "subtype": "message_deleted",
                    "channel": CHANNEL,
                    "deleted_ts": deleted,
                    "hidden": True,
                    "ts": "1795000000.000300",
                    "previous_message": {"type": "message", "user": ALICE, "ts": deleted},
                }
            )
        edit = world.slack.click_button(BOB, CHANNEL, apollo.brief_ts, ACTION_EDIT_BRIEF)
    assert edit.ok
    world.idle()
    said = world.slack.wait_for(
        lambda: [r for r in world.slack.responses() if "no longer here" in str(r["body"])],
        message="the edit refused",
    )
    assert said[-1]["user"] == BOB
    assert not [v for v in world.slack.views().values() if v.get("type") == "modal"]
    assert snapshot(world, team_a(world)) == before
    assert snapshot(world, OTHER_TEAM) == []
    assert len(world.claude.message_calls()) == slack_calls
    # Slack's thread: only the reply B's Alice typed is new; Baton said nothing.
    now = world.slack.messages(CHANNEL, thread_ts=apollo.ts)
    new = [m for m in now if m.ts not in thread]
    assert [(m.user, m.text) for m in new] == [(ALICE, "make it much longer please")]
    assert len(world.drafts(apollo.ts)) == 3
    assert not [m for m in now if "what missed?" in block_texts(m)]


def test_home_digest_and_drafting_in_another_workspace_show_nothing_of_the_first(
    world: World,
) -> None:
    """B's Alice gets B's Home, /baton digest and style; A's Alice still gets A's (so the
    absences are not vacuous)."""
    seed_workspace_a(world)
    borealis = seed_workspace_b(world)
    # Drafting: A's Alice trimmed a draft; B's Alice did not, so B's draft is not kept short.
    assert "Keep it short" in str(draft_calls(world, "Apollo")[-1].body["system"])
    [b_draft] = draft_calls(world, "Borealis")
    assert "Keep it short" not in str(b_draft.body["system"])
    assert "Apollo" not in str(b_draft.body)

    home_a = published_home(world, ALICE, team_id=team_a(world))
    assert "Apollo" in home_a and "*Length:* short" in home_a and "Borealis" not in home_a
    home_b = published_home(world, ALICE, team_id=OTHER_TEAM)
    assert "Borealis" in home_b and f"thread_ts={borealis}" in home_b
    assert "Apollo" not in home_b and "*Length:* short" not in home_b
    assert "0 drafts accepted" in home_b
    # Bob accepted A's v3; in B he has done nothing at all.
    home_b_bob = published_home(world, BOB, team_id=OTHER_TEAM)
    assert "Apollo" not in home_b_bob and "0 drafts accepted" in home_b_bob

    digest_a = digest_now(world, ALICE, team_id=team_a(world))
    assert "Apollo" in digest_a and "Borealis" not in digest_a
    digest_b = digest_now(world, ALICE, team_id=OTHER_TEAM)
    assert "Borealis" in digest_b and "Apollo" not in digest_b
    assert "Apollo" not in digest_now(world, BOB, team_id=OTHER_TEAM)


def test_prefs_and_forget_me_in_another_workspace_leave_the_first_person_alone(
    world: World,
) -> None:
    """B's Alice saving prefs makes B's row only; her prefs modal shows nothing A's Alice set;
    her forget-me erases B's Alice and nothing of A's."""
    seed_workspace_a(world)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    view_id, view = latest_view(world, CALLBACK_PREFS)
    answers = {"style_formality": "formal", "digest_time": "08:30", "language": "French"}
    assert world.slack.submit_view(ALICE, view_id, form_state(view, answers)).ok
    borealis = seed_workspace_b(world)
    world.idle()
    before = snapshot(world, team_a(world))

    with world.slack.as_team(OTHER_TEAM):
        world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
    view_id, view = latest_view(world, CALLBACK_PREFS)
    shown = str(view["blocks"])
    assert "French" not in shown and "08:30" not in shown and "set by you" not in shown
    with world.slack.as_team(OTHER_TEAM):
        saved = world.slack.submit_view(
            ALICE, view_id, form_state(view, {"style_length": "long", "digest_time": "10:00"})
        )
    assert saved.ok
    world.idle()
    assert snapshot(world, team_a(world)) == before
    people = {(p.team_id, p.user_id): p for p in rows(world, Person)}
    mine_a, mine_b = people[(team_a(world), ALICE)], people[(OTHER_TEAM, ALICE)]
    assert (mine_a.style, mine_a.digest_time, mine_a.language) == (
        {"formality": "formal"},
        "08:30",
        "French",
    )
    assert (mine_b.style, mine_b.digest_time, mine_b.language) == (
        {"length": "long"},
        "10:00",
        None,
    )

    with world.slack.as_team(OTHER_TEAM):
        ack = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "forget-me")
        done = world.slack.click_ephemeral_button(
            ALICE, CHANNEL, ack.json()["blocks"], ACTION_FORGET_CONFIRM
        )
    assert done.ok
    world.idle()
    said = world.slack.wait_for(
        lambda: [r for r in world.slack.responses() if "Done." in str(r["body"])],
        message="the erasure summary",
    )
    # B's Alice had one request no one else touched, and her settings: that is all erased.
    assert said[-1]["body"]["text"] == (
        "Done. I erased 0 pieces of feedback, 1 of your requests, and the text and your name "
        "on 0 request(s) others worked on, and your settings."
    )
    assert snapshot(world, team_a(world)) == before
    assert [
        row for row in snapshot(world, OTHER_TEAM) if row["table"] in ("people", "requests")
    ] == []
    assert len(world.drafts(borealis)) == 1  # Slack keeps its messages; Baton forgot them


def test_scheduled_digests_keep_each_workspace_to_itself(world: World) -> None:
    """Alice at 09:00 in A and at 10:00 in B, and #general subscribed in both: each digest,
    personal or channel, and each summary Claude is asked for, lists its own workspace only."""
    seed_workspace_a(world)
    world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest channel daily 09:00")
    seed_workspace_b(world)
    with world.slack.as_team(OTHER_TEAM):
        world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "prefs")
        view_id, view = latest_view(world, CALLBACK_PREFS)
        world.slack.submit_view(ALICE, view_id, form_state(view, {"digest_time": "10:00"}))
        world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest channel daily 10:00")
    world.idle()
    assert len(rows(world, ChannelDigest)) == 2
    dm = world.slack.open_dm(ALICE)

    def digests() -> list[str]:
        shown = [block_texts(m) for m in world.slack.messages(dm)]
        shown += [block_texts(m) for m in world.slack.messages(CHANNEL)]
        return [text for text in shown if "Baton digest" in text]

    calls = len(world.claude.message_calls())
    report = world.app.digests.tick(WED_0900)
    assert (report.sent, report.claimed) == (2, 2)  # A's Alice, and A's #general
    first = digests()
    assert len(first) == 2
    assert all("Apollo" in text and "Borealis" not in text for text in first)
    assert "Borealis" not in str([c.body for c in world.claude.message_calls()[calls:]])

    calls = len(world.claude.message_calls())
    report = world.app.digests.tick(WED_1000)
    assert (report.sent, report.claimed) == (2, 2)  # B's Alice, and B's #general
    second = [text for text in digests() if text not in first]
    assert len(second) == 2
    assert all("Borealis" in text and "Apollo" not in text for text in second)
    # Bob's +1 in A is news for A's Alice, never for B's.
    assert all("Accepted since your last digest" not in text for text in second)
    assert "Apollo" not in str([c.body for c in world.claude.message_calls()[calls:]])


@pytest.fixture
def distribution(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> Iterator[World]:
    """Baton in distribution mode (tests/test_oauth.py), installed nowhere yet."""
    world = start(database, fake_slack, fake_claude)
    try:
        yield world
    finally:
        world.stop()


def test_in_distribution_mode_b_is_answered_with_b_s_token_never_a_s(
    distribution: World,
) -> None:
    """Both workspaces installed through OAuth: B's mention, Home tab and digest go out with
    B's own token only, and show B's work only."""
    world = distribution
    token_a = install(world, team_a(world))
    token_b = install(world, OTHER_TEAM)
    apollo = world.mention(APOLLO)
    world.wait_for_drafts(apollo, 1)
    before = len(world.slack.calls)
    borealis = seed_workspace_b(world)
    home_b = published_home(world, ALICE, team_id=OTHER_TEAM)
    digest_b = digest_now(world, ALICE, team_id=OTHER_TEAM)
    made = world.slack.calls[before:]
    assert made and {c.token for c in made} == {token_b} and token_a != token_b
    assert "Borealis" in home_b and f"thread_ts={borealis}" in home_b and "Apollo" not in home_b
    assert "Borealis" in digest_b and "Apollo" not in digest_b
