"""Where things stand: every state Baton stores, as enums. Stored as their string values, so
a row written before these enums existed reads the same."""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    """Where a request stands."""

    BRIEFING = "briefing"
    NEEDS_ANSWERS = "needs_answers"
    DRAFTING = "drafting"
    DRAFTED = "drafted"
    FAILED = "failed"
    NO_MODEL = "no_model"
    QUEUED = "queued"
    LIMITED = "limited"  # over a usage limit: stored, waiting for the person's Retry
    CHOOSING = "choosing"  # options A, B, C… are out, waiting for someone to pick one


class DraftState(StrEnum):
    """Where one draft version stands."""

    PENDING = "pending"  # created, nothing posted yet
    STREAMING = "streaming"  # its first message is in the thread and growing
    COMPLETE = "complete"
    FAILED = "failed"


class JobKind(StrEnum):
    """The durable jobs Baton runs (storage/jobs.py)."""

    BRIEF_AND_DRAFT = "brief_and_draft"
    REPLY = "reply"
    REVISE = "revise"
    OPTIONS = "options"  # write options A, B, C… for a brief
    OPTION_CHOSEN = "option_chosen"  # the next version from the option someone picked


class JobState(StrEnum):
    """Where a durable job stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OptionSetState(StrEnum):
    """Where a set of options A, B, C… stands."""

    PENDING = "pending"
    SHOWN = "shown"
    CHOSEN = "chosen"
    FAILED = "failed"


class FileState(StrEnum):
    """What Baton decided about a file attached in its thread."""

    PENDING = "pending"
    USED = "used"
    SKIPPED = "skipped"
    FAILED = "failed"


class HandoffState(StrEnum):
    """Whether a handed-off question still waits for its holder."""

    OPEN = "open"
    ANSWERED = "answered"


class DigestClaimState(StrEnum):
    """Where one person's digest for one day stands."""

    SENDING = "sending"
    SENT = "sent"
    EMPTY = "empty"  # nothing waited for the person: no message was sent


class DigestOutcome(StrEnum):
    """What one attempt to send a digest came to (each value names a TickReport counter)."""

    SENT = "sent"
    EMPTY = "empty"  # nothing to send, or no one to send it to
    FAILED = "failed"  # Slack refused it; the claim is released and the next tick retries


class SchemaState(StrEnum):
    """Where a database's schema stands against this code's migrations."""

    UP_TO_DATE = "up to date"
    BEHIND = "behind"
    EMPTY = "empty"
    UNVERSIONED = "unversioned"  # tables made before migrations existed
    UNKNOWN = "unknown"  # a revision this code does not know: migrated by newer code
