"""Counting recent model work per person and per workspace, for the limits in bot.domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.limits import HOUR, IN_FLIGHT_WINDOW, Usage
from storage.models import Draft, Request

# Request states in which a model call is running or queued.
IN_FLIGHT_STATES = ("briefing", "drafting", "queued")
HELD_STATE = "limited"


def usage(session: Session, *, team_id: str, user_id: str, now: datetime) -> Usage:
    """Requests and revisions started in the last hour, and requests in flight now."""
    since = now - HOUR
    person_requests, person_oldest = _requests_since(session, team_id, since, user_id)
    person_revisions, person_rev_oldest = _revisions_since(session, team_id, since, user_id)
    team_requests, team_oldest = _requests_since(session, team_id, since, None)
    team_revisions, team_rev_oldest = _revisions_since(session, team_id, since, None)
    return Usage(
        person_last_hour=person_requests + person_revisions,
        person_in_flight=_in_flight(session, team_id, now, user_id),
        workspace_last_hour=team_requests + team_revisions,
        workspace_in_flight=_in_flight(session, team_id, now, None),
        person_oldest=_earliest(person_oldest, person_rev_oldest),
        workspace_oldest=_earliest(team_oldest, team_rev_oldest),
    )


def _requests_since(
    session: Session, team_id: str, since: datetime, user_id: str | None
) -> tuple[int, datetime | None]:
    statement = select(func.count(), func.min(Request.created_at)).where(
        Request.team_id == team_id,
        col(Request.created_at) >= since,
        # A request held at a limit has cost no model work (yet).
        Request.state != HELD_STATE,
    )
    if user_id is not None:
        statement = statement.where(Request.requester_id == user_id)
    count, oldest = session.exec(statement).one()
    return int(count or 0), oldest


def _revisions_since(
    session: Session, team_id: str, since: datetime, user_id: str | None
) -> tuple[int, datetime | None]:
    # First drafts are counted with their request; later versions were asked for by someone.
    statement = select(func.count(), func.min(Draft.created_at)).where(
        Draft.team_id == team_id, col(Draft.created_at) >= since, col(Draft.asked_by).is_not(None)
    )
    if user_id is not None:
        statement = statement.where(Draft.asked_by == user_id)
    count, oldest = session.exec(statement).one()
    return int(count or 0), oldest


def _in_flight(session: Session, team_id: str, now: datetime, user_id: str | None) -> int:
    statement = select(func.count()).where(
        Request.team_id == team_id,
        col(Request.state).in_(IN_FLIGHT_STATES),
        col(Request.updated_at) >= now - IN_FLIGHT_WINDOW,
    )
    if user_id is not None:
        statement = statement.where(Request.requester_id == user_id)
    return int(session.exec(statement).one() or 0)


def _earliest(*stamps: datetime | None) -> datetime | None:
    present = [stamp for stamp in stamps if stamp is not None]
    return min(present) if present else None
