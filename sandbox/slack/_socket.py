"""Socket Mode: a small RFC 6455 WebSocket server carrying Slack's envelopes, stdlib only.

``SocketServer`` listens on its own port of 127.0.0.1 and speaks what Slack's Socket Mode
endpoint speaks: a ticketed Upgrade handshake on ``/link/``, ``hello`` on connect, JSON text
messages both ways (envelopes out, acks in), ping/pong, ``disconnect`` and the close handshake.
``SocketMode`` is FakeSlack's side of it: ``apps.connections.open``, sending a Delivery as an
envelope and waiting for its ack, the fault switches and inspection.

Frames from clients must be masked and may be fragmented; frames to clients are never masked
or fragmented (slack_sdk's built-in client cannot reassemble fragments).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import selectors
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack._models import Delivery
from sandbox.slack._web_api import ApiError

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_DATA_OPCODES = (OP_CONTINUATION, OP_TEXT, OP_BINARY)
_CONTROL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_MAX_HANDSHAKE_BYTES = 16 * 1024
# A client that connects and never finishes its handshake must not pin a thread.
_HANDSHAKE_SECONDS = 5.0
# Readers wake this often to notice abort/stop even if no byte arrives (belt and braces:
# shutdown() and the stop pipe normally wake them at once).
_POLL_SECONDS = 0.5
# After sending Close we wait this long for the peer to hang up before closing ourselves.
_CLOSE_GRACE_SECONDS = 0.5
# Slack pings its clients too. It matters here: slack_sdk's built-in client lets go of a socket
# (close(), or the old one on a refresh) only once its reader's recv() returns, which without
# traffic takes its whole 3 s receive timeout. A frequent ping makes that return promptly.
KEEPALIVE_SECONDS = 0.25

# What a Socket Mode delivery's ``type`` is, by Delivery.kind.
SOCKET_TYPES = {
    "event": "events_api",
    "command": "slash_commands",
    "block_actions": "interactive",
    "view_submission": "interactive",
}


class ProtocolError(Exception):
    """The peer broke RFC 6455: fail the connection with Close ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes = b"") -> bytes:
    """One final, unmasked frame: servers never mask (RFC 6455 section 5.1)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def _unmask(data: bytes, mask: bytes) -> bytes:
    # XOR as one big integer: far faster than a per-byte loop for multi-kilobyte envelopes.
    n = len(data)
    if not n:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def _valid_close_code(code: int) -> bool:
    # 1004-1006 and 1015 are reserved and never sent on the wire (RFC 6455 section 7.4).
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


class FrameParser:
    """Incremental parser for client frames: ``feed`` bytes, get back whole messages.

    Returns ``(opcode, payload)`` for each complete text/binary message (fragments joined,
    opcode of the first fragment) and for each control frame, in arrival order.
    """

    def __init__(self, max_message: int = MAX_MESSAGE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_message
        self._opcode: int | None = None  # of the fragmented message in progress
        self._parts = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        out: list[tuple[int, bytes]] = []
        while (frame := self._next_frame()) is not None:
            fin, opcode, payload = frame
            if opcode in _CONTROL_OPCODES:
                out.append((opcode, payload))  # may arrive between fragments
                continue
            if opcode == OP_CONTINUATION:
                if self._opcode is None:
                    raise ProtocolError(1002, "continuation frame without a message to continue")
            elif self._opcode is not None:
                raise ProtocolError(1002, "new message before the fragmented one finished")
            else:
                self._opcode = opcode
            self._parts += payload
            if len(self._parts) > self._max:
                raise ProtocolError(1009, "message too big")
            if fin:
                out.append((self._opcode, bytes(self._parts)))
                self._opcode, self._parts = None, bytearray()
        return out

    def _next_frame(self) -> tuple[bool, int, bytes] | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        b1, b2 = buf[0], buf[1]
        fin, rsv, opcode = bool(b1 & 0x80), b1 & 0x70, b1 & 0x0F
        masked, length, pos = bool(b2 & 0x80), b2 & 0x7F, 2
        if rsv:
            raise ProtocolError(1002, "reserved bits set, but no extension was negotiated")
        if opcode not in _DATA_OPCODES and opcode not in _CONTROL_OPCODES:
            raise ProtocolError(1002, f"unknown opcode {opcode:#x}")
        if not masked:
            raise ProtocolError(1002, "client frames must be masked")
        if opcode in _CONTROL_OPCODES and (not fin or length > 125):
            raise ProtocolError(1002, "control frames must be final and at most 125 bytes")
        if length == 126:
            if len(buf) < 4:
                return None
            (length,) = struct.unpack_from("!H", buf, 2)
            pos = 4
        elif length == 127:
            if len(buf) < 10:
                return None
            (length,) = struct.unpack_from("!Q", buf, 2)
            pos = 10
            if length >> 63:
                raise ProtocolError(1002, "payload length has its most significant bit set")
        if length > self._max:
            raise ProtocolError(1009, "message too big")
        end = pos + 4 + length
        if len(buf) < end:
            return None
        payload = _unmask(bytes(buf[pos + 4 : end]), bytes(buf[pos : pos + 4]))
        del buf[:end]
        return fin, opcode, payload


class _Refused(Exception):
    """A handshake answered with an HTTP error instead of 101."""

    def __init__(self, status: int, reason: str, body: str, headers: dict[str, str]) -> None:
        super().__init__(body)
        self.status, self.reason, self.body, self.headers = status, reason, body, headers


def _refuse(status: int, body: str, **headers: str) -> _Refused:
    reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Not Allowed"}
    reasons[426] = "Upgrade Required"
    return _Refused(
        status, reasons[status], body, {k.replace("_", "-"): v for k, v in headers.items()}
    )


class _Connection:
    """One WebSocket: its thread does the handshake, then reads frames until it closes."""

    def __init__(self, server: SocketServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.number = 0  # 1-based, set when the handshake succeeds
        self.closed = threading.Event()
        self._send_lock = threading.Lock()
        self._close_sent = False
        self._abort = False

    # ------------------------------------------------------------------ sending

    def send(self, opcode: int, payload: bytes) -> None:
        """Send one frame; raises ConnectionError once a Close has gone out."""
        with self._send_lock:
            if self._close_sent:
                raise ConnectionError("the WebSocket is closing")
            self.sock.sendall(encode_frame(opcode, payload))
            if opcode == OP_CLOSE:
                self._close_sent = True

    def _send_close(self, code: int, reason: str = "") -> None:
        with contextlib.suppress(OSError):  # ConnectionError is an OSError too
            self.send(OP_CLOSE, struct.pack("!H", code) + reason.encode()[:123])

    def abort(self) -> None:
        """Drop the TCP connection with a reset, without a Close frame (a network failure)."""
        self._abort = True
        # SHUT_RD sends nothing on the wire but wakes the reader, which then resets.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RD)

    # ------------------------------------------------------------------ the thread

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        sel.register(self.server._wake_r, selectors.EVENT_READ)
        try:
            leftover = self._handshake(sel)
            if leftover is not None:
                self._serve(sel, leftover)
        except OSError:
            pass  # the peer went away mid-read or mid-write: nothing left to tell it
        finally:
            self._finish(sel)

    def _stop_reading(self) -> bool:
        return self._abort or self.server.stopping

    def _readable(self, sel: selectors.BaseSelector, timeout: float) -> bool:
        return any(key.fileobj is self.sock for key, _ in sel.select(timeout))

    def _handshake(self, sel: selectors.BaseSelector) -> bytes | None:
        """Read and answer the Upgrade request; returns bytes read past it, None if refused."""
        deadline = time.monotonic() + _HANDSHAKE_SECONDS
        buf = b""
        while b"\r\n\r\n" not in buf:
            left = deadline - time.monotonic()
            if len(buf) > _MAX_HANDSHAKE_BYTES or left <= 0 or self._stop_reading():
                return None
            if not self._readable(sel, min(left, _POLL_SECONDS)):
                continue
            data = self.sock.recv(4096)
            if not data:
                return None
            buf += data
        head, _, rest = buf.partition(b"\r\n\r\n")
        try:
            key = self._check_request(head.decode("latin-1"))
        except _Refused as e:
            body = e.body.encode()
            lines = [f"HTTP/1.1 {e.status} {e.reason}", "Content-Type: text/plain"]
            lines += [f"{k}: {v}" for k, v in e.headers.items()]
            lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
            self.sock.sendall("\r\n".join(lines).encode() + body)
            return None
        response = (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
        )
        self.sock.sendall(response.encode())
        self.server._opened(self)  # sends hello, then makes this connection deliverable
        return rest

    def _check_request(self, head: str) -> str:
        """Validate the opening handshake (RFC 6455 section 4.2.1); returns the client's key."""
        request_line, *header_lines = head.split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _refuse(400, "malformed request line")
        method, target, version = parts
        if method != "GET":
            raise _refuse(405, "a WebSocket handshake is a GET", Allow="GET")
        if version == "HTTP/1.0":
            raise _refuse(400, "a WebSocket handshake needs HTTP/1.1")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise _refuse(400, "malformed header line")
            headers[name.strip().lower()] = value.strip()
        url = urllib.parse.urlsplit(target)
        if url.path.rstrip("/") != "/link":
            raise _refuse(404, "not_found")
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        if "host" not in headers:
            raise _refuse(400, "missing Host")
        if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in tokens:
            raise _refuse(400, "not a WebSocket upgrade")
        if headers.get("sec-websocket-version") != "13":
            raise _refuse(426, "unsupported WebSocket version", Sec_WebSocket_Version="13")
        key = headers.get("sec-websocket-key", "")
        try:
            if len(base64.b64decode(key, validate=True)) != 16:
                raise ValueError(key)
        except (ValueError, binascii.Error):
            raise _refuse(400, "bad Sec-WebSocket-Key") from None
        ticket = dict(urllib.parse.parse_qsl(url.query)).get("ticket", "")
        if not self.server._take_ticket(ticket):
            # Tickets come from apps.connections.open and are good for one connection.
            raise _refuse(401, "invalid_ticket")
        return key

    def _serve(self, sel: selectors.BaseSelector, data: bytes) -> None:
        parser = FrameParser()
        interval = self.server.keepalive or 0.0
        next_ping = time.monotonic() + interval if interval else float("inf")
        while True:
            if data:
                try:
                    messages = parser.feed(data)
                except ProtocolError as e:
                    self._fail(sel, e.code, e.reason)
                    return
                for opcode, payload in messages:
                    if not self._handle(sel, opcode, payload):
                        return
            if self._stop_reading():
                return
            now = time.monotonic()
            if now >= next_ping:
                with contextlib.suppress(ConnectionError):
                    self.send(OP_PING, b"fake-keepalive")
                next_ping = now + interval
            wait = min(_POLL_SECONDS, max(0.0, next_ping - now))
            if not self._readable(sel, wait) or self._stop_reading():
                data = b""
                continue
            data = self.sock.recv(65536)
            if not data:
                return  # the peer hung up without a Close frame (slack_sdk's way)

    def _handle(self, sel: selectors.BaseSelector, opcode: int, payload: bytes) -> bool:
        """Act on one message or control frame; False once the connection is done."""
        if opcode == OP_TEXT:
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(sel, 1007, "text message is not valid UTF-8")
                return False
            self.server._received_text(text)
        elif opcode == OP_BINARY:
            self._fail(sel, 1003, "Socket Mode speaks JSON text, not binary")
            return False
        elif opcode == OP_PING:
            with contextlib.suppress(ConnectionError):
                self.send(OP_PONG, payload)
        elif opcode == OP_PONG:
            self.server._received_pong(payload)
        elif opcode == OP_CLOSE:
            self._answer_close(payload)
            return False
        return True

    def _answer_close(self, payload: bytes) -> None:
        """The peer closes: echo its code (RFC 6455 section 5.5.1), then we hang up."""
        if not payload:
            with contextlib.suppress(OSError):
                self.send(OP_CLOSE, b"")
            return
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 0
        try:
            payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            self._send_close(1007, "close reason is not valid UTF-8")
            return
        if not _valid_close_code(code):
            self._send_close(1002, "invalid close code")
            return
        self._send_close(code)

    def _fail(self, sel: selectors.BaseSelector, code: int, reason: str) -> None:
        """Fail the connection (RFC 6455 section 7.1.7): Close with ``code``, then hang up."""
        self._send_close(code, reason)
        self._linger(sel)

    def _linger(self, sel: selectors.BaseSelector) -> None:
        """After our Close: send FIN and read until the peer hangs up (briefly)."""
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(self.server._wake_r)  # it stays readable once stop() began
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + _CLOSE_GRACE_SECONDS
            while (left := deadline - time.monotonic()) > 0 and not self._abort:
                if self._readable(sel, left) and not self.sock.recv(65536):
                    return

    def _finish(self, sel: selectors.BaseSelector) -> None:
        try:
            if self._abort:
                # Linger 0: close() sends RST instead of FIN, like a dropped network path.
                with contextlib.suppress(OSError):
                    self.sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
            elif self.server.stopping and self.number and not self._close_sent:
                self._send_close(1001, "server stopping")
                self._linger(sel)
            self.sock.close()
        finally:
            sel.close()
            self.server._closed(self)


