"""The house-rules modal `/baton channel` opens: saving it, for the channel's members only."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.constants import CALLBACK_CHANNEL_RULES
from bot.domain.inbound import form_values
from bot.usecases.services import Baton
from handlers.actions._payload import team_and_user as _team_and_user


def register(app: App, baton: Baton) -> None:
    """Wire the house-rules modal."""

    def on_rules_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _team_and_user(body)
        channel_id = str(view.get("private_metadata") or "")
        if not channel_id:
            ack(response_action="errors", errors={"audience": "This form is out of date."})
            return
        # Membership is asked of Slack again here: the form may have been open for a while.
        errors, said = baton.house_rules.save(
            team_id=team_id, channel_id=channel_id, user_id=user_id, values=form_values(view)
        )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if said:
            baton.house_rules.tell(channel_id=channel_id, user_id=user_id, text=said)

    app.view(CALLBACK_CHANNEL_RULES)(on_rules_saved)
