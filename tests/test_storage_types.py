"""Timestamps come back from the database UTC-aware on both backends, whatever went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import select

from storage.db import Database
from storage.models import EventClaim


def _stored(database: Database, key: str, at: datetime) -> datetime:
    with database.session() as session:
        session.add(EventClaim(team_id="T1", key=key, claimed_at=at))
    with database.session() as session:
        row = session.exec(select(EventClaim).where(EventClaim.key == key)).one()
        return row.claimed_at


def test_an_aware_time_in_another_zone_reads_back_as_the_same_instant_in_utc(
    database: Database,
) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    sent = datetime(2026, 3, 1, 9, 30, tzinfo=kolkata)

    got = _stored(database, "aware", sent)

    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == sent
    assert (got.hour, got.minute) == (4, 0)


def test_a_naive_time_is_taken_as_utc_and_reads_back_aware(database: Database) -> None:
    got = _stored(database, "naive", datetime(2026, 3, 1, 9, 30))

    assert got == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
