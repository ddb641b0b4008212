"""Right and Wrong on a brief's assumptions, and the correction form Wrong opens."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.domain.inbound import form_values
from handlers.actions.payload import action_value, say, team_and_user
from handlers.context import usecases


def on_right(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Right: the assumption is confirmed."""
    ack()
    team_id, user_id = team_and_user(body)
    checks = usecases(context).assumptions
    say(respond, checks.confirm(team_id=team_id, user_id=user_id, value=action_value(body)))


def on_wrong(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Wrong: a one-field form asks what is true instead."""
    ack()
    team_id, _ = team_and_user(body)
    problem = usecases(context).assumptions.open_correction(
        team_id=team_id, value=action_value(body), trigger_id=str(body.get("trigger_id", ""))
    )
    if problem is not None:
        say(respond, problem)


def on_corrected(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The correction: checked in the ack, then made a constraint of a new brief version."""
    checks = usecases(context).assumptions
    team_id, user_id = team_and_user(body)
    outcome = checks.check_correction(
        team_id=team_id,
        user_id=user_id,
        metadata=view.get("private_metadata"),
        values=form_values(view),
    )
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=outcome)
        return
    ack()
    checks.correct(outcome)
