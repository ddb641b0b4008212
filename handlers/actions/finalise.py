"""Finalise on a draft, and the form whose text is posted as the person's final."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.constants import ACTION_FINALISE, CALLBACK_FINALISE
from bot.domain.inbound import form_values
from bot.usecases.finalise import Finals
from bot.usecases.services import Baton
from handlers.actions._payload import action_value, say, team_and_user


def register(app: App, baton: Baton) -> None:
    """Wire the Finalise button and its form."""
    finals = Finals(baton)

    def on_finalise(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, _ = team_and_user(body)
        problem = finals.open_form(
            team_id=team_id, value=action_value(body), trigger_id=str(body.get("trigger_id", ""))
        )
        if problem is not None:
            say(respond, problem)

    def on_final(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
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

    app.action(ACTION_FINALISE)(on_finalise)
    app.view(CALLBACK_FINALISE)(on_final)
