"""Slack Web API calls Baton makes, with retries, limits and errors turned into plain outcomes."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.domain.render import Block, fallback_text

logger = logging.getLogger(__name__)

# Errors where trying the same call again cannot help.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "msg_too_long",
    "invalid_blocks",
    "message_not_found",
    "cant_update_message",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "restricted_action",
    "no_text",
    "not_installed",
}


class SlackCallFailed(Exception):
    """A Slack call failed after retries; `error` is Slack's error code."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error

    @property
    def permanent(self) -> bool:
        """True when retrying the same call cannot succeed."""
        return self.error in PERMANENT_ERRORS


# Seconds one attempt may wait to connect, and then for each read of the answer (slack_sdk
# hands it to urllib as the socket timeout).
SLACK_TIMEOUT = 10
# The longest Retry-After a call waits out. Slack's rate windows are a minute; a longer wait
# would pin a worker, so the call fails as "ratelimited" instead and its caller decides.
MAX_RETRY_AFTER = 60


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After, unless Slack asks for more than `max_wait` seconds."""

    def __init__(self, *, max_retry_count: int, max_wait: float = MAX_RETRY_AFTER) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return _retry_after(response) <= self.max_wait


def _retry_after(response: HttpResponse | None) -> float:
    """Seconds Slack asked us to wait: 0 if it did not say, infinite if slack_sdk can't read it."""
    for name, values in (response.headers if response is not None else {}).items():
        if name.lower() == "retry-after" and values:
            try:
                return int(values[0])  # as slack_sdk's handler reads it
            except ValueError:
                return math.inf
    return 0


# slack_sdk checks its logger's own level before logging bodies: this one never does.
_QUIET_HTTP_LOG = logging.getLogger("bot.adapters.slack_io.oauth_http")
_QUIET_HTTP_LOG.setLevel(logging.INFO)


def make_web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = SLACK_TIMEOUT,
    retry_interval: RetryIntervalCalculator = default_interval_calculator,
    log_bodies: bool = True,
) -> WebClient:
    """A WebClient with a timeout per attempt that retries connection errors, 5xx and 429.

    slack_sdk counts retries per call across all handlers, so a call makes at most four
    attempts. Waits between them follow `retry_interval` (0.5 s doubling, plus up to 1 s of
    jitter), except after a 429, which waits Retry-After (up to MAX_RETRY_AFTER) plus jitter.
    Without `log_bodies`, slack_sdk's DEBUG lines with request and response bodies are off:
    for oauth.v2.access, those bodies are tokens.
    """
    client = WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        logger=None if log_bodies else _QUIET_HTTP_LOG,
    )
    # slack_sdk retries only connection errors by default; rate limits and 5xx need handlers.
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
        BoundedRateLimitRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
    ]
    return client


class UpdateBudget:
    """Per-workspace token bucket for chat.update (Slack tier 3: about 50 a minute).

    Streaming drafts share it: when many are in flight each one updates less often and
    sends larger pieces. Final updates always go out (they may overdraw the bucket), so
    no text is ever lost to the budget.
    """

    def __init__(
        self,
        *,
        per_minute: float = 45.0,
        burst: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}

    def _refill(self, team_id: str) -> float:
        now = self._clock()
        tokens = self._tokens.get(team_id, self._burst)
        elapsed = now - self._stamp.get(team_id, now)
        tokens = min(self._burst, tokens + elapsed * self._rate)
        self._stamp[team_id] = now
        self._tokens[team_id] = tokens
        return tokens

    def try_take(self, team_id: str) -> bool:
        """Take one update if the workspace can spare it now."""
        with self._lock:
            if self._refill(team_id) >= 1.0:
                self._tokens[team_id] -= 1.0
                return True
            return False

    def take_anyway(self, team_id: str) -> None:
        """Record an update that must happen (a final one), overdrawing if need be."""
        with self._lock:
            self._refill(team_id)
            self._tokens[team_id] -= 1.0


