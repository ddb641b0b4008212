"""The Options button on a brief, and the "Use A", "Use B"… buttons under each option."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from handlers.actions.payload import action_value, say, team_and_user
from handlers.context import usecases


def _ids(body: dict[str, Any]) -> tuple[str, str, str]:
    """Workspace, person and the clicked button's value, from a block_actions payload."""
    team_id, user_id = team_and_user(body)
    return team_id, user_id, str(action_value(body) or "")


def on_options(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Options on a brief: write options A, B, C."""
    ack()
    team_id, user_id, value = _ids(body)
    if not value.isdigit():
        say(respond, "That button is out of date.")
        return
    options = usecases(context).options
    say(respond, options.on_options_button(team_id=team_id, user_id=user_id, request_id=int(value)))


def on_use(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Use B: that option becomes the working draft."""
    ack()
    team_id, user_id, value = _ids(body)
    problem = usecases(context).choosing.on_use_button(
        team_id=team_id, user_id=user_id, value=value
    )
    if problem is not None:
        say(respond, problem)
