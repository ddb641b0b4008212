"""The channel-rules modal `/baton channel` opens: saving it, for the channel's members only."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.domain.inbound import form_values
from handlers.actions.payload import team_and_user
from handlers.context import usecases


def on_rules_saved(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The rules form: errors in the ack, else saved and the person told how it went."""
    rules = usecases(context).channel_rules
    team_id, user_id = team_and_user(body)
    channel_id = str(view.get("private_metadata") or "")
    if not channel_id:
        ack(response_action="errors", errors={"audience": "This form is out of date."})
        return
    # Membership is asked of Slack again here: the form may have been open for a while.
    errors, said = rules.save(
        team_id=team_id, channel_id=channel_id, user_id=user_id, values=form_values(view)
    )
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if said:
        rules.tell(channel_id=channel_id, user_id=user_id, text=said)
