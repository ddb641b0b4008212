"""Slack event payloads turned into typed inputs at the edge; everything else sees these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.constants import REACTION_ALIASES

# Message subtypes that are edits, deletions, joins and the like: never requests or replies.
# A tuple, not a set: a subtype that is a list or an object must compare unequal, not raise.
_PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


# Slack puts at most 10 files on one message; more than this is not a message from Slack.
MAX_MESSAGE_FILES = 20


@dataclass(frozen=True)
class SlackFile:
    """A file as a message event or files.info describes it (only `id` is sure: Slack
    Connect and free-plan limits can hide the rest, so files.info is asked again)."""

    id: str
    name: str = ""
    mimetype: str = ""
    filetype: str = ""
    pretty_type: str = ""
    size: int | None = None
    # hosted, snippet, post, external (Google Drive and the like), hidden_by_limit, tombstone.
    mode: str = ""
    is_external: bool = False
    url_private: str = ""
    url_private_download: str = ""
    # Where it is shared (files.info: channels, groups, ims and the keys of shares).
    conversations: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundMessage:
    """A person's message that may be a request or a reply in a Baton thread."""

    team_id: str
    channel_id: str
    channel_type: str
    user_id: str
    ts: str
    thread_ts: str | None
    text: str
    mentions_bot: bool
    files: tuple[SlackFile, ...] = ()

    @property
    def is_dm(self) -> bool:
        """True for a direct message to Baton."""
        return self.channel_type == "im"

    @property
    def in_thread(self) -> bool:
        """True for a reply inside an existing thread."""
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass(frozen=True)
class ReactionChange:
    """A reaction added to or removed from a message."""

    team_id: str
    channel_id: str
    ts: str
    user_id: str
    reaction: str
    added: bool
    event_id: str
    # When Slack saw the change ("" if not sent): orders an add and a removal that arrive
    # out of order, which Slack does not rule out.
    event_ts: str = ""


def team_of(body: dict[str, Any]) -> str:
    """The workspace an event belongs to."""
    event = body.get("event")
    event = event if isinstance(event, dict) else {}
    return str(body.get("team_id") or event.get("team") or "")


def _channel_type(event: dict[str, Any]) -> str:
    kind = event.get("channel_type")
    if isinstance(kind, str) and kind:
        return kind
    channel = str(event.get("channel", ""))
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def parse_message(
    body: dict[str, Any], *, bot_user_id: str, bot_id: str | None = None
) -> InboundMessage | None:
    """A person's message from a `message` or `app_mention` event; None for anything else."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
        return None
    if event.get("subtype") not in _PERSON_SUBTYPES:
        return None
    user = event.get("user")
    # Other bots (and Baton itself) never start or steer work: that is how loops start.
    if event.get("bot_id") or event.get("bot_profile") or not isinstance(user, str):
        return None
    if user == bot_user_id or (bot_id and event.get("bot_id") == bot_id):
        return None
    channel, ts = event.get("channel"), event.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
        return None
    text = event.get("text")
    text = text if isinstance(text, str) else ""
    thread_ts = event.get("thread_ts")
    return InboundMessage(
        team_id=team_of(body),
        channel_id=channel,
        channel_type=_channel_type(event),
        user_id=user,
        ts=ts,
        thread_ts=thread_ts if isinstance(thread_ts, str) and thread_ts else None,
        text=text,
        mentions_bot=event.get("type") == "app_mention" or f"<@{bot_user_id}" in text,
        files=parse_files(event.get("files")),
    )


def parse_files(files: Any) -> tuple[SlackFile, ...]:
    """The files on a message event (anything malformed left out)."""
    if not isinstance(files, list):
        return ()
    parsed = (parse_file(item) for item in files[:MAX_MESSAGE_FILES])
    return tuple(file for file in parsed if file is not None)


def parse_file(obj: Any) -> SlackFile | None:
    """A file object from an event or files.info; None without a usable id."""
    if not isinstance(obj, dict):
        return None
    file_id = obj.get("id")
    if not isinstance(file_id, str) or not 0 < len(file_id) <= 32:
        return None
    size = obj.get("size")
    shares = obj.get("shares")
    shared: list[str] = []
    for key in ("channels", "groups", "ims"):
        shared += _strings(obj.get(key))
    if isinstance(shares, dict):
        for scope in shares.values():
            if isinstance(scope, dict):
                shared += [key for key in scope if isinstance(key, str)]
    return SlackFile(
        id=file_id,
        name=_field(obj, "name") or _field(obj, "title"),
        mimetype=_field(obj, "mimetype").lower(),
        filetype=_field(obj, "filetype").lower(),
        pretty_type=_field(obj, "pretty_type"),
        # A bool is an int in Python; a size never is one.
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        mode=_field(obj, "mode"),
        is_external=obj.get("is_external") is True,
        url_private=_field(obj, "url_private", limit=2_000),
        url_private_download=_field(obj, "url_private_download", limit=2_000),
        conversations=tuple(dict.fromkeys(c for c in shared if 0 < len(c) <= 32)),
    )


def _field(obj: dict[str, Any], key: str, *, limit: int = 255) -> str:
    value = obj.get(key)
    return value[:limit] if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def normalise_reaction(name: str) -> str:
    """The reaction's base name: skin tones dropped, aliases resolved."""
    base = re.sub(r"::skin-tone-\d$", "", name)
    return REACTION_ALIASES.get(base, base)