@dataclass
class _Pending:
    """An envelope sent and not yet acked."""

    connection: _Connection
    done: threading.Event = field(default_factory=threading.Event)
    ack: dict[str, Any] | None = None


@dataclass
class Outcome:
    """How one envelope went: the ack (if any), or why there was none."""

    ack: dict[str, Any] | None = None
    error: str | None = None
    timed_out: bool = False
    seconds: float = 0.0


class SocketServer:
    """Slack's Socket Mode endpoint for one app: tickets, connections, envelopes and acks."""

    def __init__(
        self, *, app_id: str, host: str = "127.0.0.1", keepalive: float | None = KEEPALIVE_SECONDS
    ) -> None:
        self.app_id = app_id
        self.keepalive = keepalive  # seconds between the server's pings; None: never ping
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(128)
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        # Written once by stop() and never drained, so every selector waiting on it wakes.
        self._wake_r, self._wake_w = socket.socketpair()
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._open: list[_Connection] = []
        self._threads: list[threading.Thread] = []
        self._pending: dict[str, _Pending] = {}
        self._pongs: dict[bytes, threading.Event] = {}
        self._received: list[Any] = []
        self.connections = 0
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"FakeSlack-socket-{self.port}", daemon=True
        )

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> SocketServer:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Refuse new connections, Close open ones (1001), wake waiters, join every thread."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        with self._cond:
            for pending in self._pending.values():
                pending.done.set()
            self._cond.notify_all()
        if self._acceptor.is_alive():
            self._acceptor.join()
        else:
            self._listener.close()  # never started
        with self._cond:
            threads = list(self._threads)
        for thread in threads:
            thread.join()
        self._wake_r.close()
        self._wake_w.close()

    # ------------------------------------------------------------ connections

    def issue_url(self) -> str:
        """A one-connection WebSocket URL, as apps.connections.open returns it."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        query = urllib.parse.urlencode({"ticket": ticket, "app_id": self.app_id})
        return f"ws://{self.host}:{self.port}/link/?{query}"

    def _take_ticket(self, ticket: str) -> bool:
        with self._cond:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
                return True
            return False

    def _accept_loop(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self.stopping:
                sel.select()
                if self.stopping:
                    return
                try:
                    sock, _ = self._listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue  # another wake-up, or the client gave up already
                sock.settimeout(None)  # blocking: sendall must never give up half-way
                connection = _Connection(self, sock)
                thread = threading.Thread(
                    target=connection.run, name=f"FakeSlack-ws-{self.port}", daemon=True
                )
                with self._cond:
                    self._threads = [t for t in self._threads if t.is_alive()]
                    self._threads.append(thread)
                thread.start()
        finally:
            sel.close()
            self._listener.close()

    def _opened(self, connection: _Connection) -> None:
        with self._cond:
            self.connections += 1
            connection.number = self.connections
            hello = {
                "type": "hello",
                "num_connections": len(self._open) + 1,
                "debug_info": {
                    "host": "fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
            # Hello goes out before the connection can carry anything else, as on Slack.
            connection.send(OP_TEXT, json.dumps(hello).encode())
            self._open.append(connection)
            self._cond.notify_all()

    def _closed(self, connection: _Connection) -> None:
        with self._cond:
            if connection in self._open:
                self._open.remove(connection)
            connection.closed.set()
            self._cond.notify_all()

    def current(self) -> _Connection | None:
        """The newest open connection: where Slack would send the next envelope."""
        with self._cond:
            return self._open[-1] if self._open else None

    @property
    def open_connections(self) -> int:
        with self._cond:
            return len(self._open)

    def _require_current(self) -> _Connection:
        connection = self.current()
        if connection is None:
            raise RuntimeError("no Socket Mode connection is open")
        return connection

    # ------------------------------------------------------------ messages

    def request(self, envelope_id: str, data: bytes, *, timeout: float) -> Outcome:
        """Send one envelope and wait up to ``timeout`` for its ack.

        With no connection open, first wait up to ``timeout`` for one (an app reconnecting).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if self.stopping:
                    return Outcome(error="stopped")
                if self._open:
                    connection = self._open[-1]
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return Outcome(error="no Socket Mode connection")
                self._cond.wait(left)
            pending = _Pending(connection)
            self._pending[envelope_id] = pending
        started = time.monotonic()
        try:
            connection.send(OP_TEXT, data)
        except OSError as e:
            with self._cond:
                self._pending.pop(envelope_id, None)
            return Outcome(error=f"Socket Mode send failed: {e}")
        # Acks are taken from any connection: an app that reconnects answers on the new one.
        pending.done.wait(timeout)
        with self._cond:
            self._pending.pop(envelope_id, None)
        seconds = time.monotonic() - started
        if pending.ack is not None:
            return Outcome(ack=pending.ack, seconds=seconds, timed_out=seconds > timeout)
        if self.stopping:
            return Outcome(error="stopped", seconds=seconds)
        error = (
            "Socket Mode connection closed before the ack" if connection.closed.is_set() else None
        )
        return Outcome(error=error, timed_out=True, seconds=seconds)

    def _received_text(self, text: str) -> None:
        try:
            message: Any = json.loads(text)
        except ValueError:
            message = text
        with self._cond:
            self._received.append(message)
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            pending = self._pending.get(envelope_id) if isinstance(envelope_id, str) else None
            if pending is not None and pending.ack is None:
                pending.ack = message
                pending.done.set()

    def _received_pong(self, payload: bytes) -> None:
        with self._cond:
            waiter = self._pongs.get(payload)
        if waiter is not None:
            waiter.set()

    @property
    def received(self) -> list[Any]:
        """Every text message apps sent (acks), JSON-decoded where possible, oldest first."""
        with self._cond:
            return json.loads(json.dumps(self._received))

    def send_json(self, message: dict[str, Any]) -> None:
        """Send a text message on the current connection."""
        self._require_current().send(OP_TEXT, json.dumps(message).encode())

    def drop(self, timeout: float = 5.0) -> None:
        """Reset the current connection (no Close frame) and wait until it is gone."""
        connection = self._require_current()
        connection.abort()
        if not connection.closed.wait(timeout):
            raise RuntimeError("the Socket Mode connection did not close")

    def ping(self, timeout: float) -> bool:
        """Ping the current connection; True if the matching pong came back in time."""
        connection = self._require_current()
        payload = f"fake-ping-{uuid.uuid4().hex[:8]}".encode()
        waiter = threading.Event()
        with self._cond:
            self._pongs[payload] = waiter
        try:
            connection.send(OP_PING, payload)
            return waiter.wait(timeout)
        except OSError:
            return False
        finally:
            with self._cond:
                self._pongs.pop(payload, None)


