"""Records the fake keeps and hands out: Web API calls, stored messages, event deliveries."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

_ts_lock = threading.Lock()
_last_ts_us = 0


class RequestHeaders(Protocol):
    """A request's headers as the fake reads them: http.server gives an email Message (its get
    ignores case), tests give plain dicts; both have this."""

    def get(self, name: str, /) -> str | None: ...


def next_ts() -> str:
    """A Slack-style ts ("1764046800.000100"): wall-clock based, strictly increasing, unique.

    Process-wide rather than per fake, so two fakes in one test run never hand out the same
    ts (Baton may key persisted state on it).
    """
    global _last_ts_us
    with _ts_lock:
        _last_ts_us = max(time.time_ns() // 1_000, _last_ts_us + 1)
        seconds, micros = divmod(_last_ts_us, 1_000_000)
    return f"{seconds}.{micros:06d}"


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for ts strings; floats would lose the microseconds at this magnitude."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int(fraction.ljust(6, "0")[:6] or 0)


_ids = itertools.count(1)


def next_id() -> int:
    """Process-wide counter for event ids, trigger ids, view ids."""
    return next(_ids)


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake saw it."""

    method: str
    params: dict[str, Any]
    token: str | None
    response: dict[str, Any]
    status: int
    at: float
    team_id: str | None = None  # the workspace whose bot token made the call

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass
class Message:
    """A message stored in a conversation. ``to_dict`` gives the shape Slack's API returns."""

    channel: str
    ts: str
    user: str | None
    text: str = ""
    bot_id: str | None = None
    app_id: str | None = None
    team: str | None = None
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: bool = False
    edited_ts: str | None = None
    subtype: str | None = None
    files: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    client_msg_id: str | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    streaming: bool = False
    # Arguments Slack accepts but that do not change what is stored (unfurl_links, ...).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def is_top_level(self) -> bool:
        return not self.is_reply or self.subtype == "thread_broadcast"

    def to_dict(self, *, include_metadata: bool = True) -> dict[str, Any]:
        """The message as conversations.history / events show it."""
        out: dict[str, Any] = {"type": "message"}
        if self.subtype:
            out["subtype"] = self.subtype
        if self.user:
            out["user"] = self.user
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.app_id:
            out["app_id"] = self.app_id
        out["text"] = self.text
        out["ts"] = self.ts
        if self.team:
            out["team"] = self.team
        if self.client_msg_id:
            out["client_msg_id"] = self.client_msg_id
        if self.blocks is not None:
            out["blocks"] = json.loads(json.dumps(self.blocks))
        if self.attachments:
            out["attachments"] = json.loads(json.dumps(self.attachments))
        if self.files:
            out["files"] = json.loads(json.dumps(self.files))
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.is_reply and self.parent_user_id:
            out["parent_user_id"] = self.parent_user_id
        if self.reply_count:
            out["reply_count"] = self.reply_count
            out["reply_users_count"] = len(self.reply_users)
            out["reply_users"] = list(self.reply_users)
            out["latest_reply"] = self.latest_reply
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.reactions:
            out["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.metadata is not None and include_metadata:
            out["metadata"] = json.loads(json.dumps(self.metadata))
        return out


@dataclass
class Delivery:
    """One POST the fake made to ``events_url``, or one Socket Mode envelope.

    ``kind`` is "event", "command", "block_actions", "view_submission" or "raw"; ``body`` the
    exact bytes sent, ``payload`` the same decoded (envelope, form dict or interaction payload);
    ``headers`` what was sent; ``status``/``response_body`` how the app answered (``status`` is
    None when it did not answer within the ack timeout or the connection failed: see
    ``timed_out`` and ``error``).

    Over Socket Mode, ``envelope_id`` is set, ``body`` is the whole socket message, ``payload``
    is what HTTP would carry, ``headers`` is empty, and an ack counts as a 200 whose
    ``response_body`` is the JSON of the ack's ``payload`` (empty without one).
    """

    kind: str
    body: bytes
    status: int | None = None
    response_body: str = ""
    seconds: float = 0.0
    # time.monotonic() when the POST (or the socket envelope) went out; 0 until then.
    sent_at: float = 0.0
    timed_out: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    error: str | None = None
    envelope_id: str | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Answered with 2xx within the ack timeout, which is all Slack counts as success."""
        return self.status is not None and 200 <= self.status < 300 and not self.timed_out

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the POST has completed (for deliveries queued with wait=False)."""
        return self._done.wait(timeout)

    def json(self) -> Any:
        """The receiver's answer parsed as JSON; None when it answered with an empty body."""
        return json.loads(self.response_body) if self.response_body.strip() else None

    @property
    def event_id(self) -> str | None:
        return self.payload.get("event_id") if isinstance(self.payload, dict) else None

    @property
    def event(self) -> dict[str, Any] | None:
        """The event inside an Events API envelope."""
        return self.payload.get("event") if isinstance(self.payload, dict) else None
