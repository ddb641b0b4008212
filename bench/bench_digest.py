"""Benchmark: one digest tick for N people across C channels (run by hand, not in CI).

    python bench/bench_digest.py --people 10000 --channels 200 [--with-claude]

Seeds a database (SQLite unless --database-url) with one finished, unjudged draft per
person in one of the channels, plus some accepted drafts; the fake Slack knows every person
and channel membership. Then one tick runs with everyone due, and the script reports its
time, digests sent, database queries in all and per digest, and Slack and Claude calls.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from bot.adapters.claude import Claude  # noqa: E402
from bot.adapters.members import MemberCache  # noqa: E402
from bot.adapters.slack_client import make_web_client  # noqa: E402
from bot.adapters.slack_io import SlackIO  # noqa: E402
from bot.usecases.digests import DigestRunner  # noqa: E402
from sandbox.claude import FakeClaude  # noqa: E402
from sandbox.slack import FakeSlack  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Draft, Feedback, Person, Request  # noqa: E402

TICK = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday


def seed(db: Database, slack: FakeSlack, people: int, channels: int) -> None:
    rng = random.Random(7)
    team = slack.team_id
    users = [f"U{i:07d}" for i in range(people)]
    chans = [f"C{i:07d}" for i in range(channels)]
    members: dict[str, list[str]] = {c: [slack.bot_user_id] for c in chans}
    home = {u: rng.choice(chans) for u in users}
    for user in users:
        slack.add_user(user, name=user.lower(), tz="UTC")
        members[home[user]].append(user)
    for channel in chans:
        slack.add_channel(channel, name=channel.lower(), members=members[channel])
    done = TICK - timedelta(hours=20)
    requests, drafts, people_rows, accepts = [], [], [], []
    for index, user in enumerate(users, start=1):
        ts = f"1764000000.{index:06d}"
        requests.append(
            {
                "id": index,
                "team_id": team,
                "channel_id": home[user],
                "channel_type": "channel",
                "message_ts": ts,
                "thread_ts": ts,
                "requester_id": user,
                "text": f"request {index}",
                "state": "drafted",
                "brief": {"goal": f"goal {index}"},
                "brief_version": 1,
                "created_at": done,
                "updated_at": done,
            }
        )
        drafts.append(
            {
                "id": index,
                "team_id": team,
                "request_id": index,
                "version": 1,
                "trigger": "first",
                "state": "complete",
                "text": "draft",
                "channel_id": home[user],
                "message_ts": f"1764000001.{index:06d}",
                "created_at": done,
                "posted_at": done,
                "completed_at": done,
            }
        )
        people_rows.append(
            {
                "team_id": team,
                "user_id": user,
                "style": {},
                "style_reset": {},
                "slack_timezone": "UTC",
                "updated_at": done,
            }
        )
        if index % 10 == 0:  # someone else accepted every tenth draft
            accepts.append(
                {
                    "team_id": team,
                    "user_id": users[index - 2],
                    "request_id": index,
                    "draft_id": index,
                    "kind": "accept",
                    "created_at": done,
                }
            )
    with db.engine.begin() as connection:
        connection.execute(insert(Request), requests)
        connection.execute(insert(Draft), drafts)
        connection.execute(insert(Person), people_rows)
        connection.execute(insert(Feedback), accepts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--with-claude", action="store_true", help="summaries by a fake Claude")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--send-threads", type=int, default=32)
    args = parser.parse_args()
    with (
        FakeSlack(echo_bot_messages=False) as slack,
        FakeClaude() as fake_claude,
        tempfile.TemporaryDirectory() as tmp,
    ):
        fake_claude.responder = lambda request: "Several drafts wait for you; two were accepted."
        db = Database.from_url(args.database_url or f"sqlite:///{tmp}/digest.db")
        db.create_tables()
        started = time.monotonic()
        seed(db, slack, args.people, args.channels)
        print(
            f"seeded {args.people} people in {args.channels} channels "
            f"in {time.monotonic() - started:.1f}s"
        )
        queries = 0

        def count(*_args: object) -> None:
            nonlocal queries
            queries += 1

        event.listen(db.engine, "before_cursor_execute", count)
        slack_io = SlackIO(make_web_client(slack.bot_token, slack.api_url))
        claude = (
            Claude(api_key=fake_claude.api_key, model="fake", base_url=fake_claude.url)
            if args.with_claude
            else None
        )
        runner = DigestRunner(
            db=db,
            slack=slack_io,
            claude=claude,
            team_url="https://bench.slack.com/",
            members=MemberCache(slack_io),
            send_threads=8,
        )
        started = time.monotonic()
        report = runner.tick(TICK)
        seconds = time.monotonic() - started
        sent = max(1, report.sent)
        calls = slack.calls
        print(
            f"tick: {seconds:.1f}s for {report.due} due, {report.sent} sent, "
            f"{report.empty} empty, {report.failed} failed"
        )
        print(f"database queries: {queries} in all, {queries / sent:.3f} per digest")
        print(
            f"Slack calls: {len(calls)} (conversations.members "
            f"{sum(c.method == 'conversations.members' for c in calls)}, chat.postMessage "
            f"{sum(c.method == 'chat.postMessage' for c in calls)}); Claude calls: "
            f"{len(fake_claude.message_calls())}"
        )
        again = runner.tick(TICK + timedelta(minutes=1))
        print(f"next tick: {again.claimed} claimed (must be 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
