"""The Options button on a brief, and the "Use A", "Use B"… buttons under each option."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.constants import ACTION_OPTIONS, ACTION_USE_OPTION
from bot.usecases.services import Baton
from handlers.actions._payload import action_value, team_and_user
from handlers.actions._payload import say as _say


def _ids(body: dict[str, Any]) -> tuple[str, str, str]:
    """Workspace, person and the clicked button's value, from a block_actions payload."""
    team_id, user_id = team_and_user(body)
    return team_id, user_id, str(action_value(body) or "")


def register(app: App, baton: Baton) -> None:
    """Wire the options buttons."""

    def on_options(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id, value = _ids(body)
        if not value.isdigit():
            _say(respond, "That button is out of date.")
            return
        _say(
            respond,
            baton.options.on_options_button(
                team_id=team_id, user_id=user_id, request_id=int(value)
            ),
        )

    def on_use(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id, value = _ids(body)
        problem = baton.options.on_use_button(team_id=team_id, user_id=user_id, value=value)
        if problem is not None:
            _say(respond, problem)

    app.action(ACTION_OPTIONS)(on_options)
    app.action(ACTION_USE_OPTION)(on_use)
