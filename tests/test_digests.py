"""Scheduled digests: local time, once across schedulers, grace, failures, privacy."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.adapters.members import MemberCache
from bot.usecases.digests import DigestRunner
from storage.models import ChannelDigest, DigestClaim
from tests.world import ALICE, BOB, CHANNEL, World, block_texts

LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"
# Wednesday 25 November 2026; London is on UTC, New York on UTC-5.
WED_0859 = datetime(2026, 11, 25, 8, 59, tzinfo=UTC)
WED_0900 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def dms(world: World, user: str) -> list:
    return world.slack.messages(world.slack.open_dm(user))


def digests_to(world: World, user: str) -> list:
    return [m for m in dms(world, user) if "Baton digest" in block_texts(m)]


def a_waiting_draft(world: World, *, user: str = ALICE, channel: str = CHANNEL) -> str:
    ts = world.mention(LAUNCH, user=user, channel=channel)
    world.wait_for_drafts(ts, 1, channel=channel)
    return ts


def test_a_digest_goes_out_at_local_time_once(world: World) -> None:
    """Nothing before 09:00 London; at 09:00 the draft waiting for Alice; then not again."""
    a_waiting_draft(world)
    runner = world.app.digests
    assert runner.tick(WED_0859).claimed == 0
    report = runner.tick(WED_0900)
    assert report.sent == 1
    [digest] = digests_to(world, ALICE)
    assert "Drafts waiting for your judgement" in block_texts(digest)
    assert "write a launch note" in block_texts(digest)
    assert runner.tick(datetime(2026, 11, 25, 9, 1, tzinfo=UTC)).claimed == 0
    assert len(digests_to(world, ALICE)) == 1


def test_two_schedulers_on_one_database_send_each_digest_once(world: World) -> None:
    """Two replicas ticking at the same moment: one digest."""
    a_waiting_draft(world)
    first = world.app.digests
    second = DigestRunner(
        db=world.database,
        slack=first.slack,
        claude=None,
        team_url=first.team_url,
        members=MemberCache(first.slack),
    )
    barrier = threading.Barrier(2)
    reports = []

    def tick(runner: DigestRunner) -> None:
        barrier.wait()
        reports.append(runner.tick(WED_0900))

    threads = [threading.Thread(target=tick, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(digests_to(world, ALICE)) == 1


def test_after_downtime_a_missed_digest_goes_late_once_within_grace(world: World) -> None:
    """Down from 08:00 to 11:30: the 09:00 digest goes at 11:30; at 12:30 it would be skipped."""
    a_waiting_draft(world)
    assert world.app.digests.tick(datetime(2026, 11, 25, 11, 30, tzinfo=UTC)).sent == 1
    assert world.app.digests.tick(datetime(2026, 11, 25, 11, 31, tzinfo=UTC)).sent == 0


def test_a_digest_older_than_the_grace_window_is_skipped(world: World) -> None:
    """First tick after a long outage, past the grace window: no burst of old digests."""
    a_waiting_draft(world)
    report = world.app.digests.tick(datetime(2026, 11, 25, 12, 30, tzinfo=UTC))
    assert report.due == 0 and digests_to(world, ALICE) == []


def test_weekends_are_days_off_by_default(world: World) -> None:
    """Saturday 09:00 sends nothing; Monday 09:00 does."""
    a_waiting_draft(world)
    assert world.app.digests.tick(datetime(2026, 11, 28, 9, 0, tzinfo=UTC)).due == 0
    assert world.app.digests.tick(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)).sent == 1


def test_new_york_digest_follows_the_end_of_daylight_saving(world: World) -> None:
    """Bob in New York: 09:00 local is 13:00 UTC before 1 Nov 2026 and 14:00 after."""
    a_waiting_draft(world, user=BOB)
    runner = world.app.digests
    assert runner.tick(datetime(2026, 10, 30, 13, 0, tzinfo=UTC)).sent == 1  # Fri, EDT
    assert runner.tick(datetime(2026, 11, 2, 13, 0, tzinfo=UTC)).due == 0  # Mon, EST: 08:00
    assert runner.tick(datetime(2026, 11, 2, 14, 0, tzinfo=UTC)).sent == 1


@pytest.mark.slow
def test_a_failed_send_is_retried_on_the_next_tick(world: World) -> None:
    """Slack failing leaves the digest unclaimed; the next tick sends it, once."""
    a_waiting_draft(world)
    world.slack.fail_next("chat.postMessage", error="fatal_error", times=3)
    assert world.app.digests.tick(WED_0900).failed == 1
    with Session(world.database.engine) as session:
        assert session.exec(select(DigestClaim)).all() == []
    assert world.app.digests.tick(datetime(2026, 11, 25, 9, 1, tzinfo=UTC)).sent == 1
    assert len(digests_to(world, ALICE)) == 1


def test_an_empty_digest_is_not_sent(world: World) -> None:
    """Alice judged everything: no DM, and the period is settled (not recomputed)."""
    ts = a_waiting_draft(world)
    draft = world.drafts(ts)[0]
    world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "+1")
    world.idle()
    report = world.app.digests.tick(WED_0900)
    assert (report.claimed, report.empty, report.sent) == (1, 1, 0)
    assert digests_to(world, ALICE) == []
    assert world.app.digests.tick(datetime(2026, 11, 25, 9, 1, tzinfo=UTC)).claimed == 0


def test_nothing_from_a_private_channel_reaches_a_non_member(world: World) -> None:
    """A draft accepted in a private channel shows in members' digests, never in Bob's."""
    world.slack.add_user("UCAROL", name="carol", tz="Europe/London")
    world.slack.add_channel(
        "CSECRET",
        name="secret",
        is_private=True,
        members=[ALICE, "UCAROL", world.slack.bot_user_id],
    )
    a_waiting_draft(world, user=BOB)  # Bob is a digest recipient
    ts = a_waiting_draft(world, channel="CSECRET")
    secret = world.drafts(ts, channel="CSECRET")[0]
    world.slack.add_reaction("UCAROL", "CSECRET", secret.ts, "+1")
    world.idle()
    world.app.digests.tick(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 09:00 New York
    [bobs] = digests_to(world, BOB)
    assert "Accepted since your last digest" not in block_texts(bobs)
    assert "CSECRET" not in str(bobs.blocks)
    world.app.digests.tick(WED_0900)  # London
    alices = digests_to(world, ALICE)
    assert any("CSECRET" in str(m.blocks) for m in alices)


def test_claude_writes_a_summary_and_its_failure_falls_back_to_the_listing(
    world: World,
) -> None:
    """With a model, a one-paragraph summary leads; when Claude fails, the plain listing."""
    a_waiting_draft(world)
    world.claude.responder = lambda request: "One draft about the export launch awaits you."
    world.app.digests.tick(WED_0900)
    [first] = digests_to(world, ALICE)
    assert "One draft about the export launch awaits you." in block_texts(first)
    assert "A summary of the items below" in block_texts(first)
    world.claude.fail_next("overloaded", times=20)
    world.app.digests.tick(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    second = digests_to(world, ALICE)[-1]
    assert "A summary of the items below" not in block_texts(second)
    assert "write a launch note" in block_texts(second)


def test_a_channel_can_subscribe_to_its_own_digest(world: World) -> None:
    """`/baton digest channel daily 09:00` posts the channel's digest there at 09:00."""
    a_waiting_draft(world)
    ack = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest channel daily 09:00")
    assert "daily at 09:00 (Europe/London)" in ack.response_body
    with Session(world.database.engine) as session:
        [sub] = session.exec(select(ChannelDigest)).all()
    assert (sub.cadence, sub.at, sub.set_by) == ("daily", "09:00", ALICE)
    world.app.digests.tick(WED_0900)
    posts = [m for m in world.slack.messages(CHANNEL) if "channel's Baton digest" in block_texts(m)]
    assert len(posts) == 1 and "write a launch note" in block_texts(posts[0])
    bad = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest channel hourly")
    assert "daily HH:MM" in bad.response_body
    off = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest channel off")
    assert "off" in off.response_body


