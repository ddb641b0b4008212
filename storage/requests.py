"""Reading and writing requests and their briefs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import BriefVersion, Request, utcnow


def create_request(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    channel_type: str,
    message_ts: str,
    thread_ts: str,
    requester_id: str,
    text: str,
    state: str,
) -> Request | None:
    """Store a new request; None if this message already became one (a duplicate delivery)."""
    request = Request(
        team_id=team_id,
        channel_id=channel_id,
        channel_type=channel_type,
        message_ts=message_ts,
        thread_ts=thread_ts,
        requester_id=requester_id,
        text=text,
        state=state,
    )
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:
        return None
    return request


def get_request(session: Session, *, team_id: str, request_id: int) -> Request | None:
    """The request with this id in this workspace."""
    request = session.get(Request, request_id)
    return request if request is not None and request.team_id == team_id else None


def find_thread_request(
    session: Session, *, team_id: str, channel_id: str, thread_ts: str
) -> Request | None:
    """The latest request Baton is working on in this thread, if any."""
    statement = (
        select(Request)
        .where(
            Request.team_id == team_id,
            Request.channel_id == channel_id,
            Request.thread_ts == thread_ts,
        )
        .order_by(col(Request.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def update_request(session: Session, *, request: Request, **changes: Any) -> Request:
    """Apply `changes` to a request and bump its updated_at."""
    for name, value in changes.items():
        setattr(request, name, value)
    request.updated_at = utcnow()
    session.add(request)
    return request


def save_brief(
    session: Session,
    *,
    request: Request,
    content: dict[str, Any],
    source: str,
    author_id: str | None = None,
) -> BriefVersion:
    """Keep a new brief version and make it the request's current brief."""
    version = request.brief_version + 1
    brief = BriefVersion(
        team_id=request.team_id,
        request_id=request.id or 0,
        version=version,
        content=content,
        source=source,
        author_id=author_id,
    )
    session.add(brief)
    update_request(session, request=request, brief=content, brief_version=version)
    return brief


def transition_request(
    session: Session, *, team_id: str, request_id: int, from_states: tuple[str, ...], to_state: str
) -> bool:
    """Move a request between states atomically; False if it was not in `from_states`."""
    statement = (
        update(Request)
        .where(
            col(Request.id) == request_id,
            col(Request.team_id) == team_id,
            col(Request.state).in_(from_states),
        )
        .values(state=to_state, updated_at=utcnow())
        .returning(col(Request.id))
    )
    return session.exec(statement).first() is not None


def request_title(request: Request) -> str:
    """A short line naming a request: its brief's goal, else its text."""
    goal = (request.brief or {}).get("goal") if request.brief else None
    text = str(goal or request.text or "(no text)")
    return text if len(text) <= 120 else text[:119] + "…"


DELETED_TEXT = "[deleted in Slack]"


def forget_message_text(session: Session, *, team_id: str, channel_id: str, ts: str) -> int:
    """Drop the stored words of a request whose Slack message was deleted."""
    requests = session.exec(
        select(Request).where(
            Request.team_id == team_id, Request.channel_id == channel_id, Request.message_ts == ts
        )
    ).all()
    for request in requests:
        update_request(session, request=request, text=DELETED_TEXT)
    return len(requests)
