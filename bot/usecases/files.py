"""Files as context: files attached to a request or a reply in its thread are recorded as
they arrive, decided once (read, or skipped with a reason said in the thread), and given to
Claude in the brief and draft calls. Contents are fetched from Slack when needed and kept
only briefly in memory, never stored (bot/usecases/downloads.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.adapters.file_fetch import FetchFailed
from bot.adapters.members import MemberCache
from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.files.prompt import FittedFiles, fit_files, text_budget
from bot.domain.files.prompt import attach as attach_files
from bot.domain.files.reading import Attachment, Unreadable, kind_of, precheck
from bot.domain.files.shown import context_blocks, lost_line, skipped_line
from bot.domain.inbound import InboundMessage, SlackFile, parse_file
from bot.domain.prompts import Prompt
from bot.domain.render import notice_blocks
from bot.usecases.downloads import Downloads
from storage import files as file_store
from storage.db import Database
from storage.models import Request, RequestFile

logger = logging.getLogger(__name__)

# Conversations checked for the requester's membership, per file (Slack shares files widely).
MAX_MEMBERSHIP_CHECKS = 10
# files.info errors that mean the file is gone or hidden for good (not worth trying again).
GONE = {
    "file_not_found": "Slack says it doesn't exist, or I can't see it",
    "file_deleted": "it was deleted",
}
# What other files.info errors mean, for the person.
INFO_ERRORS = {
    "missing_scope": "I lack Slack's files:read permission: reinstall me from the current manifest",
}
NO_ACCESS = "it is shared only in conversations the requester isn't in"
NO_MEMBERS = "I couldn't check who can see it (Slack would not list the members)"


@dataclass(frozen=True)
class FileContext:
    """What one model call gets from a request's files."""

    fitted: FittedFiles = field(default_factory=lambda: FittedFiles([]))
    new: tuple[str, ...] = ()  # used for the first time in this call

    @property
    def tokens(self) -> int:
        """Input tokens the text files take (the request and thread get the rest)."""
        return self.fitted.tokens

    def attach(self, prompt: Prompt, *, ask: str, revision: bool = False) -> Prompt:
        """`prompt` with the files as content blocks (`revision`: name the new ones)."""
        return attach_files(prompt, self.fitted.files, ask=ask, new=self.new if revision else ())


