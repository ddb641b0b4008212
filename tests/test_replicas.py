"""Several `baton run` processes on one database, as behind a load balancer: a process killed
mid-draft has its draft finished by another, in the same Slack message; events delivered
round robin, with Slack's retries landing on other replicas, make exactly one draft each;
a due digest goes out once however many replicas tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sandbox.claude import FakeClaude, FakeReply
from sandbox.slack import FakeSlack
from storage import drafts as draft_store
from storage import people as people_store
from storage import requests as request_store
from storage.db import Database
from tests.listening import port_in
from tests.world import ALICE, BOB, CHANNEL, block_texts, is_draft, is_finished, scripted_brief

# Each test starts `baton run` processes.
pytestmark = pytest.mark.slow

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database that separate processes can share."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'baton.db'}"
        _upgrade(url)
        yield url
        return
    admin_url = os.environ["TEST_DATABASE_URL"]
    name = f"baton_replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        _upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "ANTHROPIC_", "BATON_", "DATABASE_"))
    }


def _upgrade(url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "db", "upgrade"],
        env={**_clean_env(), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Replicas:
    """`baton run` processes sharing one database, the fake Slack and the fake Claude."""

    slack: FakeSlack
    claude: FakeClaude
    database_url: str
    tmp_path: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def start(self, count: int, **settings: str) -> None:
        """Start `count` replicas and wait until each is listening."""
        env = {
            **_clean_env(),
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": self.slack.signing_secret,
            "SLACK_API_URL": self.slack.api_url,
            "ANTHROPIC_API_KEY": self.claude.api_key,
            "ANTHROPIC_BASE_URL": self.claude.url,
            "DATABASE_URL": self.database_url,
            "BATON_LOG_LEVEL": "INFO",
            # Many requests from two people on purpose: no usage caps here.
            "BATON_LIMIT_PERSON_PER_HOUR": "0",
            "BATON_LIMIT_PERSON_IN_FLIGHT": "0",
            "BATON_LIMIT_WORKSPACE_PER_HOUR": "0",
            "BATON_LIMIT_WORKSPACE_IN_FLIGHT": "0",
            **settings,
        }
        for _ in range(count):
            log_path = self.tmp_path / f"replica{len(self.processes)}.log"
            log = open(log_path, "w")  # noqa: SIM115
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.entrypoints.cli",
                    "run",
                    "--port",
                    "0",
                    "--host",
                    "127.0.0.1",
                ],
                env=env,
                cwd=self.tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            log.close()
            self.processes.append(process)
            # Started on port 0: the port it holds is in its "listening" line.
            self.wait_for(
                lambda log_path=log_path, process=process: (
                    port_in(log_path.read_text()) or process.poll() is not None
                ),
                timeout=60,
                message=f"replica {len(self.processes) - 1} listening",
            )
            port = port_in(log_path.read_text())
            assert port is not None, self.logs()
            self.urls.append(f"http://127.0.0.1:{port}/slack/events")

    def wait_for(self, predicate, *, timeout: float, message: str):  # type: ignore[no-untyped-def]
        """The fake Slack's wait_for, with the replicas' logs in the failure message."""
        try:
            return self.slack.wait_for(predicate, timeout=timeout, message=message)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.logs()}") from None

    def logs(self) -> str:
        """Everything the replicas wrote, for assertion messages."""
        return "\n".join(
            f"--- replica {n}\n" + (self.tmp_path / f"replica{n}.log").read_text()
            for n in range(len(self.processes))
        )

    def stop(self) -> None:
        """Stop every replica still running."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def replicas(database_url: str, tmp_path: Path) -> Iterator[Replicas]:
    """The fakes, with people and a channel, and no replica started yet."""
    with FakeSlack() as slack, FakeClaude() as claude:
        slack.add_user(ALICE, name="alice", tz="UTC")
        slack.add_user(BOB, name="bob", tz="UTC")
        slack.add_channel(CHANNEL, name="general", members=[ALICE, BOB])
        claude.on_tool("record_brief", scripted_brief)
        group = Replicas(slack=slack, claude=claude, database_url=database_url, tmp_path=tmp_path)
        try:
            yield group
        finally:
            group.stop()


