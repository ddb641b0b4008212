"""The parts of a block_actions or view_submission payload every listener reads: who acted,
in which workspace, on which button. Fields can be anything, so each is checked."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond


def part(body: dict[str, Any], key: str) -> dict[str, Any]:
    """One object of a payload (`team`, `user`, `channel`...); empty when it is not one."""
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def team_and_user(body: dict[str, Any]) -> tuple[str, str]:
    """The workspace and the person of an interaction payload ("" where missing)."""
    team, user = part(body, "team"), part(body, "user")
    return str(team.get("id") or user.get("team_id") or ""), str(user.get("id") or "")


def clicked(body: dict[str, Any]) -> dict[str, Any]:
    """The action (button, select) that was used; empty when the payload has none."""
    actions = body.get("actions") if isinstance(body.get("actions"), list) else []
    return actions[0] if actions and isinstance(actions[0], dict) else {}


def action_value(body: dict[str, Any]) -> object:
    """The value of the button that was clicked."""
    return clicked(body).get("value")


def say(respond: Respond, text: str) -> None:
    """Tell the person who acted, and no one else."""
    respond(text=text, response_type="ephemeral", replace_original=False)