@dataclass
class FilesAsContext:
    """Files attached in Baton's threads: noted on arrival, decided once, read when needed."""

    db: Database
    slack: SlackIO
    members: MemberCache
    downloads: Downloads
    clock: Callable[[], datetime]
    # Shows the request's brief again once new files are decided (its Context line changes).
    refresh_brief: Callable[[Request], None] | None = None

    # ---- on arrival (inside the message's transaction) --------------------------------

    def note(self, session: Session, *, request: Request, message: InboundMessage) -> int:
        """Record the files on a request or a reply in its thread; decided when next used."""
        if request.id is None:
            return 0
        noted = 0
        for file in message.files:
            noted += file_store.note_file(
                session,
                team_id=request.team_id,
                request_id=request.id,
                file_id=file.id,
                message_ts=message.ts,
                name=file.name,
                size=file.size,
                now=self.clock(),
            )
        return noted

    # ---- before a model call (on the work pool) ----------------------------------------

    def gather(self, request: Request, *, max_input_tokens: int) -> FileContext:
        """The request's files for one model call: new ones decided (the skipped said in
        the thread, once), used ones read, text fitted to its share of the input cap."""
        with self.db.session() as session:
            rows = file_store.request_files(
                session, team_id=request.team_id, request_id=request.id or 0
            )
        if not rows:
            return FileContext()
        used = [row for row in rows if row.state == file_store.USED]
        used_bytes = sum(row.size or 0 for row in used)
        loaded: list[Attachment] = []
        skipped: list[tuple[str, str]] = []
        lost: list[tuple[str, str]] = []
        new: list[str] = []
        for row in rows:
            if row.state == file_store.USED:
                attachment = self._reread(request, row, lost)
                if attachment is not None:
                    loaded.append(attachment)
            elif row.state == file_store.PENDING:
                outcome = self._decide(request, row, used=len(used), used_bytes=used_bytes)
                if isinstance(outcome, Attachment):
                    loaded.append(outcome)
                    new.append(outcome.name)
                    used.append(row)
                    used_bytes += outcome.size
                elif outcome is not None:
                    skipped.append(outcome)
        fitted = fit_files(loaded, budget=text_budget(max_input_tokens))
        lines = []
        if skipped:
            lines.append(skipped_line(skipped))
        if lost:
            lines.append(lost_line(lost))
        note = fitted.note()
        if note and new:
            lines.append(note)  # said when the files are first read, not on every version
        for line in lines:
            self._say(request, line)
        if (new or skipped) and request.brief and self.refresh_brief is not None:
            self.refresh_brief(request)
        return FileContext(fitted, tuple(new))

    def has_files(self, request: Request) -> bool:
        """True when files were attached in the request's thread and not (yet) refused."""
        with self.db.session() as session:
            rows = file_store.request_files(
                session, team_id=request.team_id, request_id=request.id or 0
            )
        return any(row.state in (file_store.PENDING, file_store.USED) for row in rows)

    # ---- steps ------------------------------------------------------------------------

    def _decide(
        self, request: Request, row: RequestFile, *, used: int, used_bytes: int
    ) -> Attachment | tuple[str, str] | None:
        """Read a file for the first time, or say why not. Returns the attachment, the
        (name, reason) skipped, or None when another worker decided it meanwhile."""
        name = row.name or row.file_id
        try:
            file = self._info(row.file_id)
        except SlackCallFailed as exc:
            gone = GONE.get(exc.error)
            reason = gone or _info_failure(exc.error)
            return self._record(
                row,
                state=file_store.SKIPPED if gone else file_store.FAILED,
                name=name,
                kind="",
                size=row.size,
                reason=reason,
            )
        name = file.name or name
        kind = kind_of(file)
        refused = precheck(file, used=used, used_bytes=used_bytes)
        if refused is None:
            refused = self._access(request, file)
        if refused is not None:
            return self._record(
                row,
                state=file_store.SKIPPED,
                name=name,
                kind=kind.value,
                size=file.size,
                reason=refused,
            )
        try:
            outcome = self.downloads.read(request.team_id, file)
        except FetchFailed as exc:
            return self._record(
                row,
                state=file_store.FAILED,
                name=name,
                kind=kind.value,
                size=file.size,
                reason=exc.reason,
            )
        if isinstance(outcome, Unreadable):
            return self._record(
                row,
                state=file_store.SKIPPED,
                name=name,
                kind=kind.value,
                size=file.size,
                reason=outcome.reason,
            )
        decided = self._store(
            row, state=file_store.USED, name=name, kind=kind.value, size=outcome.size, reason=None
        )
        return outcome if decided else None

    def _reread(
        self, request: Request, row: RequestFile, lost: list[tuple[str, str]]
    ) -> Attachment | None:
        """A file decided earlier, read again for this call (the decision is not remade)."""
        name = row.name or row.file_id
        try:
            # Seconds after the brief call read it, the draft call finds it in the cache.
            file = self.downloads.cached_file(request.team_id, row.file_id) or self._info(
                row.file_id
            )
            outcome = self.downloads.read(request.team_id, file)
        except SlackCallFailed as exc:
            gone = GONE.get(exc.error)
            reason = gone or _info_failure(exc.error)
            if gone is not None:
                # Gone for good: it stays out of later versions, and the brief says so.
                self._store(
                    row,
                    state=file_store.SKIPPED,
                    name=name,
                    kind=row.kind,
                    size=row.size,
                    reason=reason,
                    from_states=(file_store.USED,),
                )
            lost.append((name, reason))
            return None
        except FetchFailed as exc:
            lost.append((name, exc.reason))
            return None
        if isinstance(outcome, Unreadable):
            lost.append((name, outcome.reason))
            return None
        return outcome

    def _info(self, file_id: str) -> SlackFile:
        """files.info: fresh details, and where the file is shared now."""
        file = parse_file(self.slack.file_info(file_id))
        if file is None:
            raise SlackCallFailed("files.info", "file_not_found")
        return file

    def _access(self, request: Request, file: SlackFile) -> str | None:
        """None when the requester can see a conversation the file is shared in; else why
        the file may not be used (a file never crosses into a thread from where they can't see)."""
        if request.channel_type == "im" and request.channel_id in file.conversations:
            return None  # the requester's own DM with Baton: they are in it by definition
        places = sorted(file.conversations, key=lambda c: c != request.channel_id)
        listed = False
        for conversation in places[:MAX_MEMBERSHIP_CHECKS]:
            members = self.members.members(conversation)
            listed = listed or bool(members)
            if request.requester_id in members:
                return None
        # Every real conversation has members (Baton, at least, where it can look): an empty
        # answer everywhere means Slack would not say, not that nobody is there.
        return NO_ACCESS if listed or not places else NO_MEMBERS

    def _record(self, row: RequestFile, **decision: Any) -> tuple[str, str] | None:
        """Store a skip; the (name, reason) to say, unless another worker decided first."""
        if not self._store(row, **decision):
            return None
        return (decision["name"], decision["reason"])

    def _store(
        self,
        row: RequestFile,
        *,
        state: str,
        name: str,
        kind: str,
        size: int | None,
        reason: str | None,
        from_states: Sequence[str] = (file_store.PENDING,),
    ) -> bool:
        with self.db.session() as session:
            decided = file_store.decide(
                session,
                team_id=row.team_id,
                row_id=row.id or 0,
                state=state,
                name=name,
                kind=kind,
                size=size,
                reason=reason,
                now=self.clock(),
                from_states=from_states,
            )
        if decided:
            logger.info("file %s of request %s: %s", row.file_id, row.request_id, state)
        return decided

    def _say(self, request: Request, line: str) -> None:
        try:
            self.slack.post(
                channel=request.channel_id,
                thread_ts=request.thread_ts,
                blocks=notice_blocks(line),
                text=line,
            )
        except SlackCallFailed as exc:
            logger.warning("could not say which files were skipped: %s", exc.error)


def files_context(session: Session, request: Request) -> list[dict[str, Any]]:
    """The brief's Context line: files used, and files skipped with why."""
    rows = file_store.request_files(session, team_id=request.team_id, request_id=request.id or 0)
    used = [row.name or row.file_id for row in rows if row.state == file_store.USED]
    skipped = [
        (row.name or row.file_id, row.reason or "skipped")
        for row in rows
        if row.state in (file_store.SKIPPED, file_store.FAILED)
    ]
    return context_blocks(used, skipped)


def _info_failure(error: str) -> str:
    """Why files.info did not help, for the person."""
    return INFO_ERRORS.get(error, f"Slack would not give me its details ({error})")
