"""Housekeeping: people's words expire after the retention period; bookkeeping rows that only
guard against doubles expire once no retry or replay can reach them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from bot.domain.states import JobState
from storage import files as file_store
from storage import handoffs as handoff_store
from storage import options as option_store
from storage import reasons as reason_store
from storage.models import (
    AssumptionCheck,
    BriefVersion,
    DigestClaim,
    Draft,
    EventClaim,
    Feedback,
    Job,
    Request,
)

EXPIRED_TEXT = "[removed after the retention period]"
# Slack retries an event for minutes, and Socket Mode replays within hours: a week is ample.
EVENT_CLAIM_DAYS = 7
# A digest is never sent more than a few hours late, and weekly periods last a week.
DIGEST_CLAIM_DAYS = 35


@dataclass(frozen=True)
class Swept:
    """How many rows one sweep changed, by kind."""

    requests: int = 0
    briefs: int = 0
    drafts: int = 0
    replies: int = 0
    claims: int = 0

    @property
    def total(self) -> int:
        """All rows changed."""
        return self.requests + self.briefs + self.drafts + self.replies + self.claims


def expire_text(session: Session, *, before: datetime) -> Swept:
    """Blank the words of requests, briefs, drafts and replies created before `before`.
    The rows stay (counts, states and reactions still teach style); the text goes."""
    requests = session.exec(
        update(Request)
        .where(col(Request.created_at) < before, col(Request.text) != EXPIRED_TEXT)
        .values(text=EXPIRED_TEXT, brief=None)
        .returning(col(Request.id))
    ).all()
    briefs = session.exec(
        delete(BriefVersion)
        .where(col(BriefVersion.created_at) < before)
        .returning(col(BriefVersion.id))
    ).all()
    # Checks quote the brief's assumptions: they go with the briefs.
    session.exec(delete(AssumptionCheck).where(col(AssumptionCheck.created_at) < before))
    drafts = session.exec(
        update(Draft)
        .where(col(Draft.created_at) < before, col(Draft.text) != EXPIRED_TEXT)
        .values(text=EXPIRED_TEXT, instruction=None)
        .returning(col(Draft.id))
    ).all()
    replies = session.exec(
        update(Feedback)
        .where(col(Feedback.created_at) < before, col(Feedback.text).is_not(None))
        .values(text=None)
        .returning(col(Feedback.id))
    ).all()
    # Options are drafts Baton wrote; the words behind an "other" reason are a reply's.
    options = option_store.expire_text(session, before=before, placeholder=EXPIRED_TEXT)
    notes = reason_store.expire_notes(session, before=before)
    # A hand-off's question comes from the brief, its answer from a reply.
    handoffs = handoff_store.expire_text(session, before=before, placeholder=EXPIRED_TEXT)
    # File names are the sharer's words too (the files themselves were never stored).
    file_store.expire_names(session, before=before, placeholder=EXPIRED_TEXT)
    return Swept(
        requests=len(requests),
        briefs=len(briefs),
        drafts=len(drafts) + options,
        replies=len(replies) + notes + handoffs,
    )


def expire_claims(session: Session, *, now: datetime) -> int:
    """Drop event and digest claims too old for any retry or catch-up to meet them again,
    and finished jobs as old."""
    events = session.exec(
        delete(EventClaim)
        .where(
            col(EventClaim.claimed_at) < now - timedelta(days=EVENT_CLAIM_DAYS),
            # Deliveries only: "ask once per draft" claims hold for the draft's whole life.
            or_(
                col(EventClaim.key).startswith("evt:"),
                col(EventClaim.key).startswith("msg:"),
                col(EventClaim.key).startswith("unreact:"),
            ),
        )
        .returning(col(EventClaim.key))
    ).all()
    digests = session.exec(
        delete(DigestClaim)
        .where(col(DigestClaim.claimed_at) < now - timedelta(days=DIGEST_CLAIM_DAYS))
        .returning(col(DigestClaim.period))
    ).all()
    # Finished jobs are only a record of work done; unfinished ones are still someone's.
    jobs = session.exec(
        delete(Job)
        .where(
            col(Job.updated_at) < now - timedelta(days=EVENT_CLAIM_DAYS),
            col(Job.state).in_((JobState.DONE, JobState.FAILED)),
        )
        .returning(col(Job.id))
    ).all()
    return len(events) + len(digests) + len(jobs)