class WorkspaceUnknown(RuntimeError):
    """A Slack call with no workspace in context where tokens differ per workspace: a bug in
    how the work was started. Raised rather than guessing, since a wrong guess would speak in
    another workspace with its token."""


class WorkspaceUnavailable(Exception):
    """The workspace has no usable token (uninstalled, or its token could not be refreshed);
    `error` says which, and SlackIO reports it as a failed call."""

    def __init__(self, error: str, team_id: str | None) -> None:
        super().__init__(f"{error} (team {team_id})")
        self.error = error
        self.team_id = team_id


class Workspaces(Protocol):
    """Where SlackIO gets the client, and Baton's own user, for the workspace at hand."""

    def client(self) -> WebClient:
        """A client holding the current workspace's bot token."""
        ...

    def bot_user_id(self) -> str | None:
        """Baton's user id in the current workspace, if known."""
        ...

    def team_url(self) -> str | None:
        """The current workspace's URL (https://name.slack.com/), if known."""
        ...


class OneWorkspace:
    """Single-workspace mode: one bot token from the environment, whatever the team."""

    def __init__(
        self, client: WebClient, *, bot_user_id: str | None = None, team_url: str | None = None
    ) -> None:
        self._client = client
        self._bot_user_id = bot_user_id
        self._team_url = team_url

    def client(self) -> WebClient:
        """The one client."""
        return self._client

    def bot_user_id(self) -> str | None:
        """Baton's user id, from auth.test at startup."""
        return self._bot_user_id

    def team_url(self) -> str | None:
        """The workspace URL, from auth.test at startup."""
        return self._team_url


