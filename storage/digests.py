"""Digest bookkeeping, in batches: one tick reads what it needs for everyone at once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.domain.handoff import decision_title
from bot.domain.states import DigestClaimState, DraftState, RequestState
from storage import handoffs as handoff_store
from storage import options as option_store
from storage.models import (
    ChannelDigest,
    DigestClaim,
    Draft,
    Feedback,
    Handoff,
    OptionSet,
    Person,
    Request,
    utcnow,
)
from storage.requests import request_title

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
            .returning(DigestClaim.team_id, DigestClaim.recipient, DigestClaim.period)  # type: ignore[arg-type]
        )
        won.update(tuple(row) for row in session.exec(statement).all())  # type: ignore[call-overload]
    lost = [key for key in wanted if key not in won]
    if lost:
        stale = session.exec(
            update(DigestClaim)  # type: ignore[call-overload]
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
            .returning(DigestClaim.team_id, DigestClaim.recipient, DigestClaim.period)
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
            update(DigestClaim)  # type: ignore[call-overload]
            .where(_keys_clause(chunk))
            .values(state=state, sent_at=utcnow() if state == DigestClaimState.SENT else None)
        )


def release_digests(session: Session, *, keys: list[tuple[str, str, str]]) -> None:
    """Give claims back after failed sends, so the next tick tries again."""
    for start in range(0, len(keys), CLAIM_CHUNK):
        chunk = keys[start : start + CLAIM_CHUNK]
        session.exec(
            delete(DigestClaim).where(  # type: ignore[call-overload]
                _keys_clause(chunk), col(DigestClaim.state) == DigestClaimState.SENDING
            )
        )


@dataclass(frozen=True)
class Pending:
    """Something that may go in someone's digest."""

    kind: str  # draft | questions | decision | options | accepted
    team_id: str
    request_id: int
    channel_id: str
    thread_ts: str
    message_ts: str
    title: str
    version: int
    at: datetime | None
    accepted_by: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        kind: str,
        request: Request,
        *,
        message_ts: str | None,
        version: int,
        at: datetime | None,
        accepted_by: frozenset[str] = frozenset(),
    ) -> Pending:
        """An item about `request`, linked to `message_ts` (its thread if None)."""
        return cls(
            kind,
            request.team_id,
            request.id or 0,
            request.channel_id,
            request.thread_ts,
            message_ts or request.thread_ts,
            request_title(request),
            version,
            at,
            accepted_by,
        )


