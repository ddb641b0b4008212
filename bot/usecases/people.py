"""People Baton works with: each one's Slack time zone, looked up once, off the ack path."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from bot.adapters.slack_io import SlackCallFailed
from bot.usecases.deps import Deps
from storage import people as people_store

logger = logging.getLogger(__name__)


@dataclass
class People:
    """Learns a new person's Slack time zone: their digests and timing are in local time."""

    deps: Deps
    # People whose Slack time zone this process has already looked up.
    _seen: set[tuple[str, str]] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def remember(self, team_id: str, user_id: str) -> None:
        """Learn a person's Slack time zone once, on the work pool."""
        with self._lock:
            if (team_id, user_id) in self._seen:
                return
            self._seen.add((team_id, user_id))
        self.deps.work.submit(
            ("person", team_id, user_id), lambda: self._store_timezone(team_id, user_id)
        )

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop what this process remembers of a person (their stored data is erased apart)."""
        with self._lock:
            self._seen.discard((team_id, user_id))

    def _store_timezone(self, team_id: str, user_id: str) -> None:
        with self.deps.db.session() as session:
            person = people_store.get_person(session, team_id=team_id, user_id=user_id)
            if person is not None and person.slack_timezone:
                return
        try:
            tz = self.deps.slack.user_timezone(user_id)
        except SlackCallFailed as exc:
            logger.info("no time zone for %s: %s", user_id, exc.error)
            return
        if tz:
            with self.deps.db.session() as session:
                people_store.save_person(
                    session, team_id=team_id, user_id=user_id, slack_timezone=tz
                )
