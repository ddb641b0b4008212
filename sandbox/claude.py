"""A local fake of the Anthropic Messages API, served over real HTTP.

The real ``anthropic.Anthropic(api_key=..., base_url=fake.url)`` client runs against it
unchanged: non-streaming and streaming (SSE) replies, text and tool use, HTTP errors that the
SDK retries, and faults in the middle of a stream.  Every request is recorded as a `Call`, so a
test can script the replies, run the code under test and then read the conversation back::

    with FakeClaude() as fake:
        fake.queue("Here is the draft.")
        client = anthropic.Anthropic(api_key=fake.api_key, base_url=fake.url)
        ...
        assert fake.message_calls()[0].last_user_text == "Write the brief"

Replies are chosen per request in this order: faults (`fail_next`), queued replies (FIFO),
a tool handler (`on_tool`) when the request forces or offers only that tool, the `responder`,
then a deterministic default ("Draft: " + the start of the last user message).

Run standalone for an offline sandbox: ``python -m sandbox.claude --port 8765``.
Standard library only, so it can ship with the bot without adding dependencies.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sandbox._polling import wait_for

__all__ = ["FAULT_KINDS", "Call", "FakeClaude", "FakeReply"]

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"

FAULT_KINDS = frozenset(
    {"rate_limit", "overloaded", "server", "timeout", "midstream_error", "midstream_drop"}
)
# HTTP status and error type of the faults that answer with a plain error response.
_HTTP_FAULTS: dict[str, tuple[int, str, str]] = {
    "rate_limit": (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your rate limit",
    ),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "server": (500, "api_error", "Internal server error"),
}
# Long enough to outlast any sensible test timeout, short enough not to hang a forgotten fixture.
_DEFAULT_TIMEOUT_DELAY = 30.0
# The real API always sends retry-after on a 429; a tiny default keeps unscripted tests fast.
_DEFAULT_RATE_LIMIT_RETRY_AFTER = 0.01
_TOOL_CHOICE_TYPES = ("auto", "any", "tool", "none")
_JSON_PIECE = 12  # characters per input_json_delta, so tool input arrives in several pieces


@dataclass
class FakeReply:
    """What the fake answers with for one call."""

    text: str = ""
    tool_name: str | None = None  # if set, answer with a tool_use block calling this tool
    tool_input: dict | None = None
    stop_reason: str | None = None  # default "end_turn" or "tool_use"; "max_tokens" allowed
    # Per-reply fault/timing knobs (None = use the server-wide setting / no fault).
    ttft: float | None = None  # seconds before the first content event (after message_start)
    tokens_per_second: float | None = None  # pacing of deltas; a "token" ~ one word chunk
    error_after_chars: int | None = None  # stream N chars, then an SSE `error` event, then end
    drop_after_chars: int | None = None  # stream N chars, then close the connection abruptly


@dataclass
class Call:
    """One HTTP request the fake received, and how it answered.

    ``status`` is 0 while the request is in flight and stays 0 when the fake closed the
    connection without answering (the "timeout" fault).  A stream that later fails still
    has status 200, as on the real API.
    """

    path: str
    body: dict
    headers: dict[str, str]  # lower-cased names
    status: int
    stream: bool
    at: float  # time.monotonic() when the request arrived
    reply: FakeReply | None = None
    request_id: str = ""

    @property
    def model(self) -> str | None:
        return self.body.get("model")

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or [])

    @property
    def system_text(self) -> str:
        """The system prompt as one string (text blocks joined), "" if absent."""
        return _system_text(self.body.get("system"))

    @property
    def last_user_text(self) -> str:
        """Text of the last user message (text blocks and tool results joined)."""
        return _last_user_text(self.body)

    @property
    def tool_names(self) -> list[str]:
        return [t.get("name", "") for t in self.body.get("tools") or [] if isinstance(t, dict)]


@dataclass
class _Fault:
    kind: str
    times: int
    retry_after: float | None
    delay: float
    should_retry: bool | None


class _ApiError(Exception):
    """Raised inside request handling to answer with an Anthropic-style error body."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


