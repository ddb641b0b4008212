"""Durable slow work: each brief, draft and revision is a row with a state and a lease, so a
process that dies mid-draft leaves work that another process (or the same one restarted)
claims again once the lease runs out.

Claims are single UPDATEs guarded by their WHERE clause, so two replicas can never both win.
Work on one request runs in order across replicas: a job is claimable only when no earlier
job of its request is still pending or running.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.states import JobState
from storage.models import Job

# Kept as short names: every query below reads them.
PENDING, RUNNING, DONE, FAILED = JobState.PENDING, JobState.RUNNING, JobState.DONE, JobState.FAILED


def enqueue_job(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    kind: str,
    args: dict[str, Any] | None = None,
    now: datetime,
) -> Job:
    """Record a piece of work to do; it runs once claimed."""
    job = Job(
        team_id=team_id,
        request_id=request_id,
        kind=kind,
        args=args or {},
        state=PENDING,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _claimable(now: datetime) -> Any:
    """Pending, or running under a lease that ran out; and first in line for its request."""
    earlier = aliased(Job)
    return and_(
        or_(
            col(Job.state) == PENDING,
            and_(col(Job.state) == RUNNING, col(Job.lease_until) < now),
        ),
        ~exists().where(
            col(earlier.team_id) == col(Job.team_id),
            col(earlier.request_id) == col(Job.request_id),
            col(earlier.id) < col(Job.id),
            col(earlier.state).in_((PENDING, RUNNING)),
        ),
    )


def claim_job(
    session: Session, *, job_id: int, owner: str, now: datetime, lease: timedelta
) -> Job | None:
    """Take job `job_id` for `owner` until `now + lease`; None if it is done, held by a live
    lease elsewhere, or waiting behind an earlier job of its request."""
    claimed = session.exec(
        update(Job)
        .where(col(Job.id) == job_id, _claimable(now))
        .values(
            state=RUNNING,
            owner=owner,
            lease_until=now + lease,
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(col(Job.id))
    ).first()
    if claimed is None:
        return None
    return session.get(Job, job_id, populate_existing=True)


def claim_due_jobs(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    pending_for: timedelta,
    limit: int = 20,
) -> list[Job]:
    """Take up to `limit` jobs that nobody is working on: leases that ran out (their process
    died) and jobs pending longer than `pending_for` (their process died before starting
    them, or is too busy). On PostgreSQL rows another replica is claiming are skipped."""
    candidates = (
        select(Job.id)
        .where(
            _claimable(now),
            or_(col(Job.state) == RUNNING, col(Job.created_at) < now - pending_for),
        )
        .order_by(col(Job.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=Job)
    ids = list(session.exec(candidates).all())
    claimed = []
    for job_id in ids:
        assert job_id is not None
        job = claim_job(session, job_id=job_id, owner=owner, now=now, lease=lease)
        if job is not None:
            claimed.append(job)
    return claimed


def renew_leases(
    session: Session, *, job_ids: list[int], owner: str, now: datetime, lease: timedelta
) -> set[int]:
    """Extend `owner`'s leases on `job_ids`; returns the ids it still holds."""
    if not job_ids:
        return set()
    renewed = session.exec(
        update(Job)
        .where(col(Job.id).in_(job_ids), col(Job.owner) == owner, col(Job.state) == RUNNING)
        .values(lease_until=now + lease, updated_at=now)
        .returning(col(Job.id))
    ).all()
    return {int(row[0]) for row in renewed}


def record_job_draft(session: Session, *, job_id: int, draft_id: int) -> None:
    """Remember the draft a job started, in the transaction that creates the draft."""
    session.exec(update(Job).where(col(Job.id) == job_id).values(draft_id=draft_id))


def finish_job(
    session: Session,
    *,
    job_id: int,
    owner: str,
    now: datetime,
    state: str = DONE,
    error: str | None = None,
) -> bool:
    """Mark `owner`'s job done (or failed); False if the lease had passed to someone else."""
    finished = session.exec(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.owner) == owner, col(Job.state) == RUNNING)
        .values(state=state, lease_until=None, error=error, updated_at=now)
        .returning(col(Job.id))
    ).first()
    return finished is not None


def next_pending_job(session: Session, *, team_id: str, request_id: int) -> int | None:
    """The id of the request's oldest pending job (what runs after the one that finished)."""
    return session.exec(
        select(Job.id)
        .where(Job.team_id == team_id, Job.request_id == request_id, Job.state == PENDING)
        .order_by(col(Job.id))
        .limit(1)
    ).first()


def get_job(session: Session, *, job_id: int) -> Job | None:
    """The job with this id."""
    return session.get(Job, job_id)
