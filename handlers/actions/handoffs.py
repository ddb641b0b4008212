"""The person picker beside each open question on a brief: handing the question off."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.constants import ACTION_HANDOFF
from bot.usecases.services import Baton

logger = logging.getLogger(__name__)


def _selection(body: dict[str, Any]) -> tuple[object, str]:
    """(block id, selected user) of a users_select action; "" when none was selected."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else {}
    first = first if isinstance(first, dict) else {}
    selected = first.get("selected_user")
    return first.get("block_id"), selected if isinstance(selected, str) else ""


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    return (
        str(team.get("id") or user.get("team_id") or ""),
        str(user.get("id") or ""),
        str(channel.get("id") or container.get("channel_id") or ""),
    )


def register(app: App, baton: Baton) -> None:
    """Wire the hand-off picker."""

    def on_handoff(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id, channel_id = _where(body)
        block_id, selected = _selection(body)
        problem = baton.handoffs.on_select(
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            block_id=block_id,
            selected=selected,
        )
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)

    app.action(ACTION_HANDOFF)(on_handoff)
