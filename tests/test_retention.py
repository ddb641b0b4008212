"""BATON_RETENTION_DAYS: people's words expire on schedule; the rows that teach style stay;
bookkeeping claims expire once no retry can reach them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.runtime.housekeeping import Housekeeper
from storage.claims import claim_once
from storage.models import BriefVersion, Draft, EventClaim, Feedback, Request, utcnow
from storage.retention import EXPIRED_TEXT
from tests.world import ALICE, CHANNEL, World, rows

LAUNCH = "write a launch note for the new export feature, for customers"


def test_text_older_than_the_retention_period_is_removed_and_newer_text_kept(
    world: World,
) -> None:
    old = world.mention(LAUNCH + " (old)")
    [v1] = world.wait_for_drafts(old, 1)
    world.reply(old, "make it warmer please")
    world.wait_for_drafts(old, 2)
    # Age everything so far by 31 days; the request after this is today's.
    with Session(world.database.engine) as session:
        for model in (Request, Draft, Feedback, BriefVersion):
            for row in session.exec(select(model)).all():
                row.created_at = row.created_at - timedelta(days=31)
                session.add(row)
        session.commit()
    new = world.mention(LAUNCH + " (new)")
    world.wait_for_drafts(new, 1)

    swept = Housekeeper(world.database, retention_days=30).sweep(utcnow())
    assert swept.requests == 1 and swept.drafts == 2 and swept.replies == 1 and swept.briefs == 1

    by_ts = {r.message_ts: r for r in rows(world, Request)}
    assert by_ts[old].text == EXPIRED_TEXT and by_ts[old].brief is None
    assert by_ts[new].text.endswith("(new)") and by_ts[new].brief is not None
    old_drafts = [d for d in rows(world, Draft) if d.request_id == by_ts[old].id]
    assert [d.text for d in old_drafts] == [EXPIRED_TEXT, EXPIRED_TEXT]
    assert [d.state for d in old_drafts] == ["complete", "complete"]  # the rows stay
    [reply] = [f for f in rows(world, Feedback) if f.request_id == by_ts[old].id]
    assert reply.text is None and reply.kind == "reply"
    assert all(b.request_id == by_ts[new].id for b in rows(world, BriefVersion))
    # A reaction on the expired draft is still feedback for the person.
    world.slack.add_reaction(ALICE, CHANNEL, v1.ts, "+1")
    world.idle()
    assert any(f.kind == "accept" for f in rows(world, Feedback))

    again = Housekeeper(world.database, retention_days=30).sweep(utcnow())
    assert again.total == 0  # idempotent: replicas may all sweep


def test_without_a_retention_period_text_is_kept(world: World) -> None:
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    swept = Housekeeper(world.database, retention_days=None).sweep(utcnow() + timedelta(days=900))
    assert swept.requests == swept.drafts == 0
    assert rows(world, Request)[0].text == LAUNCH


def test_old_delivery_claims_expire_but_once_per_draft_claims_hold(world: World) -> None:
    with world.database.session() as session:
        for key in ("evt:Ev1", "msg:C1:1.0", "ask-missed:7", "revise:7:shorter"):
            assert claim_once(session, team_id="T1", key=key)
    now = utcnow() + timedelta(days=8)
    swept = Housekeeper(world.database, retention_days=None).sweep(now)
    assert swept.claims == 2
    assert sorted(c.key for c in rows(world, EventClaim) if c.team_id == "T1") == [
        "ask-missed:7",
        "revise:7:shorter",
    ]
    with world.database.session() as session:
        assert not claim_once(session, team_id="T1", key="ask-missed:7")
