"""When the database is down or locked: Slack is still answered in time, the person is told,
and the event is not lost.

Two nets. Before the ack (HTTP mode), a watch that pings the database in the background tells
the request path, without touching the database itself, whether to take the event: if not,
Slack gets a 503 and delivers the event again later. After the ack (both modes), work that
hits a database error is held in memory and run again once the database answers.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.inbound import parse_message
from storage.db import Database

logger = logging.getLogger(__name__)

DEGRADED_MESSAGE = (
    ":warning: Baton is degraded: its database is not answering, so I can't take this yet. "
    "Slack will send it to me again and I'll pick it up then; nothing you wrote is lost."
)
COMMAND_DEGRADED = (
    ":warning: Baton is degraded: its database is not answering. Try again in a minute or two."
)
# How long held work waits for the database before it is given up (and logged).
HOLD_SECONDS = 15 * 60
HOLD_CAPACITY = 10_000


def is_database_down(exc: BaseException) -> bool:
    """True for errors that mean the database is unreachable, locked or out of connections,
    as opposed to a bug in a query."""
    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class DatabaseWatch:
    """Pings the database every `interval` seconds on its own thread; `healthy` is read on the
    ack path and never waits for the database."""

    def __init__(self, db: Database, *, interval: float = 1.0) -> None:
        self.db = db
        self.interval = interval
        self._healthy = True
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="baton-db-watch", daemon=True)

    def start(self) -> DatabaseWatch:
        """Begin watching."""
        self._thread.start()
        return self

    @property
    def healthy(self) -> bool:
        """True when the database answered its last ping."""
        return self._healthy

    def mark_down(self) -> None:
        """A caller met a database error: believe it at once, the next ping confirms."""
        self._set(False)

    def wait_healthy(self, timeout: float) -> bool:
        """Block until the database answers (True) or `timeout` passes (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._healthy or self._stop.is_set(), timeout)

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._set(self.db.ping())
            self._stop.wait(self.interval)

    def _set(self, healthy: bool) -> None:
        with self._changed:
            if healthy != self._healthy:
                logger.warning("database %s", "answers again" if healthy else "is not answering")
            self._healthy = healthy
            self._changed.notify_all()


@dataclass
class HeldWork:
    """Work that met a database error after Slack was acked, kept to run again."""

    label: str
    run: Callable[[], None]
    held_at: float = field(default_factory=time.monotonic)


class Redelivery:
    """Runs held work again, oldest first, once the database answers."""

    def __init__(self, watch: DatabaseWatch, *, hold_seconds: float = HOLD_SECONDS) -> None:
        self.watch = watch
        self.hold_seconds = hold_seconds
        self._held: deque[HeldWork] = deque()
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="baton-redelivery", daemon=True)

    def start(self) -> Redelivery:
        """Begin redelivering."""
        self._thread.start()
        return self

    @property
    def held(self) -> int:
        """Pieces of work waiting for the database."""
        with self._lock:
            return len(self._held)

    def hold(self, label: str, run: Callable[[], None]) -> bool:
        """Keep `run` to try again when the database is back; False when too much is held."""
        with self._lock:
            if len(self._held) >= HOLD_CAPACITY:
                logger.error(
                    "database down and %s pieces of work held: dropping %s", HOLD_CAPACITY, label
                )
                return False
            # Run later in this context: the workspace it belongs to goes with it.
            self._held.append(
                HeldWork(label, functools.partial(contextvars.copy_context().run, run))
            )
            self._lock.notify_all()
        self.watch.mark_down()
        logger.warning("database error: holding %s until it answers", label)
        return True

    def stop(self) -> None:
        """Stop redelivering (held work is dropped, and said to be)."""
        self._stop.set()
        self.watch.stop()
        with self._lock:
            if self._held:
                logger.error(
                    "stopping with %s pieces of work held for the database", len(self._held)
                )
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._lock.wait_for(lambda: self._held or self._stop.is_set())
            if self._stop.is_set():
                return
            if not self.watch.wait_healthy(timeout=1.0):
                self._expire()
                continue
            self._run_one()

    def _run_one(self) -> None:
        with self._lock:
            if not self._held:
                return
            work = self._held.popleft()
        try:
            work.run()
            logger.info("held %s ran once the database answered", work.label)
        except Exception as exc:
            if is_database_down(exc) and time.monotonic() - work.held_at < self.hold_seconds:
                with self._lock:
                    self._held.appendleft(work)
                self.watch.mark_down()
                self._stop.wait(0.5)
            else:
                logger.exception("held %s failed", work.label)

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            while self._held and now - self._held[0].held_at > self.hold_seconds:
                work = self._held.popleft()
                logger.error("gave up on %s: the database did not answer in time", work.label)


class DegradedNotice:
    """Tells a person, once per message, that Baton cannot take their request right now."""

    def __init__(self, slack: SlackIO, *, bot_user_id: str) -> None:
        self.slack = slack
        self.bot_user_id = bot_user_id
        self._told: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def about_event(self, body: dict[str, Any]) -> Callable[[], None] | None:
        """The notice for an event addressed to Baton (a mention or a DM), to send off the ack
        path; None for anything else, or for a message already told about (Slack's retries)."""
        # Distribution mode has a bot user per workspace: the envelope names this one's.
        bot_user_id = self.bot_user_id or _authorized_bot(body)
        if not bot_user_id:
            return None
        message = parse_message(body, bot_user_id=bot_user_id)
        if message is None or not (message.mentions_bot or message.is_dm):
            return None
        key = (message.channel_id, message.ts)
        with self._lock:
            if key in self._told:
                return None
            self._told[key] = None
            while len(self._told) > 10_000:
                self._told.popitem(last=False)
        thread_ts = message.thread_ts or message.ts
        return lambda: self.tell(message.channel_id, message.user_id, thread_ts)

    def tell(
        self, channel: str, user: str, thread_ts: str | None, text: str = DEGRADED_MESSAGE
    ) -> None:
        """Say privately that Baton is degraded."""
        try:
            self.slack.post_ephemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
        except SlackCallFailed as exc:
            logger.warning("could not tell a person Baton is degraded: %s", exc.error)


def _authorized_bot(body: dict[str, Any]) -> str | None:
    """Baton's user id in the workspace an Events API envelope comes from."""
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot"):
            user = authorization.get("user_id")
            return user if isinstance(user, str) and user else None
    return None


@dataclass
class Degraded:
    """The database watch, the held work and the notices, as one thing to wire in."""

    watch: DatabaseWatch
    redelivery: Redelivery
    notice: DegradedNotice

    @classmethod
    def start(cls, db: Database, slack: SlackIO, *, bot_user_id: str) -> Degraded:
        """Watch `db` and redeliver held work on background threads."""
        watch = DatabaseWatch(db).start()
        return cls(
            watch=watch,
            redelivery=Redelivery(watch).start(),
            notice=DegradedNotice(slack, bot_user_id=bot_user_id),
        )

    def run_event(self, label: str, body: dict[str, Any], handle: Callable[[], None]) -> None:
        """Handle an acked event; on a database error hold it, and tell its author once."""
        try:
            handle()
        except Exception as exc:
            if not is_database_down(exc):
                raise
            self.redelivery.hold(label, handle)
            tell = self.notice.about_event(body)
            if tell is not None:
                tell()

    def stop(self) -> None:
        """Stop the background threads."""
        self.redelivery.stop()
