"""The Web API methods the fake implements, as a mixin over FakeSlack's state.

Every ``_api_<method>`` runs with the workspace lock held, takes the decoded arguments and
returns Slack's JSON answer, or raises ``ApiError`` for an ``{"ok": false}`` one.
"""

from __future__ import annotations

import base64
import copy
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack._blocks import MESSAGE_BLOCK_LIMIT, validate_blocks, validate_view
from sandbox.slack._models import Delivery, Message, next_ts, ts_key

MESSAGE_TEXT_LIMIT = 40_000
MARKDOWN_TEXT_LIMIT = 12_000
# Arguments of chat.postMessage that change nothing we store but that tests may assert on.
MESSAGE_OPTIONS = (
    "unfurl_links",
    "unfurl_media",
    "reply_broadcast",
    "mrkdwn",
    "parse",
    "link_names",
    "username",
    "icon_emoji",
    "icon_url",
)


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer, with any extra fields Slack adds."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}


def invalid_arguments(*messages: str) -> ApiError:
    return ApiError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]}
    )


def truthy(value: Any) -> bool:
    """Form bodies carry booleans as strings."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def with_block_ids(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Slack gives every stored block a block_id; interactions then carry it back."""
    if blocks is None:
        return None
    out = copy.deepcopy(blocks)
    for block in out:
        if isinstance(block, dict) and "block_id" not in block:
            block["block_id"] = uuid.uuid4().hex[:5]
    return out


@dataclass
class Channel:
    """A conversation: public or private channel, or the bot's DM with one user."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None
    members: list[str] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))
    messages: dict[str, Message] = field(default_factory=dict)
    is_archived: bool = False

    @property
    def channel_type(self) -> str:
        """The ``channel_type`` Slack puts on message events."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def sorted_messages(self) -> list[Message]:
        return sorted(self.messages.values(), key=lambda m: ts_key(m.ts))