def parse_reaction(body: dict[str, Any]) -> ReactionChange | None:
    """A reaction on a message from `reaction_added`/`reaction_removed`; None otherwise."""
    event = body.get("event")
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    item = event.get("item")
    if kind not in ("reaction_added", "reaction_removed") or not isinstance(item, dict):
        return None
    if item.get("type") != "message":
        return None
    fields = (item.get("channel"), item.get("ts"), event.get("user"), event.get("reaction"))
    if not all(isinstance(value, str) and value for value in fields):
        return None
    channel, ts, user, reaction = fields
    event_id = body.get("event_id")
    if not isinstance(event_id, str) or not event_id:
        # Without an id, the change itself is the identity (Slack always sends one).
        event_id = f"{kind}:{channel}:{ts}:{user}:{reaction}:{event.get('event_ts')}"
    return ReactionChange(
        team_id=team_of(body),
        channel_id=str(channel),
        ts=str(ts),
        user_id=str(user),
        reaction=normalise_reaction(str(reaction)),
        added=kind == "reaction_added",
        event_id=event_id,
        event_ts=str(event.get("event_ts") or ""),
    )


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted modal's values by block id: text, a selected option's value, a time, or a
    list of checked values; None where nothing was entered (or where the value is not text)."""
    state = view.get("state")
    state = state.get("values") if isinstance(state, dict) else None
    values: dict[str, Any] = {}
    if not isinstance(state, dict):
        return values
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind == "static_select":
                option = element.get("selected_option")
                values[block_id] = _text(option.get("value") if isinstance(option, dict) else None)
            elif kind == "timepicker":
                values[block_id] = _text(element.get("selected_time"))
            elif kind == "checkboxes":
                options = element.get("selected_options")
                options = options if isinstance(options, list) else []
                checked = (o.get("value") for o in options if isinstance(o, dict))
                values[block_id] = [value for value in checked if isinstance(value, str)]
            else:
                values[block_id] = _text(element.get("value"))
    return values


def _text(value: Any) -> str | None:
    # Consumers strip and parse these; anything but text reads as nothing entered.
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Deletion:
    """A message deleted in Slack: Baton drops its stored copy."""

    team_id: str
    channel_id: str
    ts: str


def parse_deletion(body: dict[str, Any]) -> Deletion | None:
    """A `message_deleted` event; None for anything else."""
    event = body.get("event")
    if not isinstance(event, dict) or event.get("subtype") != "message_deleted":
        return None
    previous = event.get("previous_message")
    ts = event.get("deleted_ts") or (previous.get("ts") if isinstance(previous, dict) else None)
    channel = event.get("channel")
    if not isinstance(ts, str) or not isinstance(channel, str) or not ts or not channel:
        return None
    return Deletion(team_id=team_of(body), channel_id=channel, ts=ts)