class FakeClaude:
    """A fake Anthropic Messages API on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str = "test-anthropic-key",
        ttft: float = 0.0,
        tokens_per_second: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.ttft = ttft
        self.tokens_per_second = tokens_per_second
        self.responder: Callable[[dict], FakeReply | str | None] | None = None
        self.calls: list[Call] = []
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._queue: deque[FakeReply] = deque()
        self._faults: deque[_Fault] = deque()
        self._tool_handlers: dict[str, Callable[[dict], dict]] = {}
        # Set on stop() so paced streams and held "timeout" requests end promptly.
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeClaude:
        """Bind the port and serve in a daemon thread; returns self for chaining."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            # Short poll so stop() returns quickly; shutdown() waits for one poll cycle.
            kwargs={"poll_interval": 0.01},
            name=f"fake-claude-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release the port, and cut short any paced or held responses."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeClaude:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for the SDK (it appends /v1/messages itself)."""
        if self._server is None:
            raise RuntimeError("FakeClaude is not started")
        host, port = self._server.server_address[:2]
        if not isinstance(host, str):  # typeshed allows bytes; an AF_INET server's is a str
            host = bytes(host).decode()
        return f"http://{host}:{port}"

    # -- scripting -------------------------------------------------------------------------

    def queue(self, *replies: FakeReply | str) -> None:
        """Queue replies, used one per /v1/messages call in FIFO order before anything else."""
        with self._lock:
            self._queue.extend(_coerce_reply(r) for r in replies)

    def on_tool(self, name: str, fn: Callable[[dict], dict]) -> None:
        """Answer tool_use of `name` with input ``fn(request)`` when a request forces that tool
        (tool_choice {"type": "tool", "name": name}) or offers only it; queued replies win."""
        with self._lock:
            self._tool_handlers[name] = fn

    def fail_next(
        self,
        kind: str,
        *,
        times: int = 1,
        retry_after: float | None = None,
        delay: float = _DEFAULT_TIMEOUT_DELAY,
        should_retry: bool | None = None,
    ) -> None:
        """Make the next `times` /v1/messages calls fail with `kind` (see FAULT_KINDS).

        - "rate_limit" / "overloaded" / "server": 429 / 529 / 500 error responses; `retry_after`
          sets the retry-after header (rate_limit defaults to 0.01 s), `should_retry` sets
          x-should-retry.  The SDK retries these by itself.
        - "timeout": hold the request `delay` seconds, then close the connection unanswered.
        - "midstream_error" / "midstream_drop": stream about half of the reply that would have
          been sent, then an SSE error event (overloaded_error) / an abrupt close.  On a
          non-streaming request these become a 529 / a truncated body.

        Faults never consume a scripted reply, so the retry gets the reply the test queued.
        Faults queue up FIFO across calls to fail_next.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(_Fault(kind, times, retry_after, delay, should_retry))

    def reset(self) -> None:
        """Forget calls, queued replies, faults, tool handlers and the responder."""
        with self._lock:
            self.calls.clear()
            self._queue.clear()
            self._faults.clear()
            self._tool_handlers.clear()
            self.responder = None

    # -- inspection ------------------------------------------------------------------------

    def message_calls(self) -> list[Call]:
        """Calls to POST /v1/messages (not count_tokens), oldest first."""
        with self._lock:
            return [c for c in self.calls if c.path == MESSAGES_PATH]

    def wait_for(
        self,
        predicate: Callable[[], Any],
        *,
        timeout: float = 10.0,
        interval: float = 0.02,
        message: str = "condition",
    ) -> Any:
        """Poll `predicate` until truthy and return its value; AssertionError on timeout."""
        return wait_for(predicate, timeout=timeout, interval=interval, message=message)

    # -- internals used by the handler -----------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.popleft()
            return fault

    def _choose_reply(self, body: dict, *, consume: bool = True) -> FakeReply:
        """Pick the reply for a request: queue, then tool handler, responder, default."""
        with self._lock:
            if self._queue:
                return self._queue.popleft() if consume else self._queue[0]
            handlers = dict(self._tool_handlers)
            responder = self.responder
        # Handlers run outside the lock: they may call back into the fake (e.g. queue()).
        tool = _handled_tool(body)
        if tool is not None and tool in handlers:
            return FakeReply(tool_name=tool, tool_input=handlers[tool](body))
        if responder is not None:
            reply = responder(body)
            if reply is not None:
                return _coerce_reply(reply)
        return _default_reply(body)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopping; returns False if the fake is shutting down."""
        if seconds <= 0:
            return not self._stopping.is_set()
        return not self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must never block interpreter exit
    allow_reuse_address = True
    fake: FakeClaude


class _Handler(BaseHTTPRequestHandler):
    """Speaks just enough HTTP/1.1 for httpx: chunked SSE, then Connection: close."""

    # HTTP/1.1 is needed for chunked transfer: with it an abrupt close is visible to the client
    # as an incomplete body (with close-delimited bodies a drop would look like a normal end).
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; tests inspect `FakeClaude.calls` instead."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # -- request handling ------------------------------------------------------------------

    def _dispatch(self) -> None:
        fake = self.server.fake
        self.close_connection = True  # one request per connection keeps shutdown simple
        request_id = _new_id("req_")
        path = urlsplit(self.path).path.rstrip("/") or "/"
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read_body()
        body: Any
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        call = Call(
            path=path,
            body=body if isinstance(body, dict) else {},
            headers=headers,
            status=0,
            stream=isinstance(body, dict) and body.get("stream") is True,
            at=time.monotonic(),
            request_id=request_id,
        )
        # Recorded on arrival so tests can wait_for in-flight requests (e.g. a held timeout).
        fake._record(call)
        try:
            self._handle(fake, call, body, raw)
        except _ApiError as err:
            self._send_error(call, err.status, err.error_type, err.message)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. it timed out); nothing left to answer
        except Exception as err:  # a test's responder/handler blew up: say so, loudly
            if call.status:  # a response is already under way; cutting it off is all we can do
                self._abort()
                return
            self._send_error(call, 500, "api_error", f"fake responder failed: {err!r}")

    def _handle(self, fake: FakeClaude, call: Call, body: Any, raw: bytes) -> None:
        if call.path not in (MESSAGES_PATH, COUNT_TOKENS_PATH):
            raise _ApiError(404, "not_found_error", f"Not found: {self.command} {call.path}")
        if self.command != "POST":
            raise _ApiError(405, "invalid_request_error", f"Method {self.command} not allowed")
        # Authentication comes first on the real API, before any body checks.  The SDK sends
        # the key as x-api-key or (newer versions) as a bearer token; accept either.
        bearer = call.headers.get("authorization", "")
        if call.headers.get("x-api-key") != fake.api_key and bearer != f"Bearer {fake.api_key}":
            raise _ApiError(401, "authentication_error", "invalid x-api-key")
        if not call.headers.get("anthropic-version"):
            raise _ApiError(400, "invalid_request_error", "anthropic-version: header is required")
        if not isinstance(body, dict):
            what = "empty" if not raw else "not a JSON object"
            raise _ApiError(400, "invalid_request_error", f"request body is {what}")

        if call.path == COUNT_TOKENS_PATH:
            _validate(body, require_max_tokens=False)
            self._send_json(call, 200, {"input_tokens": _input_tokens(body)})
            return

        _validate(body, require_max_tokens=True)
        fault = fake._take_fault()
        if fault is not None and fault.kind in _HTTP_FAULTS:
            self._send_http_fault(call, fault)
            return
        if fault is not None and fault.kind == "timeout":
            fake._wait(fault.delay)  # hold the request; the client gives up first
            self._abort()
            return
        if fault is not None:
            # Stream faults show part of what would have been said without using up the
            # scripted reply, so a retry by the application gets it.
            reply = _with_midstream_fault(fake._choose_reply(body, consume=False), fault.kind)
        else:
            reply = fake._choose_reply(body)
        reply = _fit_to_max_tokens(reply, body["max_tokens"])
        call.reply = reply
        if call.stream:
            self._send_stream(fake, call, body, reply)
        else:
            self._send_message(fake, call, body, reply, fault)

    # -- responses -------------------------------------------------------------------------

    def _send_message(
        self, fake: FakeClaude, call: Call, body: dict, reply: FakeReply, fault: _Fault | None
    ) -> None:
        """Non-streaming answer, delayed as long as streaming it would have taken."""
        blocks = _content_blocks(reply)
        pieces = sum(len(_pieces(b)) for b in blocks)
        ttft = fake.ttft if reply.ttft is None else reply.ttft
        tps = reply.tokens_per_second or fake.tokens_per_second
        if not fake._wait(ttft + (pieces / tps if tps else 0.0)):
            self._abort()
            return
        if reply.error_after_chars is not None:
            # No SSE channel to fail on: a 529 is what the API returns in its place.
            retry_after = fault.retry_after if fault is not None else None
            extra = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None
            self._send_error(call, 529, "overloaded_error", "Overloaded", extra)
            return
        message = _message_json(body, reply, blocks)
        if reply.drop_after_chars is not None:
            data = json.dumps(message).encode()
            call.status = 200
            self.send_response(200)
            self._common_headers(call, "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])  # promised more than we send
            self._abort()
            return
        self._send_json(call, 200, message)

    def _send_stream(self, fake: FakeClaude, call: Call, body: dict, reply: FakeReply) -> None:
        """Server-sent events in the real API's order, one flushed HTTP chunk per event."""
        call.status = 200
        self.send_response(200)
        self._common_headers(call, "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        blocks = _content_blocks(reply)
        start = _message_json(body, reply, [])
        start.update(stop_reason=None, stop_sequence=None)
        start["usage"]["output_tokens"] = 1  # the API reports a token already at start
        self._event("message_start", {"type": "message_start", "message": start})
        self._event("ping", {"type": "ping"})

        ttft = fake.ttft if reply.ttft is None else reply.ttft
        tps = reply.tokens_per_second or fake.tokens_per_second
        if not fake._wait(ttft):
            self._abort()
            return
        fail_at, fail_kind = _failure_point(reply)
        sent = 0  # content characters streamed so far, for the *_after_chars knobs
        first_delta = True
        for index, block in enumerate(blocks):
            self._event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": _empty(block)},
            )
            for piece in _pieces(block):
                if fail_at is not None and sent >= fail_at:
                    self._fail_stream(fail_kind)
                    return
                if fail_at is not None:
                    piece = piece[: fail_at - sent]  # stop exactly at the requested char
                if not first_delta and tps and not fake._wait(1.0 / tps):
                    self._abort()
                    return
                first_delta = False
                self._event("content_block_delta", _delta(index, block, piece))
                sent += len(piece)
            if fail_at is not None and sent >= fail_at:
                self._fail_stream(fail_kind)
                return
            self._event("content_block_stop", {"type": "content_block_stop", "index": index})
        if fail_at is not None:  # reply shorter than the limit: fail at the end of content
            self._fail_stream(fail_kind)
            return
        final = _message_json(body, reply, blocks)
        self._event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": final["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": final["usage"]["output_tokens"]},
            },
        )
        self._event("message_stop", {"type": "message_stop"})
        self._write_chunk(b"")  # the zero-length chunk ends the body cleanly

    def _fail_stream(self, kind: str) -> None:
        if kind == "error":
            error = {"type": "overloaded_error", "message": "Overloaded"}
            self._event("error", {"type": "error", "error": error})
            self._write_chunk(b"")
        else:
            self._abort()

    def _send_http_fault(self, call: Call, fault: _Fault) -> None:
        status, error_type, message = _HTTP_FAULTS[fault.kind]
        retry_after = fault.retry_after
        if retry_after is None and fault.kind == "rate_limit":
            retry_after = _DEFAULT_RATE_LIMIT_RETRY_AFTER
        extra: dict[str, str] = {}
        if retry_after is not None:
            # The SDK accepts float seconds; print integers the way the API does.
            extra["retry-after"] = f"{retry_after:g}"
        if fault.should_retry is not None:
            extra["x-should-retry"] = "true" if fault.should_retry else "false"
        self._send_error(call, status, error_type, message, extra)

    def _send_error(
        self,
        call: Call,
        status: int,
        error_type: str,
        message: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        payload = {
            "type": "error",
            "error": {"type": error_type, "message": message},
            "request_id": call.request_id,
        }
        self._send_json(call, status, payload, extra_headers)

    def _send_json(
        self,
        call: Call,
        status: int,
        payload: dict,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        call.status = status
        # 529 is not in http.HTTPStatus, so give it the API's reason phrase explicitly.
        self.send_response(status, "Overloaded" if status == 529 else None)
        self._common_headers(call, "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _common_headers(self, call: Call, content_type: str) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("request-id", call.request_id)
        self.send_header("Connection", "close")

    # -- wire helpers ----------------------------------------------------------------------

    def _event(self, event_type: str, data: dict) -> None:
        line = f"event: {event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
        self._write_chunk(line.encode())

    def _write_chunk(self, data: bytes) -> None:
        # wfile is unbuffered (wbufsize=0), so each chunk reaches the socket immediately.
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _abort(self) -> None:
        """Close the socket mid-response so the client sees an incomplete message."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()  # trailing CRLF after the last chunk
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


# -- request validation ----------------------------------------------------------------------


def _invalid(message: str) -> _ApiError:
    return _ApiError(400, "invalid_request_error", message)


def _validate(body: dict, *, require_max_tokens: bool) -> None:
    """Minimal checks mirroring the API's 400s, with the offending field named first."""
    model = body.get("model")
    if model is None:
        raise _invalid("model: Field required")
    if not isinstance(model, str) or not model:
        raise _invalid("model: Input should be a non-empty string")
    if require_max_tokens or "max_tokens" in body:
        max_tokens = body.get("max_tokens")
        if max_tokens is None:
            raise _invalid("max_tokens: Field required")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
            raise _invalid("max_tokens: Input should be a valid integer")
        if max_tokens < 1:
            raise _invalid("max_tokens: Input should be greater than or equal to 1")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _invalid("stream: Input should be a valid boolean")
    _validate_messages(body.get("messages"))
    _validate_system(body.get("system"))
    tool_names = _validate_tools(body.get("tools"))
    _validate_tool_choice(body.get("tool_choice"), tool_names, has_tools="tools" in body)


def _validate_messages(messages: Any) -> None:
    if messages is None:
        raise _invalid("messages: Field required")
    if not isinstance(messages, list):
        raise _invalid("messages: Input should be a valid list")
    if not messages:
        raise _invalid("messages: at least one message is required")
    previous_role = None
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _invalid(f"messages.{i}: Input should be a valid dictionary")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise _invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise _invalid('messages.0.role: first message must use the "user" role')
        if role == previous_role:
            raise _invalid(
                f'messages.{i}.role: roles must alternate between "user" and "assistant"'
            )
        previous_role = role
        content = message.get("content")
        if content is None:
            raise _invalid(f"messages.{i}.content: Field required")
        is_final_assistant = role == "assistant" and i == len(messages) - 1
        if isinstance(content, str):
            # Only a final assistant turn (a prefill) may be empty on the real API.
            if not content and not is_final_assistant:
                raise _invalid(
                    f"messages.{i}.content: all messages must have non-empty content "
                    "except for the optional final assistant message"
                )
        elif isinstance(content, list):
            if not content and not is_final_assistant:
                raise _invalid(f"messages.{i}.content: List should have at least 1 item")
            for j, block in enumerate(content):
                if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                    raise _invalid(f"messages.{i}.content.{j}.type: Field required")
                if block["type"] == "text" and not isinstance(block.get("text"), str):
                    raise _invalid(f"messages.{i}.content.{j}.text: Field required")
                if block["type"] in ("image", "document"):
                    _validate_source(block, f"messages.{i}.content.{j}")
        else:
            raise _invalid(f"messages.{i}.content: Input should be a valid string or list")


_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
_MAX_IMAGE_BASE64 = 5 * 1024 * 1024  # the API's limit on one image's base64 string


def _validate_source(block: dict, where: str) -> None:
    """An image or document block's source, checked as the API checks it: type, media type,
    base64 that decodes, images within 5 MB and of the type they claim."""
    source = block.get("source")
    if not isinstance(source, dict):
        raise _invalid(f"{where}.source: Field required")
    kind = source.get("type")
    media_type = source.get("media_type")
    data = source.get("data")
    if block["type"] == "image":
        if kind == "url":
            return
        if kind != "base64":
            raise _invalid(f"{where}.source.type: Input should be 'base64', 'url' or 'file'")
        if media_type not in _IMAGE_TYPES:
            raise _invalid(f"{where}.source.media_type: Input should be {', '.join(_IMAGE_TYPES)}")
    else:
        if kind == "text":
            if media_type != "text/plain" or not isinstance(data, str):
                raise _invalid(f"{where}.source: a text source needs media_type text/plain, data")
            return
        if kind in ("url", "content", "file"):
            return
        if kind != "base64" or media_type != "application/pdf":
            raise _invalid(f"{where}.source.media_type: Input should be 'application/pdf'")
    if not isinstance(data, str) or not data:
        raise _invalid(f"{where}.source.data: Field required")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise _invalid(f"{where}.source.data: invalid base64 data") from None
    if block["type"] == "image":
        if len(data) > _MAX_IMAGE_BASE64:
            raise _invalid(f"{where}.source.base64: image exceeds 5 MB maximum")
        if not raw.startswith(_IMAGE_MAGIC[media_type]):
            raise _invalid(f"{where}: Image does not match the provided media type {media_type}")
    elif not raw.lstrip().startswith(b"%PDF-"):
        raise _invalid(f"{where}: The PDF specified was not valid.")


def _validate_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _invalid("system: Input should be a valid string or list of text blocks")
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _invalid(f"system.{i}.type: Input should be 'text'")
        if not isinstance(block.get("text"), str):
            raise _invalid(f"system.{i}.text: Field required")


def _validate_tools(tools: Any) -> list[str]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _invalid("tools: Input should be a valid list")
    names = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _invalid(f"tools.{i}: Input should be a valid dictionary")
        name = tool.get("name")
        if not isinstance(name, str) or not name:
            raise _invalid(f"tools.{i}.name: Field required")
        # Server tools (web_search_…, bash_…) carry a versioned type and no schema.
        is_custom = tool.get("type") in (None, "custom")
        if is_custom and not isinstance(tool.get("input_schema"), dict):
            raise _invalid(f"tools.{i}.custom.input_schema: Field required")
        if name in names:
            raise _invalid(f"tools: Tool names must be unique; {name!r} is repeated")
        names.append(name)
    return names


def _validate_tool_choice(choice: Any, tool_names: list[str], *, has_tools: bool) -> None:
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in _TOOL_CHOICE_TYPES:
        raise _invalid(f"tool_choice.type: Input should be one of {', '.join(_TOOL_CHOICE_TYPES)}")
    if not has_tools and choice["type"] != "none":
        raise _invalid("tool_choice: may only be specified while providing tools")
    if choice["type"] == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            raise _invalid("tool_choice.tool.name: Field required")
        if name not in tool_names:
            raise _invalid(f"tool_choice.tool.name: tool {name!r} is not in tools")


# -- replies ---------------------------------------------------------------------------------


def _coerce_reply(reply: FakeReply | str) -> FakeReply:
    if isinstance(reply, FakeReply):
        return reply
    if isinstance(reply, str):
        return FakeReply(text=reply)
    raise TypeError(f"expected FakeReply or str, got {type(reply).__name__}")


def _handled_tool(body: dict) -> str | None:
    """The tool an `on_tool` handler may answer: forced by tool_choice, or the only one."""
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "none":
        return None
    if choice.get("type") == "tool":
        return choice.get("name")
    names = [t.get("name") for t in body.get("tools") or []]
    return names[0] if len(names) == 1 else None


def _default_reply(body: dict) -> FakeReply:
    """Deterministic answer when nothing is scripted, so unscripted calls still work.

    Honours a tool_choice that requires a tool (the real model must call one) by filling
    the tool's input_schema with placeholder values.
    """
    choice = body.get("tool_choice") or {}
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    required = None
    if choice.get("type") == "tool":
        required = next((t for t in tools if t.get("name") == choice.get("name")), None)
    elif choice.get("type") == "any" and tools:
        required = tools[0]
    if required is not None:
        tool_input = _example_from_schema(required.get("input_schema") or {})
        return FakeReply(tool_name=required["name"], tool_input=tool_input)
    return FakeReply(text="Draft: " + _last_user_text(body)[:200])


def _example_from_schema(schema: dict) -> Any:
    """A placeholder value that satisfies a simple JSON schema."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        return {k: _example_from_schema(v if isinstance(v, dict) else {}) for k, v in props.items()}
    placeholders: dict[str | None, Any] = {
        "string": "fake",
        "integer": 0,
        "number": 0,
        "boolean": False,
        "array": [],
    }
    return placeholders.get(kind)


def _with_midstream_fault(reply: FakeReply, kind: str) -> FakeReply:
    """A copy of `reply` that fails about halfway through its content."""
    total = sum(len(p) for b in _content_blocks(reply) for p in _pieces(b))
    at = max(1, total // 2)
    if kind == "midstream_error":
        return replace(reply, error_after_chars=at, drop_after_chars=None)
    return replace(reply, drop_after_chars=at, error_after_chars=None)


def _fit_to_max_tokens(reply: FakeReply, max_tokens: int) -> FakeReply:
    """Truncate text that would exceed max_tokens, as the API does (stop_reason max_tokens)."""
    if reply.tool_name or reply.stop_reason or _tokens(reply.text) <= max_tokens:
        return reply
    return replace(reply, text=reply.text[: max_tokens * 4], stop_reason="max_tokens")


def _failure_point(reply: FakeReply) -> tuple[int | None, str]:
    """Where (in content chars) a stream should fail, and how; the earlier knob wins."""
    options = [
        (reply.error_after_chars, "error"),
        (reply.drop_after_chars, "drop"),
    ]
    options = [(max(0, at), kind) for at, kind in options if at is not None]
    if not options:
        return None, ""
    return min(options)


# -- message shapes --------------------------------------------------------------------------


def _content_blocks(reply: FakeReply) -> list[dict]:
    blocks: list[dict] = []
    if reply.text or not reply.tool_name:
        blocks.append({"type": "text", "text": reply.text})
    if reply.tool_name:
        blocks.append(
            {
                "type": "tool_use",
                "id": _new_id("toolu_"),
                "name": reply.tool_name,
                "input": dict(reply.tool_input or {}),
            }
        )
    return blocks


def _message_json(body: dict, reply: FakeReply, blocks: list[dict]) -> dict:
    output_chars = sum(len(p) for b in blocks for p in _pieces(b))
    stop_reason = reply.stop_reason or ("tool_use" if reply.tool_name else "end_turn")
    return {
        "id": _new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": _input_tokens(body),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": max(1, output_chars // 4),
        },
    }


def _empty(block: dict) -> dict:
    """A block as content_block_start announces it: text empty, tool input {}."""
    if block["type"] == "text":
        return {"type": "text", "text": ""}
    return {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}


def _pieces(block: dict) -> list[str]:
    """How a block's content is split into deltas: words for text, slices for tool JSON."""
    if block["type"] == "text":
        # Each piece is a word with its leading whitespace; joined they give the text back.
        return re.findall(r"\s*\S+|\s+$", block["text"])
    encoded = json.dumps(block["input"], separators=(",", ":"))
    return [encoded[i : i + _JSON_PIECE] for i in range(0, len(encoded), _JSON_PIECE)]


def _delta(index: int, block: dict, piece: str) -> dict:
    if block["type"] == "text":
        delta = {"type": "text_delta", "text": piece}
    else:
        delta = {"type": "input_json_delta", "partial_json": piece}
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _input_tokens(body: dict) -> int:
    """Rough count (chars / 4) over the prompt's strings: system, messages, tools."""
    parts = [body.get("system"), body.get("messages"), body.get("tools")]
    return _tokens("".join(_strings(parts)))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("type", "role", "id", "tool_use_id", "cache_control"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    return ""


def _last_user_text(body: dict) -> str:
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_result":
            texts.append(_content_text(block.get("content")))
    return "\n".join(t for t in texts if t)


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def main(argv: list[str] | None = None) -> None:
    """Serve a FakeClaude until interrupted (for the offline sandbox and manual poking)."""
    parser = argparse.ArgumentParser(description="Fake Anthropic Messages API")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default="test-anthropic-key")
    parser.add_argument("--ttft", type=float, default=0.0)
    parser.add_argument("--tokens-per-second", type=float, default=None)
    args = parser.parse_args(argv)
    fake = FakeClaude(
        api_key=args.api_key,
        ttft=args.ttft,
        tokens_per_second=args.tokens_per_second,
        port=args.port,
    ).start()
    print(f"FakeClaude listening on {fake.url} (api key {args.api_key!r})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
