"""The reason a person gave for a thumbs-down, kept on that :-1:'s feedback row (so taking
the :-1: back takes the reason with it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from storage.models import Draft, Feedback, Request

REJECT = "reject"
WRONG_FACTS = "wrong_facts"


def live_rejection(
    session: Session, *, team_id: str, user_id: str, draft_id: int
) -> Feedback | None:
    """The person's :-1: on this draft that has not been taken back, if any."""
    return session.exec(
        select(Feedback)
        .where(
            Feedback.team_id == team_id,
            Feedback.user_id == user_id,
            Feedback.draft_id == draft_id,
            Feedback.kind == REJECT,
            col(Feedback.retracted_at).is_(None),
        )
        .order_by(col(Feedback.id).desc())
        .limit(1)
    ).first()


def set_reason(session: Session, *, feedback: Feedback, reason: str, note: str | None) -> None:
    """Store the reason (and, for "other", the words) with the :-1:."""
    feedback.reason = reason
    feedback.reason_note = note
    session.add(feedback)


def wrong_facts_briefs(
    session: Session, *, team_id: str, user_id: str, since: datetime
) -> list[dict[str, Any]]:
    """The briefs of requests whose drafts had wrong facts flagged since `since`, by this
    person or on this person's requests (flags taken back do not count)."""
    rows = session.exec(
        select(Request.brief)
        .select_from(Feedback)
        .join(Draft, and_(col(Draft.id) == col(Feedback.draft_id), col(Draft.team_id) == team_id))
        .join(
            Request,
            and_(col(Request.id) == col(Draft.request_id), col(Request.team_id) == team_id),
        )
        .where(
            Feedback.team_id == team_id,
            Feedback.kind == REJECT,
            Feedback.reason == WRONG_FACTS,
            col(Feedback.retracted_at).is_(None),
            col(Feedback.created_at) >= since,
            or_(col(Feedback.user_id) == user_id, col(Request.requester_id) == user_id),
        )
    ).all()
    return [brief for brief in rows if isinstance(brief, dict)]


def expire_notes(session: Session, *, before: datetime) -> int:
    """Drop the words of "other" reasons given before `before` (the retention period)."""
    expired = session.exec(
        update(Feedback)
        .where(col(Feedback.created_at) < before, col(Feedback.reason_note).is_not(None))
        .values(reason_note=None)
        .returning(col(Feedback.id))
    ).all()
    return len(expired)
