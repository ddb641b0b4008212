"""The person picker beside each open question on a brief: handing the question off."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from handlers.actions.payload import part, team_and_user
from handlers.context import usecases


def _selection(body: dict[str, Any]) -> tuple[object, str]:
    """(block id, selected user) of a users_select action; "" when none was selected."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else {}
    first = first if isinstance(first, dict) else {}
    selected = first.get("selected_user")
    return first.get("block_id"), selected if isinstance(selected, str) else ""


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    """Workspace, person and channel of the picker's payload ("" where missing)."""
    team_id, user_id = team_and_user(body)
    channel, container = part(body, "channel"), part(body, "container")
    return team_id, user_id, str(channel.get("id") or container.get("channel_id") or "")


def on_handoff(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A person picked beside an open question: the question is handed to them."""
    ack()
    team_id, user_id, channel_id = _where(body)
    block_id, selected = _selection(body)
    problem = usecases(context).handoffs.on_select(
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        block_id=block_id,
        selected=selected,
    )
    if problem:
        respond(text=problem, response_type="ephemeral", replace_original=False)
