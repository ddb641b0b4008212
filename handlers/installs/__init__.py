"""Slack telling Baton it was removed: `app_uninstalled` and `tokens_revoked`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from handlers.context import usecases

logger = logging.getLogger(__name__)


def on_app_uninstalled(context: BoltContext) -> None:
    """Baton was removed from a workspace: forget its installation."""
    installations = usecases(context).installations
    if installations is None:  # single-workspace mode
        logger.warning(
            "Baton was uninstalled from team %s: SLACK_BOT_TOKEN no longer works",
            context.team_id,
        )
        return
    installations.uninstalled(team_id=context.team_id, enterprise_id=context.enterprise_id)


def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Slack revoked tokens: forget the bot's or the people's."""
    installations = usecases(context).installations
    found = event.get("tokens")
    tokens: dict[str, Any] = found if isinstance(found, dict) else {}
    users = [u for u in (tokens.get("oauth") or []) if isinstance(u, str)]
    bot = bool(tokens.get("bot"))
    if installations is None:
        logger.warning("Slack revoked tokens of team %s (bot: %s)", context.team_id, bot)
        return
    installations.tokens_revoked(
        team_id=context.team_id, enterprise_id=context.enterprise_id, bot=bot, user_ids=users
    )


def register(app: App) -> None:
    """Wire the uninstall listeners."""
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
