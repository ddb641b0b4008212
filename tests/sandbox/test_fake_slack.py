"""FakeSlack driven by the real slack_sdk WebClient, a real Bolt app and a signature-checking
receiver: if these pass, code that works against the fake talks to Slack the way Slack expects."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from sandbox.slack import FakeSlack, Message

SECRET = "test-signing-secret"
TS = re.compile(r"^\d{10}\.\d{6}$")
Answer = Callable[[dict[str, Any]], tuple[int, str]]


class Receiver:
    """A stand-in for Baton's HTTP endpoint: checks Slack's signature (as Bolt does), records
    every request, and answers with ``answer`` (default: an empty 200) after ``delay``."""

    def __init__(self, signing_secret: str = SECRET) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        self.answer: Answer | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, text = receiver._handle(raw, dict(self.headers.items()))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _handle(self, raw: bytes, headers: dict[str, str]) -> tuple[int, str]:
        record: dict[str, Any] = {
            "raw": raw,
            "headers": headers,
            "valid": self.verifier.is_valid_request(raw, headers),
        }
        if headers.get("Content-Type", "").startswith("application/json"):
            record["body"] = json.loads(raw)
        else:
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            record["body"] = json.loads(form["payload"]) if "payload" in form else form
        with self._lock:
            self.requests.append(record)
        if self.delay:
            time.sleep(self.delay)
        if not record["valid"]:
            return 401, "invalid signature"
        return self.answer(record) if self.answer else (200, "")

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        """Interactivity payloads (block_actions, view_submission, ...) of one type."""
        with self._lock:
            return [r["body"] for r in self.requests if r["body"].get("type") == kind]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            bodies = [r["body"] for r in self.requests if "event" in r["body"]]
        return [b["event"] for b in bodies if kind is None or b["event"]["type"] == kind]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _workspace(fake: FakeSlack) -> FakeSlack:
    fake.add_user("UALICE", name="alice", real_name="Alice Adams", tz="America/New_York")
    fake.add_user("UBOB", name="bob")
    fake.add_channel("CGEN", name="general", members=["UALICE", "UBOB"])
    fake.add_channel("COUT", name="outside", members=["UALICE"], bot_member=False)
    fake.add_channel(
        "GSECRET", name="secret", is_private=True, members=["UALICE"], bot_member=False
    )
    return fake


@pytest.fixture
def fake(receiver: Receiver) -> Iterator[FakeSlack]:
    with _workspace(FakeSlack(events_url=receiver.url, ack_timeout=1.0)) as f:
        yield f


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def _error(call: Callable[[], Any]) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def _stored(fake: FakeSlack, channel: str, ts: str) -> Message:
    msg = fake.message(channel, ts)
    assert msg is not None, f"no message {ts} in {channel}"
    return msg


def _post_error(client: WebClient, **kwargs: Any) -> str:
    kwargs.setdefault("channel", "CGEN")
    return _error(lambda: client.chat_postMessage(**kwargs)).response["error"]


# ------------------------------------------------------------------------ Web API basics


def test_auth_test_identifies_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0001", "UBATON", "BBATON")
    assert answer["url"].startswith("https://")


def test_tokens_are_checked_and_unknown_methods_refused(fake: FakeSlack) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    assert _error(wrong.auth_test).response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=fake.api_url)
    assert _error(anonymous.auth_test).response["error"] == "not_authed"
    right = WebClient(token=fake.bot_token, base_url=fake.api_url)
    e = _error(lambda: right.api_call("chat.teleport"))
    assert (e.response.status_code, e.response["error"]) == (200, "unknown_method")
    # The token may also come as a form field, as Slack allows.
    legacy = WebClient(base_url=fake.api_url)
    assert legacy.api_call("auth.test", params={"token": fake.bot_token})["ok"]
    assert [c.response["error"] for c in fake.calls[:2]] == ["invalid_auth", "not_authed"]


def test_post_message_answers_and_stores_like_slack(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    metadata = {"event_type": "brief", "event_payload": {"id": 7}}
    answer = client.chat_postMessage(
        channel="CGEN", text="hi", blocks=blocks, metadata=metadata, unfurl_links=False
    )
    assert answer["channel"] == "CGEN" and TS.match(answer["ts"])
    assert answer["message"]["bot_id"] == "BBATON" and answer["message"]["user"] == "UBATON"
    stored = fake.message("CGEN", answer["ts"])
    assert stored is not None and stored.text == "hi" and stored.metadata == metadata
    assert stored.blocks is not None and stored.blocks[0]["block_id"]  # Slack assigns one
    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["unfurl_links"] is False and call.token == fake.bot_token

    # Form-encoded bodies carry blocks as a JSON string; Call.params holds them decoded.
    client.api_call(
        "chat.postMessage", params={"channel": "CGEN", "text": "x", "blocks": json.dumps(blocks)}
    )
    assert fake.calls_to("chat.postMessage")[1].params["blocks"] == blocks

    # Posting to a user id lands in the bot's DM with them.
    dm = client.chat_postMessage(channel="UALICE", text="psst")
    assert dm["channel"] == fake.open_dm("UALICE")


def test_ts_values_are_unique_and_increasing_across_threads(
    fake: FakeSlack, client: WebClient
) -> None:
    def post(i: int) -> str:
        return client.chat_postMessage(channel="CGEN", text=str(i))["ts"]

    with ThreadPoolExecutor(8) as pool:
        stamps = list(pool.map(post, range(40)))
    stamps.append(fake.post_user_message("UALICE", "CGEN", "last"))
    assert len(set(stamps)) == len(stamps)
    history = [m.ts for m in fake.messages("CGEN")]
    assert history == sorted(history, key=lambda ts: tuple(map(int, ts.split("."))))
    assert history[-1] == stamps[-1]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "CNOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "GSECRET", "text": "x"}, "channel_not_found"),  # private: invisible
        ({"channel": "COUT", "text": "x"}, "not_in_channel"),
        pytest.param(
            {"text": ""},
            "no_text",
            marks=pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing"),
        ),
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"text": "x", "blocks": "not json"}, "invalid_blocks_format"),
        ({"text": "x", "metadata": {"event_payload": {}}}, "invalid_metadata_format"),
    ],
)
def test_post_message_errors(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    assert _post_error(client, **kwargs) == error


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Go"},
        "action_id": "go",
        **overrides,
    }


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([_section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        (
            [_section("x" * 3001)],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "section"}],
            "must define either `text` or `fields` [json-pointer:/blocks/0/type]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        ([{"type": "carousel"}], "unsupported type: carousel [json-pointer:/blocks/0/type]"),
        ([_section("")], "must be more than 0 characters [json-pointer:/blocks/0/text/text]"),
        (
            [{"type": "section", "text": {"type": "html", "text": "x"}}],
            "must be one of [plain_text, mrkdwn] [json-pointer:/blocks/0/text/type]",
        ),
        (
            [_section("a", block_id="b1"), _section("b", block_id="b1")],
            "duplicate block_id: b1 [json-pointer:/blocks/1/block_id]",
        ),
        (
            [_section("a", block_id="b" * 256)],
            "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        ),
        ({"type": "context", "elements": []}, None),  # not a list: invalid_blocks_format
        (
            [{"type": "context", "elements": []}],
            "must provide at least 1 items [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [_button()] * 26}],
            "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [_button(style="green")]}],
            "must be one of [primary, danger] [json-pointer:/blocks/0/elements/0/style]",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [_button(text={"type": "plain_text", "text": "g" * 76})],
                }
            ],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [_button(value="v" * 2001)]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [{"type": "markdown", "text": "m" * 7000}, {"type": "markdown", "text": "m" * 5001}],
            "total markdown text must be less than 12001 characters [json-pointer:/blocks/1/text]",
        ),
    ],
)
def test_invalid_blocks_are_rejected_with_slack_style_errors(
    fake: FakeSlack, client: WebClient, blocks: Any, expected: str | None
) -> None:
    e = _error(lambda: client.chat_postMessage(channel="CGEN", text="x", blocks=blocks))
    if expected is None:
        assert e.response["error"] == "invalid_blocks_format"
    else:
        assert e.response["error"] == "invalid_blocks"
        assert expected in e.response["errors"]
        assert f"[ERROR] {expected}" in e.response["response_metadata"]["messages"]
    assert fake.messages("CGEN") == []  # nothing was posted


def test_valid_rich_payload_passes(client: WebClient) -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Brief"}},
        _section("body", accessory=_button(action_id="acc")),
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "ctx"}]},
        {"type": "actions", "elements": [_button(style="primary", value="1")]},
        {"type": "markdown", "text": "m" * 12_000},
    ]
    assert client.chat_postMessage(channel="CGEN", text="x", blocks=blocks)["ok"]


def test_update_marks_edited_and_checks_ownership(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="CGEN", text="draft", blocks=[_section("v1")])["ts"]
    answer = client.chat_update(channel="CGEN", ts=ts, text="final")
    assert answer["text"] == "final"
    stored = fake.message("CGEN", ts)
    assert stored is not None and stored.edited and stored.text == "final"
    assert stored.blocks is not None and stored.blocks[0]["text"]["text"] == "v1"  # kept
    client.chat_update(channel="CGEN", ts=ts, text="final", blocks=[])
    assert _stored(fake, "CGEN", ts).blocks == []

    theirs = fake.post_user_message("UALICE", "CGEN", "mine")
    update = client.chat_update
    assert _error(lambda: update(channel="CGEN", ts=theirs, text="x")).response["error"] == (
        "cant_update_message"
    )
    assert _error(lambda: update(channel="CGEN", ts="1.000001", text="x")).response["error"] == (
        "message_not_found"
    )
    assert _error(lambda: update(channel="CGEN", ts=ts, text="x", blocks=[_section("")])).response[
        "error"
    ] == ("invalid_blocks")
    assert _error(lambda: client.chat_delete(channel="CGEN", ts=theirs)).response["error"] == (
        "cant_delete_message"
    )
    client.chat_delete(channel="CGEN", ts=ts)
    assert fake.message("CGEN", ts) is None


def test_threads_and_history(fake: FakeSlack, client: WebClient) -> None:
    parent = fake.post_user_message("UALICE", "CGEN", "please draft")
    reply = client.chat_postMessage(channel="CGEN", thread_ts=parent, text="drafting")["ts"]
    later = fake.post_user_message("UBOB", "CGEN", "+1", thread_ts=parent)
    top = fake.post_user_message("UBOB", "CGEN", "unrelated")

    stored = fake.message("CGEN", parent)
    assert stored is not None
    assert (stored.reply_count, stored.latest_reply, stored.reply_users) == (
        2,
        later,
        ["UBATON", "UBOB"],
    )
    assert [m.ts for m in fake.messages("CGEN", thread_ts=parent)] == [parent, reply, later]
    assert [m.ts for m in fake.messages("CGEN")] == [parent, top]

    replies = client.conversations_replies(channel="CGEN", ts=parent)["messages"]
    assert [m["ts"] for m in replies] == [parent, reply, later]
    assert replies[0]["reply_count"] == 2 and replies[1]["parent_user_id"] == "UALICE"

    first = client.conversations_history(channel="CGEN", limit=1)
    assert [m["ts"] for m in first["messages"]] == [top]  # newest first
    assert first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel="CGEN", limit=1, cursor=cursor)
    assert [m["ts"] for m in rest["messages"]] == [parent] and not rest["has_more"]
    assert _error(lambda: client.conversations_replies(channel="CGEN", ts="1.000001")).response[
        "error"
    ] == ("thread_not_found")


def test_reads_users_channels_and_dms(fake: FakeSlack, client: WebClient) -> None:
    alice = client.users_info(user="UALICE")["user"]
    assert alice["real_name"] == "Alice Adams" and alice["tz"] == "America/New_York"
    assert alice["tz_offset"] in (-5 * 3600, -4 * 3600) and "Eastern" in alice["tz_label"]
    assert alice["profile"]["display_name"] == "alice" and alice["is_bot"] is False
    assert _error(lambda: client.users_info(user="UNOPE")).response["error"] == "user_not_found"

    info = client.conversations_info(channel="CGEN", include_num_members=True)["channel"]
    assert (info["name"], info["is_member"], info["num_members"]) == ("general", True, 3)

    for n in range(5):
        fake.add_user(f"U{n}", name=f"u{n}")
    fake.add_channel("CBIG", name="big", members=[f"U{n}" for n in range(5)])
    seen: list[str] = []
    cursor = None
    while True:
        page = client.conversations_members(channel="CBIG", limit=2, cursor=cursor)
        seen += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ["UBATON", "U0", "U1", "U2", "U3", "U4"]

    opened = client.conversations_open(users="UBOB")
    assert opened["channel"]["id"] == fake.open_dm("UBOB") and "no_op" not in opened
    assert client.conversations_open(users="UBOB")["no_op"]
    assert client.conversations_info(channel=opened["channel"]["id"])["channel"]["is_im"]
    link = client.chat_getPermalink(
        channel="CGEN", message_ts=fake.post_user_message("UBOB", "CGEN", "x")
    )
    assert "/archives/CGEN/p" in link["permalink"]


def test_ephemeral_posts_are_recorded_not_stored(fake: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="CGEN", user="UALICE", text="only you")
    assert TS.match(answer["message_ts"])
    assert [e["text"] for e in fake.ephemerals(channel="CGEN", user="UALICE")] == ["only you"]
    assert fake.messages("CGEN") == []
    fake.add_user("UCAROL", name="carol")
    e = _error(lambda: client.chat_postEphemeral(channel="CGEN", user="UCAROL", text="x"))
    assert e.response["error"] == "user_not_in_channel"


# ---------------------------------------------------------------------- rate limits, faults


def test_rate_limit_answers_429_and_the_call_takes_no_effect(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.rate_limit("chat.postMessage", per_minute=2)
    client.chat_postMessage(channel="CGEN", text="1")
    client.chat_postMessage(channel="CGEN", text="2")
    e = _error(lambda: client.chat_postMessage(channel="CGEN", text="3"))
    assert e.response.status_code == 429 and e.response["error"] == "ratelimited"
    assert 1 <= int(e.response.headers["Retry-After"]) <= 60
    assert [m.text for m in fake.messages("CGEN")] == ["1", "2"]
    assert client.auth_test()["ok"]  # limits are per method
    fake.rate_limit("chat.postMessage", per_minute=0)
    assert client.chat_postMessage(channel="CGEN", text="4")["ok"]


def test_fail_next_429_is_recovered_by_the_sdk_retry_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", retry_after=0)
    plain = WebClient(token=fake.bot_token, base_url=fake.api_url)
    e = _error(lambda: plain.chat_postMessage(channel="CGEN", text="x"))
    assert (e.response.status_code, e.response.headers["Retry-After"]) == (429, "0")

    fake.fail_next("chat.postMessage", retry_after=0)
    retrying = WebClient(token=fake.bot_token, base_url=fake.api_url)
    retrying.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    assert retrying.chat_postMessage(channel="CGEN", text="y")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 200]
    assert [m.text for m in fake.messages("CGEN")] == ["y"]


def test_fail_next_other_errors_and_latency(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.update", error="internal_error")
    fake.fail_next("chat.postMessage", error="is_archived", times=2)
    e = _error(lambda: client.chat_update(channel="CGEN", ts="1.1", text="x"))
    assert (e.response.status_code, e.response["error"]) == (500, "internal_error")
    for _ in range(2):
        e = _error(lambda: client.chat_postMessage(channel="CGEN", text="x"))
        assert (e.response.status_code, e.response["error"]) == (200, "is_archived")
    assert client.chat_postMessage(channel="CGEN", text="x")["ok"]

    fake.set_latency("auth.test", 0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


# ------------------------------------------------------------------------------- events


def test_events_are_signed_and_a_mention_brings_message_and_app_mention(
    fake: FakeSlack, receiver: Receiver
) -> None:
    ts = fake.post_user_message("UALICE", "CGEN", "<@UBATON> draft the launch note")
    # wait=True returned after both deliveries: no polling needed.
    assert all(r["valid"] for r in receiver.requests) and len(receiver.requests) == 2
    message, mention = (r["body"] for r in receiver.requests)
    assert message["event"]["type"] == "message" and mention["event"]["type"] == "app_mention"
    assert message["event_id"] != mention["event_id"]
    assert message["type"] == "event_callback" and message["team_id"] == "T0001"
    assert message["authorizations"][0]["user_id"] == "UBATON"
    event = message["event"]
    assert (event["channel"], event["user"], event["ts"], event["channel_type"]) == (
        "CGEN",
        "UALICE",
        ts,
        "channel",
    )
    assert mention["event"]["text"] == "<@UBATON> draft the launch note"
    headers = receiver.requests[0]["headers"]
    assert headers["Content-Type"] == "application/json"
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    first = fake.deliveries[0]
    assert [d.status for d in fake.deliveries] == [200, 200]
    assert first.body == receiver.requests[0]["raw"]  # the exact bytes that were signed
    assert first.payload == json.loads(first.body) and first.event_id == message["event_id"]


def test_dm_and_thread_events(fake: FakeSlack, receiver: Receiver) -> None:
    dm = fake.open_dm("UBOB")
    fake.post_user_message("UBOB", dm, "<@UBATON> hello")
    parent = fake.post_user_message("UALICE", "CGEN", "root")
    fake.post_user_message("UBOB", "CGEN", "in thread", thread_ts=parent)
    events = receiver.events()
    assert [e["type"] for e in events] == ["message", "message", "message"]  # no app_mention in DMs
    assert events[0]["channel_type"] == "im"
    assert events[2]["thread_ts"] == parent and events[2]["parent_user_id"] == "UALICE"


def test_no_events_from_conversations_without_the_bot(fake: FakeSlack, receiver: Receiver) -> None:
    fake.post_user_message("UALICE", "COUT", "<@UBATON> are you here?")
    fake.post_user_message("UALICE", "CGEN", "sync point")
    assert [e["channel"] for e in receiver.events()] == ["CGEN"]


def test_a_slow_ack_is_recorded_as_a_timeout(receiver: Receiver) -> None:
    receiver.delay = 0.4
    with _workspace(FakeSlack(events_url=receiver.url, ack_timeout=0.1)) as fake:
        fake.post_user_message("UALICE", "CGEN", "hi")
        (delivery,) = fake.deliveries
    assert delivery.timed_out and not delivery.ok and delivery.status is None
    assert delivery.seconds >= 0.1


def test_send_event_retries_and_forged_requests(fake: FakeSlack, receiver: Receiver) -> None:
    event = {"type": "app_mention", "user": "UALICE", "text": "hi", "channel": "CGEN", "ts": "1.2"}
    first = fake.send_event(event, event_id="Ev1")
    again = fake.send_event(event, event_id="Ev1", retry_num=1, retry_reason="http_timeout")
    assert first.ok and again.ok and first.event_id == again.event_id == "Ev1"
    assert again.headers["X-Slack-Retry-Num"] == "1"
    assert receiver.requests[1]["headers"]["X-Slack-Retry-Reason"] == "http_timeout"

    assert fake.send_event(event, signature="v0=" + "0" * 64).status == 401
    assert fake.send_event(event, sign=False).status == 401
    assert fake.send_event(event, timestamp=int(time.time()) - 600).status == 401  # stale
    body = b'{"type":"event_callback"}'
    assert fake.post_raw(body, fake.signed_headers(body)).status == 200
    forged = fake.post_raw(body, fake.signed_headers(b"something else"))
    assert forged.status == 401 and forged.kind == "raw"


def test_reacting_twice_is_a_no_op(fake: FakeSlack, client: WebClient, receiver: Receiver) -> None:
    ts = client.chat_postMessage(channel="CGEN", text="draft")["ts"]
    fake.add_reaction("UALICE", "CGEN", ts, "+1")
    fake.add_reaction("UALICE", "CGEN", ts, "+1")
    fake.add_reaction("UBOB", "CGEN", ts, "+1")
    assert _stored(fake, "CGEN", ts).reactions == {"+1": ["UALICE", "UBOB"]}
    added = receiver.events("reaction_added")  # wait=True: all delivered by now
    assert [e["user"] for e in added] == ["UALICE", "UBOB"]
    assert added[0]["item"] == {"type": "message", "channel": "CGEN", "ts": ts}
    assert added[0]["item_user"] == "UBATON"
    fake.remove_reaction("UALICE", "CGEN", ts, "+1")
    fake.remove_reaction("UALICE", "CGEN", ts, "+1")
    assert len(receiver.events("reaction_removed")) == 1

    client.reactions_add(channel="CGEN", timestamp=ts, name="eyes")
    e = _error(lambda: client.reactions_add(channel="CGEN", timestamp=ts, name="eyes"))
    assert e.response["error"] == "already_reacted"
    client.reactions_remove(channel="CGEN", timestamp=ts, name="eyes")
    e = _error(lambda: client.reactions_remove(channel="CGEN", timestamp=ts, name="eyes"))
    assert e.response["error"] == "no_reaction"


def test_bot_posts_echo_back_without_blocking_the_api(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    # Each echo takes the receiver 1 s: two calls waiting on them would take 2 s or more, and
    # two local calls take far less than 1 s even on a loaded machine.
    receiver.delay = 1.0
    started = time.monotonic()
    ts = client.chat_postMessage(channel="CGEN", text="v1")["ts"]
    client.chat_update(channel="CGEN", ts=ts, text="v2")
    assert time.monotonic() - started < 1.0  # echoes are delivered in the background
    echo, changed = fake.wait_for(lambda: len(receiver.events()) == 2 and receiver.events())
    assert (echo["bot_id"], echo["user"], echo["ts"]) == ("BBATON", "UBATON", ts)
    assert changed["subtype"] == "message_changed"
    assert (changed["message"]["text"], changed["previous_message"]["text"]) == ("v2", "v1")


def test_echo_can_be_switched_off(receiver: Receiver) -> None:
    with _workspace(FakeSlack(events_url=receiver.url, echo_bot_messages=False)) as fake:
        WebClient(token=fake.bot_token, base_url=fake.api_url).chat_postMessage(
            channel="CGEN", text="x"
        )
        fake.post_user_message("UALICE", "CGEN", "sync point")
    assert [e["user"] for e in receiver.events()] == ["UALICE"]


# ------------------------------------------------------- commands, interactivity, views


def test_slash_command_and_response_url(fake: FakeSlack, receiver: Receiver) -> None:
    delivery = fake.send_slash_command("UALICE", "CGEN", "/baton", "brief the launch")
    assert delivery.ok and receiver.requests[0]["valid"]
    form = receiver.requests[0]["body"]
    assert (form["command"], form["text"], form["user_id"], form["channel_name"]) == (
        "/baton",
        "brief the launch",
        "UALICE",
        "general",
    )
    assert receiver.requests[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    hook = WebhookClient(form["response_url"])
    assert hook.send(text="working on it").status_code == 200
    assert hook.send(text="Brief posted", response_type="in_channel").status_code == 200
    assert [r["body"]["text"] for r in fake.responses()] == ["working on it", "Brief posted"]
    assert [e["text"] for e in fake.ephemerals(user="UALICE")] == ["working on it"]
    assert [m.text for m in fake.messages("CGEN")] == ["Brief posted"]
    bad = hook.send(blocks=[_section("x" * 3001)])
    assert bad.status_code == 400 and fake.responses()[-1]["status"] == 400


def test_views_open_accepts_only_fresh_unused_triggers(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Brief"}, "blocks": []}
    trigger = fake.send_slash_command("UALICE", "CGEN", "/baton", "").payload["trigger_id"]
    view = client.views_open(trigger_id=trigger, view=modal)["view"]
    assert view["id"].startswith("V") and fake.views()[view["id"]]["user"] == "UALICE"
    errors = {
        "exchanged_trigger_id": trigger,
        "invalid_trigger_id": "123.456.abc",
    }
    for error, trigger_id in errors.items():
        e = _error(lambda t=trigger_id: client.views_open(trigger_id=t, view=modal))
        assert e.response["error"] == error
    long_title = {**modal, "title": {"type": "plain_text", "text": "t" * 25}}
    fresh = fake.send_slash_command("UALICE", "CGEN", "/baton", "").payload["trigger_id"]
    e = _error(lambda: client.views_open(trigger_id=fresh, view=long_title))
    assert e.response["error"] == "invalid_arguments"
    assert "[json-pointer:/view/title/text]" in e.response["response_metadata"]["messages"][0]

    fake.trigger_ttl = 0.05
    stale = fake.send_slash_command("UALICE", "CGEN", "/baton", "").payload["trigger_id"]
    time.sleep(0.1)  # the expiry itself is what is under test
    e = _error(lambda: client.views_open(trigger_id=stale, view=modal))
    assert e.response["error"] == "expired_trigger_id"


def test_click_button_sends_block_actions(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    blocks = [
        _section("Draft ready"),
        {"type": "actions", "elements": [_button(action_id="retry", value="b7")]},
    ]
    ts = client.chat_postMessage(channel="CGEN", text="Draft ready", blocks=blocks)["ts"]
    receiver.answer = lambda record: (200, "")
    delivery = fake.click_button("UBOB", "CGEN", ts, "retry")
    (payload,) = receiver.payloads("block_actions")  # echoes may arrive in between
    assert delivery.ok and payload["type"] == "block_actions"
    action = payload["actions"][0]
    stored_block_id = (_stored(fake, "CGEN", ts).blocks or [])[1]["block_id"]
    assert (action["action_id"], action["value"], action["block_id"]) == (
        "retry",
        "b7",
        stored_block_id,
    )
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": "CGEN",
        "is_ephemeral": False,
    }
    assert payload["user"]["id"] == "UBOB" and payload["message"]["ts"] == ts
    with pytest.raises(LookupError):
        fake.click_button("UBOB", "CGEN", ts, "no-such-button")

    WebhookClient(payload["response_url"]).send(text="Retrying…", replace_original=True)
    updated = fake.message("CGEN", ts)
    assert updated is not None and updated.text == "Retrying…" and updated.edited


def test_submit_view_reports_errors_and_closes_on_empty_ack(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    modal = {
        "type": "modal",
        "callback_id": "brief",
        "private_metadata": "C1",
        "title": {"type": "plain_text", "text": "Brief"},
        "blocks": [
            {
                "type": "input",
                "block_id": "goal",
                "label": {"type": "plain_text", "text": "Goal"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    trigger = fake.send_slash_command("UALICE", "CGEN", "/baton", "").payload["trigger_id"]
    view_id = client.views_open(trigger_id=trigger, view=modal)["view"]["id"]
    values = {"goal": {"value": {"type": "plain_text_input", "value": ""}}}
    receiver.answer = lambda record: (
        200,
        json.dumps({"response_action": "errors", "errors": {"goal": "Required"}}),
    )
    delivery = fake.submit_view("UALICE", view_id, values)
    submitted = receiver.payloads("view_submission")[0]["view"]
    assert (submitted["callback_id"], submitted["private_metadata"]) == ("brief", "C1")
    assert submitted["state"]["values"] == values
    assert delivery.json() == {"response_action": "errors", "errors": {"goal": "Required"}}
    assert fake.views()[view_id]["is_open"]
    receiver.answer = None
    fake.submit_view("UALICE", view_id, values)
    assert not fake.views()[view_id]["is_open"]


def test_home_tab_and_view_updates(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [_section("Your briefs")]}
    published = client.views_publish(user_id="UBOB", view=home)["view"]
    assert fake.home_views["UBOB"]["blocks"][0]["text"]["text"] == "Your briefs"
    updated = {"type": "home", "blocks": [_section("Two briefs")]}
    again = client.views_publish(user_id="UBOB", view=updated, hash=published["hash"])["view"]
    assert again["id"] == published["id"]
    e = _error(lambda: client.views_update(view_id=published["id"], view=home, hash="stale"))
    assert e.response["error"] == "hash_conflict"
    e = _error(lambda: client.views_publish(user_id="UBOB", view={"type": "modal", "blocks": []}))
    assert e.response["error"] == "invalid_arguments"


# ------------------------------------------------------------- streaming, assistant threads


def test_chat_stream_accumulates_text(fake: FakeSlack, client: WebClient) -> None:
    parent = fake.post_user_message("UALICE", "CGEN", "<@UBATON> write it")
    e = _error(lambda: client.chat_startStream(channel="CGEN", thread_ts=parent))
    assert e.response["error"] == "missing_recipient_user_id"
    stream = client.chat_stream(
        channel="CGEN",
        thread_ts=parent,
        recipient_user_id="UALICE",
        recipient_team_id="T0001",
        buffer_size=5,
    )
    stream.append(markdown_text="Hello, ")
    stream.append(markdown_text="world")
    stream.stop(markdown_text="!")
    reply = fake.messages("CGEN", thread_ts=parent)[-1]
    assert reply.text == "Hello, world!" and reply.bot_id == "BBATON"
    e = _error(lambda: client.chat_appendStream(channel="CGEN", ts=reply.ts, markdown_text="more"))
    assert e.response["error"] == "message_not_in_streaming_state"


def test_assistant_thread_calls_are_recorded(fake: FakeSlack, client: WebClient) -> None:
    dm = fake.open_dm("UALICE")
    parent = fake.post_user_message("UALICE", dm, "help me brief")
    client.assistant_threads_setStatus(channel_id=dm, thread_ts=parent, status="is thinking…")
    client.assistant_threads_setTitle(channel_id=dm, thread_ts=parent, title="Launch brief")
    client.assistant_threads_setSuggestedPrompts(
        channel_id=dm,
        thread_ts=parent,
        prompts=[{"title": "Shorter", "message": "Make it shorter"}],
    )
    state = fake.assistant_thread(dm, parent)
    assert (state["status"], state["title"], state["prompts"][0]["title"]) == (
        "is thinking…",
        "Launch brief",
        "Shorter",
    )
    client.chat_postMessage(channel=dm, thread_ts=parent, text="Here it is")
    assert fake.assistant_thread(dm, parent)["status"] == ""  # a reply clears the status
    e = _error(
        lambda: client.assistant_threads_setStatus(channel_id="DNOPE", thread_ts=parent, status="x")
    )
    assert e.response["error"] == "channel_not_found"


# ----------------------------------------------------------------------- a real Bolt app


def test_a_real_bolt_app_runs_against_the_fake(receiver: Receiver) -> None:
    with _workspace(FakeSlack(events_url=receiver.url)) as fake:
        app = App(
            client=WebClient(token=fake.bot_token, base_url=fake.api_url),
            signing_secret=fake.signing_secret,
        )
        seen: list[str] = []

        @app.event("app_mention")
        def on_mention(event: dict[str, Any], say: Any) -> None:
            say(text="On it.", thread_ts=event["ts"])

        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            seen.append(event.get("bot_id") or event["user"])

        @app.command("/baton")
        def on_command(ack: Any, respond: Any) -> None:
            ack("Working…")
            respond(text="Done.", response_type="in_channel")

        def dispatch(record: dict[str, Any]) -> tuple[int, str]:
            response = app.dispatch(
                BoltRequest(body=record["raw"].decode(), headers=record["headers"])
            )
            return response.status, response.body

        receiver.answer = dispatch
        ts = fake.post_user_message("UALICE", "CGEN", "<@UBATON> draft it")
        replies = fake.wait_for(
            lambda: fake.messages("CGEN", thread_ts=ts)[1:], message="Bolt's reply"
        )
        assert replies[0].text == "On it." and replies[0].bot_id == "BBATON"
        command = fake.send_slash_command("UALICE", "CGEN", "/baton", "status")
        assert command.ok and "Working" in command.response_body
        fake.wait_for(
            lambda: any(m.text == "Done." for m in fake.messages("CGEN")), message="respond()"
        )
        fake.wait_for(lambda: len(fake.deliveries) >= 5, message="the echoes")
        assert all(d.status == 200 for d in fake.deliveries)
        assert seen == ["UALICE"]  # Bolt dropped the echoes of its own posts


# --------------------------------------------------------------------------- lifecycle


def test_stop_leaves_no_threads_behind(receiver: Receiver) -> None:
    before = set(threading.enumerate())
    fake = _workspace(FakeSlack(events_url=receiver.url)).start()
    client = WebClient(token=fake.bot_token, base_url=fake.api_url)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: client.chat_postMessage(channel="CGEN", text=str(i)), range(8)))
    fake.post_user_message("UALICE", "CGEN", "hi")
    fake.stop()
    fake.stop()  # idempotent
    leaked = [
        t for t in threading.enumerate() if t not in before and t.name.startswith("FakeSlack")
    ]
    assert leaked == []
    with pytest.raises(RuntimeError):
        _ = fake.api_url


def test_wait_for_returns_the_value_or_fails_with_the_message(fake: FakeSlack) -> None:
    assert fake.wait_for(lambda: [1], timeout=0.1) == [1]
    with pytest.raises(AssertionError, match=r"timed out after .* waiting for the moon"):
        fake.wait_for(lambda: None, timeout=0.05, message="the moon")
