"""A request's thread in Slack: the "reading your request" placeholder and the brief message
that replaces it, quiet notes, failures (with the request's state that goes with them), the
assistant view's status, and what to do when Slack will not take Baton's posts at all."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.limits import Refusal
from bot.domain.render import failure_blocks, notice_blocks, working_blocks
from bot.domain.states import RequestState
from bot.usecases.deps import Deps
from storage import requests as request_store
from storage.models import Request

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyPlan:
    """What a reply in a Baton thread leads to: a job to run (None: nothing to write yet)
    and what to show in Slack after the reply's transaction."""

    kind: str | None
    args: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], None] | None = None


@dataclass
class Thread:
    """Posting and showing in a request's thread."""

    deps: Deps
    # Requests whose "reading your request" line is being posted right now.
    _placeholders: dict[int, threading.Event] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    # ---- the placeholder and the brief message --------------------------------------------

    def start(self, request: Request, begin: Callable[[], None]) -> None:
        """Post the placeholder while `begin` starts the work beside it; the brief message
        waits for the placeholder, so it replaces it rather than racing it."""
        request_id = request.id
        assert request_id is not None
        posted = threading.Event()
        with self._lock:
            self._placeholders[request_id] = posted
        begin()
        try:
            self._post_placeholder(request)
        finally:
            posted.set()

    def settle(self, request_id: int) -> None:
        """Forget the request's placeholder once it is posted (nothing left to wait for)."""
        with self._lock:
            posted = self._placeholders.get(request_id)
            if posted is not None and posted.is_set():
                del self._placeholders[request_id]

    def _post_placeholder(self, request: Request) -> None:
        try:
            ts = self.deps.slack.post(
                channel=request.channel_id,
                thread_ts=request.thread_ts,
                blocks=working_blocks(),
                text="Reading your request…",
            )
        except SlackCallFailed as exc:
            logger.warning(
                "could not post the placeholder for request %s: %s", request.id, exc.error
            )
            return
        with self.deps.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, brief_ts=ts)
        request.brief_ts = ts

    def show(self, request: Request, blocks: list[dict[str, Any]]) -> None:
        """Show `blocks` as the request's brief message (post it if the placeholder failed)."""
        with self._lock:
            placeholder = self._placeholders.pop(request.id or 0, None)
        if placeholder is not None:
            placeholder.wait(timeout=30)
        text = _plain(blocks)
        with self.deps.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            brief_ts = stored.brief_ts if stored is not None else None
        if brief_ts:
            self.deps.slack.update(
                channel=request.channel_id, ts=brief_ts, blocks=blocks, text=text
            )
            return
        ts = self.deps.slack.post(
            channel=request.channel_id, thread_ts=request.thread_ts, blocks=blocks, text=text
        )
        with self.deps.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, brief_ts=ts)

    def show_quietly(self, request: Request, blocks: list[dict[str, Any]]) -> None:
        """`show`, logging (not raising) when Slack refuses."""
        try:
            self.show(request, blocks)
        except SlackCallFailed as exc:
            logger.warning("could not show the brief of request %s: %s", request.id, exc.error)

    # ---- notes, states and failures -----------------------------------------------------

    def post_quietly(self, channel: str, thread_ts: str, text: str) -> None:
        """A notice in the thread; logged, not raised, when Slack refuses."""
        try:
            self.deps.slack.post(
                channel=channel, thread_ts=thread_ts, blocks=notice_blocks(text), text=text
            )
        except SlackCallFailed as exc:
            logger.warning("could not post in thread: %s", exc.error)

    def refuse_revision(self, channel_id: str, thread_ts: str, refusal: Refusal) -> None:
        """Say a revision waits: the person is over a usage limit."""
        self.post_quietly(
            channel_id, thread_ts, f"{refusal.message} Ask again then and I'll revise the draft."
        )

    def set_state(self, request: Request, state: str, *, error: str | None = None) -> None:
        """Store where the request stands (and why it failed, if it did)."""
        with self.deps.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, state=state, error=error)

    def fail(self, request: Request, message: str, *, state: str = RequestState.FAILED) -> None:
        """Keep the request in `state` and say what failed, with a Retry button."""
        self.set_state(request, state, error=message[:500])
        self.deps.slack.post(
            channel=request.channel_id,
            thread_ts=request.thread_ts,
            blocks=failure_blocks(message + " Your request is saved.", request_id=request.id or 0),
            text=message,
        )

    def give_up_on_slack(self, team_id: str, request_id: int, exc: SlackCallFailed) -> None:
        """Slack would not take Baton's posts in the request's conversation: keep the request
        as failed and tell the requester directly, since the thread is out of reach."""
        logger.warning("request %s stopped: Slack %s said %s", request_id, exc.method, exc.error)
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is not None:
                request_store.update_request(
                    session, request=request, state=RequestState.FAILED, error=f"slack: {exc.error}"
                )
        if request is None or request.channel_type == "im":
            return  # the DM itself refused: there is nowhere else to say it
        text = slack_refusal_message(request.channel_id, exc.error)
        try:
            self.deps.slack.post(
                channel=request.requester_id,
                thread_ts=None,
                blocks=notice_blocks(text),
                text=text,
            )
        except SlackCallFailed as dm_exc:
            logger.warning("could not tell the requester by DM either: %s", dm_exc.error)

    # ---- the assistant view ------------------------------------------------------------

    def assistant(
        self, request: Request, *, status: str | None = None, title: str | None = None
    ) -> None:
        """Status and title in an assistant thread (a DM thread); elsewhere nothing."""
        if request.channel_type != "im" or request.thread_ts == request.message_ts:
            return
        slack = self.deps.slack
        try:
            if title:
                slack.assistant_title(
                    channel=request.channel_id, thread_ts=request.thread_ts, title=title[:250]
                )
            if status:
                slack.assistant_status(
                    channel=request.channel_id, thread_ts=request.thread_ts, status=status
                )
        except SlackCallFailed as exc:
            logger.debug("not an assistant thread, or no access: %s", exc.error)


def slack_refusal_message(channel_id: str, error: str) -> str:
    """What to tell a requester whose thread Baton can no longer post in."""
    where = f"<#{channel_id}>"
    if error == "is_archived":
        reason = f"{where} was archived"
    elif error in ("not_in_channel", "channel_not_found"):
        reason = f"I'm no longer in {where}"
    elif error == "ratelimited" or error.startswith("connection_error"):
        reason = f"Slack was not taking my messages in {where} just now"
    else:
        reason = f"Slack refused my message in {where} (`{error}`); that is a bug on my side"
    return (
        f":warning: I stopped working on your request because {reason}. It is saved; ask me "
        "again in a channel I'm in (or here), and I'll pick it up."
    )


def _plain(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            return str(text["text"])
    return "Baton"
