"""1,000 failed Slack and Claude calls through Baton's wrappers leave no thread or socket behind.

Each failure ends as SlackCallFailed or ModelError, after a bounded number of attempts.

Nothing here depends on timing or on what else runs: the threads and files compared are the
ones that appeared during the calls (by identity, and sockets by inode, so what an earlier test
in this process closes meanwhile cannot hide a leak), sockets between two ports this test does
not own are left out, and every fault that races a client timeout has a wide margin.
"""

from __future__ import annotations

import gc
import os
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.adapters.claude import Claude, ModelError
from bot.adapters.members import MemberCache
from bot.adapters.slack_client import make_web_client
from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.prompts import Prompt
from sandbox.claude import FakeClaude
from sandbox.slack import FakeSlack

pytestmark = [
    pytest.mark.skipif(
        not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc"
    ),
    pytest.mark.slow,
]

CALLS = 1_000
# What may legitimately stay open after the calls: an idle pooled connection or two.
SPARE_SOCKETS = 4
SPARE_THREADS = 2
PROMPT = Prompt(system="You draft.", messages=[{"role": "user", "content": "write the note"}])
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]


@dataclass(frozen=True)
class Usage:
    """What the process holds open at one moment: its threads, and what each open file
    descriptor points at (a socket reads as socket:[inode], so no two sockets look alike)."""

    threads: frozenset[threading.Thread]
    files: Counter[str]

    @property
    def sockets(self) -> int:
        return sum(n for target, n in self.files.items() if target.startswith("socket:"))

    def __str__(self) -> str:
        return f"{len(self.threads)} threads, {self.files.total()} fds, {self.sockets} sockets"


def usage() -> Usage:
    """Threads and open file descriptors of this process now."""
    files: Counter[str] = Counter()
    for name in os.listdir("/proc/self/fd"):
        try:
            files[os.readlink(f"/proc/self/fd/{name}")] += 1
        except FileNotFoundError:  # the listing's own descriptor, closed by now
            continue
    return Usage(frozenset(threading.enumerate()), files)


def settled(earlier: frozenset[threading.Thread], timeout: float = 30.0) -> Usage:
    """Usage once the fakes' request threads started since `earlier` (and the sockets they
    serve) have finished; fails if they have not within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        # The fakes serve each request on a thread named for it; they end soon after a reply.
        serving = [t for t in threading.enumerate() if "request" in t.name and t not in earlier]
        if not serving:
            return usage()
        assert time.monotonic() < deadline, f"requests still served after {timeout} s: {serving}"
        serving[0].join(timeout=0.05)


def tcp_ports() -> dict[str, tuple[int, int]]:
    """The local and remote port of each TCP socket on this host, by its socket:[inode]."""
    ports: dict[str, tuple[int, int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError), open(table) as rows:
            next(rows)  # the header
            for row in rows:
                _, local, remote, *_, inode = row.split()[:10]
                ports[f"socket:[{inode}]"] = (
                    int(local.rsplit(":", 1)[1], 16),
                    int(remote.rsplit(":", 1)[1], 16),
                )
    return ports


def opened_since(before: Usage, after: Usage, ours: set[int]) -> list[str]:
    """Files open now that were not before, less TCP sockets with neither end on a port in
    `ours` (those belong to something else in this process). What is left is this test's: a
    connection to one of its servers, a socket that never connected, or any other file."""
    ports = tcp_ports()
    return [
        target
        for target in (after.files - before.files).elements()
        if target not in ports or ours & set(ports[target])
    ]


class ResettingServer:
    """Accepts each connection, reads the request and resets it (RST, no answer).

    Stands in for a network that drops Slack's connections; one thread serves everything.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping = threading.Event()
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, name="resetting-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(1.0)
                with suppress(OSError):
                    connection.recv(65536)
                # Linger 0: close() sends RST instead of FIN.
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()


@pytest.fixture
def resetting_server() -> Iterator[ResettingServer]:
    server = ResettingServer()
    yield server
    server.stop()


