"""FakeSlack: one Slack workspace on real HTTP, for tests, benchmarks and the sandbox.

The real ``slack_sdk.WebClient(base_url=fake.api_url)`` talks to it unchanged, and it delivers
signed Events API / slash command / interactivity requests to ``events_url`` the way Slack does:
one ordered queue for what people do, a 3-second ack timeout, retries only when asked for.
With ``socket_mode`` on, the same deliveries go as Socket Mode envelopes over a WebSocket the
app opened through ``apps.connections.open`` (see ``_socket``). The same HTTP server also serves
a small Slack-like page at ``/`` for trying the app in a browser (see ``_ui``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import queue
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox._polling import wait_for
from sandbox.slack._blocks import (
    MESSAGE_BLOCK_LIMIT,
    find_button,
    find_element,
    validate_blocks,
)
from sandbox.slack._files import FileStore
from sandbox.slack._http import Server, parse_params, pop_token, post
from sandbox.slack._models import Call, Delivery, Message, RequestHeaders, next_id, next_ts
from sandbox.slack._oauth import OAUTH_METHOD, OAuthApps
from sandbox.slack._socket import SocketMode, SocketServer
from sandbox.slack._ui import SlackUi
from sandbox.slack._web_api import ApiError, Channel, WebApi, truthy, with_block_ids

T = TypeVar("T")

# The one Web API method that takes the app-level (xapp-) token instead of the bot token.
APP_TOKEN_METHOD = "apps.connections.open"
_METHOD = re.compile(r"[A-Za-z]+(?:\.[A-Za-z0-9]+)+")  # oauth.v2.access has a digit
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_TZ_LABELS = {
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "UTC": "Coordinated Universal Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
}


@dataclass
class _Fault:
    error: str
    status: int
    retry_after: int


@dataclass
class _Job:
    """How to send one Delivery: signed like Slack unless a test wants otherwise."""

    delivery: Delivery
    content_type: str = "application/json"
    extra_headers: dict[str, str] = field(default_factory=dict)
    sign: bool = True
    signature: str | None = None
    timestamp: int | None = None
    raw_headers: Mapping[str, str] | None = None  # post_raw: send exactly these


def _tz_info(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    offset = now.utcoffset()
    name = now.tzname() or tz
    return _TZ_LABELS.get(name, name), int(offset.total_seconds()) if offset else 0


def _rich_text(text: str) -> list[dict[str, Any]] | None:
    """The rich_text block Slack clients attach to what a person types."""
    if not text:
        return None
    elements: list[dict[str, Any]] = []
    position = 0
    for match in _MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": elements}],
        }
    ]


class FakeSlack(WebApi, SocketMode, OAuthApps, FileStore):
    """A Slack workspace with one app (Baton) installed. Thread-safe; use as a context manager.

    ``socket_mode`` (settable at any time) sends deliveries over Socket Mode instead of POSTing
    them to ``events_url``; ``app_token`` is the app-level token apps.connections.open wants.
    ``host``/``port`` choose where the HTTP server (Web API and browser UI) listens: a free port
    on 127.0.0.1 unless told otherwise (the sandbox binds 3000).

    More workspaces install the app through OAuth (``_oauth``): ``browse_install``, then each
    gets a bot token of its own, checked on every Web API call (``Call.team_id`` records whose
    token made it); ``client_id``/``client_secret`` are the app's credentials.
    """

    api_app_id = "A0001"
    verification_token = "verif"
    team_name = "Baton Test"
    team_domain = "baton-test"

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBATON",
        bot_id: str = "BBATON",
        bot_token: str = "xoxb-test-token",
        signing_secret: str = "test-signing-secret",
        events_url: str | None = None,
        echo_bot_messages: bool = True,
        ack_timeout: float = 3.0,
        app_token: str = "xapp-test-token",
        socket_mode: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = "1111111111.2222222222",
        client_secret: str = "test-client-secret",
    ) -> None:
        self.team_id = team_id
        self._init_oauth(client_id=client_id, client_secret=client_secret)
        self._init_files()
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.events_url = events_url
        # Several replicas behind a load balancer: deliveries go to each in turn (round robin),
        # so a retry of an event usually reaches a different replica than the original.
        self.events_urls: list[str] = []
        self._next_receiver = 0
        self.echo_bot_messages = echo_bot_messages
        self.ack_timeout = ack_timeout
        self.app_token = app_token
        self.socket_mode = socket_mode
        self.trigger_ttl = 3.0  # seconds a trigger_id stays exchangeable, as on Slack
        # Per thread: the workspace that deliveries come from while `as_team` is in force.
        self._acting = threading.local()
        self._bind = (host, port)

        self._lock = threading.RLock()
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, Channel] = {}
        self._dms: dict[str, str] = {}
        self._calls: list[Call] = []
        self._deliveries: list[Delivery] = []
        self._ephemerals: list[dict[str, Any]] = []
        self._responses: list[dict[str, Any]] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._triggers: dict[str, dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._view_users: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._home: dict[str, str] = {}
        self._assistant: dict[tuple[str, str], dict[str, Any]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._limits: dict[str, int] = {}
        self._windows: dict[str, deque[float]] = {}
        self._latency: dict[str, float] = {}
        self._reply_latency: dict[str, float] = {}

        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._server: Server | None = None
        self._socket: SocketServer | None = None
        self._threads: list[threading.Thread] = []
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        # Never route deliveries through an HTTP proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._ui = SlackUi(self)

        self.add_user(bot_user_id, name="baton", real_name="Baton", is_bot=True)

    # -------------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        """Serve HTTP on ``host:port`` (default: a free port on 127.0.0.1), Socket Mode on a free
        port, and start the delivery queue."""
        if self._server is not None:
            raise RuntimeError("FakeSlack is already started")
        self._stopping.clear()
        self._server = Server(self, *self._bind)
        self._socket = SocketServer(app_id=self.api_app_id).start()
        port = self._server.server_address[1]
        self._worker = threading.Thread(
            target=self._deliver_loop, name=f"FakeSlack-events-{port}", daemon=True
        )
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeSlack-http-{port}",
                daemon=True,
            ),
            self._worker,
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Shut the servers and the delivery thread down; queued deliveries are dropped."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        if self._socket is not None:
            # First, so a delivery waiting for an ack or a connection is released at once.
            self._socket.stop()
        server.shutdown()
        server.server_close()  # joins in-flight request threads
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=self.ack_timeout + 5)
        self._ui.join(timeout=self.ack_timeout + 5)
        self._server = None
        self._socket = None
        self._threads = []
        self._worker = None

    def __enter__(self) -> FakeSlack:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``"""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        if not isinstance(host, str):  # typeshed allows bytes; an AF_INET server's is a str
            host = bytes(host).decode()
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"  # bound to every interface: loopback reaches it
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Web API base URL, with the trailing slash slack_sdk expects of ``base_url``."""
        return f"{self.url}/api/"

    # ------------------------------------------------------------- workspace setup

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/London",
        tz_offset: int | None = None,
        is_bot: bool = False,
    ) -> None:
        """Add (or replace) a member of the workspace."""
        real_name = real_name or name
        label, offset = _tz_info(tz)
        profile: dict[str, Any] = {
            "display_name": name,
            "display_name_normalized": name,
            "real_name": real_name,
            "real_name_normalized": real_name,
            "team": self.team_id,
        }
        if user_id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "deleted": False,
                "real_name": real_name,
                "tz": tz,
                "tz_label": label,
                "tz_offset": offset if tz_offset is None else tz_offset,
                "is_bot": is_bot,
                "is_app_user": False,
                "updated": int(time.time()),
                "profile": profile,
            }

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        members: Iterable[str] = (),
        bot_member: bool = True,
    ) -> None:
        """Add a channel (or redefine one, keeping its messages). The bot joins unless told not."""
        members = list(members)
        with self._lock:
            unknown = [u for u in members if u not in self._users]
            if unknown:
                raise LookupError(f"add_user() first: unknown members {unknown}")
            listed = ([self.bot_user_id] if bot_member else []) + members
            existing = self._channels.get(channel_id)
            self._channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                is_private=is_private,
                members=list(dict.fromkeys(listed)),
                messages=existing.messages if existing else {},
            )

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel: it keeps its messages, and posting in it fails with is_archived."""
        with self._lock:
            self._known_channel(channel_id).is_archived = True

    def open_dm(self, user_id: str) -> str:
        """The id of the bot's DM with ``user_id`` (created on first use)."""
        with self._lock:
            self._known_user(user_id)
            return self._open_dm_locked(user_id)[0]

    def _open_dm_locked(self, user_id: str) -> tuple[str, bool]:
        if user_id in self._dms:
            return self._dms[user_id], True
        n = len(self._dms) + 1
        while f"D{n:07d}" in self._channels:
            n += 1
        channel_id = f"D{n:07d}"
        self._channels[channel_id] = Channel(
            id=channel_id,
            name=user_id,
            is_im=True,
            user=user_id,
            members=[self.bot_user_id, user_id],
        )
        self._dms[user_id] = channel_id
        return channel_id, False

    @contextmanager
    def as_team(self, team_id: str) -> Iterator[FakeSlack]:
        """Deliver what people do on this thread, inside the block, as from workspace
        ``team_id``: event envelopes, messages, slash commands, button clicks and view
        submissions carry it, as Slack does for Enterprise Grid or shared channels. The people,
        channels and Web API stay this workspace's, so the same ids meet in both."""
        previous = getattr(self._acting, "team_id", None)
        self._acting.team_id = team_id
        try:
            yield self
        finally:
            self._acting.team_id = previous

    def _sending_team(self) -> str:
        """The workspace a delivery built now comes from (``as_team``, else this one)."""
        return getattr(self._acting, "team_id", None) or self.team_id

    def _known_user(self, user_id: str) -> dict[str, Any]:
        if user_id not in self._users:
            raise LookupError(f"unknown user {user_id!r}: add_user() first")
        return self._users[user_id]

    def _known_channel(self, channel_id: str) -> Channel:
        if channel_id not in self._channels:
            raise LookupError(f"unknown channel {channel_id!r}: add_channel() or open_dm() first")
        return self._channels[channel_id]

    def _known_message(self, channel_id: str, ts: str) -> tuple[Channel, Message]:
        ch = self._known_channel(channel_id)
        if ts not in ch.messages:
            raise LookupError(f"no message {ts} in {channel_id}")
        return ch, ch.messages[ts]

    # ------------------------------------------------------- people driving Baton

    def post_user_message(
        self,
        user: str,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: list[dict[str, Any]] | None = None,
        share_files: bool = True,
        wait: bool = True,
    ) -> str:
        """A person posts; Baton gets ``message`` (and ``app_mention`` if mentioned). Returns ts.
        ``files`` (from ``upload_file``) go with it as a ``file_share`` message, shared in the
        conversation unless ``share_files`` is off (see ``_files``)."""
        with self._lock:
            ch = self._known_channel(channel)
            self._known_user(user)
            ts = next_ts()
            if files and share_files:
                self._share_files(ch, ts, thread_ts, files)
            msg = Message(
                channel=ch.id,
                ts=ts,
                user=user,
                text=text,
                team=self._sending_team(),
                blocks=_rich_text(text),
                thread_ts=thread_ts,
                files=self._file_copies(files),
                subtype="file_share" if files else None,
                client_msg_id=str(uuid.uuid4()),
            )
            self._insert(ch, msg)
            event = self._message_event(ch, msg)
            jobs = [self._emit(ch, event)]
            if not ch.is_im and f"<@{self.bot_user_id}>" in text:
                # Slack sends both, as separate events with their own event_ids.
                mention = {k: v for k, v in event.items() if k not in ("channel_type", "subtype")}
                mention["type"] = "app_mention"
                jobs.append(self._emit(ch, mention))
        self._wait(jobs, wait)
        return msg.ts

    def add_reaction(
        self, user: str, channel: str, ts: str, name: str, *, wait: bool = True
    ) -> None:
        """A person reacts. Reacting twice with the same emoji is a no-op, as on Slack."""
        with self._lock:
            ch, msg = self._known_message(channel, ts)
            self._known_user(user)
            users = msg.reactions.setdefault(name, [])
            if user in users:
                return
            users.append(user)
            job = self._emit(ch, self._reaction_event("reaction_added", user, ch, msg, name))
        self._wait([job], wait)

    def remove_reaction(
        self, user: str, channel: str, ts: str, name: str, *, wait: bool = True
    ) -> None:
        """A person takes a reaction back (no-op if they had not reacted)."""
        with self._lock:
            ch, msg = self._known_message(channel, ts)
            users = msg.reactions.get(name, [])
            if user not in users:
                return
            users.remove(user)
            if not users:
                del msg.reactions[name]
            job = self._emit(ch, self._reaction_event("reaction_removed", user, ch, msg, name))
        self._wait([job], wait)

    def send_slash_command(
        self, user: str, channel: str, command: str, text: str, *, wait: bool = True
    ) -> Delivery:
        """A person runs ``/command text``: a signed form POST, queued like events."""
        if not command.startswith("/"):
            raise ValueError(f"slash commands start with '/': {command!r}")
        self._require_receiver()
        with self._lock:
            ch = self._known_channel(channel)
            person = self._known_user(user)
            form = {
                "token": self.verification_token,
                "team_id": self._sending_team(),
                "team_domain": self.team_domain,
                "channel_id": ch.id,
                "channel_name": "directmessage" if ch.is_im else ch.name,
                "user_id": user,
                "user_name": person["name"],
                "command": command,
                "text": text,
                "api_app_id": self.api_app_id,
                "is_enterprise_install": "false",
                "response_url": self._new_response_url(channel=ch.id, user=user),
                "trigger_id": self._new_trigger(user),
            }
        delivery = Delivery("command", urllib.parse.urlencode(form).encode(), payload=form)
        self._queue.put(_Job(delivery, content_type="application/x-www-form-urlencoded"))
        self._wait([delivery], wait)
        return delivery

    def click_button(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
    ) -> Delivery:
        """A person clicks a button on a stored message: a ``block_actions`` payload."""
        with self._lock:
            ch, msg = self._known_message(channel, message_ts)
            person = self._known_user(user)
            if find_button(msg.blocks or [], action_id, block_id) is None:
                raise LookupError(
                    f"message {message_ts} in {channel} has no button with action_id "
                    f"{action_id!r}" + (f" in block {block_id!r}" if block_id else "")
                )
            payload = self._button_payload(
                user, person, msg.blocks or [], action_id, block_id=block_id, value=value
            )
            container: dict[str, Any] = {
                "type": "message",
                "message_ts": msg.ts,
                "channel_id": ch.id,
                "is_ephemeral": False,
            }
            if msg.is_reply:
                container["thread_ts"] = msg.thread_ts
            payload["container"] = container
            payload["channel"] = {"id": ch.id, "name": "directmessage" if ch.is_im else ch.name}
            payload["message"] = msg.to_dict()
            payload["response_url"] = self._new_response_url(
                channel=ch.id, user=user, message_ts=msg.ts, thread_ts=msg.thread_ts
            )
        return self._post_payload("block_actions", payload)

    def select_user(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        selected: str,
        *,
        block_id: str | None = None,
    ) -> Delivery:
        """A person picks ``selected`` in a ``users_select`` on a stored message (in an actions
        block or a section's accessory): a ``block_actions`` payload, as Slack sends it."""
        with self._lock:
            ch, msg = self._known_message(channel, message_ts)
            person = self._known_user(user)
            self._known_user(selected)
            found = find_element(msg.blocks or [], action_id, "users_select", block_id)
            if found is None:
                raise LookupError(
                    f"message {message_ts} in {channel} has no users_select with action_id "
                    f"{action_id!r}" + (f" in block {block_id!r}" if block_id else "")
                )
            self._require_receiver()
            block, element = found
            action: dict[str, Any] = {
                "type": "users_select",
                "action_id": action_id,
                "block_id": block.get("block_id"),
                "selected_user": selected,
                "action_ts": f"{time.time():.6f}",
            }
            if element.get("initial_user"):
                action["initial_user"] = element["initial_user"]
            container: dict[str, Any] = {
                "type": "message",
                "message_ts": msg.ts,
                "channel_id": ch.id,
                "is_ephemeral": False,
            }
            if msg.is_reply:
                container["thread_ts"] = msg.thread_ts
            payload = {
                "type": "block_actions",
                "user": self._payload_user(user, person),
                "api_app_id": self.api_app_id,
                "token": self.verification_token,
                "trigger_id": self._new_trigger(user),
                "team": {"id": self._sending_team(), "domain": self.team_domain},
                "enterprise": None,
                "is_enterprise_install": False,
                "container": container,
                "channel": {"id": ch.id, "name": "directmessage" if ch.is_im else ch.name},
                "message": msg.to_dict(),
                "state": {
                    "values": {
                        str(block.get("block_id")): {
                            action_id: {"type": "users_select", "selected_user": selected}
                        }
                    }
                },
                "response_url": self._new_response_url(
                    channel=ch.id, user=user, message_ts=msg.ts, thread_ts=msg.thread_ts
                ),
                "actions": [action],
            }
        return self._post_payload("block_actions", payload)

    def click_ephemeral_button(
        self,
        user: str,
        channel: str,
        blocks: list[dict[str, Any]],
        action_id: str,
        *,
        block_id: str | None = None,
        message_ts: str | None = None,
    ) -> Delivery:
        """A person clicks a button on an ephemeral message they were shown (e.g. the blocks
        of a slash command's ack); Slack sends no message, only a container and response_url.

        ``message_ts`` names a recorded ephemeral (its ``message_ts``): replace_original and
        delete_original on the response_url then change that ephemeral, as Slack does.
        """
        with self._lock:
            ch = self._known_channel(channel)
            person = self._known_user(user)
            payload = self._button_payload(user, person, blocks, action_id, block_id=block_id)
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts or f"{time.time():.6f}",
                "channel_id": ch.id,
                "is_ephemeral": True,
            }
            payload["channel"] = {"id": ch.id, "name": "directmessage" if ch.is_im else ch.name}
            context: dict[str, Any] = {"channel": ch.id, "user": user}
            if message_ts is not None:
                context["ephemeral_ts"] = message_ts
            payload["response_url"] = self._new_response_url(**context)
        return self._post_payload("block_actions", payload)

    def click_view_button(
        self, user: str, view: dict[str, Any], action_id: str, *, block_id: str | None = None
    ) -> Delivery:
        """A person clicks a button in a view: a modal or their Home tab."""
        with self._lock:
            person = self._known_user(user)
            payload = self._button_payload(
                user, person, view.get("blocks") or [], action_id, block_id=block_id
            )
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = copy.deepcopy(view)
        return self._post_payload("block_actions", payload)

    def _button_payload(
        self,
        user: str,
        person: Any,
        blocks: list[dict[str, Any]],
        action_id: str,
        *,
        block_id: str | None = None,
        value: str | None = None,
    ) -> dict[str, Any]:
        self._require_receiver()
        found = find_button(blocks, action_id, block_id)
        if found is None:
            raise LookupError(f"no button with action_id {action_id!r} in those blocks")
        block, button = found
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block.get("block_id"),
            "text": copy.deepcopy(button.get("text")),
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None or "value" in button:
            action["value"] = value if value is not None else button["value"]
        if "style" in button:
            action["style"] = button["style"]
        return {
            "type": "block_actions",
            "user": self._payload_user(user, person),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._new_trigger(user),
            "team": {"id": self._sending_team(), "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }

    def submit_view(self, user: str, view_id: str, values: dict[str, Any]) -> Delivery:
        """A person submits an open modal with ``values`` as ``view.state.values``."""
        self._require_receiver()
        with self._lock:
            if view_id not in self._views:
                raise LookupError(f"no view {view_id!r}")
            person = self._known_user(user)
            self._views[view_id]["state"] = {"values": copy.deepcopy(values)}
            payload: dict[str, Any] = {
                "type": "view_submission",
                "team": {"id": self._sending_team(), "domain": self.team_domain},
                "user": self._payload_user(user, person),
                "api_app_id": self.api_app_id,
                "token": self.verification_token,
                "trigger_id": self._new_trigger(user),
                "view": copy.deepcopy(self._views[view_id]),
                "response_urls": [],
                "enterprise": None,
                "is_enterprise_install": False,
            }
        delivery = self._post_payload("view_submission", payload)
        self._apply_view_answer(user, view_id, delivery)
        return delivery

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        sign: bool = True,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> Delivery:
        """POST one event in a signed envelope now, on this thread; returns how it went.

        In Socket Mode the retry fields become ``retry_attempt``/``retry_reason`` and the
        signing arguments are ignored (Socket Mode has no signatures).
        """
        self._require_receiver()
        envelope = self._envelope(copy.deepcopy(event), event_id)
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
            extra["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        job = _Job(
            Delivery("event", json.dumps(envelope).encode(), payload=envelope),
            extra_headers=extra,
            sign=sign,
            signature=signature,
            timestamp=timestamp,
        )
        return self._perform(job)

    def post_raw(self, body: bytes, headers: Mapping[str, str]) -> Delivery:
        """POST exactly ``body`` with exactly ``headers`` to events_url (forged requests).

        Always over HTTP, even in Socket Mode: forged requests are an HTTP concern.
        """
        self._require_events_url()
        text = body.decode("utf-8", "replace")
        return self._perform(_Job(Delivery("raw", body, payload=text), raw_headers=dict(headers)))

    def sign(self, body: bytes | str, timestamp: int) -> str:
        """Slack's request signature: ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + str(timestamp).encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def signed_headers(
        self,
        body: bytes | str,
        *,
        timestamp: int | None = None,
        content_type: str = "application/json",
    ) -> dict[str, str]:
        """Headers Slack would send with ``body`` (handy with ``post_raw``)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(body, timestamp),
        }

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return copy.deepcopy([c for c in self._calls if c.method == method])

    @property
    def deliveries(self) -> list[Delivery]:
        """Completed deliveries, oldest first (the Delivery objects are not changed later)."""
        with self._lock:
            return list(self._deliveries)

    def messages(self, channel: str, *, thread_ts: str | None = None) -> list[Message]:
        """Top-level history, or one thread (parent first), in ts order."""
        with self._lock:
            found = self._known_channel(channel).sorted_messages()
            if thread_ts is None:
                found = [m for m in found if m.is_top_level]
            else:
                found = [m for m in found if m.ts == thread_ts or m.thread_ts == thread_ts]
            return copy.deepcopy(found)

    def message(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return copy.deepcopy(self._known_channel(channel).messages.get(ts))

    def ephemerals(
        self, channel: str | None = None, user: str | None = None
    ) -> list[dict[str, Any]]:
        """chat.postEphemeral posts, ephemeral response_url posts and the acks of slash
        commands run from the browser UI, oldest first (deleted ones left out)."""
        with self._lock:
            return copy.deepcopy(
                [
                    e
                    for e in self._ephemerals
                    if (channel is None or e["channel"] == channel)
                    and (user is None or e["user"] == user)
                    and not e.get("deleted")
                ]
            )

    def responses(self) -> list[dict[str, Any]]:
        """Everything POSTed to response_urls: {url, channel, user, status, body}."""
        with self._lock:
            return copy.deepcopy(self._responses)

    def views(self) -> dict[str, dict[str, Any]]:
        """view_id -> the view as Slack holds it, plus ``user`` and ``is_open``."""
        with self._lock:
            return {view_id: self._view_record(view_id) for view_id in self._views}

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """user -> their published Home tab view."""
        with self._lock:
            return {user: self._view_record(view_id) for user, view_id in self._home.items()}

    def _view_record(self, view_id: str) -> dict[str, Any]:
        user = self._view_users.get(view_id)
        record = copy.deepcopy(self._views[view_id])
        record["user"] = user
        record["is_open"] = (
            view_id in self._stacks.get(user or "", []) or view_id in self._home.values()
        )
        return record

    def assistant_thread(self, channel: str, thread_ts: str = "") -> dict[str, Any]:
        """What assistant.threads.* set for a thread: status, statuses, title, prompts."""
        with self._lock:
            return copy.deepcopy(self._assistant.get((channel, thread_ts), {}))

    def wait_for(
        self,
        predicate: Callable[[], T],
        *,
        timeout: float = 10.0,
        interval: float = 0.02,
        message: str = "condition",
    ) -> T:
        """Poll ``predicate`` until it returns something truthy, and return that."""
        return wait_for(predicate, timeout=timeout, interval=interval, message=message)

    # --------------------------------------------------------------- fault switches

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with ``error`` (no effect on state)."""
        if status is None:
            status = {"ratelimited": 429, "internal_error": 500, "fatal_error": 500}.get(error, 200)
        with self._lock:
            faults = self._faults.setdefault(method, deque())
            faults.extend(_Fault(error, status, retry_after) for _ in range(times))

    def rate_limit(self, method: str, *, per_minute: int) -> None:
        """Enforce a sliding one-minute window on ``method``; ``per_minute <= 0`` lifts it."""
        with self._lock:
            if per_minute <= 0:
                self._limits.pop(method, None)
                self._windows.pop(method, None)
            else:
                self._limits[method] = per_minute
                self._windows.setdefault(method, deque())

    def set_latency(self, method: str, seconds: float) -> None:
        """Sleep ``seconds`` before handling ``method`` ("*" for every method; 0 to clear)."""
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def delay_replies(self, method: str, seconds: float) -> None:
        """Handle ``method`` at once but hold its answer ``seconds`` (0 to clear): the call has
        taken effect in Slack while the caller has not heard so, as when a network is slow or
        the caller dies waiting."""
        with self._lock:
            if seconds > 0:
                self._reply_latency[method] = seconds
            else:
                self._reply_latency.pop(method, None)

    # ------------------------------------------------------------- Web API serving

    def _serve_api(
        self, method: str, query: str, headers: RequestHeaders, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        early: dict[str, Any] | None = None
        try:
            params = parse_params(query, headers.get("Content-Type") or "", body)
        except ApiError as e:
            params, early = {}, e.body
        token = pop_token(headers, params) if method != OAUTH_METHOD else None
        with self._lock:
            delay = self._latency.get(method, self._latency.get("*", 0.0))
        if delay:
            time.sleep(delay)
        status, extra = 200, {}
        with self._lock:
            handler = (
                getattr(self, "_api_" + method.replace(".", "_"), None)
                if _METHOD.fullmatch(method)
                else None
            )
            if handler is None:
                answer: dict[str, Any] = {
                    "ok": False,
                    "error": "unknown_method",
                    "req_method": method,
                }
            elif early is not None:
                answer = early
            elif method != OAUTH_METHOD and token is None:
                answer = {"ok": False, "error": "not_authed"}
            elif method == APP_TOKEN_METHOD and token != self.app_token:
                # A real token of the wrong kind is refused differently from a bad one.
                known = token == self.bot_token or self._token_team(token) is not None
                answer = {
                    "ok": False,
                    "error": "not_allowed_token_type" if known else "invalid_auth",
                }
            elif method not in (APP_TOKEN_METHOD, OAUTH_METHOD) and (
                refusal := (
                    {"ok": False, "error": "not_allowed_token_type"}
                    if token == self.app_token
                    else self._refuse_bot_token(str(token))
                )
            ):
                answer = refusal
            elif self._faults.get(method):
                fault = self._faults[method].popleft()
                status, answer = fault.status, {"ok": False, "error": fault.error}
                if status == 429:
                    extra = {"Retry-After": str(fault.retry_after)}
            elif (wait := self._rate_limited(method)) is not None:
                status, answer = 429, {"ok": False, "error": "ratelimited"}
                extra = {"Retry-After": str(wait)}
            else:
                # Methods answer for the workspace whose token called (auth.test does), and
                # the events they cause (a posted message's echo) come from that workspace.
                self._calling_team = self._token_team(token) or self.team_id
                try:
                    with self.as_team(self._calling_team):
                        answer = (
                            self._oauth_access(headers, params)
                            if method == OAUTH_METHOD
                            else handler(params)
                        )
                except ApiError as e:
                    answer = e.body
            self._calls.append(
                Call(
                    method=method,
                    params=copy.deepcopy(params),
                    token=token,
                    response=copy.deepcopy(answer),
                    status=status,
                    at=time.monotonic(),
                    team_id=self._token_team(token),
                )
            )
            reply_delay = self._reply_latency.get(method, 0.0)
        if reply_delay:
            time.sleep(reply_delay)
        return status, answer, extra

    def _rate_limited(self, method: str) -> int | None:
        """Seconds until a slot frees if ``method`` is over its window; else take a slot."""
        limit = self._limits.get(method)
        if limit is None:
            return None
        now = time.monotonic()
        window = self._windows[method]
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(60 - (now - window[0])))
        window.append(now)
        return None

    # ------------------------------------------------------------------ browser UI

    def _api_oauth_v2_access(self, p: dict[str, Any]) -> dict[str, Any]:
        # Served by _oauth_access (it needs the Basic auth header); here so the method exists.
        raise ApiError("invalid_client_id")

    def _serve_ui(
        self, command: str, path: str, query: str, content_type: str, body: bytes
    ) -> tuple[int, bytes, str]:
        """The page at ``/`` and its ``/ui/`` endpoints (see ``_ui``)."""
        return self._ui.serve(command, path, query, content_type, body)

    # --------------------------------------------------------------- response_url

    def _new_response_url(self, **context: Any) -> str:
        response_id = uuid.uuid4().hex
        self._response_urls[response_id] = context
        return f"{self.url}/response/{response_id}"

    def _new_trigger(self, user: str) -> str:
        trigger_id = f"{int(time.time())}.{next_id()}.{uuid.uuid4().hex[:16]}"
        self._triggers[trigger_id] = {"user": user, "at": time.monotonic(), "used": False}
        return trigger_id

    def _serve_response_url(self, response_id: str, body: bytes) -> tuple[int, bytes, str]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, b"invalid_payload", "text/plain"
        with self._lock:
            context = self._response_urls.get(response_id)
            if context is None:
                return 404, b"no_service", "text/plain"
            if not isinstance(payload, dict):
                return 400, b"invalid_payload", "text/plain"
            record = {
                "url": f"{self.url}/response/{response_id}",
                "channel": context["channel"],
                "user": context["user"],
                "status": 200,
                "body": copy.deepcopy(payload),
            }
            self._responses.append(record)
            blocks = payload.get("blocks")
            if blocks is not None and (
                not isinstance(blocks, list) or validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT)
            ):
                record["status"] = 400
                return 400, b"invalid_blocks", "text/plain"
            self._apply_response(context, payload)
        return 200, b'{"ok":true}', "application/json"

    def _apply_response(self, context: dict[str, Any], payload: dict[str, Any]) -> None:
        """What Slack does with a response_url POST."""
        ch = self._channels[context["channel"]]
        original = ch.messages.get(context.get("message_ts") or "")
        ephemeral = self._ephemeral_at(context)
        text = str(payload.get("text") or "")
        blocks = payload.get("blocks")
        if truthy(payload.get("delete_original")):
            if original is not None:
                self._delete(ch, original)
            elif ephemeral is not None:
                ephemeral["deleted"] = True
            return
        if truthy(payload.get("replace_original")) and original is not None:
            changes: dict[str, Any] = {"text": text}
            if blocks is not None:
                changes["blocks"] = with_block_ids(blocks)
            self._edit(ch, original, changes)
            return
        if truthy(payload.get("replace_original")) and ephemeral is not None:
            ephemeral.update(text=text, blocks=with_block_ids(blocks))
            return
        thread_ts = payload.get("thread_ts") or context.get("thread_ts")
        if payload.get("response_type") == "in_channel":
            msg = self._bot_message(
                ch, text=text, blocks=with_block_ids(blocks), thread_ts=thread_ts
            )
            self._store_bot_message(ch, msg)
            return
        self._ephemerals.append(
            {
                "source": "response_url",
                "channel": ch.id,
                "user": context["user"],
                "text": text,
                "blocks": with_block_ids(blocks),
                "thread_ts": thread_ts,
                "message_ts": next_ts(),
            }
        )

    def _ephemeral_at(self, context: dict[str, Any]) -> dict[str, Any] | None:
        """The recorded ephemeral a response_url belongs to (clicked in the browser UI)."""
        wanted = context.get("ephemeral_ts")
        if wanted is None:
            return None
        for e in self._ephemerals:
            if e.get("message_ts") == wanted and e["user"] == context["user"]:
                return e
        return None

    def _apply_view_answer(self, user: str, view_id: str, delivery: Delivery) -> None:
        """Act on a view_submission ack: close, clear, update or push (errors keep it open)."""
        if not delivery.ok:
            return
        try:
            answer = delivery.json()
        except ValueError:
            answer = None
        action = answer.get("response_action") if isinstance(answer, dict) else None
        with self._lock:
            stack = self._stacks.setdefault(user, [])
            if action is None and view_id in stack:
                stack.remove(view_id)
            elif action == "clear":
                stack.clear()
            elif action in ("update", "push") and isinstance(answer, dict):
                current = self._views[view_id]
                new_id = view_id if action == "update" else f"V{uuid.uuid4().hex[:10].upper()}"
                try:
                    record = self._build_view(
                        answer.get("view"),
                        view_id=new_id,
                        kinds=("modal",),
                        root_view_id=current["root_view_id"],
                        previous_view_id=view_id
                        if action == "push"
                        else current["previous_view_id"],
                    )
                except ApiError:
                    return  # Slack shows the user an error; the view stays as it was
                self._views[new_id] = record
                self._view_users[new_id] = user
                if action == "push":
                    stack.append(new_id)

    # ------------------------------------------------------------------- delivery

    def _payload_user(self, user: str, person: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": user,
            "username": person["name"],
            "name": person["name"],
            "team_id": self._sending_team(),
        }

    def _envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        team_id = self._sending_team()
        context = json.dumps({"tid": team_id, "aid": self.api_app_id, "n": next_id()})
        return {
            "token": self.verification_token,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + base64.urlsafe_b64encode(context.encode()).decode().rstrip("="),
        }

    def _emit(self, channel: Channel, event: dict[str, Any]) -> Delivery | None:
        """Queue an event for Baton: only for conversations the bot is in, and with somewhere
        to deliver to (``events_url`` or Socket Mode)."""
        if not self._has_receiver() or self.bot_user_id not in channel.members:
            return None
        envelope = self._envelope(event)
        delivery = Delivery("event", json.dumps(envelope).encode(), payload=envelope)
        self._queue.put(_Job(delivery))
        return delivery

    def _wait(self, deliveries: Iterable[Delivery | None], wait: bool) -> None:
        pending = [d for d in deliveries if d is not None]
        if not wait or not pending:
            return
        if self._worker is None or not self._worker.is_alive():
            raise RuntimeError("FakeSlack is not started: nothing delivers events")
        for delivery in pending:
            while not delivery.wait(0.05):
                if self._stopping.is_set():
                    return

    def _has_receiver(self) -> bool:
        return self.socket_mode or self.events_url is not None or bool(self.events_urls)

    def _receiver_url(self) -> str | None:
        """Where the next HTTP delivery goes: the next of ``events_urls``, else events_url."""
        with self._lock:
            if not self.events_urls:
                return self.events_url
            url = self.events_urls[self._next_receiver % len(self.events_urls)]
            self._next_receiver += 1
            return url

    def _require_receiver(self) -> None:
        if not self._has_receiver():
            raise RuntimeError(
                "set FakeSlack.events_url or socket_mode first: there is nowhere to deliver to"
            )

    def _require_events_url(self) -> None:
        if self.events_url is None and not self.events_urls:
            raise RuntimeError("set FakeSlack.events_url first: there is nowhere to deliver to")

    def _post_payload(self, kind: str, payload: dict[str, Any]) -> Delivery:
        raw = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        job = _Job(
            Delivery(kind, raw, payload=payload), content_type="application/x-www-form-urlencoded"
        )
        return self._perform(job)

    def _deliver_loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._stopping.is_set():
                job.delivery.error = "stopped"
                job.delivery._done.set()
                continue
            self._perform(job)

    def _perform(self, job: _Job) -> Delivery:
        """POST one delivery to events_url (or send it over Socket Mode) and record how Baton
        answered."""
        d = job.delivery
        if self.socket_mode and job.raw_headers is None:
            self._deliver_over_socket(
                d,
                retry_attempt=int(job.extra_headers.get("X-Slack-Retry-Num", 0)),
                retry_reason=job.extra_headers.get("X-Slack-Retry-Reason", ""),
            )
            with self._lock:
                self._deliveries.append(d)
            d._done.set()
            return d
        url = self._receiver_url()
        if url is None:
            d.error = "events_url is not set"
            d._done.set()
            return d
        if job.raw_headers is not None:
            headers = dict(job.raw_headers)
        else:
            headers = {
                "Content-Type": job.content_type,
                "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
                **job.extra_headers,
            }
            timestamp = int(time.time()) if job.timestamp is None else job.timestamp
            if job.sign or job.timestamp is not None or job.signature is not None:
                headers["X-Slack-Request-Timestamp"] = str(timestamp)
            if job.sign or job.signature is not None:
                headers["X-Slack-Signature"] = job.signature or self.sign(d.body, timestamp)
        post(self._opener, url, d, headers, self.ack_timeout)
        with self._lock:
            self._deliveries.append(d)
        d._done.set()
        return d
