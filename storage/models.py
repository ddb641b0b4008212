"""Baton's tables. Every row that belongs to a workspace carries its team_id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now in UTC; the one clock storage uses."""
    return datetime.now(UTC)


class EventClaim(SQLModel, table=True):
    """A key Baton has acted on once (an event id, a message ts); inserting twice fails."""

    __tablename__ = "event_claims"
    team_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=160)
    claimed_at: datetime = Field(default_factory=utcnow)


class Request(SQLModel, table=True):
    """One ask: the message that started a thread with Baton, and where the work stands."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_request_message"),
        Index("ix_request_thread", "team_id", "channel_id", "thread_ts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    channel_type: str = Field(max_length=16)
    message_ts: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    requester_id: str = Field(max_length=32, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=24)
    brief: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    brief_version: int = 0
    # Baton's message in the thread that shows the brief (first the "working" placeholder).
    brief_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class BriefVersion(SQLModel, table=True):
    """Every brief a request has had, oldest first; the request holds the latest."""

    __tablename__ = "brief_versions"
    __table_args__ = (UniqueConstraint("request_id", "version", name="uq_brief_version"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    version: int
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=24)
    # Who wrote this version by hand (the Edit brief modal); None when Baton wrote it.
    author_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Draft(SQLModel, table=True):
    """One version of the answer to a request (v1, v2 …) and the messages that show it."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("request_id", "version", name="uq_draft_version"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    version: int
    trigger: str = Field(max_length=24)
    parent_id: int | None = Field(default=None, foreign_key="drafts.id")
    # The person whose feedback asked for this version (None for the first draft).
    asked_by: str | None = Field(default=None, max_length=32)
    instruction: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    adaptation_note: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    posted_at: datetime | None = None
    completed_at: datetime | None = None


class DraftMessage(SQLModel, table=True):
    """A Slack message that shows (part of) a draft, so reactions on any part find it."""

    __tablename__ = "draft_messages"
    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    ts: str = Field(primary_key=True, max_length=32)
    draft_id: int = Field(foreign_key="drafts.id", index=True)
    part: int = 0


class Feedback(SQLModel, table=True):
    """One feedback event from one person: a reaction, a reply, an answer."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_person", "team_id", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    draft_id: int | None = Field(default=None, foreign_key="drafts.id", index=True)
    kind: str = Field(max_length=24)
    reaction: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, sa_column=Column(Text))
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    seconds_after_draft: float | None = None
    retracted_at: datetime | None = None


class Person(SQLModel, table=True):
    """What a person set explicitly, and what Baton caches about them from Slack."""

    __tablename__ = "people"
    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    # Explicit style choices by dimension ("length": "short" …); absent = learned.
    style: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # When the person reset a learned value: learning for it starts again from then (ISO time).
    style_reset: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    language: str | None = Field(default=None, max_length=40)
    digest_time: str | None = Field(default=None, max_length=5)  # "HH:MM", local
    digest_days: list[int] | None = Field(default=None, sa_column=Column(JSON))
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    timezone: str | None = Field(default=None, max_length=64)  # set by the person
    slack_timezone: str | None = Field(default=None, max_length=64)  # from users.info
    dm_channel: str | None = Field(default=None, max_length=32)  # where their digests go
    updated_at: datetime = Field(default_factory=utcnow)


class DigestClaim(SQLModel, table=True):
    """One digest for one recipient and period: claimed before sending, so it goes out once
    across replicas, restarts and slow ticks."""

    __tablename__ = "digest_claims"
    team_id: str = Field(primary_key=True, max_length=32)
    recipient: str = Field(primary_key=True, max_length=48)  # a user id, or "channel:C…"
    period: str = Field(primary_key=True, max_length=16)  # local date, or ISO week
    state: str = Field(max_length=16)  # sending | sent | empty
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ChannelDigest(SQLModel, table=True):
    """A channel's subscription to a digest of its own briefs and drafts."""

    __tablename__ = "channel_digests"
    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    cadence: str = Field(max_length=8)  # daily | weekly
    weekday: int | None = None  # 0=Mon, for weekly
    at: str = Field(max_length=5)  # "HH:MM" in `timezone`
    timezone: str = Field(max_length=64)  # the time zone of whoever set it
    set_by: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)
