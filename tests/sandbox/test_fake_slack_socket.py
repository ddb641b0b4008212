"""FakeSlack's Socket Mode, driven by slack_sdk's built-in SocketModeClient (what Bolt's
SocketModeHandler uses) and, for RFC 6455 details that client never exercises, by raw frames."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from sandbox.slack import FakeSlack
from sandbox.slack._socket import accept_key

HELLO = {
    "type": "hello",
    "num_connections": 1,
    "debug_info": {"host": "fake", "build_number": 1, "approximate_connection_time": 18060},
    "connection_info": {"app_id": "A0001"},
}


def close_client(client: SocketModeClient) -> None:
    """``client.close()`` without the second its message processor spends in
    ``queue.get(timeout=1)``: it skips a None message, which wakes it to see ``closed``."""
    client.closed = True
    client.message_queue.put(None)
    client.close()


class App:
    """A Socket Mode app: records what arrives and acks it with ``answers[type]`` as payload."""

    def __init__(self, fake: FakeSlack) -> None:
        self.messages: list[dict[str, Any]] = []
        self.requests: list[SocketModeRequest] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.silent = False  # True: never ack
        self._lock = threading.Lock()
        # A short ping interval: the client's monitor (which reconnects) ticks that often.
        self.client = SocketModeClient(
            app_token=fake.app_token,
            web_client=WebClient(base_url=fake.api_url),
            ping_interval=0.5,
        )
        self.client.message_listeners.append(self._on_message)
        self.client.socket_mode_request_listeners.append(self._on_request)

    def _on_message(self, client: Any, message: dict[str, Any], raw: str | None) -> None:
        with self._lock:
            self.messages.append(message)

    def _on_request(self, client: Any, request: SocketModeRequest) -> None:
        with self._lock:
            self.requests.append(request)
        if not self.silent:
            payload = self.answers.get(request.type)
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload))

    def of_type(self, kind: str) -> list[SocketModeRequest]:
        with self._lock:
            return [r for r in self.requests if r.type == kind]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(socket_mode=True, ack_timeout=2.0) as slack:
        slack.add_user("UALICE", name="alice")
        slack.add_channel("CGEN", name="general", members=["UALICE"])
        yield slack


@pytest.fixture
def app(fake: FakeSlack) -> Iterator[App]:
    app = App(fake)
    app.client.connect()
    try:
        fake.wait_for(lambda: fake.socket_connections == 1, message="the first connection")
        yield app
    finally:
        close_client(app.client)


# ------------------------------------------------------------------ apps.connections.open


def test_apps_connections_open_wants_the_app_token(fake: FakeSlack) -> None:
    web = WebClient(base_url=fake.api_url)
    url = web.apps_connections_open(app_token=fake.app_token)["url"]
    parsed = urllib.parse.urlsplit(url)
    assert parsed.scheme == "ws" and parsed.hostname == "127.0.0.1" and parsed.path == "/link/"
    query = dict(urllib.parse.parse_qsl(parsed.query))
    assert query["app_id"] == "A0001" and query["ticket"]
    for token, error in [(fake.bot_token, "not_allowed_token_type"), ("xapp-nope", "invalid_auth")]:
        with pytest.raises(SlackApiError) as caught:
            web.apps_connections_open(app_token=token)
        assert caught.value.response["error"] == error
    # And the app-level token is no good for the bot's methods.
    with pytest.raises(SlackApiError) as caught:
        WebClient(token=fake.app_token, base_url=fake.api_url).auth_test()
    assert caught.value.response["error"] == "not_allowed_token_type"
    assert [c.token for c in fake.calls_to("apps.connections.open") if c.ok] == [fake.app_token]


# ------------------------------------------------------------------ with slack_sdk's client


def test_the_client_connects_and_gets_hello(fake: FakeSlack, app: App) -> None:
    hello = fake.wait_for(lambda: [m for m in app.messages if m.get("type") == "hello"])
    assert hello == [HELLO]
    assert app.client.is_connected() and fake.open_sockets == 1
    assert fake.ping_socket(), "the client did not answer the server's ping"


def test_an_event_goes_as_an_envelope_and_its_ack_completes_the_delivery(
    fake: FakeSlack, app: App
) -> None:
    ts = fake.post_user_message("UALICE", "CGEN", "<@UBATON> hello")
    message, mention = fake.deliveries
    assert message.ok and mention.ok and message.status == 200 and not message.response_body
    [first, second] = app.of_type("events_api")
    assert first.envelope_id == message.envelope_id and not first.accepts_response_payload
    assert (first.retry_attempt, first.retry_reason) == (0, "")
    # The payload is exactly what HTTP would have carried, so HTTP-era assertions still hold.
    assert first.payload == message.payload and first.payload["type"] == "event_callback"
    assert message.event is not None and message.event["ts"] == ts
    assert second.payload["event"]["type"] == "app_mention"
    assert json.loads(message.body)["envelope_id"] == message.envelope_id
    assert {"envelope_id": message.envelope_id} in fake.socket_messages


def test_a_retried_event_carries_its_retry_fields(fake: FakeSlack, app: App) -> None:
    event = {"type": "app_mention", "user": "UALICE", "text": "hi", "ts": "1.000001"}
    delivery = fake.send_event(event, retry_num=2, retry_reason="timeout")
    assert delivery.ok
    [request] = app.of_type("events_api")
    assert (request.retry_attempt, request.retry_reason) == (2, "timeout")


def test_a_slash_command_ack_payload_becomes_the_response_body(fake: FakeSlack, app: App) -> None:
    app.answers["slash_commands"] = {"text": "Working…", "response_type": "ephemeral"}
    delivery = fake.send_slash_command("UALICE", "CGEN", "/baton", "help")
    assert delivery.ok and delivery.json() == {"text": "Working…", "response_type": "ephemeral"}
    [request] = app.of_type("slash_commands")
    assert request.accepts_response_payload
    assert request.payload["command"] == "/baton" and request.payload["text"] == "help"
    assert request.payload["response_url"].startswith(fake.url)


def test_a_button_click_goes_as_interactive(fake: FakeSlack, app: App) -> None:
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    web = WebClient(token=fake.bot_token, base_url=fake.api_url)
    posted = web.chat_postMessage(
        channel="CGEN", text="pick", blocks=[{"type": "actions", "elements": [button]}]
    )
    delivery = fake.click_button("UALICE", "CGEN", posted["ts"], "go")
    assert delivery.ok and delivery.kind == "block_actions"
    [request] = app.of_type("interactive")
    assert request.accepts_response_payload and request.payload["type"] == "block_actions"
    assert request.payload["actions"][0]["action_id"] == "go"


def test_an_unacked_envelope_times_out(fake: FakeSlack, app: App) -> None:
    fake.ack_timeout = 0.3
    app.silent = True
    delivery = fake.send_slash_command("UALICE", "CGEN", "/baton", "help")
    assert delivery.timed_out and delivery.status is None and not delivery.ok
    assert app.of_type("slash_commands"), "the envelope never arrived"


def test_without_a_connection_a_delivery_waits_then_fails(fake: FakeSlack) -> None:
    fake.ack_timeout = 0.2
    delivery = fake.send_slash_command("UALICE", "CGEN", "/baton", "help")
    assert delivery.error == "no Socket Mode connection" and not delivery.ok
    assert delivery in fake.deliveries


def test_a_late_connection_still_gets_a_waiting_delivery(fake: FakeSlack) -> None:
    app = App(fake)
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(fake.send_slash_command, "UALICE", "CGEN", "/baton", "x")
            app.client.connect()
            assert pending.result(timeout=10).ok
    finally:
        close_client(app.client)


def test_the_client_reconnects_after_drop_socket(fake: FakeSlack, app: App) -> None:
    fake.drop_socket()
    assert fake.open_sockets == 0
    fake.wait_for(lambda: fake.socket_connections == 2, message="a reconnection")
    assert len(fake.calls_to("apps.connections.open")) == 2  # a fresh URL for the new one
    fake.post_user_message("UALICE", "CGEN", "still there?")
    assert fake.deliveries[-1].ok
    assert app.of_type("events_api")[-1].payload["event"]["text"] == "still there?"


def test_the_client_refreshes_on_disconnect(fake: FakeSlack, app: App) -> None:
    fake.send_disconnect("refresh_requested")
    # The client opens the new connection first, then lets go of the old one. (slack_sdk's
    # client holds the old socket until its 3 s receive timeout runs out, so this takes a while.)
    fake.wait_for(
        lambda: fake.socket_connections == 2 and fake.open_sockets == 1,
        message="the new connection replacing the old",
    )
    delivery = fake.send_slash_command("UALICE", "CGEN", "/baton", "after refresh")
    assert delivery.ok
    assert app.of_type("slash_commands")[-1].payload["text"] == "after refresh"


def test_http_mode_is_untouched_by_the_socket_switch(fake: FakeSlack) -> None:
    fake.socket_mode = False
    with pytest.raises(RuntimeError, match="events_url or socket_mode"):
        fake.send_slash_command("UALICE", "CGEN", "/baton", "help")
    fake.post_user_message("UALICE", "CGEN", "nobody listens")
    assert fake.deliveries == []


# ------------------------------------------------------------------ raw RFC 6455


class Raw:
    """A bare-bones WebSocket client that can break the rules on purpose."""

    def __init__(self, url: str, *, version: str = "13", method: str = "GET") -> None:
        parsed = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=5)
        self.key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"{method} {parsed.path}?{parsed.query} HTTP/1.1\r\nHost: {parsed.hostname}\r\n"
            "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
            f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: {version}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.status_line, *lines = head.decode().split("\r\n")
        self.headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}

    def send(self, opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True) -> None:
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        bit = 0x80 if mask else 0
        if n < 126:
            head += bytes([bit | n])
        else:
            head += struct.pack("!BH", bit | 126, n)
        key = os.urandom(4) if mask else b""
        body = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if mask else payload
        self.sock.sendall(head + key + body)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def recv(self) -> tuple[int, bytes]:
        b1, b2 = self._read(2)
        assert b1 & 0x80 and not b2 & 0x80, "server frames are final and unmasked"
        n = b2 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._read(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._read(8))
        return b1 & 0x0F, self._read(n)

    def recv_json(self) -> dict[str, Any]:
        opcode, payload = self.recv()
        assert opcode == 0x1
        return json.loads(payload)

    def at_eof(self) -> bool:
        try:
            self._read(1)
        except (EOFError, ConnectionResetError):
            return True
        return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(fake: FakeSlack) -> Iterator[Raw]:
    client = Raw(
        WebClient(base_url=fake.api_url).apps_connections_open(app_token=fake.app_token)["url"]
    )
    try:
        assert client.status_line == "HTTP/1.1 101 Switching Protocols"
        assert client.headers["sec-websocket-accept"] == accept_key(client.key)
        assert client.recv_json() == HELLO
        yield client
    finally:
        client.close()


def test_fragments_are_joined_and_pings_answered_in_between(fake: FakeSlack, raw: Raw) -> None:
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(fake.send_slash_command, "UALICE", "CGEN", "/baton", "help")
        envelope = raw.recv_json()
        assert envelope["type"] == "slash_commands"
        ack = json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "é ok"}})
        data = ack.encode()
        raw.send(0x1, data[:10], fin=False)
        raw.send(0x9, b"are you there")  # control frames may come between fragments
        assert raw.recv() == (0xA, b"are you there")
        raw.send(0x0, data[10:30], fin=False)
        raw.send(0x0, data[30:])
        delivery = pending.result(timeout=5)
    assert delivery.ok and delivery.json() == {"text": "é ok"}


def test_an_unmasked_frame_fails_the_connection(raw: Raw) -> None:
    raw.send(0x1, b'{"envelope_id": "x"}', mask=False)
    opcode, payload = raw.recv()
    assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1002
    assert raw.at_eof()


def test_a_close_is_echoed_then_the_server_hangs_up(fake: FakeSlack, raw: Raw) -> None:
    raw.send(0x8, struct.pack("!H", 1000) + b"bye")
    assert raw.recv() == (0x8, struct.pack("!H", 1000))
    assert raw.at_eof()
    fake.wait_for(lambda: fake.open_sockets == 0, message="the connection to go")


def test_drop_socket_resets_without_a_close_frame(fake: FakeSlack, raw: Raw) -> None:
    fake.drop_socket()
    # A reset, not a clean end: slack_sdk's reader spins on a clean EOF until its next ping.
    with pytest.raises(ConnectionResetError):
        raw.sock.recv(1)
    assert fake.open_sockets == 0


def test_bad_handshakes_are_refused(fake: FakeSlack) -> None:
    web = WebClient(base_url=fake.api_url)
    url = web.apps_connections_open(app_token=fake.app_token)["url"]
    first = Raw(url)
    assert first.status_line.startswith("HTTP/1.1 101")
    first.close()
    reused = Raw(url)  # a ticket is good for one connection
    assert reused.status_line.startswith("HTTP/1.1 401")
    reused.close()
    old = Raw(web.apps_connections_open(app_token=fake.app_token)["url"], version="8")
    assert old.status_line.startswith("HTTP/1.1 426")
    assert old.headers["sec-websocket-version"] == "13"
    old.close()
    post = Raw(web.apps_connections_open(app_token=fake.app_token)["url"], method="POST")
    assert post.status_line.startswith("HTTP/1.1 405")
    post.close()
    nowhere = Raw(url.replace("/link/", "/elsewhere/"))
    assert nowhere.status_line.startswith("HTTP/1.1 404")
    nowhere.close()
    assert fake.socket_connections == 1


def test_stop_closes_sockets_and_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    fake = FakeSlack(socket_mode=True).start()
    fake.add_user("UALICE", name="alice")
    fake.add_channel("CGEN", name="general", members=["UALICE"])
    client = Raw(
        WebClient(base_url=fake.api_url).apps_connections_open(app_token=fake.app_token)["url"]
    )
    client.recv_json()  # hello
    with ThreadPoolExecutor(1) as pool:
        # A delivery stuck waiting for an ack must not hold stop() up.
        pending = pool.submit(fake.send_slash_command, "UALICE", "CGEN", "/baton", "x")
        assert client.recv_json()["type"] == "slash_commands"
        fake.stop()
        assert pending.result(timeout=5).error == "stopped"
    opcode, payload = client.recv()
    assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1001
    assert client.at_eof()
    client.close()
    leaked = [
        t for t in threading.enumerate() if t not in before and t.name.startswith("FakeSlack")
    ]
    assert leaked == []