class SlackIO:
    """The Slack calls Baton makes, each with the bot token of the workspace at hand."""

    def __init__(self, workspaces: WebClient | Workspaces) -> None:
        self.workspaces: Workspaces = (
            OneWorkspace(workspaces) if isinstance(workspaces, WebClient) else workspaces
        )
        self.calls = 0  # counted for benchmarks and logs
        self._lock = threading.Lock()

    @property
    def client(self) -> WebClient:
        """The client for the workspace at hand (raises WorkspaceUnknown without one)."""
        return self.workspaces.client()

    @property
    def bot_user_id(self) -> str | None:
        """Baton's own user id in the workspace at hand (None if it cannot be known now)."""
        try:
            return self.workspaces.bot_user_id()
        except WorkspaceUnavailable:
            return None

    @property
    def team_url(self) -> str | None:
        """The workspace at hand's URL, for links (None if unknown)."""
        try:
            return self.workspaces.team_url()
        except WorkspaceUnavailable:
            return None

    def _call(self, method: str, fn: Callable[[WebClient], Any]) -> Any:
        with self._lock:
            self.calls += 1
        try:
            # Outside the handlers below: a missing workspace or a database error is not a
            # failed Slack call, and must reach the caller as what it is.
            client = self.workspaces.client()
        except WorkspaceUnavailable as exc:
            logger.warning("Slack %s not made: %s", method, exc.error)
            raise SlackCallFailed(method, exc.error) from None
        try:
            return fn(client)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error")) if exc.response else "unknown"
            logger.warning("Slack %s failed: %s", method, error)
            raise SlackCallFailed(method, error) from None
        except Exception as exc:
            # Connection errors after slack_sdk's own retries.
            logger.warning("Slack %s failed: %s", method, type(exc).__name__)
            raise SlackCallFailed(method, f"connection_error:{type(exc).__name__}") from None

    def post(
        self,
        *,
        channel: str,
        thread_ts: str | None,
        blocks: list[Block],
        text: str,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post a message (in a thread when thread_ts is given); returns its ts. `metadata`
        (Slack message metadata) lets Baton find the message again without its ts."""
        extra = {"metadata": metadata} if metadata is not None else {}
        response = self._call(
            "chat.postMessage",
            lambda client: client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                blocks=blocks,
                text=fallback_text(text),
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            ),
        )
        return str(response["ts"])

    def thread_metadata(self, *, channel: str, thread_ts: str) -> list[tuple[str, dict[str, Any]]]:
        """(ts, metadata) of each message in a thread that carries message metadata."""
        found: list[tuple[str, dict[str, Any]]] = []
        cursor: str | None = None
        while True:
            page = self._call(
                "conversations.replies",
                lambda client, c=cursor: client.conversations_replies(
                    channel=channel, ts=thread_ts, cursor=c, limit=200, include_all_metadata=True
                ),
            )
            for message in page.get("messages") or []:
                if isinstance(message.get("metadata"), dict):
                    found.append((str(message.get("ts")), message["metadata"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found

    def post_ephemeral(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        thread_ts: str | None = None,
        blocks: list[Block] | None = None,
    ) -> None:
        """Show `text` (or `blocks`, with `text` as their fallback) to one person in a
        conversation; no one else sees it."""
        self._call(
            "chat.postEphemeral",
            lambda client: client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=fallback_text(text),
                thread_ts=thread_ts,
                blocks=blocks,
            ),
        )

    def update(self, *, channel: str, ts: str, blocks: list[Block], text: str) -> None:
        """Replace a message Baton posted."""
        self._call(
            "chat.update",
            lambda client: client.chat_update(
                channel=channel, ts=ts, blocks=blocks, text=fallback_text(text)
            ),
        )

    def open_view(self, *, trigger_id: str, view: dict[str, Any]) -> str:
        """Open a modal; returns its view id."""
        response = self._call(
            "views.open", lambda client: client.views_open(trigger_id=trigger_id, view=view)
        )
        return str(response["view"]["id"])

    def publish_home(self, *, user_id: str, view: dict[str, Any]) -> None:
        """Show a person their Home tab."""
        self._call("views.publish", lambda client: client.views_publish(user_id=user_id, view=view))

    def user_timezone(self, user_id: str) -> str | None:
        """The person's time zone as Slack knows it (IANA name), if any."""
        response = self._call("users.info", lambda client: client.users_info(user=user_id))
        tz = (response.get("user") or {}).get("tz")
        return str(tz) if tz else None

    def assistant_status(self, *, channel: str, thread_ts: str, status: str) -> None:
        """Show a thinking status in an assistant thread (cleared by Baton's next reply)."""
        self._call(
            "assistant.threads.setStatus",
            lambda client: client.assistant_threads_setStatus(
                channel_id=channel, thread_ts=thread_ts, status=status
            ),
        )

    def assistant_title(self, *, channel: str, thread_ts: str, title: str) -> None:
        """Name an assistant thread."""
        self._call(
            "assistant.threads.setTitle",
            lambda client: client.assistant_threads_setTitle(
                channel_id=channel, thread_ts=thread_ts, title=title
            ),
        )

    def assistant_prompts(
        self, *, channel: str, thread_ts: str, prompts: list[dict[str, str]]
    ) -> None:
        """Offer suggested prompts at the start of an assistant thread."""
        self._call(
            "assistant.threads.setSuggestedPrompts",
            lambda client: client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                thread_ts=thread_ts,
                prompts=prompts,
                title="Common briefs",
            ),
        )

    def conversation_members(self, channel: str) -> list[str]:
        """Everyone in a conversation (all pages)."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            page = self._call(
                "conversations.members",
                lambda client, c=cursor: client.conversations_members(
                    channel=channel, cursor=c, limit=1000
                ),
            )
            members.extend(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    def file_info(self, file_id: str) -> dict[str, Any]:
        """A file's details as Slack has them now: name, type, size, download URL, and the
        conversations it is shared in (needs the files:read scope)."""
        response = self._call("files.info", lambda client: client.files_info(file=file_id))
        file = response.get("file")
        return file if isinstance(file, dict) else {}
