"""Baton's tables. Every row that belongs to a workspace carries its team_id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """Timezone-aware now in UTC; the one clock storage uses."""
    return datetime.now(UTC)


class EventClaim(SQLModel, table=True):
    """A key Baton has acted on once (an event id, a message ts); inserting twice fails."""

    __tablename__ = "event_claims"
    team_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=160)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Request(SQLModel, table=True):
    """One ask: the message that started a thread with Baton, and where the work stands."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_request_message"),
        Index("ix_request_thread", "team_id", "channel_id", "thread_ts"),
        # Usage limits count a person's and a workspace's recent requests on every mention;
        # erasing a person and the Home tab find their requests.
        Index("ix_request_requester", "team_id", "requester_id", "created_at"),
        Index("ix_request_created", "team_id", "created_at"),
        # Requests in flight (limits), and drafted or waiting for answers (digests).
        Index("ix_request_state", "team_id", "state", "updated_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    channel_type: str = Field(max_length=16)
    message_ts: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    requester_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=24)
    brief: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    brief_version: int = 0
    # Baton's message in the thread that shows the brief (first the "working" placeholder).
    brief_ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Draft(SQLModel, table=True):
    """One version of the answer to a request (v1, v2 …) and the messages that show it."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("request_id", "version", name="uq_draft_version"),
        # Usage limits count recent revisions per workspace and per person who asked.
        Index("ix_draft_created", "team_id", "created_at"),
        Index("ix_draft_asked_by", "team_id", "asked_by", "created_at"),
    )
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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    __table_args__ = (
        Index("ix_feedback_person", "team_id", "user_id", "created_at"),
        # Every digest tick reads recent feedback across workspaces.
        Index("ix_feedback_created", "created_at"),
        # A deleted Slack message looks for the reply it was.
        Index("ix_feedback_message", "team_id", "message_ts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    draft_id: int | None = Field(default=None, foreign_key="drafts.id", index=True)
    kind: str = Field(max_length=24)
    reaction: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, sa_column=Column(Text))
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seconds_after_draft: float | None = None
    retracted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A final_edit's measured changes (bot/domain/finalise.EditDiff): numbers, no text.
    edit_diff: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # option_chosen / option_passed: the option it is about (its text's traits teach style).
    option_id: int | None = Field(default=None, foreign_key="draft_options.id")
    # A reject's reason chip (bot/domain/style/profile.RejectReason), and the words behind "other".
    reason: str | None = Field(default=None, max_length=24)
    reason_note: str | None = Field(default=None, sa_column=Column(Text))


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
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DigestClaim(SQLModel, table=True):
    """One digest for one recipient and period: claimed before sending, so it goes out once
    across replicas, restarts and slow ticks."""

    __tablename__ = "digest_claims"
    team_id: str = Field(primary_key=True, max_length=32)
    recipient: str = Field(primary_key=True, max_length=48)  # a user id, or "channel:C…"
    period: str = Field(primary_key=True, max_length=16)  # local date, or ISO week
    state: str = Field(max_length=16)  # sending | sent | empty
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AssumptionCheck(SQLModel, table=True):
    """Who said one of a brief's assumptions was right (confirmed) or wrong (corrected): the
    brief's record of its assumptions, matched to later versions by the assumption's text."""

    __tablename__ = "assumption_checks"
    __table_args__ = (
        # One confirmation (and one correction) per assumption per request, however many click.
        UniqueConstraint(
            "team_id", "request_id", "assumption_key", "verdict", name="uq_assumption_check"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    brief_version: int  # the version whose assumption it was
    assumption: str = Field(sa_column=Column(Text, nullable=False))
    assumption_key: str = Field(max_length=64)  # sha256 of the text: indexable where text is not
    verdict: str = Field(max_length=8)  # right | wrong
    user_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Job(SQLModel, table=True):
    """A piece of slow work (a brief and draft, a revision) that any replica may finish: the
    process running it holds a lease and renews it; an expired lease lets another take over."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_job_due", "state", "lease_until"),
        Index("ix_job_request", "team_id", "request_id", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id")
    kind: str = Field(max_length=24)  # brief_and_draft | reply | revise
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)  # pending | running | done | failed
    owner: str | None = Field(default=None, max_length=64)  # the process holding the lease
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # The draft this job started, once it has: a rerun resumes it instead of posting anew.
    draft_id: int | None = Field(default=None, foreign_key="drafts.id")
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelRulesVersion(SQLModel, table=True):
    """One version of a channel's rules (/baton channel), kept for good: the latest is
    in force, the rest are the history of who changed them and when. All fields empty is a
    clearing; a request uses the version in force when it was made."""

    __tablename__ = "channel_rules"
    __table_args__ = (
        # Two people saving at once cannot both make version n: one of them is told to retry.
        UniqueConstraint("team_id", "channel_id", "version", name="uq_channel_rules_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    version: int
    audience: str = Field(default="", max_length=200)
    style: str = Field(default="", max_length=500)
    avoid: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    constraints: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(default=None, max_length=40)
    changed_by: str = Field(max_length=32)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Handoff(SQLModel, table=True):
    """An open question of a brief handed to a person: one row per hand-off, numbered per
    question (`turn`), so a re-assignment keeps the earlier one as history."""

    __tablename__ = "handoffs"
    __table_args__ = (
        # Two clicks at once cannot both hand the same question on: the second insert fails.
        UniqueConstraint("team_id", "request_id", "question_key", "turn", name="uq_handoff_turn"),
        # A person's open hand-offs (Home, digests) and a thread's (every reply in it).
        Index("ix_handoff_holder", "team_id", "state", "holder_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    question_key: str = Field(max_length=16)  # bot/domain/handoff.question_key
    turn: int
    question: str = Field(sa_column=Column(Text, nullable=False))
    holder_id: str = Field(max_length=32)
    assigned_by: str = Field(max_length=32)
    state: str = Field(default="open", max_length=16)  # open | answered | reassigned
    asked_ts: str | None = Field(default=None, max_length=32)  # Baton's message asking them
    answer: str | None = Field(default=None, sa_column=Column(Text))
    answer_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OptionSet(SQLModel, table=True):
    """Options A, B, C… Baton offered for a request, why, and which one was chosen."""

    __tablename__ = "option_sets"
    __table_args__ = (Index("ix_option_set_request", "team_id", "request_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id")
    source: str = Field(max_length=16)  # wording | button | habit
    asked_by: str | None = Field(default=None, max_length=32)  # None for a habit
    count: int
    varies: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=300)  # why offered unasked (a habit)
    state: str = Field(default="pending", max_length=16)  # pending | shown | chosen | failed
    message_ts: str | None = Field(default=None, max_length=32)
    chosen_label: str | None = Field(default=None, max_length=1)
    chosen_by: str | None = Field(default=None, max_length=32)
    chosen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DraftOption(SQLModel, table=True):
    """One option of a set; the chosen one becomes a draft (`draft_id`) the next version
    is written from."""

    __tablename__ = "draft_options"
    __table_args__ = (UniqueConstraint("set_id", "label", name="uq_option_label"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    set_id: int = Field(foreign_key="option_sets.id", index=True)
    label: str = Field(max_length=1)
    approach: str = Field(max_length=100)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    draft_id: int | None = Field(default=None, foreign_key="drafts.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RequestFile(SQLModel, table=True):
    """A file attached to a request or to a reply in its thread, and what Baton decided: used,
    or skipped with the reason. Never the file's contents (fetched again when needed)."""

    __tablename__ = "request_files"
    __table_args__ = (
        # The same file attached twice in a thread is one decision.
        UniqueConstraint("team_id", "request_id", "file_id", name="uq_request_file"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    request_id: int = Field(foreign_key="requests.id", index=True)
    file_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)  # the message it came with
    name: str = Field(default="", max_length=255)
    kind: str = Field(default="", max_length=16)  # bot/domain/files/reading.FileKind
    size: int | None = None  # bytes, as Slack reports them (or as fetched)
    # pending | used | skipped | failed (could not be fetched: attaching it again retries)
    state: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
