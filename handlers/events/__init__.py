"""Events API listeners: messages, mentions, reactions. Bolt acks before these run."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.domain.inbound import parse_message, parse_reaction
from bot.services import Baton

logger = logging.getLogger(__name__)


def register(app: App, baton: Baton) -> None:
    """Wire the event listeners."""

    def on_message(body: dict[str, Any]) -> None:
        message = parse_message(body, bot_user_id=baton.bot_user_id)
        if message is not None:
            baton.on_message(message)

    def on_reaction(body: dict[str, Any]) -> None:
        change = parse_reaction(body)
        if change is not None:
            baton.on_reaction(change)

    def on_home_opened() -> None:
        # The Home tab arrives with the preferences work; acknowledging keeps Slack from retrying.
        return None

    app.event("app_mention")(on_message)
    app.event("message")(on_message)
    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
    app.event("app_home_opened")(on_home_opened)
