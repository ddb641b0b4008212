"""Privacy: forget-me erases everything Baton holds about a person; a message deleted in Slack
takes Baton's stored copy of its words with it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.inbound import Deletion
from bot.usecases.deps import Deps
from bot.usecases.people import People
from bot.usecases.preferences import Preferences
from storage import feedback as feedback_store
from storage import handoffs as handoff_store
from storage import people as people_store
from storage import requests as request_store

logger = logging.getLogger(__name__)


@dataclass
class Privacy:
    """Erasing on request, and following deletions."""

    deps: Deps
    preferences: Preferences
    people: People

    def forget_me(self, *, team_id: str, user_id: str) -> people_store.Erased:
        """Erase everything Baton holds about the person, and what this process remembers."""
        erased = self.preferences.forget(team_id=team_id, user_id=user_id)
        self.people.forget(team_id, user_id)
        return erased

    def on_message_deleted(self, deletion: Deletion) -> None:
        """A person deleted a message in Slack: Baton's stored copy of its words goes too."""
        with self.deps.db.session() as session:
            forgotten = request_store.forget_message_text(
                session, team_id=deletion.team_id, channel_id=deletion.channel_id, ts=deletion.ts
            )
            forgotten += feedback_store.forget_message_text(
                session, team_id=deletion.team_id, ts=deletion.ts
            )
            forgotten += handoff_store.forget_message_text(
                session, team_id=deletion.team_id, ts=deletion.ts
            )
        if forgotten:
            logger.info("dropped the stored text of a deleted message (%s rows)", forgotten)