def _rows(url: str, sql: str) -> list[tuple]:
    db = Database.from_url(url)
    try:
        with db.session() as session:
            return [tuple(row) for row in session.exec(text(sql)).all()]  # type: ignore[call-overload]
    finally:
        db.dispose()


def _drafts(slack: FakeSlack, ts: str) -> list:
    return [
        m
        for m in slack.messages(CHANNEL, thread_ts=ts)
        if m.user == slack.bot_user_id and is_draft(m)
    ]


def test_a_process_killed_mid_draft_has_its_draft_finished_by_another(
    replicas: Replicas,
) -> None:
    """Replica A streams a draft and is killed (no drain); replica B takes the job over once
    A's lease runs out and finishes the draft in the message A had posted: one draft, whole."""
    slack, claude = replicas.slack, replicas.claude
    claude.responder = lambda request: FakeReply(
        text="Export is here for every report, and it is fast. " * 4,
        ttft=0.2,
        tokens_per_second=3,
    )
    replicas.start(2, BATON_JOB_LEASE_SECONDS="2")
    slack.events_url = replicas.urls[0]  # the request reaches A only
    ts = slack.post_user_message(ALICE, CHANNEL, f"<@{slack.bot_user_id}> a launch note")
    # Once A has updated its draft message, it has recorded that message too (the record
    # follows the post on the same thread): this is the crash that must lose nothing.
    replicas.wait_for(
        lambda: any(m.edited for m in _drafts(slack, ts)),
        timeout=30,
        message="A's draft partly shown",
    )
    [partial] = _drafts(slack, ts)
    assert not is_finished(partial)
    replicas.processes[0].send_signal(signal.SIGKILL)
    replicas.processes[0].wait(timeout=10)
    claude.responder = lambda request: FakeReply(text="FINAL: export is here, for every report.")
    replicas.wait_for(
        lambda: any(is_finished(m) for m in _drafts(slack, ts)),
        timeout=60,
        message="the draft finished by B",
    )
    drafts = _drafts(slack, ts)
    assert len(drafts) == 1, replicas.logs()
    assert drafts[0].ts == partial.ts  # finished in place, not posted again
    assert "FINAL: export is here" in block_texts(drafts[0])
    draft_calls = [c for c in claude.message_calls() if not c.tool_names]
    assert len(draft_calls) == 2
    assert "taking over brief_and_draft job" in replicas.logs()
    # The job is marked done just after the last Slack update: poll, don't race it.
    replicas.wait_for(
        lambda: _rows(replicas.database_url, "SELECT state, attempts FROM jobs") == [("done", 2)],
        timeout=30,
        message="the job done on its second attempt",
    )
    assert _rows(replicas.database_url, "SELECT state FROM requests") == [("drafted",)]


def test_a_draft_posted_just_before_a_crash_is_found_by_its_metadata_not_posted_again(
    replicas: Replicas,
) -> None:
    """A dies after Slack took its draft post but before A heard the ts (so it never recorded
    it): B finds that message by the draft metadata it carries and finishes it in place."""
    slack, claude = replicas.slack, replicas.claude
    claude.responder = lambda request: FakeReply(text="Export is here for every report.", ttft=0.2)
    replicas.start(2, BATON_JOB_LEASE_SECONDS="2")
    slack.events_url = replicas.urls[0]
    ts = slack.post_user_message(ALICE, CHANNEL, f"<@{slack.bot_user_id}> a launch note")
    # The next post after the brief is shown is the draft's: its answer never reaches A.
    replicas.wait_for(lambda: slack.calls_to("chat.update"), timeout=30, message="the brief shown")
    slack.delay_replies("chat.postMessage", 30)
    replicas.wait_for(lambda: _drafts(slack, ts), timeout=30, message="A's draft post taken")
    replicas.processes[0].send_signal(signal.SIGKILL)
    replicas.processes[0].wait(timeout=10)
    slack.delay_replies("chat.postMessage", 0)
    [posted] = _drafts(slack, ts)
    assert posted.metadata and posted.metadata["event_type"] == "baton_draft"
    claude.responder = lambda request: FakeReply(text="FINAL: export is here, for every report.")
    replicas.wait_for(
        lambda: any(is_finished(m) for m in _drafts(slack, ts)),
        timeout=60,
        message="the draft finished by B",
    )
    drafts = _drafts(slack, ts)
    assert [m.ts for m in drafts] == [posted.ts], replicas.logs()
    assert "FINAL: export is here" in block_texts(drafts[0])
    assert slack.calls_to("conversations.replies")  # B looked for it in the thread


