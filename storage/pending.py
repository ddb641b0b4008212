"""What waits for people, in batches: drafts to judge, questions to answer, decisions handed
to them and options to choose, for the digests and the Home tab."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from bot.domain.handoff import decision_title
from bot.domain.states import DraftState, RequestState
from storage import handoffs as handoff_store
from storage import options as option_store
from storage.models import Draft, Feedback, OptionSet, Request
from storage.requests import request_title


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
