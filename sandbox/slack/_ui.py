"""The fake workspace in a browser: a Slack-like page and the JSON endpoints it drives.

``GET /`` serves ``ui/index.html`` (``/ui/app.js`` and ``/ui/app.css`` with it). The page polls
``GET /ui/state?user=U…&since=N`` and acts as the chosen person through ``POST /ui/…``, which
call FakeSlack's own people's actions (post_user_message, add_reaction, send_slash_command,
click_*, submit_view): the app receives exactly what tests send it. Deliveries run off the
request thread, so the page never waits for the app; it sees the outcome on its next poll.

What only a Slack client knows lives here: a slash command's ack shown as an ephemeral, the
errors a modal shows after ``response_action: errors``, required fields checked before sending.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from sandbox.slack._blocks import find_button, find_element
from sandbox.slack._models import Delivery, Message, next_ts
from sandbox.slack._web_api import Channel, with_block_ids

if TYPE_CHECKING:
    from sandbox.slack._fake import FakeSlack

logger = logging.getLogger(__name__)

# path -> (file in the ui/ folder, content type)
STATIC: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/ui/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/ui/app.css": ("app.css", "text/css; charset=utf-8"),
}
# "/baton digest" -> ("/baton", "digest"); "/path/to/x is broken" is a message, as in Slack.
_COMMAND = re.compile(r"(/[A-Za-z0-9_-]+)(?:\s+(.*))?", re.S)
_REACTION = re.compile(r"[a-z0-9_+'-]+(?:::skin-tone-[2-6])?")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# What Slack's client says under an empty required field (it never sends such a form).
REQUIRED = "Please complete this required field."
_SELECTS = ("static_select", "radio_buttons")


class UiError(Exception):
    """A 4xx answer: ``{"ok": false, "error": ...}``."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes, str]:
    return status, json.dumps(body).encode(), "application/json; charset=utf-8"


def _str(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A string field of a request body; 400 when required and missing or of the wrong type."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise UiError(400, f"missing field: {name}")
        return None
    if not isinstance(value, str):
        raise UiError(400, f"{name} must be a string")
    return value


def _need(data: dict[str, Any], name: str) -> str:
    value = _str(data, name)
    assert value is not None  # _str raises for a missing required field
    return value


def _visible(channel: Channel, user: str) -> bool:
    """What a person's sidebar lists: public channels, private ones they are in, their DM."""
    if channel.is_im:
        return channel.user == user
    return not channel.is_private or user in channel.members


def _initial(element: dict[str, Any]) -> Any:
    """What an input shows before anyone touches it (the page's answer when it sends none)."""
    kind = element.get("type")
    if kind in _SELECTS:
        return (element.get("initial_option") or {}).get("value")
    if kind == "timepicker":
        return element.get("initial_time")
    if kind == "datepicker":
        return element.get("initial_date")
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("initial_options") or []]
    return element.get("initial_value")


def _element_state(block_id: str, element: dict[str, Any], answer: Any) -> dict[str, Any]:
    """One input's entry in view.state.values, as Slack builds it; 400 on an impossible answer."""
    kind = str(element.get("type"))
    if answer == "":
        answer = None
    if kind == "checkboxes":
        if answer is None:
            answer = []
        if not isinstance(answer, list) or not all(isinstance(v, str) for v in answer):
            raise UiError(400, f"{block_id}: checkboxes take a list of values")
        options = element.get("options") or []
        return {"type": kind, "selected_options": [o for o in options if o.get("value") in answer]}
    if answer is not None and not isinstance(answer, str):
        raise UiError(400, f"{block_id}: expected a string")
    if kind in _SELECTS:
        options = element.get("options") or []
        option = next((o for o in options if o.get("value") == answer), None)
        if answer is not None and option is None:
            raise UiError(400, f"{block_id}: no option {answer!r}")
        return {"type": kind, "selected_option": copy.deepcopy(option)}
    if kind == "timepicker":
        if answer is not None and not _TIME.fullmatch(answer):
            raise UiError(400, f"{block_id}: times are HH:MM")
        return {"type": kind, "selected_time": answer}
    if kind == "datepicker":
        if answer is not None and not _DATE.fullmatch(answer):
            raise UiError(400, f"{block_id}: dates are YYYY-MM-DD")
        return {"type": kind, "selected_date": answer}
    return {"type": kind, "value": answer}  # plain_text_input and the rest: text


