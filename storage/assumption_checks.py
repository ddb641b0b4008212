"""Recording who confirmed or corrected a brief's assumptions, and reading it back."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import AssumptionCheck, BriefVersion, utcnow

RIGHT = "right"
WRONG = "wrong"


def assumption_key(text: str) -> str:
    """A fixed-length key for an assumption's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_check(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    brief_version: int,
    assumption: str,
    verdict: str,
    user_id: str,
    at: datetime | None = None,
) -> AssumptionCheck | None:
    """Store a verdict on an assumption; None if this verdict on it was already recorded."""
    check = AssumptionCheck(
        team_id=team_id,
        request_id=request_id,
        brief_version=brief_version,
        assumption=assumption,
        assumption_key=assumption_key(assumption),
        verdict=verdict,
        user_id=user_id,
        created_at=at or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(check)
    except IntegrityError:
        return None
    return check


def confirmations(session: Session, *, team_id: str, request_id: int) -> dict[str, str]:
    """The request's confirmed assumptions: text -> who confirmed it first."""
    statement = (
        select(AssumptionCheck.assumption, AssumptionCheck.user_id)
        .where(
            AssumptionCheck.team_id == team_id,
            AssumptionCheck.request_id == request_id,
            AssumptionCheck.verdict == RIGHT,
        )
        .order_by(col(AssumptionCheck.id).desc())
    )
    # Oldest last, so the first to confirm wins the mapping.
    return dict(session.exec(statement).all())


def confirmed_by(session: Session, *, team_id: str, request_id: int, assumption: str) -> str | None:
    """Who confirmed this assumption of the request, if anyone."""
    statement = select(AssumptionCheck.user_id).where(
        AssumptionCheck.team_id == team_id,
        AssumptionCheck.request_id == request_id,
        AssumptionCheck.assumption_key == assumption_key(assumption),
        AssumptionCheck.verdict == RIGHT,
    )
    return session.exec(statement.order_by(col(AssumptionCheck.id))).first()


def brief_version(
    session: Session, *, team_id: str, request_id: int, version: int
) -> BriefVersion | None:
    """One stored version of a request's brief."""
    statement = select(BriefVersion).where(
        BriefVersion.team_id == team_id,
        BriefVersion.request_id == request_id,
        BriefVersion.version == version,
    )
    return session.exec(statement).first()