class SocketMode:
    """FakeSlack's Socket Mode side. FakeSlack supplies the state declared here."""

    api_app_id: str
    ack_timeout: float
    _socket: SocketServer | None

    def _socket_server(self) -> SocketServer:
        if self._socket is None:
            raise RuntimeError("FakeSlack is not started")
        return self._socket

    def _api_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        # _serve_api has already checked that the caller used the app-level token.
        if self._socket is None or self._socket.stopping:
            raise ApiError("internal_error")
        return {"ok": True, "url": self._socket.issue_url()}

    # ------------------------------------------------------------ inspection

    @property
    def socket_connections(self) -> int:
        """WebSocket connections accepted so far (handshake done, hello sent)."""
        return self._socket.connections if self._socket is not None else 0

    @property
    def open_sockets(self) -> int:
        """WebSocket connections open right now."""
        return self._socket.open_connections if self._socket is not None else 0

    @property
    def socket_messages(self) -> list[Any]:
        """Everything apps sent over Socket Mode (their acks), oldest first."""
        return self._socket.received if self._socket is not None else []

    # ------------------------------------------------------------ fault switches

    def drop_socket(self) -> None:
        """Reset the current connection abruptly (TCP RST, no Close frame), as a network would.

        slack_sdk's client notices at once but reconnects on its next monitor tick
        (``ping_interval`` seconds; Bolt's handler defaults to 10).
        """
        self._socket_server().drop()

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` message on the current connection; the app should
        open a new connection and then close this one."""
        self._socket_server().send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        )

    def ping_socket(self, timeout: float = 2.0) -> bool:
        """Ping the current connection; True if the app answered with the matching pong."""
        return self._socket_server().ping(timeout)

    # ------------------------------------------------------------ delivery

    def _deliver_over_socket(
        self, delivery: Delivery, *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> None:
        """Send ``delivery`` as a Socket Mode envelope and record its ack like an HTTP answer."""
        d = delivery
        kind = SOCKET_TYPES.get(d.kind)
        if kind is None:
            d.error = f"{d.kind} deliveries have no Socket Mode form"
            return
        envelope_id = str(uuid.uuid4())
        message: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": d.payload,
            "type": kind,
            # Slack only reads a payload in the ack for commands and interactivity.
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            message["retry_attempt"] = retry_attempt
            message["retry_reason"] = retry_reason
        d.envelope_id = envelope_id
        d.body = json.dumps(message).encode()
        d.headers = {}
        d.sent_at = time.monotonic()
        outcome = self._socket_server().request(envelope_id, d.body, timeout=self.ack_timeout)
        d.seconds = outcome.seconds
        d.timed_out = outcome.timed_out
        d.error = outcome.error
        if outcome.ack is not None:
            d.status = 200
            payload = outcome.ack.get("payload")
            d.response_body = json.dumps(payload) if payload is not None else ""