@dataclass(frozen=True)
class Scenario:
    """One kind of failed call: how to make it, what it must raise, and HTTP attempts it costs."""

    name: str
    per_round: int  # how many of every 20 calls fail this way
    call: Callable[[], object]
    expected: str  # the SlackCallFailed error code, or a phrase of the ModelError
    attempts: int  # requests (for resets: connections) one such call makes


def failure_of(scenario: Scenario) -> Exception:
    """The Baton error the call ended in; any other exception fails the test as it is."""
    try:
        scenario.call()
    except (SlackCallFailed, ModelError) as exc:
        return exc
    raise AssertionError(f"{scenario.name}: the call was meant to fail but succeeded")


@pytest.fixture
def claude(fake_claude: FakeClaude) -> Iterator[Claude]:
    """Baton's Claude client as configured for production (the fake's faults carry a
    millisecond retry-after, so the SDK's retries do not wait)."""
    client = Claude(api_key=fake_claude.api_key, model="claude-test", base_url=fake_claude.url)
    yield client
    client.close()


@pytest.fixture
def no_retries(fake_claude: FakeClaude) -> Iterator[Claude]:
    """Baton's Claude client with production timeouts that never retries: a dropped body
    carries no retry-after, so the SDK would back off for seconds."""
    client = Claude(
        api_key=fake_claude.api_key, model="claude-test", base_url=fake_claude.url, max_retries=0
    )
    yield client
    client.close()


@pytest.fixture
def impatient(fake_claude: FakeClaude) -> Iterator[Claude]:
    """A Claude client that gives up on 50 ms of silence and never retries: a held request
    carries no retry-after, so the SDK would back off for seconds."""
    client = Claude(
        api_key=fake_claude.api_key,
        model="claude-test",
        base_url=fake_claude.url,
        reply_timeout=0.05,
        stream_timeout=0.05,
        max_retries=0,
    )
    yield client
    client.close()


