"""Scheduled digests: a tick finds who is due, claims each digest in the database (so it
goes out once on any number of processes), checks channel membership through Slack,
writes an optional summary with Claude, and sends. APScheduler only drives the tick; its
own jobs stay in memory (its SQL job store cannot be shared between processes)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.adapters.claude import Claude, ModelError
from bot.adapters.members import MemberCache
from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.adapters.workspaces import in_workspace
from bot.domain.digest import (
    GRACE,
    ChannelSchedule,
    DigestItem,
    channel_due_period,
    digest_message,
    due_period,
    summary_prompt,
)
from bot.domain.render import message_link
from bot.domain.states import DigestOutcome
from bot.domain.timing import FeedbackMoment, learn_timing, parse_hhmm
from bot.usecases.preferences import timing_settings
from storage import digests as digest_store
from storage import pending as pending_store
from storage.db import Database
from storage.pending import Pending

logger = logging.getLogger(__name__)

TICK_SECONDS = 60
STALE_CLAIM = timedelta(minutes=15)  # a 'sending' claim this old belonged to a dead process
TIMING_WINDOW = timedelta(days=60)
DRAFT_WINDOW = timedelta(days=14)


@dataclass
class TickReport:
    """What one tick did (for logs, tests and the benchmark)."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0


@dataclass
class DigestRunner:
    """Runs digest ticks for people and subscribed channels."""

    db: Database
    slack: SlackIO
    claude: Claude | None
    team_url: str
    members: MemberCache
    # Digests to different people go out side by side; each waits on Slack, not the CPU.
    send_threads: int = 32
    grace: timedelta = GRACE

    def tick(self, now: datetime) -> TickReport:
        """Send every digest due at `now` that no one has sent yet."""
        report = TickReport()
        self._people(now, report)
        self._channels(now, report)
        return report

    # ---- people ------------------------------------------------------------------------

    def _people(self, now: datetime, report: TickReport) -> None:
        with self.db.session() as session:
            people = digest_store.digest_people(session)
            settings = digest_store.people_settings(session, keys=people)
            moments = digest_store.feedback_moments(session, since=now - TIMING_WINDOW)
        due: list[tuple[str, str, str]] = []
        for key in people:
            person = settings.get(key)
            profile = learn_timing(
                [FeedbackMoment(at=at, seconds_after_draft=s) for at, s in moments.get(key, [])],
                slack_tz=person.slack_timezone if person else None,
                settings=timing_settings(person),
                now=now,
            )
            period = due_period(now, profile, grace=self.grace)
            if period is not None:
                due.append((key[0], key[1], period))
        report.due = len(due)
        if not due:
            return
        with self.db.session() as session:
            won = digest_store.claim_digests(session, wanted=due, now=now, stale_after=STALE_CLAIM)
            last = digest_store.last_sent(session)
            waiting, accepted = pending_store.pending_for(
                session,
                people={(t, u) for t, u, _ in won},
                accepted_since=now - timedelta(days=7),
                drafts_since=now - DRAFT_WINDOW,
            )
        report.claimed = len(won)
        # Membership once per channel (cached), asked in the channel's own workspace, then a
        # reverse index: who is in what.
        involved = {(t, p.channel_id) for (t, _), items in waiting.items() for p in items}
        involved |= {(a.team_id, a.channel_id) for a in accepted}
        channels_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        for team_id, channel in sorted(involved):
            with in_workspace(team_id):
                for member in self.members.members(channel):
                    channels_of[(team_id, member)].add(channel)
        accepted_in: dict[tuple[str, str], list[Pending]] = defaultdict(list)
        for item in accepted:
            accepted_in[(item.team_id, item.channel_id)].append(item)
        jobs = []
        for team_id, user_id, period in sorted(won):
            visible = channels_of.get((team_id, user_id), set())
            since = last.get((team_id, user_id), now - timedelta(days=1))
            mine = [p for p in waiting.get((team_id, user_id), []) if p.channel_id in visible]
            # News is what others accepted, where you can see it; your own is not news.
            fresh = [
                a
                for channel in visible
                for a in accepted_in.get((team_id, channel), [])
                if a.at and a.at > since and a.accepted_by - {user_id}
            ]
            with in_workspace(team_id):
                items = [self._item(p) for p in mine + fresh]
            unique = list({(i.kind, i.url): i for i in items}.values())
            jobs.append((team_id, user_id, period, unique))
        with ThreadPoolExecutor(max_workers=self.send_threads) as pool:
            outcomes = list(pool.map(lambda job: self._send(*job), jobs))
        self._settle(outcomes, report)

    def _send(
        self, team_id: str, user_id: str, period: str, items: list[DigestItem]
    ) -> tuple[tuple[str, str, str], DigestOutcome]:
        with in_workspace(team_id):
            return (team_id, user_id, period), self._post(user_id, items, channel=user_id)

    def _settle(
        self, outcomes: list[tuple[tuple[str, str, str], DigestOutcome]], report: TickReport
    ) -> None:
        """Record outcomes in a few statements: sent and empty settle, failed release."""
        by_state: dict[DigestOutcome, list[tuple[str, str, str]]] = defaultdict(list)
        for key, outcome in outcomes:
            by_state[outcome].append(key)
            setattr(report, outcome, getattr(report, outcome) + 1)
        with self.db.session() as session:
            for state in (DigestOutcome.SENT, DigestOutcome.EMPTY):
                digest_store.settle_digests(session, keys=by_state[state], state=state)
            digest_store.release_digests(session, keys=by_state[DigestOutcome.FAILED])

    # ---- channels ----------------------------------------------------------------------

    def _channels(self, now: datetime, report: TickReport) -> None:
        with self.db.session() as session:
            subscriptions = digest_store.channel_subscriptions(session)
        due = []
        for sub in subscriptions:
            schedule = ChannelSchedule(sub.cadence, sub.weekday, parse_hhmm(sub.at), sub.timezone)
            period = channel_due_period(now, schedule, grace=self.grace)
            if period is not None:
                due.append((sub, period))
        if not due:
            return
        with self.db.session() as session:
            won = digest_store.claim_digests(
                session,
                wanted=[(s.team_id, f"channel:{s.channel_id}", p) for s, p in due],
                now=now,
                stale_after=STALE_CLAIM,
            )
            last = digest_store.last_sent(session)
            activity = {
                (s.team_id, s.channel_id): digest_store.channel_activity(
                    session,
                    team_id=s.team_id,
                    channel_id=s.channel_id,
                    since=last.get(
                        (s.team_id, f"channel:{s.channel_id}"),
                        now - timedelta(days=7 if s.cadence == "weekly" else 1),
                    ),
                )
                for s, p in due
                if (s.team_id, f"channel:{s.channel_id}", p) in won
            }
        report.due += len(due)
        report.claimed += len(activity)
        for (team_id, channel_id), pending in activity.items():
            period = next(p for s, p in due if (s.team_id, s.channel_id) == (team_id, channel_id))
            with in_workspace(team_id):
                items = [self._item(p) for p in pending]
                outcome = self._post(
                    f"channel:{channel_id}",
                    items,
                    channel=channel_id,
                    heading="This channel's Baton digest",
                )
            self._settle([((team_id, f"channel:{channel_id}", period), outcome)], report)

    def subscribe(
        self, *, team_id: str, channel_id: str, user_id: str, schedule: ChannelSchedule | None
    ) -> None:
        """Set or stop a channel's digest (recorded with who and when)."""
        with self.db.session() as session:
            digest_store.set_channel_digest(
                session,
                team_id=team_id,
                channel_id=channel_id,
                set_by=user_id,
                cadence=schedule.cadence if schedule else None,
                weekday=schedule.weekday if schedule else None,
                at=schedule.at.strftime("%H:%M") if schedule else None,
                timezone=schedule.timezone if schedule else None,
            )

    # ---- shared ------------------------------------------------------------------------

    def _post(
        self,
        recipient: str,
        items: list[DigestItem],
        *,
        channel: str,
        heading: str = "Your Baton digest",
    ) -> DigestOutcome:
        """Send one digest and say how it went."""
        if not items:
            return DigestOutcome.EMPTY
        blocks = digest_message(items, summary=self._summary(items), heading=heading)
        try:
            self.slack.post(channel=channel, thread_ts=None, blocks=blocks, text=heading)
        except SlackCallFailed as exc:
            if exc.error == "not_installed":
                # The workspace removed Baton: there is no one to send it to any more.
                return DigestOutcome.EMPTY
            logger.warning(
                "digest for %s not sent (%s); the next tick retries", recipient, exc.error
            )
            return DigestOutcome.FAILED
        return DigestOutcome.SENT

    def _summary(self, items: list[DigestItem]) -> str | None:
        if self.claude is None:
            return None
        try:
            return self.claude.complete_text(summary_prompt(items), max_tokens=200)
        except ModelError as exc:
            logger.info("digest summary skipped: %s", exc)
            return None

    def _item(self, pending: Pending) -> DigestItem:
        link = message_link(
            self.slack.team_url or self.team_url,
            pending.channel_id,
            pending.message_ts,
            pending.thread_ts,
        )
        return DigestItem(
            pending.kind, pending.channel_id, pending.title, link, pending.version, pending.at
        )


def schedule_digests(
    scheduler: BaseScheduler, runner: DigestRunner, *, clock: Callable[[], datetime]
) -> None:
    """Tick every minute on `scheduler` (one at a time; a late tick is merged, not stacked),
    first at once."""

    def tick() -> None:
        try:
            report = runner.tick(clock())
            if report.due:  # losers of a claim log too: operators see every replica tick
                logger.info("digest tick: %s", report)
        except Exception:
            logger.exception("digest tick failed; the next one will try again")

    scheduler.add_job(
        tick,
        "interval",
        seconds=TICK_SECONDS,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),  # first tick at once, not a minute after start
    )
