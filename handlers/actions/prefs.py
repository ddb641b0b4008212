"""Preferences: the modal's submission, the Home tab's buttons to open it and to reset."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.adapters.slack_io import SlackCallFailed
from bot.constants import ACTION_RESET_ALL
from bot.domain.inbound import form_values
from handlers.actions.payload import clicked, team_and_user
from handlers.context import usecases

logger = logging.getLogger(__name__)


def on_prefs_saved(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The preferences modal: errors in the ack, else saved and the Home tab shown again."""
    preferences = usecases(context).preferences
    team_id, user_id = team_and_user(body)
    errors = preferences.save_prefs(team_id=team_id, user_id=user_id, values=form_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    _quietly(lambda: preferences.publish_home(team_id=team_id, user_id=user_id))


def on_open_prefs(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The Home tab's button that opens the preferences modal."""
    ack()
    preferences = usecases(context).preferences
    team_id, user_id = team_and_user(body)
    _quietly(
        lambda: preferences.open_prefs(
            team_id=team_id, user_id=user_id, trigger_id=str(body.get("trigger_id", ""))
        )
    )


def on_reset(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Back to learning: one style value, or all of them."""
    ack()
    preferences = usecases(context).preferences
    team_id, user_id = team_and_user(body)
    action = clicked(body)
    dimension = None if action.get("action_id") == ACTION_RESET_ALL else action.get("value")
    preferences.reset(team_id=team_id, user_id=user_id, dimension=dimension)
    _quietly(lambda: preferences.publish_home(team_id=team_id, user_id=user_id))


def _quietly(work: Callable[[], None]) -> None:
    try:
        work()
    except SlackCallFailed as exc:
        logger.warning("Slack refused a view update: %s", exc.error)
