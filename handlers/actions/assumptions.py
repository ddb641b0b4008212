"""Right and Wrong on a brief's assumptions, and the correction form Wrong opens."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.constants import (
    ACTION_ASSUMPTION_RIGHT,
    ACTION_ASSUMPTION_WRONG,
    CALLBACK_ASSUMPTION_CORRECTION,
)
from bot.domain.inbound import form_values
from bot.usecases.assumptions import AssumptionChecks
from bot.usecases.services import Baton
from handlers.actions._payload import action_value, say, team_and_user

logger = logging.getLogger(__name__)


def register(app: App, baton: Baton) -> None:
    """Wire the assumption buttons and the correction form."""
    checks = AssumptionChecks(baton)

    def on_right(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = team_and_user(body)
        say(respond, checks.confirm(team_id=team_id, user_id=user_id, value=action_value(body)))

    def on_wrong(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, _ = team_and_user(body)
        problem = checks.open_correction(
            team_id=team_id, value=action_value(body), trigger_id=str(body.get("trigger_id", ""))
        )
        if problem is not None:
            say(respond, problem)

    def on_corrected(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
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

    app.action(ACTION_ASSUMPTION_RIGHT)(on_right)
    app.action(ACTION_ASSUMPTION_WRONG)(on_wrong)
    app.view(CALLBACK_ASSUMPTION_CORRECTION)(on_corrected)