def test_three_replicas_round_robin_with_retries_make_one_draft_per_request(
    replicas: Replicas,
) -> None:
    """Twelve mentions spread over three replicas, each event delivered again (as Slack's
    retry) to the next replica: every request gets exactly one finished draft."""
    slack, claude = replicas.slack, replicas.claude
    claude.responder = lambda request: FakeReply(text="A short, complete draft.", ttft=0.1)
    replicas.start(3)
    slack.events_urls = list(replicas.urls)
    threads = []
    for n in range(12):
        person = ALICE if n % 2 else BOB
        ts = slack.post_user_message(person, CHANNEL, f"<@{slack.bot_user_id}> launch note {n}")
        threads.append(ts)
        for delivery in [d for d in slack.deliveries if d.kind == "event"]:
            event = delivery.payload["event"]
            if event.get("ts") == ts:
                retry = slack.send_event(
                    event,
                    event_id=delivery.payload["event_id"],
                    retry_num=1,
                    retry_reason="http_timeout",
                )
                assert retry.ok
    replicas.wait_for(
        lambda: all(any(is_finished(m) for m in _drafts(slack, ts)) for ts in threads),
        timeout=120,
        message="a finished draft in every thread",
    )
    for ts in threads:
        assert len(_drafts(slack, ts)) == 1, replicas.logs()
    served = {d.headers.get("X-Slack-Retry-Num") for d in slack.deliveries if d.kind == "event"}
    assert served == {None, "1"}
    draft_calls = [c for c in claude.message_calls() if not c.tool_names]
    assert len(draft_calls) == len(threads)


def test_a_due_digest_goes_out_once_from_three_replicas(replicas: Replicas) -> None:
    """A digest due now, with three replicas whose schedulers all tick at start: one DM."""
    now = datetime.now(UTC)
    db = Database.from_url(replicas.database_url)
    try:
        with db.session() as session:
            request = request_store.create_request(
                session,
                team_id=replicas.slack.team_id,
                channel_id=CHANNEL,
                channel_type="channel",
                message_ts="1700000000.000100",
                thread_ts="1700000000.000100",
                requester_id=ALICE,
                text="a launch note",
                state="drafted",
            )
            assert request is not None and request.id is not None
            draft = draft_store.create_draft(
                session,
                team_id=request.team_id,
                request_id=request.id,
                channel_id=CHANNEL,
                trigger="first",
            )
            draft_store.update_draft(
                session, draft=draft, state="complete", text="Draft.", completed_at=now
            )
            people_store.save_person(
                session,
                team_id=request.team_id,
                user_id=ALICE,
                timezone="UTC",
                slack_timezone="UTC",
                digest_time=(now - timedelta(minutes=5)).strftime("%H:%M"),
                digest_days=list(range(7)),
            )
    finally:
        db.dispose()
    replicas.start(3)
    slack = replicas.slack
    replicas.wait_for(
        lambda: slack.calls_to("chat.postMessage"), timeout=60, message="the digest posted"
    )
    # Each replica logs its tick once the digest is due, whether it won the claim or not.
    replicas.wait_for(
        lambda: replicas.logs().count("digest tick: ") >= 3,
        timeout=60,
        message="all three schedulers ticked",
    )
    posts = slack.calls_to("chat.postMessage")
    digests = [c for c in posts if "Your Baton digest" in str(c.params)]
    assert len(digests) == 1, replicas.logs()
    assert digests[0].params["channel"] in (ALICE, slack.open_dm(ALICE))
    assert _rows(replicas.database_url, "SELECT state FROM digest_claims") == [("sent",)]
