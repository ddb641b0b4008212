"""Initial schema

Every table and index of storage/models.py before the jobs and Slack OAuth tables, with
indexes for the hot-path queries.

Databases made before migrations (by create_tables) already hold these tables: IF NOT EXISTS
lets this revision adopt them, adding only the indexes they lack.

Revision ID: 0001
Revises: (none)
Created: 2026-11-30 11:31:17.681746
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_digests",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
        if_not_exists=True,
    )
    op.create_table(
        "digest_claims",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "recipient", "period"),
        if_not_exists=True,
    )
    op.create_table(
        "event_claims",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key"),
        if_not_exists=True,
    )
    op.create_table(
        "people",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("style", sa.JSON(), nullable=False),
        sa.Column("style_reset", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=40), nullable=True),
        sa.Column("digest_time", sa.String(length=5), nullable=True),
        sa.Column("digest_days", sa.JSON(), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("slack_timezone", sa.String(length=64), nullable=True),
        sa.Column("dm_channel", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
        if_not_exists=True,
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("channel_type", sa.String(length=16), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("brief", sa.JSON(), nullable=True),
        sa.Column("brief_version", sa.Integer(), nullable=False),
        sa.Column("brief_ts", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", "message_ts", name="uq_request_message"),
        if_not_exists=True,
    )
    # create_tables used to make a single-column index that ix_request_requester replaces.
    op.drop_index("ix_requests_requester_id", table_name="requests", if_exists=True)
    op.create_index("ix_request_created", "requests", ["team_id", "created_at"], if_not_exists=True)
    op.create_index(
        "ix_request_requester",
        "requests",
        ["team_id", "requester_id", "created_at"],
        if_not_exists=True,
    )
    op.create_index(
        "ix_request_state", "requests", ["team_id", "state", "updated_at"], if_not_exists=True
    )
    op.create_index(
        "ix_request_thread", "requests", ["team_id", "channel_id", "thread_ts"], if_not_exists=True
    )
    op.create_table(
        "brief_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "version", name="uq_brief_version"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_brief_versions_request_id", "brief_versions", ["request_id"], if_not_exists=True
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=24), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("asked_by", sa.String(length=32), nullable=True),
        sa.Column("instruction", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("adaptation_note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["drafts.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "version", name="uq_draft_version"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_draft_asked_by", "drafts", ["team_id", "asked_by", "created_at"], if_not_exists=True
    )
    op.create_index("ix_draft_created", "drafts", ["team_id", "created_at"], if_not_exists=True)
    op.create_index("ix_drafts_request_id", "drafts", ["request_id"], if_not_exists=True)
    op.create_table(
        "draft_messages",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "ts"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_draft_messages_draft_id", "draft_messages", ["draft_id"], if_not_exists=True
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reaction", sa.String(length=100), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds_after_draft", sa.Float(), nullable=True),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_feedback_created", "feedback", ["created_at"], if_not_exists=True)
    op.create_index("ix_feedback_draft_id", "feedback", ["draft_id"], if_not_exists=True)
    op.create_index(
        "ix_feedback_message", "feedback", ["team_id", "message_ts"], if_not_exists=True
    )
    op.create_index(
        "ix_feedback_person", "feedback", ["team_id", "user_id", "created_at"], if_not_exists=True
    )
    op.create_index("ix_feedback_request_id", "feedback", ["request_id"], if_not_exists=True)


def downgrade() -> None:
    # Dropping a table drops its indexes; children go before the tables they point at.
    op.drop_table("feedback")
    op.drop_table("draft_messages")
    op.drop_table("drafts")
    op.drop_table("brief_versions")
    op.drop_table("requests")
    op.drop_table("people")
    op.drop_table("event_claims")
    op.drop_table("digest_claims")
    op.drop_table("channel_digests")
