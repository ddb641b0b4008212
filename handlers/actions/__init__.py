"""Block Kit button listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.constants import ACTION_EDIT_BRIEF, ACTION_RETRY
from bot.services import Baton

EDIT_BRIEF_NOTE = (
    "Editing a brief in a form isn't available yet. Reply in the thread with what to change "
    '("the audience is partners, not customers") and I\'ll revise the draft.'
)


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return actions[0] if isinstance(actions[0], dict) else {}


def register(app: App, baton: Baton) -> None:
    """Wire the button listeners."""

    def on_edit_brief(ack: Ack, respond: Respond) -> None:
        ack()
        respond(text=EDIT_BRIEF_NOTE, response_type="ephemeral", replace_original=False)

    def on_retry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        value = str(_action(body).get("value", ""))
        team_id = str((body.get("team") or {}).get("id", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        if not value.isdigit():
            respond(
                text="That button is out of date.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if baton.on_retry(team_id=team_id, request_id=int(value), user_id=user_id):
            respond(text="Trying again…", response_type="ephemeral", replace_original=False)
        else:
            respond(
                text="That request is already being worked on or done.",
                response_type="ephemeral",
                replace_original=False,
            )

    app.action(ACTION_EDIT_BRIEF)(on_edit_brief)
    app.action(ACTION_RETRY)(on_retry)
