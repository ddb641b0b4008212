"""Shows a draft in its thread as Claude writes it: post once, then update at a bounded cadence.

Why post-then-update rather than chat.startStream: new streams are Slack tier 2 (about 20 a
minute per workspace), so a busy workspace would see drafts fail to start; chat.update is
tier 3 and its budget can be shared, so many drafts in flight degrade to fewer, larger
updates instead of errors. Text is never lost: the final update always goes out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack_client import UpdateBudget
from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.render import (
    DRAFT_PART_LIMIT,
    DraftFooter,
    defuse_broadcasts,
    draft_blocks,
    split_text,
)

logger = logging.getLogger(__name__)

WRITING_STATUS = ":pencil2: _writing…_"


DRAFT_EVENT_TYPE = "baton_draft"


def draft_metadata(draft_id: int | None, part: int) -> dict[str, Any] | None:
    """The Slack message metadata that marks part `part` of draft `draft_id`."""
    if draft_id is None:
        return None
    return {"event_type": DRAFT_EVENT_TYPE, "event_payload": {"draft_id": draft_id, "part": part}}


def posted_parts(found: list[tuple[str, dict[str, Any]]], draft_id: int) -> list[str]:
    """From a thread's (ts, metadata) pairs, the ts of each part of `draft_id`, part 0 first;
    empty unless the parts found run 0, 1, … without a gap."""
    parts: dict[int, str] = {}
    for ts, metadata in found:
        payload = metadata.get("event_payload")
        if metadata.get("event_type") != DRAFT_EVENT_TYPE or not isinstance(payload, dict):
            continue
        if payload.get("draft_id") == draft_id and isinstance(payload.get("part"), int):
            parts.setdefault(payload["part"], ts)
    ordered = [parts[index] for index in range(len(parts)) if index in parts]
    return ordered if len(ordered) == len(parts) else []


@dataclass
class _Part:
    ts: str
    shown: str = ""  # what the message shows now


@dataclass
class DraftPublisher:
    """Streams one draft into one or more thread messages."""

    slack: SlackIO
    budget: UpdateBudget
    team_id: str
    channel_id: str
    thread_ts: str
    version: int
    on_posted: Callable[[str, int], None]
    min_interval: float = 1.0
    # Broadcast mentions the requester wrote themselves (only these may ping).
    allowed_broadcasts: str = ""
    # Stamped on each message as Slack metadata, so a process taking the draft over can find
    # a message posted just before a crash, even if its ts was never recorded.
    draft_id: int | None = None
    clock: Callable[[], float] = time.monotonic
    text: str = ""
    parts: list[_Part] = field(default_factory=list)
    first_visible_at: float | None = None
    _last_update: float = 0.0

    def feed(self, chunk: str) -> None:
        """Add text from the model; show it when the cadence and the workspace budget allow."""
        self.text += chunk
        if not self.text.strip():
            return
        pieces = self._pieces()
        # Earlier pieces are complete: show each in full in its own message.
        for index, piece in enumerate(pieces[:-1]):
            self._show(index, piece, parts=None, final=True)
        last = len(pieces) - 1
        if last >= len(self.parts):
            self._show(last, pieces[-1], parts=None, final=False)
            return
        now = self.clock()
        if now - self._last_update < self.min_interval:
            return
        if self.budget.try_take(self.team_id):
            self._show(last, pieces[-1], parts=None, final=False, budgeted=True)

    def _pieces(self) -> list[str]:
        # Most drafts fit one message: skip the scan that would run on every chunk.
        if len(self.text) <= DRAFT_PART_LIMIT:
            return [self.text]
        return split_text(self.text, DRAFT_PART_LIMIT)

    def finish(self, footer: DraftFooter) -> list[str]:
        """Show the whole text with the footer; returns the message ts of every part."""
        pieces = self._pieces()
        for index, piece in enumerate(pieces):
            is_last = index == len(pieces) - 1
            self._show(
                index,
                piece,
                parts=len(pieces),
                final=True,
                footer=footer if is_last else None,
                force=True,
            )
        # A restarted attempt may have come out shorter than the broken one it replaced.
        for index in range(len(pieces), len(self.parts)):
            self._replace(index, "_(this part was replaced: the draft above is complete)_")
        return [part.ts for part in self.parts[: len(pieces)]]

    def interrupt(self, status: str) -> None:
        """Say honestly that the text shown is partial, before a retry or after giving up."""
        if not self.parts:
            return
        pieces = self._pieces()
        index = min(len(pieces), len(self.parts)) - 1
        self._show(index, pieces[index], parts=None, final=False, status=status, force=True)

    def resume(self, message_ts: list[str]) -> None:
        """Write into messages a dead process had already posted for this draft, part 0 first,
        so taking the draft over updates them instead of posting a second copy."""
        self.parts = [_Part(ts=ts, shown="") for ts in message_ts]

    def restart(self) -> None:
        """Start the text again (a new attempt); the same messages are reused."""
        self.text = ""

    def _show(
        self,
        index: int,
        piece: str,
        *,
        parts: int | None,
        final: bool,
        footer: DraftFooter | None = None,
        status: str | None = None,
        budgeted: bool = False,
        force: bool = False,
    ) -> None:
        status = status if status is not None else (None if final else WRITING_STATUS)
        piece = defuse_broadcasts(piece, allowed=self.allowed_broadcasts)
        blocks = draft_blocks(
            piece, version=self.version, part=index, parts=parts, footer=footer, status=status
        )
        if index >= len(self.parts):
            ts = self.slack.post(
                channel=self.channel_id,
                thread_ts=self.thread_ts,
                blocks=blocks,
                text=piece,
                metadata=draft_metadata(self.draft_id, index),
            )
            self.parts.append(_Part(ts=ts, shown=piece))
            if self.first_visible_at is None:
                self.first_visible_at = self.clock()
            self._last_update = self.clock()
            self.on_posted(ts, index)
            return
        part = self.parts[index]
        if part.shown == piece and not force:
            return
        if not budgeted:
            self.budget.take_anyway(self.team_id)
        try:
            self.slack.update(channel=self.channel_id, ts=part.ts, blocks=blocks, text=piece)
        except SlackCallFailed:
            if force:
                raise
            # A skipped intermediate update loses nothing: the final one carries all text.
            return
        part.shown = piece
        self._last_update = self.clock()

    def _replace(self, index: int, note: str) -> None:
        part = self.parts[index]
        self.budget.take_anyway(self.team_id)
        blocks = draft_blocks(note, version=self.version, part=index, parts=None, footer=None)
        self.slack.update(channel=self.channel_id, ts=part.ts, blocks=blocks, text=note)
        part.shown = note
