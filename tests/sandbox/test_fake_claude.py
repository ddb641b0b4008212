"""The fake Claude speaks the real wire format: the real anthropic SDK runs against it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import anthropic
import httpx2
import pytest

from sandbox.claude import FakeClaude, FakeReply

KEY = "test-anthropic-key"
MODEL = "claude-test-model"
# A stream cut mid-body: httpx's own error in older SDKs, wrapped by newer ones.
MIDSTREAM_ERRORS = (httpx2.RemoteProtocolError, anthropic.APIConnectionError)
HELLO = [{"role": "user", "content": "Write the weekly digest"}]
PICK_TOOL = {
    "name": "pick_owner",
    "description": "Choose who owns the task",
    "input_schema": {
        "type": "object",
        "properties": {"owner": {"type": "string"}, "confidence": {"type": "number"}},
        "required": ["owner"],
    },
}


@pytest.fixture
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(api_key=KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def http_client() -> Iterator[httpx2.Client]:
    # Building an HTTP client costs ~50 ms (TLS setup); share one so the file stays fast.
    with anthropic.DefaultHttpxClient() as http_client:
        yield http_client


@pytest.fixture
def client(fake: FakeClaude, http_client: httpx2.Client) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=KEY, base_url=fake.url, max_retries=2, http_client=http_client
    )


def create(client: anthropic.Anthropic, **overrides: object) -> anthropic.types.Message:
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO, **overrides}
    return client.messages.create(**params)


def stream_text(client: anthropic.Anthropic, **overrides: object) -> str:
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO, **overrides}
    with client.messages.stream(**params) as stream:
        return "".join(stream.text_stream)


def post_raw(fake: FakeClaude, body: dict, headers: dict[str, str]) -> tuple[int, dict, str]:
    """POST without the SDK, to see bytes and headers the SDK would hide."""
    request = urllib.request.Request(
        fake.url + "/v1/messages", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


# -- text ------------------------------------------------------------------------------------


def test_non_streaming_text_reply_has_the_message_shape(fake: FakeClaude, client) -> None:
    fake.queue("Here is your digest.")

    message = create(client)

    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Here is your digest."
    assert message.model == MODEL
    assert message.role == "assistant"
    assert message.stop_reason == "end_turn"
    assert message.id.startswith("msg_")
    assert message.usage.input_tokens >= 1
    assert message.usage.output_tokens >= 1
    assert fake.message_calls()[0].status == 200
    assert fake.message_calls()[0].stream is False


def test_streaming_text_arrives_as_scripted(fake: FakeClaude, client) -> None:
    text = "Three wins this week: shipped search, fixed login, and hired Ana."
    fake.queue(text)

    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO}
    with client.messages.stream(**params) as stream:
        chunks = list(stream.text_stream)
        final = stream.get_final_message()

    assert "".join(chunks) == text
    assert len(chunks) > 5  # word-sized deltas, not one blob
    assert final.content[0].text == text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens >= 1
    assert stream.request_id is not None and stream.request_id.startswith("req_")
    assert fake.message_calls()[0].stream is True


def test_raw_stream_follows_the_api_event_order(fake: FakeClaude) -> None:
    fake.queue("Hi there")
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    body = {"model": MODEL, "max_tokens": 50, "messages": HELLO, "stream": True}

    status, response_headers, text = post_raw(fake, body, headers)

    assert status == 200
    lowered = {k.lower(): v for k, v in response_headers.items()}
    assert lowered["content-type"].startswith("text/event-stream")
    assert lowered["transfer-encoding"] == "chunked"
    assert lowered["request-id"].startswith("req_")
    events = []
    for frame in text.strip().split("\n\n"):
        name_line, data_line = frame.split("\n")
        name = name_line.removeprefix("event: ")
        data = json.loads(data_line.removeprefix("data: "))
        assert data["type"] == name  # the SSE name repeats the JSON type, as the API does
        events.append(data)
    assert [e["type"] for e in events] == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0]["message"]["content"] == []
    assert events[2]["content_block"] == {"type": "text", "text": ""}
    assert events[6]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}


def test_async_client_streams_too(fake: FakeClaude) -> None:
    fake.queue("async works fine")

    async def run() -> str:
        aclient = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.url)
        params: dict = {"model": MODEL, "max_tokens": 64, "messages": HELLO}
        async with aclient.messages.stream(**params) as stream:
            return "".join([t async for t in stream.text_stream])

    assert asyncio.run(run()) == "async works fine"


# -- scripting -------------------------------------------------------------------------------


def test_replies_come_from_queue_then_responder_then_default(fake: FakeClaude, client) -> None:
    fake.queue("first", FakeReply(text="second"))
    seen: list[dict] = []

    def responder(request: dict) -> str | None:
        seen.append(request)
        return "from responder" if len(seen) == 1 else None  # None falls back to the default

    fake.responder = responder

    texts = [create(client).content[0].text for _ in range(4)]

    assert texts == ["first", "second", "from responder", "Draft: Write the weekly digest"]
    assert seen[0]["messages"] == HELLO  # the responder sees the parsed request


def test_default_reply_echoes_the_start_of_the_last_user_message(client) -> None:
    long_prompt = "word " * 100
    messages = [
        {"role": "user", "content": "earlier"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": long_prompt}]},
    ]

    text = create(client, messages=messages).content[0].text

    assert text == "Draft: " + long_prompt[:200]


def test_long_reply_is_cut_at_max_tokens(fake: FakeClaude, client) -> None:
    fake.queue("x" * 400)

    message = create(client, max_tokens=10)

    assert message.stop_reason == "max_tokens"
    assert message.content[0].text == "x" * 40  # ~4 chars per token


# -- tools -----------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
def test_forced_tool_is_answered_by_on_tool(fake: FakeClaude, client, streamed: bool) -> None:
    def pick(request: dict) -> dict:
        # The handler sees the request, so its answer can depend on the prompt.
        return {"owner": "ana", "confidence": 0.9, "prompt": request["messages"][-1]["content"]}

    fake.on_tool("pick_owner", pick)
    params: dict = {
        "model": MODEL,
        "max_tokens": 256,
        "messages": HELLO,
        "tools": [PICK_TOOL, {**PICK_TOOL, "name": "other_tool"}],
        "tool_choice": {"type": "tool", "name": "pick_owner"},
    }

    if streamed:
        with client.messages.stream(**params) as stream:
            json_pieces = [e for e in stream if e.type == "input_json"]
            message = stream.get_final_message()
        assert len(json_pieces) > 1  # the input JSON arrives in several deltas
    else:
        message = client.messages.create(**params)

    expected = {"owner": "ana", "confidence": 0.9, "prompt": "Write the weekly digest"}
    [block] = message.content
    assert block.type == "tool_use"
    assert block.name == "pick_owner"
    assert block.id.startswith("toolu_")
    assert block.input == expected
    assert message.stop_reason == "tool_use"


def test_on_tool_answers_when_only_that_tool_is_offered(fake: FakeClaude, client) -> None:
    fake.on_tool("pick_owner", lambda request: {"owner": "bo"})

    message = create(client, tools=[PICK_TOOL])

    assert message.content[0].input == {"owner": "bo"}


def test_queued_reply_wins_over_on_tool(fake: FakeClaude, client) -> None:
    fake.on_tool("pick_owner", lambda request: {"owner": "bo"})
    fake.queue(FakeReply(text="Let me check.", tool_name="pick_owner", tool_input={"owner": "cy"}))
    choice = {"type": "tool", "name": "pick_owner"}

    first = create(client, tools=[PICK_TOOL], tool_choice=choice)
    second = create(client, tools=[PICK_TOOL], tool_choice=choice)

    assert [b.type for b in first.content] == ["text", "tool_use"]
    assert first.content[0].text == "Let me check."
    assert first.content[1].input == {"owner": "cy"}
    assert second.content[0].input == {"owner": "bo"}


def test_unscripted_forced_tool_gets_placeholder_input(client) -> None:
    choice = {"type": "tool", "name": "pick_owner"}

    message = create(client, tools=[PICK_TOOL], tool_choice=choice)

    assert message.content[0].input == {"owner": "fake", "confidence": 0}


# -- HTTP faults the SDK retries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status"), [("rate_limit", 429), ("overloaded", 529), ("server", 500)]
)
def test_sdk_retries_a_single_fault(fake: FakeClaude, client, kind: str, status: int) -> None:
    fake.fail_next(kind, retry_after=0.01)
    fake.queue("after the retry")

    message = create(client)

    assert message.content[0].text == "after the retry"
    calls = fake.message_calls()
    assert [c.status for c in calls] == [status, 200]
    assert [c.headers["x-stainless-retry-count"] for c in calls] == ["0", "1"]


@pytest.mark.parametrize(
    ("kind", "error_class", "error_type"),
    [
        ("rate_limit", anthropic.RateLimitError, "rate_limit_error"),
        ("overloaded", anthropic.OverloadedError, "overloaded_error"),
        ("server", anthropic.InternalServerError, "api_error"),
    ],
)
def test_persistent_fault_exhausts_sdk_retries(
    fake: FakeClaude, client, kind: str, error_class: type, error_type: str
) -> None:
    fake.fail_next(kind, times=3, retry_after=0.01)
    fake.queue("never seen by the failing calls")

    with pytest.raises(error_class) as caught:
        create(client)

    assert caught.value.type == error_type
    assert caught.value.request_id.startswith("req_")
    assert len(fake.message_calls()) == 3  # first try + max_retries=2
    assert create(client).content[0].text == "never seen by the failing calls"


def test_rate_limit_sends_retry_after_and_error_body(fake: FakeClaude) -> None:
    fake.fail_next("rate_limit", retry_after=7)
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}

    status, response_headers, text = post_raw(
        fake, {"model": MODEL, "max_tokens": 5, "messages": HELLO}, headers
    )

    assert status == 429
    assert response_headers["retry-after"] == "7"
    body = json.loads(text)
    assert body["type"] == "error"
    assert body["error"]["type"] == "rate_limit_error"
    assert body["request_id"] == response_headers["request-id"]


def test_x_should_retry_false_stops_sdk_retries(fake: FakeClaude, client) -> None:
    fake.fail_next("overloaded", should_retry=False)

    with pytest.raises(anthropic.OverloadedError):
        create(client)

    assert len(fake.message_calls()) == 1


def test_timeout_fault_is_retried_and_stop_is_prompt(fake: FakeClaude, client) -> None:
    client = client.with_options(max_retries=1, timeout=0.2)
    fake.fail_next("timeout", delay=30)
    fake.queue("answered on the retry")

    message = create(client)

    assert message.content[0].text == "answered on the retry"
    assert [c.status for c in fake.message_calls()] == [0, 200]  # 0: never answered
    started = time.monotonic()
    fake.stop()  # the first request is still being held; stop must cut it short
    assert time.monotonic() - started < 3


def test_timeout_fault_raises_api_timeout_error(fake: FakeClaude, client) -> None:
    client = client.with_options(max_retries=0, timeout=0.2)
    fake.fail_next("timeout", delay=5)

    with pytest.raises(anthropic.APITimeoutError):
        create(client)


# -- request validation ----------------------------------------------------------------------


def test_wrong_api_key_is_rejected(fake: FakeClaude, client) -> None:
    client = client.with_options(api_key="wrong-key")

    with pytest.raises(anthropic.AuthenticationError) as caught:
        create(client)

    assert caught.value.status_code == 401
    assert caught.value.type == "authentication_error"
    assert [c.status for c in fake.message_calls()] == [401]  # 401 is not retried


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_tokens": 0}, "max_tokens"),
        ({"model": ""}, "model"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "messages.0.role"),
        (
            {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
            "messages.1.role",
        ),
        ({"messages": [{"role": "user", "content": ""}]}, "messages.0.content"),
        ({"system": [{"type": "image"}]}, "system.0.type"),
        ({"tools": [{"name": "no_schema"}]}, "input_schema"),
        ({"tools": [PICK_TOOL], "tool_choice": {"type": "tool", "name": "nope"}}, "tool_choice"),
        ({"tool_choice": {"type": "auto"}}, "tool_choice"),
    ],
)
def test_invalid_body_is_a_bad_request(fake: FakeClaude, client, overrides, field) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        create(client, **overrides)

    assert caught.value.type == "invalid_request_error"
    assert field in caught.value.api_message
    assert fake.message_calls()[0].status == 400


def test_missing_anthropic_version_is_a_bad_request(fake: FakeClaude) -> None:
    status, _, text = post_raw(
        fake, {"model": MODEL, "max_tokens": 5, "messages": HELLO}, {"x-api-key": KEY}
    )

    assert status == 400
    assert "anthropic-version" in json.loads(text)["error"]["message"]


def test_invalid_request_does_not_use_up_a_fault(fake: FakeClaude, client) -> None:
    fake.fail_next("overloaded", should_retry=False)

    with pytest.raises(anthropic.BadRequestError):
        create(client, max_tokens=0)
    with pytest.raises(anthropic.OverloadedError):
        create(client)


# -- mid-stream faults -----------------------------------------------------------------------


def test_midstream_error_raises_after_some_text(fake: FakeClaude, client) -> None:
    text = "one two three four five six seven eight"
    fake.queue(text)
    fake.fail_next("midstream_error")
    received: list[str] = []
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO}

    with pytest.raises(anthropic.APIStatusError) as caught, client.messages.stream(**params) as s:
        received.extend(s.text_stream)

    assert caught.value.type == "overloaded_error"
    assert caught.value.status_code == 200  # the HTTP response itself had succeeded
    got = "".join(received)
    assert got and text.startswith(got) and got != text
    assert len(fake.message_calls()) == 1  # the SDK does not retry a broken stream
    # The fault did not use up the queued reply: the application's retry gets it.
    assert stream_text(client) == text


def test_error_after_chars_stops_at_exactly_that_many_chars(fake: FakeClaude, client) -> None:
    fake.queue(FakeReply(text="abcdefghij klmnop", error_after_chars=13))
    received: list[str] = []
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO}

    with pytest.raises(anthropic.APIStatusError), client.messages.stream(**params) as stream:
        received.extend(stream.text_stream)

    assert "".join(received) == "abcdefghij kl"


def test_midstream_drop_raises_while_iterating(fake: FakeClaude, client) -> None:
    fake.queue(FakeReply(text="alpha beta gamma delta epsilon", drop_after_chars=10))
    received: list[str] = []
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO}

    # Older SDKs let httpx's error surface from a stream body; newer ones wrap it.
    with pytest.raises(MIDSTREAM_ERRORS), client.messages.stream(**params) as stream:
        received.extend(stream.text_stream)

    assert "".join(received) == "alpha beta"


def test_midstream_drop_fault_on_tool_stream(fake: FakeClaude, client) -> None:
    fake.on_tool("pick_owner", lambda request: {"owner": "ana", "note": "a longer note here"})
    fake.fail_next("midstream_drop")
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO, "tools": [PICK_TOOL]}

    with pytest.raises(MIDSTREAM_ERRORS), client.messages.stream(**params) as stream:
        stream.until_done()

    assert fake.message_calls()[0].status == 200


def test_dropped_non_streaming_body_is_retried_by_sdk(fake: FakeClaude, client) -> None:
    fake.queue(FakeReply(text="lost", drop_after_chars=1), "recovered")

    assert create(client).content[0].text == "recovered"
    assert len(fake.message_calls()) == 2


def test_midstream_error_on_non_streaming_call_is_a_529(fake: FakeClaude, client) -> None:
    fake.fail_next("midstream_error", retry_after=0.01)
    fake.queue("kept for the retry")

    assert create(client).content[0].text == "kept for the retry"
    assert [c.status for c in fake.message_calls()] == [529, 200]


# -- pacing ----------------------------------------------------------------------------------


def test_deltas_arrive_incrementally_when_paced(fake: FakeClaude, client) -> None:
    # 10 words at 20 tokens/s: ~0.45 s between first and last delta, 0.3 s ttft before them.
    fake.queue(FakeReply(text="a b c d e f g h i j", tokens_per_second=20, ttft=0.3))
    params: dict = {"model": MODEL, "max_tokens": 256, "messages": HELLO}
    started = time.monotonic()
    arrivals: list[float] = []

    with client.messages.stream(**params) as stream:
        for _ in stream.text_stream:
            arrivals.append(time.monotonic() - started)

    assert len(arrivals) == 10
    assert arrivals[0] >= 0.25  # ttft held back the first content event
    assert arrivals[-1] - arrivals[0] >= 0.25  # later words came later, not in one burst


def test_server_wide_pacing_applies_to_every_reply(http_client: httpx2.Client) -> None:
    with FakeClaude(api_key=KEY, ttft=0.2) as fake:
        client = anthropic.Anthropic(api_key=KEY, base_url=fake.url, http_client=http_client)
        started = time.monotonic()
        create(client)
        assert time.monotonic() - started >= 0.18


# -- recording -------------------------------------------------------------------------------


def test_calls_record_the_conversation(fake: FakeClaude, client) -> None:
    fake.queue("Noted.")
    messages = [
        {"role": "user", "content": "Draft the brief"},
        {"role": "assistant", "content": "Which team?"},
        {"role": "user", "content": [{"type": "text", "text": "Platform team"}]},
    ]
    system = [
        {"type": "text", "text": "You are Baton."},
        {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}},
    ]

    create(client, system=system, messages=messages)
    client.messages.count_tokens(model=MODEL, messages=messages)

    [call] = fake.message_calls()
    assert call.path == "/v1/messages"
    assert call.body["system"] == system
    assert call.system_text == "You are Baton.\nBe brief."
    assert call.messages == messages
    assert call.last_user_text == "Platform team"
    assert call.model == MODEL
    # Depending on its version the SDK sends the key as x-api-key or as a bearer token.
    assert KEY in (call.headers.get("x-api-key"), call.headers.get("authorization", "")[7:])
    assert "anthropic-version" in call.headers
    assert call.reply == FakeReply(text="Noted.")
    assert [c.path for c in fake.calls] == ["/v1/messages", "/v1/messages/count_tokens"]


def test_count_tokens_returns_a_rough_count(fake: FakeClaude, client) -> None:
    short = client.messages.count_tokens(model=MODEL, messages=HELLO)
    long = client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "word " * 400}]
    )

    assert short.input_tokens >= 1
    assert long.input_tokens > 400  # ~chars / 4
    assert fake.message_calls() == []  # count_tokens is not a messages call


def test_concurrent_calls_are_all_recorded(fake: FakeClaude, client) -> None:
    fake.responder = lambda request: "echo " + request["messages"][0]["content"]
    results: dict[int, str] = {}

    def worker(i: int) -> None:
        results[i] = stream_text(client, messages=[{"role": "user", "content": f"n{i}"}])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    fake.wait_for(lambda: len(results) == 8, message="8 streamed replies")
    for thread in threads:
        thread.join(timeout=5)

    assert results == {i: f"echo n{i}" for i in range(8)}
    assert sorted(c.last_user_text for c in fake.message_calls()) == [f"n{i}" for i in range(8)]


def test_wait_for_returns_the_value_or_fails_with_the_message(fake: FakeClaude) -> None:
    assert fake.wait_for(lambda: 42) == 42
    with pytest.raises(AssertionError, match="the impossible"):
        fake.wait_for(lambda: False, timeout=0.05, message="the impossible")


def test_responder_errors_surface_as_500_naming_the_cause(fake: FakeClaude, client) -> None:
    def broken(request: dict) -> str:
        raise KeyError("missing_key")

    fake.responder = broken

    with pytest.raises(anthropic.InternalServerError, match="missing_key"):
        create(client.with_options(max_retries=0))


def test_reset_forgets_script_and_history(fake: FakeClaude, client) -> None:
    fake.queue("used", "still queued")
    fake.fail_next("overloaded", times=5)
    fake.on_tool("pick_owner", lambda request: {"owner": "bo"})
    fake.responder = lambda request: "responder"
    with pytest.raises(anthropic.OverloadedError):
        create(client.with_options(max_retries=0))

    fake.reset()

    assert fake.calls == []
    assert create(client).content[0].text == "Draft: Write the weekly digest"
    choice = {"type": "tool", "name": "pick_owner"}
    assert create(client, tools=[PICK_TOOL], tool_choice=choice).content[0].input["owner"] == "fake"


def test_unknown_fault_kind_is_refused(fake: FakeClaude) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fail_next("gremlins")