def test_quiet_hours_hold_the_digest_until_they_end(world: World) -> None:
    """A digest due inside quiet hours waits for their end (within the grace window)."""
    a_waiting_draft(world)
    with Session(world.database.engine) as session:
        from storage.people import save_person

        save_person(
            session,
            team_id=world.slack.team_id,
            user_id=ALICE,
            quiet_start="07:00",
            quiet_end="10:00",
        )
        session.commit()
    assert world.app.digests.tick(WED_0900).due == 0
    assert world.app.digests.tick(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)).sent == 1


def test_a_claim_left_by_a_dead_process_is_taken_over_but_a_live_one_is_not(
    world: World,
) -> None:
    """A digest left 'sending' over 15 minutes belonged to a dead process: send it then.
    Before that, another process may still be sending it: leave it alone."""
    a_waiting_draft(world)
    with Session(world.database.engine) as session:
        session.add(
            DigestClaim(
                team_id=world.slack.team_id,
                recipient=ALICE,
                period="2026-11-25",
                state="sending",
                claimed_at=WED_0900,
            )
        )
        session.commit()
    world.app.digests.tick(WED_0900 + timedelta(minutes=10))
    assert digests_to(world, ALICE) == []
    world.app.digests.tick(WED_0900 + timedelta(minutes=20))
    assert len(digests_to(world, ALICE)) == 1


def test_the_scheduler_ticks_in_the_background(world: World) -> None:
    """`baton run`'s APScheduler job, on the real clock travelled to Wednesday 09:00 London,
    sends what is due."""
    import time_machine

    from bot.bootstrap import start_timetable

    a_waiting_draft(world)
    with time_machine.travel(WED_0900, tick=True):
        scheduler = start_timetable(world.app)
        try:
            world.slack.wait_for(lambda: digests_to(world, ALICE), message="a scheduled digest")
        finally:
            scheduler.shutdown(wait=True)
    assert len(digests_to(world, ALICE)) == 1


@pytest.mark.slow
def test_a_passing_slack_failure_is_not_cached_as_an_empty_channel(world: World) -> None:
    """A 5xx on conversations.members leaves the channel out of this one answer only; the
    next ask goes to Slack again instead of trusting "nobody" for five minutes."""
    cache = MemberCache(world.app.usecases.deps.slack)
    world.slack.fail_next("conversations.members", error="internal_error", times=3)
    assert cache.members(CHANNEL) == frozenset()
    assert {ALICE, BOB} <= cache.members(CHANNEL)
    world.slack.fail_next("conversations.members", error="channel_not_found")
    assert cache.members("CGONE") == frozenset()
    calls = len(world.slack.calls_to("conversations.members"))
    assert cache.members("CGONE") == frozenset()
    assert len(world.slack.calls_to("conversations.members")) == calls  # a lasting answer
