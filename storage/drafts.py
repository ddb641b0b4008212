"""Reading and writing drafts and the Slack messages that show them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.states import DraftState
from storage.models import Draft, DraftMessage


def next_draft_version(session: Session, *, team_id: str, request_id: int) -> int:
    """The version number the request's next draft gets (1 for the first)."""
    latest = session.exec(
        select(func.max(Draft.version)).where(
            Draft.team_id == team_id, Draft.request_id == request_id
        )
    ).one()
    return int(latest or 0) + 1


def create_draft(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    channel_id: str,
    trigger: str,
    parent_id: int | None = None,
    asked_by: str | None = None,
    instruction: str | None = None,
) -> Draft:
    """Start a new draft version for a request."""
    draft = Draft(
        team_id=team_id,
        request_id=request_id,
        version=next_draft_version(session, team_id=team_id, request_id=request_id),
        trigger=trigger,
        parent_id=parent_id,
        asked_by=asked_by,
        instruction=instruction,
        state=DraftState.PENDING,
        channel_id=channel_id,
    )
    session.add(draft)
    session.flush()
    return draft


def get_draft(session: Session, *, team_id: str, draft_id: int) -> Draft | None:
    """The draft with this id in this workspace."""
    draft = session.get(Draft, draft_id)
    return draft if draft is not None and draft.team_id == team_id else None


def update_draft(session: Session, *, draft: Draft, **changes: Any) -> Draft:
    """Apply `changes` to a draft."""
    for name, value in changes.items():
        setattr(draft, name, value)
    session.add(draft)
    return draft


def latest_complete_draft(session: Session, *, team_id: str, request_id: int) -> Draft | None:
    """The newest finished draft of a request: what a reply revises."""
    statement = (
        select(Draft)
        .where(
            Draft.team_id == team_id,
            Draft.request_id == request_id,
            Draft.state == DraftState.COMPLETE,
        )
        .order_by(col(Draft.version).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def record_draft_message(
    session: Session, *, team_id: str, channel_id: str, ts: str, draft_id: int, part: int
) -> None:
    """Remember that a Slack message shows part `part` of a draft."""
    if session.get(DraftMessage, (team_id, channel_id, ts)) is None:
        session.add(
            DraftMessage(
                team_id=team_id, channel_id=channel_id, ts=ts, draft_id=draft_id, part=part
            )
        )


def lock_draft(session: Session, *, team_id: str, draft_id: int) -> None:
    """Hold the draft's row until the transaction ends, so feedback on one draft is taken
    one event at a time (SQLite's writers already queue: BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(
            select(Draft.id).where(Draft.team_id == team_id, Draft.id == draft_id).with_for_update()
        ).first()


def draft_message_parts(session: Session, *, team_id: str, draft_id: int) -> list[str]:
    """The ts of each Slack message already showing the draft, part 0 first."""
    statement = (
        select(DraftMessage.ts)
        .where(DraftMessage.team_id == team_id, DraftMessage.draft_id == draft_id)
        .order_by(col(DraftMessage.part))
    )
    return list(session.exec(statement).all())


def find_draft_by_message(
    session: Session, *, team_id: str, channel_id: str, ts: str
) -> Draft | None:
    """The draft a Slack message shows, if it shows one."""
    statement = (
        select(Draft)
        .join(DraftMessage, col(DraftMessage.draft_id) == col(Draft.id))
        .where(
            DraftMessage.team_id == team_id,
            DraftMessage.channel_id == channel_id,
            DraftMessage.ts == ts,
            Draft.team_id == team_id,
        )
    )
    return session.exec(statement).first()
