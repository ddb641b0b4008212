"""Benchmark: N mentions at concurrency C against `baton run`, the fake Slack and a fake Claude.

Run by hand, not in CI:  python bench/bench_mentions.py --mentions 200 --concurrency 200
Replicas on PostgreSQL, against one replica in the same run:
    python bench/bench_mentions.py --mentions 1000 --concurrency 50 --replicas 3 --compare \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Baton runs as real `baton run` subprocesses (HTTP mode, SQLite unless --database-url), so
the numbers include signature checks, Bolt, waitress, the database and real HTTP to both
fakes. Reports ack latency, Baton's own overhead from the event to the first visible draft
text (minus the fake model's time for the brief and its time to first token), Slack calls
per draft, drafts per minute, duplicate or missing drafts, and peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.prompts import BRIEF_TOOL_NAME  # noqa: E402
from sandbox.claude import FakeClaude, FakeReply  # noqa: E402
from sandbox.slack import FakeSlack  # noqa: E402

BATON_RUN = [sys.executable, "-m", "bot.entrypoints.cli", "run"]
DRAFT = (
    "Export is here. Download any report as CSV or PDF from the new Export button, "
    "share it with your team, and keep working in the tools you already use. "
) * 3


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--ttft", type=float, default=1.0, help="fake Claude time to first token")
    parser.add_argument("--tokens-per-second", type=float, default=50.0)
    parser.add_argument("--brief-seconds", type=float, default=0.5, help="fake brief latency")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server URL: each run gets a fresh database on it (default: SQLite)",
    )
    parser.add_argument("--workers", type=int, default=None, help="BATON_DRAFT_WORKERS")
    parser.add_argument("--replicas", type=int, default=1, help="`baton run` processes")
    parser.add_argument(
        "--compare", action="store_true", help="run once with 1 replica, then with --replicas"
    )
    args = parser.parse_args()
    counts = [1, args.replicas] if args.compare and args.replicas > 1 else [args.replicas]
    summaries = [run_once(args, replicas) for replicas in counts]
    if len(summaries) == 2:
        one, many = summaries
        print(
            f"scaling: {many['per_minute'] / max(one['per_minute'], 1e-9):.2f}x drafts per minute "
            f"with {args.replicas} replicas ({one['per_minute']:.0f} -> {many['per_minute']:.0f})"
        )
    return 0


def run_once(args: argparse.Namespace, replicas: int) -> dict[str, float]:
    """One load run against `replicas` processes sharing one fresh database."""
    with (
        FakeSlack(echo_bot_messages=True) as slack,
        FakeClaude() as claude,
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, tmp) as database_url,
    ):
        slack.add_user("UALICE", name="alice")
        slack.add_channel("CBENCH", name="bench", members=["UALICE", slack.bot_user_id])
        claude.responder = lambda request: FakeReply(
            text=DRAFT, ttft=args.ttft, tokens_per_second=args.tokens_per_second
        )

        # The brief is a non-streamed tool call: give it its own latency.
        def slow_brief(request: dict) -> dict:
            time.sleep(args.brief_seconds)
            return {
                "goal": "announce export",
                "audience": "customers",
                "deliverable": "a note",
                "constraints": [],
                "assumptions": [],
                "open_questions": [],
                "actionable": True,
            }

        claude.on_tool(BRIEF_TOOL_NAME, slow_brief)

        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "ANTHROPIC_API_KEY": claude.api_key,
            "ANTHROPIC_BASE_URL": claude.url,
            "DATABASE_URL": database_url,
            "BATON_LOG_LEVEL": "WARNING",
            # A load test is many requests from few people on purpose: no usage caps.
            "BATON_LIMIT_PERSON_PER_HOUR": "0",
            "BATON_LIMIT_PERSON_IN_FLIGHT": "0",
            "BATON_LIMIT_WORKSPACE_PER_HOUR": "0",
            "BATON_LIMIT_WORKSPACE_IN_FLIGHT": "0",
        }
        if args.workers:
            env["BATON_DRAFT_WORKERS"] = str(args.workers)
        subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "db", "upgrade"],
            env=env,
            cwd=tmp,
            check=True,
        )
        ports = [free_port() for _ in range(replicas)]
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.entrypoints.cli",
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=tmp,
            )
            for port in ports
        ]
        try:
            for port in ports:
                slack.wait_for(lambda port=port: _healthy(port), timeout=60, message="/healthz")
            # A load balancer in front of the replicas: deliveries go round robin.
            slack.events_urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports]
            cpu_before = sum(cpu_seconds(p.pid) for p in processes)
            results = run_load(slack, args.mentions, args.concurrency)
            peak = max(peak_rss_mib(p.pid) for p in processes)
            cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        print(f"--- {replicas} replica(s) on {database_url.split(':')[0]}")
        summary = report(slack, results, args, peak)
        print(f"Baton CPU per draft (all replicas): {cpu / max(1, args.mentions) * 1000:.0f} ms")
    return summary


@contextmanager
def fresh_database(server_url: str | None, tmp: str) -> Iterator[str]:
    """SQLite in `tmp`, or a new database on the PostgreSQL server, dropped afterwards."""
    if server_url is None:
        yield f"sqlite:///{tmp}/bench.db"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"baton_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return json.loads(response.read()).get("ok") is True
    except OSError:
        return False


def run_load(slack: FakeSlack, mentions: int, concurrency: int) -> list[dict]:
    """Closed loop: C people, each posting a mention and waiting for its finished draft.

    One monitor thread watches for finished drafts, so the load generator itself does not
    eat the two cores Baton runs on.
    """
    results: list[dict] = []
    lock = threading.Lock()
    counter = iter(range(mentions))
    waiting: dict[str, threading.Event] = {}

    def monitor(stop: threading.Event) -> None:
        while not stop.is_set():
            with lock:
                pending = list(waiting.items())
            for ts, done in pending:
                thread = slack.messages("CBENCH", thread_ts=ts)
                if any(
                    "reply in this thread to revise" in json.dumps(m.blocks or []) for m in thread
                ):
                    done.set()
                    with lock:
                        waiting.pop(ts, None)
            stop.wait(0.2)

    def person() -> None:
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            started = time.monotonic()
            done = threading.Event()
            ts = slack.post_user_message(
                "UALICE",
                "CBENCH",
                f"<@{slack.bot_user_id}> write launch note #{index}",
                wait=False,
            )
            with lock:
                waiting[ts] = done
            done.wait(timeout=300)
            with lock:
                results.append({"ts": ts, "started": started, "finished": time.monotonic()})

    stop = threading.Event()
    watcher = threading.Thread(target=monitor, args=(stop,))
    watcher.start()
    people = [threading.Thread(target=person) for _ in range(concurrency)]
    for thread in people:
        thread.start()
    for thread in people:
        thread.join()
    stop.set()
    watcher.join()
    return results


def report(
    slack: FakeSlack, results: list[dict], args: argparse.Namespace, peak: float
) -> dict[str, float]:
    deliveries = [d for d in slack.deliveries if d.kind == "event"]
    mentions = [d for d in deliveries if (d.event or {}).get("type") == "app_mention"]
    acks = [d.seconds * 1000 for d in deliveries]
    calls = slack.calls
    first_text: dict[str, float] = {}
    for call in calls:
        if call.method == "chat.postMessage" and "*Draft v1*" in json.dumps(call.params):
            first_text.setdefault(str(call.params.get("thread_ts")), call.at)
    # Measured from the moment the fake Slack delivered the event (Slack delivers in
    # parallel; the fake's single delivery queue is not Baton's doing).
    delivered: dict[str, float] = {}
    for delivery in mentions:
        event = delivery.event or {}
        delivered.setdefault(str(event.get("ts")), delivery.sent_at)
    overheads = []
    for result in results:
        visible = first_text.get(result["ts"])
        sent = delivered.get(result["ts"])
        if visible is not None and sent:
            model_time = args.brief_seconds + args.ttft
            overheads.append((visible - sent - model_time) * 1000)
    chat_calls = [c for c in calls if c.method.startswith("chat.")]
    failed = [c for c in calls if not c.ok]
    finished = len(first_text)
    print(
        f"mentions={args.mentions} concurrency={args.concurrency} ttft={args.ttft}s "
        f"tokens/s={args.tokens_per_second} brief={args.brief_seconds}s"
    )
    print(
        f"events delivered: {len(deliveries)} (mentions {len(mentions)}); "
        f"timed out: {sum(d.timed_out for d in deliveries)}"
    )
    print(
        f"ack latency ms: p50 {percentile(acks, 0.5):.1f}  p99 {percentile(acks, 0.99):.1f}  "
        f"max {max(acks):.1f}"
    )
    if overheads:
        print(
            f"overhead to first visible draft text ms: p50 {percentile(overheads, 0.5):.1f}  "
            f"p99 {percentile(overheads, 0.99):.1f}"
        )
    print(
        f"drafts finished: {finished}/{args.mentions}; Slack chat.* calls per draft: "
        f"{len(chat_calls) / max(1, finished):.2f} "
        f"(postMessage {sum(c.method == 'chat.postMessage' for c in chat_calls)}, "
        f"update {sum(c.method == 'chat.update' for c in chat_calls)}); failed calls: "
        f"{len(failed)}"
    )
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    print(f"wall time {wall:.1f}s; Baton peak RSS {peak:.0f} MiB")
    print(
        f"median request to finished draft: "
        f"{statistics.median(r['finished'] - r['started'] for r in results):.2f}s"
    )
    per_thread: dict[str, int] = {}
    for call in calls:
        if call.method == "chat.postMessage" and "*Draft v1*" in json.dumps(call.params):
            thread = str(call.params.get("thread_ts"))
            per_thread[thread] = per_thread.get(thread, 0) + 1
    asked = {r["ts"] for r in results}
    duplicates = sum(1 for ts in asked if per_thread.get(ts, 0) > 1)
    missing = sum(1 for ts in asked if per_thread.get(ts, 0) == 0)
    per_minute = finished / wall * 60 if wall > 0 else 0.0
    print(
        f"drafts per minute: {per_minute:.0f}; duplicate drafts: {duplicates}; "
        f"missing drafts: {missing}"
    )
    return {"per_minute": per_minute, "duplicates": duplicates, "missing": missing}


if __name__ == "__main__":
    sys.exit(main())
