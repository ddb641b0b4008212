"""Slack telling Baton it was removed: `app_uninstalled` and `tokens_revoked`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.adapters.workspaces import InstalledWorkspaces

logger = logging.getLogger(__name__)


def register(app: App, installations: InstalledWorkspaces | None) -> None:
    """Wire the uninstall listeners; `installations` is None in single-workspace mode."""

    def on_app_uninstalled(context: BoltContext) -> None:
        if installations is None:
            logger.warning(
                "Baton was uninstalled from team %s: SLACK_BOT_TOKEN no longer works",
                context.team_id,
            )
            return
        installations.uninstalled(team_id=context.team_id, enterprise_id=context.enterprise_id)

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens") if isinstance(event.get("tokens"), dict) else {}
        users = [u for u in (tokens.get("oauth") or []) if isinstance(u, str)]
        bot = bool(tokens.get("bot"))
        if installations is None:
            logger.warning("Slack revoked tokens of team %s (bot: %s)", context.team_id, bot)
            return
        installations.tokens_revoked(
            team_id=context.team_id, enterprise_id=context.enterprise_id, bot=bot, user_ids=users
        )

    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
