"""Slack Web API calls Baton makes, with errors turned into plain outcomes (the client and its
retry policy: bot/adapters/slack_client.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

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

    def _call(self, method: str, fn: Callable[[WebClient], SlackResponse]) -> SlackResponse:
        self._count()
        try:
            # Outside the handlers below: a missing workspace or a database error is not a
            # failed Slack call, and must reach the caller as what it is.
            client = self.workspaces.client()
        except WorkspaceUnavailable as exc:
            logger.warning("Slack %s not made: %s", method, exc.error)
            raise SlackCallFailed(method, exc.error) from None
        with _failures_as_outcomes(method):
            return fn(client)

    def _pages(
        self, method: str, fn: Callable[[WebClient], SlackResponse]
    ) -> Iterator[SlackResponse]:
        """Each page of a cursor-paginated call, in turn: slack_sdk follows next_cursor (one
        response object, refilled per page); every page is a call, counted and failed alike."""
        pages = iter(self._call(method, fn))
        yield next(pages)  # the first page, fetched above
        while True:
            with _failures_as_outcomes(method):
                page = next(pages, None)
            if page is None:
                return
            self._count()
            yield page

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

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
        response = self._call(
            "chat.postMessage",
            lambda client: client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                blocks=blocks,
                text=fallback_text(text),
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,  # slack_sdk leaves out arguments that are None
            ),
        )
        return str(response["ts"])

    def thread_metadata(self, *, channel: str, thread_ts: str) -> list[tuple[str, dict[str, Any]]]:
        """(ts, metadata) of each message in a thread that carries message metadata."""
        found: list[tuple[str, dict[str, Any]]] = []
        for page in self._pages(
            "conversations.replies",
            lambda client: client.conversations_replies(
                channel=channel, ts=thread_ts, limit=200, include_all_metadata=True
            ),
        ):
            for message in page.get("messages") or []:
                if isinstance(message.get("metadata"), dict):
                    found.append((str(message.get("ts")), message["metadata"]))
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
        for page in self._pages(
            "conversations.members",
            lambda client: client.conversations_members(channel=channel, limit=1000),
        ):
            members.extend(page.get("members") or [])
        return members

    def file_info(self, file_id: str) -> dict[str, Any]:
        """A file's details as Slack has them now: name, type, size, download URL, and the
        conversations it is shared in (needs the files:read scope)."""
        response = self._call("files.info", lambda client: client.files_info(file=file_id))
        file = response.get("file")
        return file if isinstance(file, dict) else {}


@contextmanager
def _failures_as_outcomes(method: str) -> Iterator[None]:
    """Slack's refusals, and connection errors after slack_sdk's own retries, as SlackCallFailed."""
    try:
        yield
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error")) if exc.response else "unknown"
        logger.warning("Slack %s failed: %s", method, error)
        raise SlackCallFailed(method, error) from None
    except Exception as exc:
        logger.warning("Slack %s failed: %s", method, type(exc).__name__)
        raise SlackCallFailed(method, f"connection_error:{type(exc).__name__}") from None