class WebApi:
    """Web API semantics. FakeSlack supplies the state declared here."""

    team_id: str
    team_name: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    api_app_id: str
    echo_bot_messages: bool
    trigger_ttl: float
    _lock: threading.RLock
    _users: dict[str, dict[str, Any]]
    _channels: dict[str, Channel]
    _ephemerals: list[dict[str, Any]]
    _triggers: dict[str, dict[str, Any]]
    _views: dict[str, dict[str, Any]]
    _view_users: dict[str, str]
    _stacks: dict[str, list[str]]
    _home: dict[str, str]
    _assistant: dict[tuple[str, str], dict[str, Any]]

    # Provided by FakeSlack.
    def _emit(self, channel: Channel, event: dict[str, Any]) -> Delivery | None:
        raise NotImplementedError

    def _open_dm_locked(self, user_id: str) -> tuple[str, bool]:
        raise NotImplementedError

    # ----------------------------------------------------------------- shared helpers

    @staticmethod
    def _arg(p: dict[str, Any], name: str) -> Any:
        value = p.get(name)
        if value is None or value == "":
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def _conversation(
        self,
        channel_id: Any,
        *,
        member: bool = False,
        allow_user: bool = False,
        writable: bool = False,
    ) -> Channel:
        """Look a conversation up as the bot sees it (private ones it is not in are invisible)."""
        if not channel_id:
            raise ApiError("channel_not_found")
        channel_id = str(channel_id)
        if allow_user and channel_id in self._users and channel_id not in self._channels:
            # chat.postMessage to a user id posts in the app's DM with them.
            channel_id, _ = self._open_dm_locked(channel_id)
        ch = self._channels.get(channel_id)
        bot_in = ch is not None and self.bot_user_id in ch.members
        if ch is None or (ch.is_private and not bot_in):
            raise ApiError("channel_not_found")
        if member and not bot_in:
            raise ApiError("not_in_channel")
        if writable and ch.is_archived:
            # What chat.postMessage and chat.postEphemeral say of an archived channel.
            raise ApiError("is_archived")
        return ch

    @staticmethod
    def _message_in(ch: Channel, ts: Any) -> Message:
        msg = ch.messages.get(str(ts)) if ts else None
        if msg is None:
            raise ApiError("message_not_found")
        return msg

    @staticmethod
    def _blocks(p: dict[str, Any]) -> list[dict[str, Any]] | None:
        if "blocks" not in p or p["blocks"] is None:
            return None
        blocks = p["blocks"]
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        errors = validate_blocks(blocks, limit=MESSAGE_BLOCK_LIMIT)
        if errors:
            raise ApiError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        return blocks

    def _content(self, p: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None, Any]:
        """Text, blocks and attachments of a message, validated the way Slack does."""
        blocks = self._blocks(p)
        text = p.get("text")
        text = "" if text is None else str(text)
        if p.get("markdown_text") is not None:
            markdown = str(p["markdown_text"])
            if len(markdown) > MARKDOWN_TEXT_LIMIT:
                raise ApiError("msg_too_long")
            text = markdown
        attachments = p.get("attachments") or None
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        if len(text) > MESSAGE_TEXT_LIMIT:
            raise ApiError("msg_too_long")
        return text, blocks, attachments

    @staticmethod
    def _metadata(p: dict[str, Any]) -> dict[str, Any] | None:
        metadata = p.get("metadata")
        if metadata is None or metadata == "":
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload", {}), dict)
        ):
            raise ApiError("invalid_metadata_format")
        return metadata

    def _insert(self, ch: Channel, msg: Message) -> None:
        ch.messages[msg.ts] = msg
        if not msg.is_reply:
            return
        parent = ch.messages.get(msg.thread_ts or "")
        if parent is None:
            return  # Slack posts replies to unknown parents too; there is just no thread to update
        msg.parent_user_id = parent.user
        parent.thread_ts = parent.ts
        parent.reply_count += 1
        parent.latest_reply = msg.ts
        if msg.user and msg.user not in parent.reply_users:
            parent.reply_users.append(msg.user)

    def _refresh_thread(self, ch: Channel, root_ts: str) -> None:
        parent = ch.messages.get(root_ts)
        if parent is None:
            return
        replies = [m for m in ch.sorted_messages() if m.is_reply and m.thread_ts == root_ts]
        parent.reply_count = len(replies)
        parent.reply_users = list(dict.fromkeys(m.user for m in replies if m.user))
        parent.latest_reply = replies[-1].ts if replies else None

    def _message_event(self, ch: Channel, msg: Message) -> dict[str, Any]:
        event = msg.to_dict()
        event.update(channel=ch.id, event_ts=msg.ts, channel_type=ch.channel_type)
        return event

    def _bot_message(self, ch: Channel, **fields: Any) -> Message:
        return Message(
            channel=ch.id,
            ts=next_ts(),
            user=self.bot_user_id,
            bot_id=self.bot_id,
            app_id=self.api_app_id,
            team=self.team_id,
            **fields,
        )

    def _store_bot_message(self, ch: Channel, msg: Message) -> Message:
        self._insert(ch, msg)
        if msg.is_reply:
            # Slack clears an assistant thread's status as soon as the app replies in it.
            state = self._assistant.get((ch.id, msg.thread_ts or ""))
            if state is not None:
                state["status"] = ""
        if self.echo_bot_messages:
            self._emit(ch, self._message_event(ch, msg))
        return msg

    def _edit(self, ch: Channel, msg: Message, changes: dict[str, Any]) -> None:
        previous = msg.to_dict()
        for name, value in changes.items():
            setattr(msg, name, value)
        msg.edited = True
        msg.edited_ts = next_ts()
        if self.echo_bot_messages and msg.bot_id == self.bot_id:
            self._emit(
                ch,
                {
                    "type": "message",
                    "subtype": "message_changed",
                    "hidden": True,
                    "channel": ch.id,
                    "channel_type": ch.channel_type,
                    "ts": msg.edited_ts,
                    "event_ts": msg.edited_ts,
                    "message": msg.to_dict(),
                    "previous_message": previous,
                },
            )

    def _delete(self, ch: Channel, msg: Message) -> None:
        del ch.messages[msg.ts]
        if msg.is_reply and msg.thread_ts:
            self._refresh_thread(ch, msg.thread_ts)
        if self.echo_bot_messages and msg.bot_id == self.bot_id:
            event_ts = next_ts()
            self._emit(
                ch,
                {
                    "type": "message",
                    "subtype": "message_deleted",
                    "hidden": True,
                    "channel": ch.id,
                    "channel_type": ch.channel_type,
                    "ts": event_ts,
                    "deleted_ts": msg.ts,
                    "event_ts": event_ts,
                    "previous_message": msg.to_dict(),
                },
            )

    def _reaction_event(
        self, kind: str, user: str, ch: Channel, msg: Message, name: str
    ) -> dict[str, Any]:
        return {
            "type": kind,
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": ch.id, "ts": msg.ts},
            "item_user": msg.user,
            "event_ts": next_ts(),
        }

    @staticmethod
    def _limit(p: dict[str, Any], default: int, maximum: int) -> int:
        try:
            limit = int(p.get("limit") or default)
        except (TypeError, ValueError):
            raise ApiError("invalid_limit") from None
        return max(1, min(limit, maximum))

    @staticmethod
    def _page(items: list[Any], limit: int, cursor: Any) -> tuple[list[Any], str]:
        """Cursor pagination; cursors are opaque base64 like Slack's."""
        start = 0
        if cursor:
            try:
                decoded = base64.b64decode(str(cursor), validate=True).decode()
                prefix, _, offset = decoded.partition(":")
                start = int(offset)
                if prefix != "offset" or start < 0:
                    raise ValueError(decoded)
            except ValueError:
                raise ApiError("invalid_cursor") from None
        end = start + limit
        next_cursor = (
            base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
        )
        return items[start:end], next_cursor

    @staticmethod
    def _in_range(ts: str, p: dict[str, Any]) -> bool:
        inclusive = truthy(p.get("inclusive"))
        key = ts_key(ts)
        if p.get("oldest"):
            oldest = ts_key(str(p["oldest"]))
            if key < oldest or (key == oldest and not inclusive):
                return False
        if p.get("latest"):
            latest = ts_key(str(p["latest"]))
            if key > latest or (key == latest and not inclusive):
                return False
        return True

    def _user_object(self, user_id: str) -> dict[str, Any]:
        return copy.deepcopy(self._users[user_id])

    def _channel_object(self, ch: Channel, *, num_members: bool = False) -> dict[str, Any]:
        if ch.is_im:
            out: dict[str, Any] = {
                "id": ch.id,
                "created": ch.created,
                "is_im": True,
                "is_org_shared": False,
                "user": ch.user,
                "is_user_deleted": False,
                "priority": 0,
            }
        else:
            out = {
                "id": ch.id,
                "name": ch.name,
                "name_normalized": ch.name,
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_mpim": False,
                "is_private": ch.is_private,
                "created": ch.created,
                "is_archived": ch.is_archived,
                "is_general": False,
                "is_shared": False,
                "is_ext_shared": False,
                "is_org_shared": False,
                "is_member": self.bot_user_id in ch.members,
                "context_team_id": self.team_id,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
            }
        if num_members:
            out["num_members"] = len(ch.members)
        return out

    # ------------------------------------------------------------------------- auth

    def _api_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        # The workspace whose token called: each installation answers for its own.
        team_id = getattr(self, "_calling_team", None) or self.team_id
        domain = self.team_domain if team_id == self.team_id else team_id.lower()
        return {
            "ok": True,
            "url": f"https://{domain}.slack.com/",
            "team": self.team_name if team_id == self.team_id else f"Workspace {team_id}",
            "user": self._users[self.bot_user_id]["name"],
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    # ------------------------------------------------------------------------- chat

    def _api_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"), member=True, allow_user=True, writable=True)
        text, blocks, attachments = self._content(p)
        metadata = self._metadata(p)
        thread_ts = str(p["thread_ts"]) if p.get("thread_ts") else None
        broadcast = bool(thread_ts) and truthy(p.get("reply_broadcast"))
        msg = self._bot_message(
            ch,
            text=text,
            blocks=with_block_ids(blocks),
            attachments=attachments,
            thread_ts=thread_ts,
            metadata=metadata,
            subtype="thread_broadcast" if broadcast else None,
            options={k: p[k] for k in MESSAGE_OPTIONS if k in p},
        )
        self._store_bot_message(ch, msg)
        return {"ok": True, "channel": ch.id, "ts": msg.ts, "message": msg.to_dict()}

    def _api_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"))
        msg = self._message_in(ch, p.get("ts"))
        if msg.bot_id != self.bot_id:
            raise ApiError("cant_update_message")
        text, blocks, attachments = self._content(p)
        changes: dict[str, Any] = {}
        # Slack keeps whatever the update does not mention; an empty blocks list clears them.
        if "text" in p or "markdown_text" in p:
            changes["text"] = text
        if "blocks" in p:
            changes["blocks"] = with_block_ids(blocks)
        if "attachments" in p:
            changes["attachments"] = attachments
        metadata = self._metadata(p)
        if metadata is not None:
            changes["metadata"] = metadata
        self._edit(ch, msg, changes)
        return {
            "ok": True,
            "channel": ch.id,
            "ts": msg.ts,
            "text": msg.text,
            "message": msg.to_dict(),
        }

    def _api_chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"))
        msg = self._message_in(ch, p.get("ts"))
        if msg.bot_id != self.bot_id:
            raise ApiError("cant_delete_message")
        self._delete(ch, msg)
        return {"ok": True, "channel": ch.id, "ts": msg.ts}

    def _api_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"), member=True, writable=True)
        user = self._arg(p, "user")
        if user not in self._users:
            raise ApiError("user_not_found")
        if user not in ch.members:
            raise ApiError("user_not_in_channel")
        text, blocks, _attachments = self._content(p)
        ts = next_ts()
        self._ephemerals.append(
            {
                "source": "chat.postEphemeral",
                "channel": ch.id,
                "user": user,
                "text": text,
                "blocks": with_block_ids(blocks),
                "thread_ts": p.get("thread_ts"),
                "message_ts": ts,
            }
        )
        return {"ok": True, "message_ts": ts}

    def _api_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"))
        msg = self._message_in(ch, p.get("message_ts"))
        link = f"https://{self.team_domain}.slack.com/archives/{ch.id}/p{msg.ts.replace('.', '')}"
        if msg.is_reply:
            link += f"?thread_ts={msg.thread_ts}&cid={ch.id}"
        return {"ok": True, "channel": ch.id, "permalink": link}

    @staticmethod
    def _stream_text(p: dict[str, Any]) -> tuple[str, list[Any]]:
        """Text carried by markdown_text and markdown_text chunks; other chunks are kept."""
        parts: list[str] = []
        others: list[Any] = []
        if p.get("markdown_text") is not None:
            parts.append(str(p["markdown_text"]))
        chunks = p.get("chunks") or []
        if not isinstance(chunks, list):
            raise invalid_arguments("must be an array [json-pointer:/chunks]")
        for chunk in chunks:
            if isinstance(chunk, dict) and chunk.get("type") == "markdown_text":
                parts.append(str(chunk.get("text", "")))
            else:
                others.append(chunk)
        text = "".join(parts)
        if len(text) > MARKDOWN_TEXT_LIMIT:
            raise ApiError("msg_too_long")
        return text, others

    def _streaming_message(self, p: dict[str, Any]) -> tuple[Channel, Message]:
        ch = self._conversation(p.get("channel"), member=True)
        msg = self._message_in(ch, p.get("ts"))
        if msg.bot_id != self.bot_id:
            raise ApiError("message_not_owned_by_app")
        if not msg.streaming:
            raise ApiError("message_not_in_streaming_state")
        return ch, msg

    def _api_chat_startStream(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"), member=True, writable=True)
        thread_ts = str(self._arg(p, "thread_ts"))
        if not ch.is_im:
            # Documented as required when streaming into channels (not DMs).
            if not p.get("recipient_user_id"):
                raise ApiError("missing_recipient_user_id")
            if not p.get("recipient_team_id"):
                raise ApiError("missing_recipient_team_id")
        text, others = self._stream_text(p)
        options = {
            k: p[k]
            for k in ("recipient_user_id", "recipient_team_id", "task_display_mode")
            if k in p
        }
        msg = self._bot_message(
            ch,
            text=text,
            thread_ts=thread_ts,
            streaming=True,
            options={**options, "chunks": others},
        )
        # Stored without an echo event: what Slack emits while streaming is not pinned down.
        self._insert(ch, msg)
        state = self._assistant.get((ch.id, thread_ts))
        if state is not None:
            state["status"] = ""
        return {"ok": True, "channel": ch.id, "ts": msg.ts}

    def _api_chat_appendStream(self, p: dict[str, Any]) -> dict[str, Any]:
        ch, msg = self._streaming_message(p)
        if p.get("markdown_text") is None and not p.get("chunks"):
            raise invalid_arguments("missing required field: markdown_text")
        text, others = self._stream_text(p)
        msg.text += text
        msg.options.setdefault("chunks", []).extend(others)
        return {"ok": True, "channel": ch.id, "ts": msg.ts}

    def _api_chat_stopStream(self, p: dict[str, Any]) -> dict[str, Any]:
        ch, msg = self._streaming_message(p)
        text, others = self._stream_text(p)
        blocks = self._blocks(p)
        metadata = self._metadata(p)
        msg.text += text
        msg.options.setdefault("chunks", []).extend(others)
        if blocks is not None:
            msg.blocks = with_block_ids(blocks)
        if metadata is not None:
            msg.metadata = metadata
        msg.streaming = False
        return {"ok": True, "channel": ch.id, "ts": msg.ts, "message": msg.to_dict()}

    # -------------------------------------------------------------------- reactions

    def _reaction_target(self, p: dict[str, Any]) -> tuple[Channel, Message, str]:
        name = str(self._arg(p, "name")).strip(":")
        if not name or " " in name:
            raise ApiError("invalid_name")
        if not p.get("channel") or not p.get("timestamp"):
            raise ApiError("no_item_specified")
        ch = self._conversation(p["channel"])
        return ch, self._message_in(ch, p["timestamp"]), name

    def _api_reactions_add(self, p: dict[str, Any]) -> dict[str, Any]:
        ch, msg, name = self._reaction_target(p)
        users = msg.reactions.setdefault(name, [])
        if self.bot_user_id in users:
            raise ApiError("already_reacted")
        users.append(self.bot_user_id)
        if self.echo_bot_messages:
            self._emit(ch, self._reaction_event("reaction_added", self.bot_user_id, ch, msg, name))
        return {"ok": True}

    def _api_reactions_remove(self, p: dict[str, Any]) -> dict[str, Any]:
        ch, msg, name = self._reaction_target(p)
        users = msg.reactions.get(name, [])
        if self.bot_user_id not in users:
            raise ApiError("no_reaction")
        users.remove(self.bot_user_id)
        if not users:
            del msg.reactions[name]
        if self.echo_bot_messages:
            self._emit(
                ch, self._reaction_event("reaction_removed", self.bot_user_id, ch, msg, name)
            )
        return {"ok": True}

    # ------------------------------------------------------------ users, conversations

    def _api_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = p.get("user")
        if not user or user not in self._users:
            raise ApiError("user_not_found")
        return {"ok": True, "user": self._user_object(user)}

    def _api_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"))
        return {
            "ok": True,
            "channel": self._channel_object(ch, num_members=truthy(p.get("include_num_members"))),
        }

    def _api_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"))
        page, cursor = self._page(list(ch.members), self._limit(p, 100, 1000), p.get("cursor"))
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _api_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"), member=True)
        wanted = [m for m in ch.sorted_messages() if m.is_top_level and self._in_range(m.ts, p)]
        wanted.reverse()  # history is newest first
        page, cursor = self._page(wanted, self._limit(p, 100, 999), p.get("cursor"))
        with_metadata = truthy(p.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [m.to_dict(include_metadata=with_metadata) for m in page],
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _api_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self._conversation(p.get("channel"), member=True)
        ts = str(self._arg(p, "ts"))
        root = ch.messages.get(ts)
        if root is None:
            raise ApiError("thread_not_found")
        root_ts = root.thread_ts or root.ts
        thread = [
            m
            for m in ch.sorted_messages()
            if (m.ts == root_ts or (m.is_reply and m.thread_ts == root_ts))
            and self._in_range(m.ts, p)
        ]
        page, cursor = self._page(thread, self._limit(p, 1000, 1000), p.get("cursor"))
        with_metadata = truthy(p.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [m.to_dict(include_metadata=with_metadata) for m in page],
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _api_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("channel"):
            ch = self._conversation(p["channel"])
            return {"ok": True, "channel": self._channel_object(ch)}
        users = p.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        wanted = [u.strip() for u in str(users or "").split(",") if u.strip()]
        wanted = [u for u in wanted if u != self.bot_user_id]
        if not wanted:
            raise ApiError("users_list_not_supplied")
        if len(wanted) > 1:
            raise invalid_arguments("the fake supports DMs with one user only")
        if wanted[0] not in self._users:
            raise ApiError("user_not_found")
        channel_id, existed = self._open_dm_locked(wanted[0])
        ch = self._channels[channel_id]
        body = self._channel_object(ch) if truthy(p.get("return_im")) else {"id": channel_id}
        out: dict[str, Any] = {"ok": True, "channel": body}
        if existed:
            out.update(no_op=True, already_open=True)
        return out

    # ------------------------------------------------------------------------ views

    def _take_trigger(self, trigger_id: str) -> dict[str, Any]:
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if time.monotonic() - trigger["at"] > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        if trigger["used"]:
            raise ApiError("exchanged_trigger_id")
        return trigger

    def _build_view(
        self,
        view: Any,
        *,
        view_id: str,
        kinds: tuple[str, ...],
        root_view_id: str | None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise invalid_arguments("failed to match all allowed schemas [json-pointer:/view]")
        errors = validate_view(view, kinds=kinds)
        if errors:
            raise invalid_arguments(*errors)
        external_id = str(view.get("external_id") or "")
        if external_id:
            for other_id, other in self._views.items():
                if other_id != view_id and other.get("external_id") == external_id:
                    raise ApiError("duplicate_external_id")
        record = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": with_block_ids(view.get("blocks") or []),
            "private_metadata": str(view.get("private_metadata") or ""),
            "callback_id": str(view.get("callback_id") or ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": truthy(view.get("clear_on_close")),
            "notify_on_close": truthy(view.get("notify_on_close")),
            "external_id": external_id,
            "root_view_id": root_view_id,
            "previous_view_id": previous_view_id,
            "app_id": self.api_app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                record[key] = copy.deepcopy(view[key])
        return record

    def _check_hash(self, p: dict[str, Any], current: dict[str, Any] | None) -> None:
        if p.get("hash") and current is not None and p["hash"] != current["hash"]:
            raise ApiError("hash_conflict")

    def _api_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = self._take_trigger(str(self._arg(p, "trigger_id")))
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        record = self._build_view(
            self._arg(p, "view"), view_id=view_id, kinds=("modal",), root_view_id=view_id
        )
        trigger["used"] = True
        self._views[view_id] = record
        self._view_users[view_id] = trigger["user"]
        self._stacks[trigger["user"]] = [view_id]
        return {"ok": True, "view": copy.deepcopy(record)}

    def _api_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = self._take_trigger(str(self._arg(p, "trigger_id")))
        stack = self._stacks.setdefault(trigger["user"], [])
        if len(stack) >= 3:
            raise ApiError("push_limit_reached")
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        previous = stack[-1] if stack else None
        record = self._build_view(
            self._arg(p, "view"),
            view_id=view_id,
            kinds=("modal",),
            root_view_id=self._views[previous]["root_view_id"] if previous else view_id,
            previous_view_id=previous,
        )
        trigger["used"] = True
        self._views[view_id] = record
        self._view_users[view_id] = trigger["user"]
        stack.append(view_id)
        return {"ok": True, "view": copy.deepcopy(record)}

    def _api_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = p.get("view_id")
        if not view_id and p.get("external_id"):
            matches = [
                v["id"] for v in self._views.values() if v["external_id"] == p["external_id"]
            ]
            view_id = matches[0] if matches else None
        if not view_id and not p.get("external_id"):
            raise invalid_arguments("missing required field: view_id")
        current = self._views.get(str(view_id)) if view_id else None
        if current is None:
            raise ApiError("not_found")
        self._check_hash(p, current)
        record = self._build_view(
            self._arg(p, "view"),
            view_id=current["id"],
            kinds=(current["type"],),
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        record["state"] = current["state"]
        self._views[current["id"]] = record
        return {"ok": True, "view": copy.deepcopy(record)}

    def _api_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(self._arg(p, "user_id"))
        if user not in self._users:
            raise ApiError("user_not_found")
        view_id = self._home.get(user) or f"V{uuid.uuid4().hex[:10].upper()}"
        self._check_hash(p, self._views.get(view_id))
        record = self._build_view(
            self._arg(p, "view"), view_id=view_id, kinds=("home",), root_view_id=view_id
        )
        self._views[view_id] = record
        self._view_users[view_id] = user
        self._home[user] = view_id
        return {"ok": True, "view": copy.deepcopy(record)}

    # -------------------------------------------------------------- assistant threads

    def _assistant_state(self, p: dict[str, Any], *, thread_required: bool) -> dict[str, Any]:
        ch = self._conversation(self._arg(p, "channel_id"))
        thread_ts = str(self._arg(p, "thread_ts") if thread_required else p.get("thread_ts") or "")
        return self._assistant.setdefault(
            (ch.id, thread_ts),
            {"status": None, "statuses": [], "title": None, "prompts": None, "prompts_title": None},
        )

    def _api_assistant_threads_setStatus(self, p: dict[str, Any]) -> dict[str, Any]:
        if "status" not in p:
            raise invalid_arguments("missing required field: status")
        state = self._assistant_state(p, thread_required=True)
        state["status"] = str(p["status"])
        state["statuses"].append(str(p["status"]))
        if p.get("loading_messages") is not None:
            state["loading_messages"] = p["loading_messages"]
        return {"ok": True}

    def _api_assistant_threads_setTitle(self, p: dict[str, Any]) -> dict[str, Any]:
        title = self._arg(p, "title")
        self._assistant_state(p, thread_required=True)["title"] = str(title)
        return {"ok": True}

    def _api_assistant_threads_setSuggestedPrompts(self, p: dict[str, Any]) -> dict[str, Any]:
        prompts = self._arg(p, "prompts")
        if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4:
            raise invalid_arguments("must contain between 1 and 4 items [json-pointer:/prompts]")
        for i, prompt in enumerate(prompts):
            if not isinstance(prompt, dict) or not prompt.get("title") or not prompt.get("message"):
                raise invalid_arguments(
                    f"missing required field: title or message [json-pointer:/prompts/{i}]"
                )
        state = self._assistant_state(p, thread_required=False)
        state["prompts"] = copy.deepcopy(prompts)
        state["prompts_title"] = p.get("title")
        return {"ok": True}
