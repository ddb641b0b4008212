"""Recording feedback events and reading a person's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_
from sqlmodel import Session, col, select

from storage.claims import claim_once
from storage.models import Draft, EventClaim, Feedback, utcnow

# A removal that found nothing to take back: its add may still be on its way.
EARLY_REMOVAL = "unreact"


def record_feedback(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    request_id: int,
    kind: str,
    draft: Draft | None = None,
    reaction: str | None = None,
    text: str | None = None,
    message_ts: str | None = None,
    at: datetime | None = None,
) -> Feedback:
    """Store one feedback event, with how long after the draft was posted it came."""
    created_at = at or utcnow()
    seconds_after = None
    if draft is not None and draft.posted_at is not None:
        posted_at = draft.posted_at
        if posted_at.tzinfo is None:  # SQLite returns naive datetimes; we store UTC.
            posted_at = posted_at.replace(tzinfo=created_at.tzinfo)
        seconds_after = max(0.0, (created_at - posted_at).total_seconds())
    feedback = Feedback(
        team_id=team_id,
        user_id=user_id,
        request_id=request_id,
        draft_id=draft.id if draft is not None else None,
        kind=kind,
        reaction=reaction,
        text=text,
        message_ts=message_ts,
        created_at=created_at,
        seconds_after_draft=seconds_after,
    )
    session.add(feedback)
    session.flush()
    return feedback


def retract_reaction(
    session: Session, *, team_id: str, user_id: str, draft_id: int, reaction: str
) -> Feedback | None:
    """Take back the person's live feedback for this reaction on this draft, if any."""
    statement = (
        select(Feedback)
        .where(
            Feedback.team_id == team_id,
            Feedback.user_id == user_id,
            Feedback.draft_id == draft_id,
            Feedback.reaction == reaction,
            col(Feedback.retracted_at).is_(None),
        )
        .order_by(col(Feedback.id).desc())
        .limit(1)
    )
    feedback = session.exec(statement).first()
    if feedback is not None:
        feedback.retracted_at = utcnow()
        session.add(feedback)
    return feedback


def note_early_removal(
    session: Session, *, team_id: str, user_id: str, draft_id: int, reaction: str, event_ts: str
) -> None:
    """Remember a removal that arrived before its add, so the late add counts for nothing."""
    key = f"{EARLY_REMOVAL}:{draft_id}:{user_id}:{reaction}:{event_ts}"
    claim_once(session, team_id=team_id, key=key)


def removed_after(
    session: Session, *, team_id: str, user_id: str, draft_id: int, reaction: str, event_ts: str
) -> bool:
    """True when the person's removal of this reaction happened after `event_ts` but was
    delivered first."""
    prefix = f"{EARLY_REMOVAL}:{draft_id}:{user_id}:{reaction}:"
    keys = session.exec(
        select(EventClaim.key).where(
            EventClaim.team_id == team_id, col(EventClaim.key).startswith(prefix)
        )
    ).all()
    return any(_ts(key[len(prefix) :]) >= _ts(event_ts) for key in keys)


def _ts(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def has_live_reaction(
    session: Session, *, team_id: str, user_id: str, draft_id: int, reaction: str
) -> bool:
    """True when the person's reaction on this draft is recorded and not taken back."""
    statement = select(Feedback.id).where(
        Feedback.team_id == team_id,
        Feedback.user_id == user_id,
        Feedback.draft_id == draft_id,
        Feedback.reaction == reaction,
        col(Feedback.retracted_at).is_(None),
    )
    return session.exec(statement).first() is not None


def person_history(
    session: Session, *, team_id: str, user_id: str, limit: int = 50
) -> list[tuple[Feedback, Draft | None]]:
    """The person's live feedback, newest first, each with the draft it was on."""
    statement = (
        select(Feedback, Draft)
        .join(
            Draft,
            and_(col(Draft.id) == col(Feedback.draft_id), col(Draft.team_id) == team_id),
            isouter=True,
        )
        .where(
            Feedback.team_id == team_id,
            Feedback.user_id == user_id,
            col(Feedback.retracted_at).is_(None),
        )
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def thread_replies(session: Session, *, team_id: str, request_id: int) -> list[Feedback]:
    """Replies and answers people wrote in the request's thread, oldest first."""
    statement = (
        select(Feedback)
        .where(
            Feedback.team_id == team_id,
            Feedback.request_id == request_id,
            col(Feedback.text).is_not(None),
            col(Feedback.retracted_at).is_(None),
        )
        .order_by(col(Feedback.id))
    )
    return list(session.exec(statement).all())


def feedback_times(
    session: Session, *, team_id: str, user_id: str, since: datetime, limit: int = 500
) -> list[tuple[datetime, float | None]]:
    """When the person gave feedback since `since`, and how long after each draft."""
    statement = (
        select(Feedback.created_at, Feedback.seconds_after_draft)
        .where(
            Feedback.team_id == team_id,
            Feedback.user_id == user_id,
            col(Feedback.created_at) >= since,
        )
        .order_by(col(Feedback.created_at).desc())
        .limit(limit)
    )
    return [(at, seconds) for at, seconds in session.exec(statement).all()]


def forget_message_text(session: Session, *, team_id: str, ts: str) -> int:
    """Drop the stored words of a thread reply whose Slack message was deleted."""
    replies = session.exec(
        select(Feedback).where(
            Feedback.team_id == team_id,
            Feedback.message_ts == ts,
            col(Feedback.text).is_not(None),
        )
    ).all()
    for reply in replies:
        reply.text = None
        session.add(reply)
    return len(replies)
