"""Digest bookkeeping, in batches: one tick reads what it needs for everyone at once. What
waits for each person is storage/pending.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.domain.states import DigestClaimState
from storage import handoffs as handoff_store
from storage.models import (
    ChannelDigest,
    DigestClaim,
    Feedback,
    Handoff,
    Person,
    Request,
    utcnow,
)
from storage.pending import Pending

CLAIM_CHUNK = 500


def digest_people(session: Session) -> list[tuple[str, str]]:
    """Everyone who has worked with Baton: (team_id, user_id), each once."""
    statement = union(
        select(Request.team_id, Request.requester_id).where(Request.requester_id != "erased"),
        select(Feedback.team_id, Feedback.user_id),
        select(Person.team_id, Person.user_id),
        # Someone handed a question may never have asked Baton for anything.
        select(Handoff.team_id, Handoff.holder_id).where(Handoff.state == handoff_store.OPEN),
    )
    # sqlmodel's exec() runs a UNION as it is, but its overloads only name plain SELECTs.
    return [(team, user) for team, user in session.exec(statement).all()]  # type: ignore[call-overload]


def people_settings(
    session: Session, *, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Person]:
    """Stored settings for many people in one query."""
    if not keys:
        return {}
    teams = {team for team, _ in keys}
    users = {user for _, user in keys}
    rows = session.exec(
        select(Person).where(col(Person.team_id).in_(teams), col(Person.user_id).in_(users))
    ).all()
    # The IN lists cross teams with users: keep only the pairs asked for.
    wanted = set(keys)
    return {(p.team_id, p.user_id): p for p in rows if (p.team_id, p.user_id) in wanted}


def feedback_moments(
    session: Session, *, since: datetime
) -> dict[tuple[str, str], list[tuple[datetime, float | None]]]:
    """When everyone gave feedback since `since`, grouped by person, in one query."""
    rows = session.exec(
        select(
            Feedback.team_id, Feedback.user_id, Feedback.created_at, Feedback.seconds_after_draft
        ).where(col(Feedback.created_at) >= since)
    ).all()
    grouped: dict[tuple[str, str], list[tuple[datetime, float | None]]] = defaultdict(list)
    for team, user, at, seconds in rows:
        grouped[(team, user)].append((at, seconds))
    return grouped


def last_sent(session: Session) -> dict[tuple[str, str], datetime]:
    """When each recipient's last digest went out."""
    rows = session.exec(
        select(DigestClaim.team_id, DigestClaim.recipient, func.max(DigestClaim.sent_at))
        .where(DigestClaim.state == DigestClaimState.SENT)
        .group_by(col(DigestClaim.team_id), col(DigestClaim.recipient))
    ).all()
    return {(team, recipient): at for team, recipient, at in rows if at is not None}


def claim_digests(
    session: Session, *, wanted: list[tuple[str, str, str]], now: datetime, stale_after: timedelta
) -> set[tuple[str, str, str]]:
    """Claim (team, recipient, period) digests; returns those this caller won. A claim left
    'sending' longer than `stale_after` (its process died) can be won again."""
    won: set[tuple[str, str, str]] = set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(wanted), CLAIM_CHUNK):
        chunk = wanted[start : start + CLAIM_CHUNK]
        rows = [
            {
                "team_id": t,
                "recipient": r,
                "period": p,
                "state": DigestClaimState.SENDING.value,
                "claimed_at": now,
            }
            for t, r, p in chunk
        ]
        statement = (
            insert(DigestClaim)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(
                col(DigestClaim.team_id), col(DigestClaim.recipient), col(DigestClaim.period)
            )
        )
        won.update(tuple(row) for row in session.exec(statement).all())
    lost = [key for key in wanted if key not in won]
    if lost:
        stale = session.exec(
            update(DigestClaim)
            .where(
                or_(
                    *[
                        and_(
                            col(DigestClaim.team_id) == t,
                            col(DigestClaim.recipient) == r,
                            col(DigestClaim.period) == p,
                        )
                        for t, r, p in lost[:CLAIM_CHUNK]
                    ]
                ),
                col(DigestClaim.state) == DigestClaimState.SENDING,
                col(DigestClaim.claimed_at) < now - stale_after,
            )
            .values(claimed_at=now)
            .returning(
                col(DigestClaim.team_id), col(DigestClaim.recipient), col(DigestClaim.period)
            )
        ).all()
        won.update(tuple(row) for row in stale)
    return won


def _keys_clause(keys: list[tuple[str, str, str]]):
    return or_(
        *[
            and_(
                col(DigestClaim.team_id) == t,
                col(DigestClaim.recipient) == r,
                col(DigestClaim.period) == p,
            )
            for t, r, p in keys
        ]
    )


def settle_digests(session: Session, *, keys: list[tuple[str, str, str]], state: str) -> None:
    """Record how claimed digests ended: 'sent' or 'empty' (batched)."""
    for start in range(0, len(keys), CLAIM_CHUNK):
        chunk = keys[start : start + CLAIM_CHUNK]
        session.exec(
            update(DigestClaim)
            .where(_keys_clause(chunk))
            .values(state=state, sent_at=utcnow() if state == DigestClaimState.SENT else None)
        )


def release_digests(session: Session, *, keys: list[tuple[str, str, str]]) -> None:
    """Give claims back after failed sends, so the next tick tries again."""
    for start in range(0, len(keys), CLAIM_CHUNK):
        chunk = keys[start : start + CLAIM_CHUNK]
        session.exec(
            delete(DigestClaim).where(
                _keys_clause(chunk), col(DigestClaim.state) == DigestClaimState.SENDING
            )
        )


def channel_subscriptions(session: Session) -> list[ChannelDigest]:
    """Every channel digest subscription."""
    return list(session.exec(select(ChannelDigest)).all())


def channel_activity(
    session: Session, *, team_id: str, channel_id: str, since: datetime
) -> list[Pending]:
    """A channel's requests and their latest drafts since `since`."""
    rows = session.exec(
        select(Request)
        .where(
            Request.team_id == team_id,
            Request.channel_id == channel_id,
            col(Request.updated_at) >= since,
        )
        .order_by(col(Request.created_at))
    ).all()
    kinds = {"drafted": "draft", "needs_answers": "questions"}
    return [
        Pending.of(
            kinds.get(r.state, "draft"),
            r,
            message_ts=r.brief_ts or r.message_ts,
            version=r.brief_version,
            at=r.updated_at,
        )
        for r in rows
    ]


def set_channel_digest(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    set_by: str,
    cadence: str | None,
    weekday: int | None,
    at: str | None,
    timezone: str | None,
) -> None:
    """Subscribe a channel (or, with cadence None, unsubscribe it)."""
    current = session.get(ChannelDigest, (team_id, channel_id))
    if cadence is None:
        if current is not None:
            session.delete(current)
        return
    row = current or ChannelDigest(
        team_id=team_id,
        channel_id=channel_id,
        cadence=cadence,
        at=at or "09:00",
        timezone=timezone or "UTC",
        set_by=set_by,
    )
    row.cadence, row.weekday, row.at = cadence, weekday, at or "09:00"
    row.timezone, row.set_by, row.updated_at = timezone or "UTC", set_by, utcnow()
    session.add(row)
