"""Exactly-once claims: Slack retries and double deliveries must produce one effect."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import EventClaim, utcnow


def claim_once(session: Session, *, team_id: str, key: str) -> bool:
    """Record `key` for the workspace; True only for the first caller, on any replica."""
    values = {"team_id": team_id, "key": key[:160], "claimed_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(EventClaim).values(**values).on_conflict_do_nothing().returning(col(EventClaim.key))
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING here.
    return session.exec(statement).first() is not None