def test_a_thousand_failed_calls_leave_no_thread_or_socket_behind(
    fake_slack: FakeSlack,
    fake_claude: FakeClaude,
    resetting_server: ResettingServer,
    claude: Claude,
    no_retries: Claude,
    impatient: Claude,
) -> None:
    """500s, ok:false, connection resets and long rate limits from Slack; 500, 529, broken
    streams, timeouts and long rate limits from Claude: each ends in SlackCallFailed or
    ModelError, and threads, file descriptors and sockets end where they started."""
    no_wait = FixedValueRetryIntervalCalculator(0.0)
    slack = SlackIO(
        make_web_client(fake_slack.bot_token, fake_slack.api_url, retry_interval=no_wait)
    )
    cut_off = SlackIO(
        make_web_client(fake_slack.bot_token, resetting_server.url, retry_interval=no_wait)
    )
    members = MemberCache(slack, ttl=0)
    parent = fake_slack.post_user_message("UALICE", "CGENERAL", "write the launch note")

    def slack_fails(method: str, error: str, times: int, **kwargs: int) -> None:
        fake_slack.fail_next(method, error=error, times=times, **kwargs)

    def claude_fails(kind: str, times: int = 1, **kwargs: float) -> None:
        fake_claude.fail_next(kind, times=times, **kwargs)

    def post(io: SlackIO) -> object:
        return io.post(channel="CGENERAL", thread_ts=parent, blocks=BLOCKS, text="x")

    def stream() -> object:
        return list(claude.stream_draft(PROMPT))

    scenarios = [
        Scenario(
            "Slack 500 on every attempt",
            2,
            lambda: (slack_fails("chat.postMessage", "internal_error", 3), post(slack)),
            "internal_error",
            3,
        ),
        Scenario(
            "Slack ok:false",
            3,
            lambda: slack.update(channel="CNOWHERE", ts="1.2", blocks=BLOCKS, text="x"),
            "channel_not_found",
            1,
        ),
        Scenario("Slack connection reset", 2, lambda: post(cut_off), "connection_error:", 3),
        Scenario(
            "Slack rate limit longer than we wait",
            1,
            lambda: (
                slack_fails("chat.postMessage", "ratelimited", 1, retry_after=3600),
                post(slack),
            ),
            "ratelimited",
            1,
        ),
        Scenario(
            "Slack member list refused",
            1,
            lambda: slack.conversation_members("CNOWHERE"),
            "channel_not_found",
            1,
        ),
        Scenario(
            "Claude 500 on every attempt",
            2,
            lambda: (claude_fails("server", 3, retry_after=0.001), stream()),
            "Claude failed (api_error)",
            3,
        ),
        Scenario(
            "Claude 529 on every attempt",
            2,
            lambda: (claude_fails("overloaded", 3, retry_after=0.001), stream()),
            "overloaded",
            3,
        ),
        Scenario(
            "Claude stream dropped midway",
            2,
            lambda: (claude_fails("midstream_drop"), stream()),
            "connection to Claude broke",
            1,
        ),
        Scenario(
            "Claude stream error event",
            1,
            lambda: (claude_fails("midstream_error"), stream()),
            "overloaded",
            1,
        ),
        Scenario(
            "Claude brief 500 on every attempt",
            1,
            lambda: (claude_fails("server", 3, retry_after=0.001), claude.extract_brief(PROMPT)),
            "Claude failed (api_error)",
            3,
        ),
        Scenario(
            "Claude rate limit longer than we wait",
            1,
            lambda: (claude_fails("rate_limit", retry_after=3600), stream()),
            "rate-limiting",
            1,
        ),
        Scenario(
            "Claude silent until the timeout",
            1,
            # Held 20 times as long as the client waits, so the client gives up first even on
            # a loaded machine (a held request answered by a close would read as a drop).
            lambda: (claude_fails("timeout", delay=1.0), list(impatient.stream_draft(PROMPT))),
            "timed out",
            1,
        ),
        Scenario(
            "Claude summary body cut off",
            1,
            # Production timeouts: with a short one, a loaded machine's slow half body would
            # read as a timeout instead of a cut.
            lambda: (
                claude_fails("midstream_drop"),
                no_retries.complete_text(PROMPT, max_tokens=200),
            ),
            "could not reach Claude",
            1,
        ),
    ]
    round_ = [s for s in scenarios for _ in range(s.per_round)]
    assert len(round_) == 20

    def run(calls: int) -> Counter[str]:
        seen: Counter[str] = Counter()
        for index in range(calls):
            scenario = round_[index % len(round_)]
            error = failure_of(scenario)
            detail = error.error if isinstance(error, SlackCallFailed) else str(error)
            assert scenario.expected in detail, f"{scenario.name}: {detail}"
            seen[scenario.name] += 1
        return seen

    earlier = frozenset(threading.enumerate())  # the fakes' servers, and any earlier test's
    run(len(round_))  # warm-up: imports, pools, lazily made objects
    assert members.members("CNOWHERE") == frozenset()  # a refusal hides the channel, no error
    before = settled(earlier)
    assert before.sockets >= 3, "the fakes' listening sockets should be counted"
    slack_calls, claude_calls = len(fake_slack.calls), len(fake_claude.calls)
    resets = resetting_server.connections

    started = time.monotonic()
    seen = run(CALLS)
    elapsed = time.monotonic() - started
    after = settled(earlier)

    print(f"\n{CALLS} failed calls in {elapsed:.1f} s; before {before}, after {after}")
    assert sum(seen.values()) == CALLS

    # Retries were bounded: each failure cost exactly the attempts expected of it.
    def attempts(prefix: str) -> int:
        return sum(seen[s.name] * s.attempts for s in scenarios if s.name.startswith(prefix))

    dropped = attempts("Slack connection reset")
    assert resetting_server.connections - resets == dropped
    assert len(fake_slack.calls) - slack_calls == attempts("Slack") - dropped
    assert len(fake_claude.calls) - claude_calls == attempts("Claude")
    new_threads = sorted(t.name for t in after.threads - before.threads)
    assert len(new_threads) <= SPARE_THREADS, new_threads
    servers = (fake_slack.api_url, fake_claude.url, resetting_server.url)
    ours = {urlsplit(url).port or 0 for url in servers}
    new_files = opened_since(before, after, ours)
    new_sockets = [target for target in new_files if target.startswith("socket:")]
    assert len(new_sockets) <= SPARE_SOCKETS, new_sockets
    assert len(new_files) <= SPARE_SOCKETS, new_files