def pending_for(
    session: Session,
    *,
    people: set[tuple[str, str]],
    accepted_since: datetime | None,
    drafts_since: datetime,
) -> tuple[dict[tuple[str, str], list[Pending]], list[Pending]]:
    """What waits for each of `people` (drafts to judge in threads they took part in, their
    open questions), and what was accepted since `accepted_since` (for channel members;
    None skips it). A handful of queries, whatever the number of people; for one person
    (the Home tab) only the requests they are part of are read."""
    latest = (
        select(Draft.team_id, Draft.request_id, func.max(Draft.version).label("version"))
        .where(Draft.state == DraftState.COMPLETE)
        .group_by(col(Draft.team_id), col(Draft.request_id))
        .subquery()
    )
    drafts = session.exec(
        select(Draft, Request)
        .join(
            latest,
            and_(
                col(Draft.team_id) == latest.c.team_id,
                col(Draft.request_id) == latest.c.request_id,
                col(Draft.version) == latest.c.version,
            ),
        )
        .join(
            Request,
            and_(col(Request.id) == col(Draft.request_id), col(Request.team_id) == Draft.team_id),
        )
        .where(Request.state == RequestState.DRAFTED, col(Draft.completed_at) >= drafts_since)
        .where(*_teams_of(people, Request.team_id), *_involving(people))
    ).all()
    # Feedback counts only in its own workspace: keys carry the team as well as the id.
    participants: dict[tuple[str, int], set[str]] = defaultdict(set)
    for team_id, request_id, user in session.exec(
        select(Feedback.team_id, Feedback.request_id, Feedback.user_id)
        .where(
            *_teams_of(people, Feedback.team_id),
            col(Feedback.created_at) >= drafts_since - timedelta(days=30),
        )
        .distinct()
    ).all():
        participants[(team_id, request_id)].add(user)
    judged = {
        (team_id, draft_id, user)
        for team_id, draft_id, user in session.exec(
            select(Feedback.team_id, Feedback.draft_id, Feedback.user_id)
            .where(
                *_teams_of(people, Feedback.team_id),
                col(Feedback.draft_id).is_not(None),
                col(Feedback.retracted_at).is_(None),
                col(Feedback.created_at) >= drafts_since,
            )
            .distinct()
        ).all()
    }
    waiting: dict[tuple[str, str], list[Pending]] = defaultdict(list)
    for draft, request in drafts:
        item = Pending.of(
            "draft",
            request,
            message_ts=draft.message_ts,
            version=draft.version,
            at=draft.completed_at,
        )
        for user in participants[(request.team_id, request.id or 0)] | {request.requester_id}:
            key = (request.team_id, user)
            if key in people and (request.team_id, draft.id, user) not in judged:
                waiting[key].append(item)
    for request in session.exec(
        select(Request).where(
            Request.state == RequestState.NEEDS_ANSWERS,
            *_teams_of(people, Request.team_id),
            *_involving(people),
        )
    ).all():
        key = (request.team_id, request.requester_id)
        if key in people:
            waiting[key].append(
                Pending.of(
                    "questions",
                    request,
                    message_ts=request.brief_ts or request.message_ts,
                    version=0,
                    at=request.updated_at,
                )
            )
    # Questions handed to a person wait for them until they answer in the thread.
    for handoff, request in handoff_store.live_decisions(session, people=people):
        item = Pending.of(
            "decision", request, message_ts=handoff.asked_ts, version=0, at=handoff.created_at
        )
        waiting[(request.team_id, handoff.holder_id)].append(
            replace(item, title=decision_title(handoff.question))
        )
    # Options shown and not yet chosen wait for their requester's pick.
    for option_set, request in session.exec(
        select(OptionSet, Request)
        .join(
            Request,
            and_(
                col(Request.id) == col(OptionSet.request_id),
                col(Request.team_id) == col(OptionSet.team_id),
            ),
        )
        .where(
            OptionSet.state == option_store.SHOWN,
            *_teams_of(people, Request.team_id),
            *_involving(people),
        )
    ).all():
        key = (request.team_id, request.requester_id)
        if key in people:
            waiting[key].append(
                Pending.of(
                    "options",
                    request,
                    message_ts=option_set.message_ts,
                    version=0,
                    at=option_set.created_at,
                )
            )
    accepted_by: dict[int, tuple[Draft, Request, datetime, set[str]]] = {}
    if accepted_since is None:
        return waiting, []
    for draft, request, at, user in session.exec(
        select(Draft, Request, Feedback.created_at, Feedback.user_id)
        .join(
            Feedback,
            and_(col(Feedback.draft_id) == col(Draft.id), col(Feedback.team_id) == Draft.team_id),
        )
        .join(
            Request,
            and_(col(Request.id) == col(Draft.request_id), col(Request.team_id) == Draft.team_id),
        )
        .where(
            *_teams_of(people, Draft.team_id),
            Feedback.kind == "accept",
            col(Feedback.retracted_at).is_(None),
            col(Feedback.created_at) >= accepted_since,
        )
    ).all():
        entry = accepted_by.setdefault(draft.id or 0, (draft, request, at, set()))
        entry[3].add(user)
    accepted = [
        Pending.of(
            "accepted",
            request,
            message_ts=draft.message_ts,
            version=draft.version,
            at=at,
            accepted_by=frozenset(users),
        )
        for draft, request, at, users in accepted_by.values()
    ]
    return waiting, accepted


def _teams_of(people: set[tuple[str, str]], column: Any) -> list[Any]:
    """Only rows of the workspaces `people` belong to."""
    return [col(column).in_(sorted({team for team, _ in people}))]


def _involving(people: set[tuple[str, str]]) -> list[Any]:
    """For one person, only the requests they made or gave feedback on; else no filter."""
    if len(people) != 1:
        return []
    ((team_id, user_id),) = people
    theirs = select(Feedback.request_id).where(
        Feedback.team_id == team_id, Feedback.user_id == user_id
    )
    return [
        col(Request.team_id) == team_id,
        or_(col(Request.requester_id) == user_id, col(Request.id).in_(theirs)),
    ]


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
