"""Channel rules: versioned rows, the latest in force, every change kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import ChannelRulesVersion, utcnow

ERASED_USER = "erased"


def current_rules(session: Session, *, team_id: str, channel_id: str) -> ChannelRulesVersion | None:
    """The channel's rules in force now (possibly a clearing), or None if never set."""
    return session.exec(
        select(ChannelRulesVersion)
        .where(
            ChannelRulesVersion.team_id == team_id,
            ChannelRulesVersion.channel_id == channel_id,
        )
        .order_by(col(ChannelRulesVersion.version).desc())
        .limit(1)
    ).first()


def rules_at(
    session: Session, *, team_id: str, channel_id: str, at: datetime
) -> ChannelRulesVersion | None:
    """The channel's rules in force at `at` (when a request was made)."""
    return session.exec(
        select(ChannelRulesVersion)
        .where(
            ChannelRulesVersion.team_id == team_id,
            ChannelRulesVersion.channel_id == channel_id,
            col(ChannelRulesVersion.changed_at) <= at,
        )
        .order_by(col(ChannelRulesVersion.version).desc())
        .limit(1)
    ).first()


def rules_history(
    session: Session, *, team_id: str, channel_id: str, limit: int = 5
) -> list[ChannelRulesVersion]:
    """The channel's latest versions, newest first."""
    return list(
        session.exec(
            select(ChannelRulesVersion)
            .where(
                ChannelRulesVersion.team_id == team_id,
                ChannelRulesVersion.channel_id == channel_id,
            )
            .order_by(col(ChannelRulesVersion.version).desc())
            .limit(limit)
        ).all()
    )


class ConcurrentChange(Exception):
    """Someone else saved the same channel's rules at the same moment."""


def save_rules(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    audience: str,
    style: str,
    avoid: list[str],
    constraints: list[str],
    language: str | None,
    changed_by: str,
    now: datetime | None = None,
) -> ChannelRulesVersion | None:
    """Record a new version (None when nothing changed). Raises ConcurrentChange when another
    save made the same version first."""
    current = current_rules(session, team_id=team_id, channel_id=channel_id)
    fields = (audience, style, list(avoid), list(constraints), language)
    if current is not None and fields == (
        current.audience,
        current.style,
        list(current.avoid),
        list(current.constraints),
        current.language,
    ):
        return None
    if current is None and not any(fields):
        return None  # clearing rules that were never set changes nothing
    row = ChannelRulesVersion(
        team_id=team_id,
        channel_id=channel_id,
        version=(current.version if current else 0) + 1,
        audience=audience,
        style=style,
        avoid=list(avoid),
        constraints=list(constraints),
        language=language,
        changed_by=changed_by,
        changed_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise ConcurrentChange(channel_id) from None
    return row


def forget_person(session: Session, *, team_id: str, user_id: str) -> int:
    """Keep the rules a person wrote (they are the channel's), without their name."""
    changed = session.exec(
        update(ChannelRulesVersion)
        .where(
            col(ChannelRulesVersion.team_id) == team_id,
            col(ChannelRulesVersion.changed_by) == user_id,
        )
        .values(changed_by=ERASED_USER)
        .returning(col(ChannelRulesVersion.id))
    ).all()
    return len(changed)