def _is_empty(value: dict[str, Any]) -> bool:
    """Nothing typed, chosen or checked (every field but ``type`` is None or empty)."""
    return not any(v for k, v in value.items() if k != "type")


def form_state(
    view: dict[str, Any], answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Slack's ``view.state.values`` for ``answers`` ({block_id: text, option value, "HH:MM",
    or list of checked values}; inputs not answered keep their initial value), and the
    required-field errors Slack's client would show instead of submitting."""
    inputs = {
        str(b.get("block_id")): b
        for b in view.get("blocks") or []
        if b.get("type") == "input" and isinstance(b.get("element"), dict)
    }
    unknown = sorted(set(answers) - set(inputs))
    if unknown:
        raise UiError(400, f"no input block {unknown[0]!r} in view {view.get('id')}")
    state: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id, block in inputs.items():
        element = block["element"]
        answer = answers[block_id] if block_id in answers else _initial(element)
        value = _element_state(block_id, element, answer)
        if not block.get("optional") and _is_empty(value):
            errors[block_id] = REQUIRED
        action_id = str(element.get("action_id") or f"{block_id}-input")
        state[block_id] = {action_id: value}
    return state, errors


class SlackUi:
    """The browser side of one FakeSlack: serves the page and its JSON endpoints."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._errors: dict[str, dict[str, str]] = {}  # view_id -> field errors shown
        self._problems: dict[str, str] = {}  # view_id -> "the app did not answer" and such
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()
        self._fingerprint = b""
        self._version = 0
        self._posts: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/ui/message": self._message,
            "/ui/reaction": self._reaction,
            "/ui/click": self._click,
            "/ui/select": self._select,
            "/ui/submit": self._submit,
            "/ui/close": self._close,
            "/ui/home": self._home,
            "/ui/open-dm": self._open_dm,
        }

    # ----------------------------------------------------------------- serving

    def serve(
        self, command: str, path: str, query: str, content_type: str, body: bytes
    ) -> tuple[int, bytes, str]:
        """Answer one request under ``/`` or ``/ui/``: (status, body, content type)."""
        try:
            if command == "GET" and path in STATIC:
                name, ctype = STATIC[path]
                return 200, (resources.files("sandbox.slack") / "ui" / name).read_bytes(), ctype
            if command == "GET" and path == "/ui/state":
                return _json(200, self.state(query))
            handler = self._posts.get(path)
            if handler is None:
                raise UiError(404, f"not found: {path}")
            if command != "POST":
                raise UiError(405, f"{path} takes POST")
            return _json(200, {"ok": True, **handler(self._decode(content_type, body))})
        except UiError as e:
            return _json(e.status, {"ok": False, "error": e.error})
        except Exception as e:  # a bug here must not become a dropped connection
            logger.exception("FakeSlack UI: %s %s failed", command, path)
            return _json(500, {"ok": False, "error": f"internal error: {e}"})

    @staticmethod
    def _decode(content_type: str, body: bytes) -> dict[str, Any]:
        # JSON only: a form POST from another site cannot then act in the workspace.
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise UiError(415, "send application/json")
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise UiError(400, "invalid JSON") from None
        if not isinstance(data, dict):
            raise UiError(400, "the body must be a JSON object")
        return data

    def join(self, timeout: float) -> None:
        """Wait for deliveries started from the page (FakeSlack.stop calls this)."""
        with self._threads_lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)

    def _background(self, work: Callable[[], Any]) -> None:
        """Run a delivery off the request thread: the page learns the outcome by polling."""

        def run() -> None:
            try:
                work()
            except Exception:  # e.g. the message changed between the click and now
                logger.exception("FakeSlack UI: a delivery failed")

        server = self.fake._server
        port = server.server_address[1] if server is not None else 0
        thread = threading.Thread(target=run, name=f"FakeSlack-ui-{port}", daemon=True)
        with self._threads_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    # ---------------------------------------------------------------- look-ups

    def _person(self, data: dict[str, Any]) -> str:
        """The acting person: a known member who is not the bot."""
        user = _need(data, "user")
        person = self.fake._users.get(user)
        if person is None:
            raise UiError(404, f"unknown user {user!r}")
        if person["is_bot"]:
            raise UiError(400, f"{user} is a bot; act as a person")
        return user

    def _channel(self, user: str, channel_id: str) -> Channel:
        ch = self.fake._channels.get(channel_id)
        if ch is None or not _visible(ch, user):
            raise UiError(404, f"no channel {channel_id!r} for {user}")
        return ch

    def _message_in(self, ch: Channel, ts: str) -> Message:
        msg = ch.messages.get(ts)
        if msg is None:
            raise UiError(404, f"no message {ts} in {ch.id}")
        return msg

    def _need_receiver(self) -> None:
        if not self.fake._has_receiver():
            raise UiError(409, "nowhere to deliver to: set events_url or socket_mode")

    def _mine(self, user: str) -> list[dict[str, Any]]:
        """A person's ephemerals, in arrival order: the position is the ``ephemeral_index``."""
        return [e for e in self.fake._ephemerals if e["user"] == user]

    # ------------------------------------------------------------------- state

    def state(self, query: str) -> dict[str, Any]:
        """What one person's client shows (``user``; the first person when omitted); only
        ``{"version"}`` when ``since`` is the current version."""
        params = dict(urllib.parse.parse_qsl(query))
        user = params.get("user") or ""
        since = params.get("since")
        if since is not None and not since.lstrip("-").isdigit():
            raise UiError(400, "since must be a number")
        with self.fake._lock:
            if not user:
                # A first visit names nobody: show the workspace as its first person sees it.
                people = [u["id"] for u in self.fake._users.values() if not u["is_bot"]]
                if not people:
                    raise UiError(404, "nobody to be: add_user() first")
                user = people[0]
            if user not in self.fake._users:
                raise UiError(404, f"unknown user {user!r}")
            version = self._current_version()
            if since is not None and int(since) == version:
                return {"version": version}
            return self._snapshot(user, version)

    def _current_version(self) -> int:
        """Bumped whenever anything a page could show has changed since the last look.

        A fingerprint of the whole workspace rather than hooks on every write: nothing (a
        streamed append, a views.update, a response_url edit) can be missed.
        """
        f = self.fake
        world = {
            "users": f._users,
            "channels": [
                [ch.id, ch.name, ch.is_private, ch.members]
                + [[m.to_dict(), m.streaming] for m in ch.messages.values()]
                for ch in f._channels.values()
            ],
            "ephemerals": f._ephemerals,
            "views": f._views,
            "stacks": f._stacks,
            "home": f._home,
            "errors": self._errors,
            "problems": self._problems,
        }
        raw = json.dumps(world, sort_keys=True, default=str).encode()
        fingerprint = hashlib.blake2b(raw, digest_size=16).digest()
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._version += 1
        return self._version

    def _snapshot(self, user: str, version: int) -> dict[str, Any]:
        f = self.fake
        bot = f._users[f.bot_user_id]
        visible = [ch for ch in f._channels.values() if _visible(ch, user)]
        visible.sort(key=lambda ch: (ch.is_im, ch.name))
        stack = f._stacks.get(user) or []
        home_id = f._home.get(user)
        return {
            "version": version,
            "team": {"id": f.team_id, "name": f.team_name, "domain": f.team_domain},
            "bot": {"user_id": f.bot_user_id, "bot_id": f.bot_id, "name": bot["real_name"]},
            "user": user,
            "users": [
                {
                    "id": u["id"],
                    "name": u["name"],
                    "real_name": u["real_name"],
                    "is_bot": u["is_bot"],
                }
                for u in f._users.values()
            ],
            "channels": [
                {
                    "id": ch.id,
                    "name": bot["real_name"] if ch.is_im else ch.name,
                    "is_private": ch.is_private,
                    "is_im": ch.is_im,
                    "members": list(ch.members),
                }
                for ch in visible
            ],
            "messages": {
                ch.id: [self._message_dict(m) for m in ch.sorted_messages()] for ch in visible
            },
            "ephemerals": [
                {
                    "index": i,
                    "channel": e["channel"],
                    "ts": e.get("message_ts") or "",
                    "thread_ts": e.get("thread_ts"),
                    "text": e.get("text") or "",
                    "blocks": copy.deepcopy(e.get("blocks")),
                    "source": e.get("source"),
                }
                for i, e in enumerate(self._mine(user))
                if not e.get("deleted")
            ],
            "view": self._view_dict(stack[-1]) if stack else None,
            "home": self._view_dict(home_id) if home_id else None,
        }

    def _message_dict(self, m: Message) -> dict[str, Any]:
        author = self.fake._users.get(m.user or "")
        return {
            "ts": m.ts,
            "user": m.user,
            "user_name": author["real_name"] if author else (m.user or "unknown"),
            "bot_id": m.bot_id,
            "text": m.text,
            "blocks": copy.deepcopy(m.blocks),
            "thread_ts": m.thread_ts,
            "reply_count": m.reply_count,
            "reactions": {name: list(users) for name, users in m.reactions.items()},
            "edited": m.edited,
            "subtype": m.subtype,
            "streaming": m.streaming,
        }

    def _view_dict(self, view_id: str) -> dict[str, Any]:
        view = copy.deepcopy(self.fake._views[view_id])
        view["errors"] = dict(self._errors.get(view_id, {}))
        view["problem"] = self._problems.get(view_id)
        return view

    # --------------------------------------------------------------- endpoints

    def _message(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post as the person, or run ``/command rest`` when the text starts with one."""
        user = self._person(data)
        channel = _need(data, "channel")
        text = _need(data, "text")
        thread_ts = _str(data, "thread_ts", required=False)
        with self.fake._lock:
            ch = self._channel(user, channel)
            if thread_ts is not None:
                self._message_in(ch, thread_ts)
        command = _COMMAND.fullmatch(text.strip())
        if command:
            self._need_receiver()
            name, rest = command.group(1), (command.group(2) or "").strip()
            self._background(lambda: self._run_command(user, ch.id, name, rest))
            return {"command": name}
        ts = self.fake.post_user_message(user, ch.id, text, thread_ts=thread_ts, wait=False)
        return {"ts": ts}

    def _run_command(self, user: str, channel: str, command: str, text: str) -> None:
        # The ack shows where the command was typed, before whatever the app did meanwhile.
        sent_ts = next_ts()
        delivery = self.fake.send_slash_command(user, channel, command, text)
        if not self.fake._stopping.is_set():
            self._record_ack(user, channel, command, delivery, sent_ts)

    def _record_ack(
        self, user: str, channel: str, command: str, delivery: Delivery, sent_ts: str
    ) -> None:
        """Show the command's ack as Slack does: its body as an ephemeral (or, with
        ``response_type: in_channel``, as a message), a failure as Slack's error line."""
        response_type = None
        blocks: Any = None
        if not delivery.ok:
            reason = "operation_timeout" if delivery.timed_out else "dispatch_failed"
            text = f'{command} failed with the error "{reason}"'
        else:
            body = delivery.response_body.strip()
            try:
                answer = json.loads(body) if body else None
            except ValueError:
                answer = body  # a plain-text ack is shown as it is
            if isinstance(answer, dict):
                text = str(answer.get("text") or "")
                blocks = answer.get("blocks") if isinstance(answer.get("blocks"), list) else None
                response_type = answer.get("response_type")
            else:
                text = str(answer or "")
            if not text and not blocks:
                return  # an empty ack shows nothing
        with self.fake._lock:
            ch = self.fake._channels[channel]
            if response_type == "in_channel":
                msg = self.fake._bot_message(ch, text=text, blocks=with_block_ids(blocks))
                self.fake._store_bot_message(ch, msg)
                return
            self.fake._ephemerals.append(
                {
                    "source": "command",
                    "command": command,
                    "channel": channel,
                    "user": user,
                    "text": text,
                    "blocks": with_block_ids(blocks),
                    "thread_ts": None,
                    "message_ts": sent_ts,
                }
            )

    def _reaction(self, data: dict[str, Any]) -> dict[str, Any]:
        """Add (``add: true``) or take back a reaction."""
        user = self._person(data)
        name = _need(data, "name").strip(":")
        if not _REACTION.fullmatch(name):
            raise UiError(400, f"invalid reaction name {name!r}")
        add = data.get("add")
        if not isinstance(add, bool):
            raise UiError(400, "add must be true or false")
        with self.fake._lock:
            ch = self._channel(user, _need(data, "channel"))
            msg = self._message_in(ch, _need(data, "ts"))
        if add:
            self.fake.add_reaction(user, ch.id, msg.ts, name, wait=False)
        else:
            self.fake.remove_reaction(user, ch.id, msg.ts, name, wait=False)
        return {}

    def _click(self, data: dict[str, Any]) -> dict[str, Any]:
        """A button on a view (``view_id``), an ephemeral (``ephemeral_index``) or a stored
        message (``channel`` + ``message_ts``); ``block_id`` picks among same-named buttons."""
        user = self._person(data)
        action_id = _need(data, "action_id")
        block_id = _str(data, "block_id", required=False)
        self._need_receiver()
        with self.fake._lock:
            work = self._click_work(user, data, action_id, block_id)
        self._background(work)
        return {}

    def _click_work(
        self, user: str, data: dict[str, Any], action_id: str, block_id: str | None
    ) -> Callable[[], Any]:
        """Check the button is there now (4xx if not) and say how to deliver the click."""
        fake = self.fake
        view_id = _str(data, "view_id", required=False)
        if view_id is not None:
            view = self._open_view(user, view_id)
            self._button(view.get("blocks"), action_id, block_id)
            return lambda: fake.click_view_button(user, view, action_id, block_id=block_id)
        index = data.get("ephemeral_index")
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise UiError(400, "ephemeral_index must be a number")
            mine = self._mine(user)
            if not 0 <= index < len(mine) or mine[index].get("deleted"):
                raise UiError(404, f"no ephemeral {index} for {user}")
            shown = copy.deepcopy(mine[index])
            self._button(shown.get("blocks"), action_id, block_id)
            return lambda: fake.click_ephemeral_button(
                user,
                shown["channel"],
                shown["blocks"],
                action_id,
                block_id=block_id,
                message_ts=shown.get("message_ts"),
            )
        channel = _str(data, "channel", required=False)
        ts = _str(data, "message_ts", required=False)
        if channel is None or ts is None:
            raise UiError(400, "say where: view_id, ephemeral_index, or channel and message_ts")
        ch = self._channel(user, channel)
        self._button(self._message_in(ch, ts).blocks, action_id, block_id)
        return lambda: fake.click_button(user, ch.id, ts, action_id, block_id=block_id)

    def _select(self, data: dict[str, Any]) -> dict[str, Any]:
        """A person picks someone (``selected``) in a users_select on a stored message
        (``channel`` + ``message_ts``)."""
        user = self._person(data)
        action_id = _need(data, "action_id")
        block_id = _str(data, "block_id", required=False)
        selected = _need(data, "selected")
        self._need_receiver()
        with self.fake._lock:
            if selected not in self.fake._users:
                raise UiError(404, f"unknown user {selected!r}")
            ch = self._channel(user, _need(data, "channel"))
            ts = _need(data, "message_ts")
            blocks = self._message_in(ch, ts).blocks or []
            if find_element(blocks, action_id, "users_select", block_id) is None:
                raise UiError(404, f"no person picker {action_id!r} there")
        self._background(
            lambda: self.fake.select_user(user, ch.id, ts, action_id, selected, block_id=block_id)
        )
        return {}

    @staticmethod
    def _button(blocks: Any, action_id: str, block_id: str | None) -> None:
        if not isinstance(blocks, list) or find_button(blocks, action_id, block_id) is None:
            raise UiError(404, f"no button {action_id!r} there")

    def _open_view(self, user: str, view_id: str) -> dict[str, Any]:
        """A copy of a view the person has open: a modal on their stack, or their Home."""
        fake = self.fake
        is_open = view_id in (fake._stacks.get(user) or []) or fake._home.get(user) == view_id
        if view_id not in fake._views or not is_open:
            raise UiError(404, f"{user} has no open view {view_id!r}")
        return copy.deepcopy(fake._views[view_id])

    def _submit(self, data: dict[str, Any]) -> dict[str, Any]:
        """Submit the person's top modal with the page's values ({block_id: value})."""
        user = self._person(data)
        view_id = _need(data, "view_id")
        values = data.get("values") or {}
        if not isinstance(values, dict):
            raise UiError(400, "values must be an object of block_id: value")
        with self.fake._lock:
            stack = self.fake._stacks.get(user) or []
            if not stack or stack[-1] != view_id:
                raise UiError(404, f"{view_id!r} is not {user}'s open modal")
            state, errors = form_state(self.fake._views[view_id], values)
            self._problems.pop(view_id, None)
            if errors:
                # Slack's client stops here: the app never sees an incomplete form.
                self._errors[view_id] = errors
                self.fake._views[view_id]["state"] = {"values": state}  # keep what was typed
                return {"errors": errors}
            self._errors.pop(view_id, None)
        self._need_receiver()
        self._background(lambda: self._deliver_submission(user, view_id, state))
        return {}

    def _deliver_submission(self, user: str, view_id: str, state: dict[str, Any]) -> None:
        delivery = self.fake.submit_view(user, view_id, state)
        try:
            answer = delivery.json()
        except ValueError:
            answer = None
        with self.fake._lock:
            if not delivery.ok:
                reason = "timed out" if delivery.timed_out else f"failed ({delivery.status})"
                self._problems[view_id] = f"The app's answer {reason}; please try again."
            elif isinstance(answer, dict) and answer.get("response_action") == "errors":
                errors = answer.get("errors")
                if isinstance(errors, dict):
                    self._errors[view_id] = {str(k): str(v) for k, v in errors.items()}

    def _close(self, data: dict[str, Any]) -> dict[str, Any]:
        """Cancel: the modal (and any pushed above it) closes; view_closed if it asked."""
        user = self._person(data)
        view_id = _need(data, "view_id")
        fake = self.fake
        with fake._lock:
            stack = fake._stacks.get(user) or []
            if view_id not in stack:
                raise UiError(404, f"{view_id!r} is not open for {user}")
            closed = stack[stack.index(view_id) :]
            del stack[stack.index(view_id) :]
            for gone in closed:
                self._errors.pop(gone, None)
                self._problems.pop(gone, None)
            notify = [copy.deepcopy(fake._views[v]) for v in closed]
            notify = [v for v in notify if v.get("notify_on_close")]
            person = fake._users[user]
            payloads = [
                {
                    "type": "view_closed",
                    "team": {"id": fake.team_id, "domain": fake.team_domain},
                    "user": fake._payload_user(user, person),
                    "api_app_id": fake.api_app_id,
                    "token": fake.verification_token,
                    "view": view,
                    "is_cleared": False,
                }
                for view in notify
            ]
        if fake._has_receiver():
            for payload in payloads:
                self._background(functools.partial(fake._post_payload, "view_closed", payload))
        return {}

    def _home(self, data: dict[str, Any]) -> dict[str, Any]:
        """The person opens Baton's Home tab: an ``app_home_opened`` event."""
        user = self._person(data)
        self._need_receiver()
        fake = self.fake
        with fake._lock:
            dm, _ = fake._open_dm_locked(user)
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": user,
                "channel": dm,
                "tab": "home",
                "event_ts": next_ts(),
            }
            home_id = fake._home.get(user)
            if home_id:
                event["view"] = copy.deepcopy(fake._views[home_id])
            fake._emit(fake._channels[dm], event)
        return {"channel": dm}

    def _open_dm(self, data: dict[str, Any]) -> dict[str, Any]:
        """The person's DM with the bot, opened if new (nothing is sent to the app)."""
        return {"channel": self.fake.open_dm(self._person(data))}
