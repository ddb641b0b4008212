"""Finalise on a draft, and the form whose text is posted as the person's final."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.domain.inbound import form_values
from handlers.actions.payload import action_value, say, team_and_user
from handlers.context import usecases


def on_finalise(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Finalise: the draft's text in a form."""
    ack()
    team_id, _ = team_and_user(body)
    problem = usecases(context).finalise.open_form(
        team_id=team_id, value=action_value(body), trigger_id=str(body.get("trigger_id", ""))
    )
    if problem is not None:
        say(respond, problem)


def on_final(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The final: checked in the ack, then posted in the thread and learned from."""
    finals = usecases(context).finalise
    team_id, user_id = team_and_user(body)
    outcome = finals.check(
        team_id=team_id,
        user_id=user_id,
        metadata=view.get("private_metadata"),
        values=form_values(view),
    )
    if isinstance(outcome, dict):
        ack(response_action="errors", errors=outcome)
        return
    ack()
    finals.post(outcome)
