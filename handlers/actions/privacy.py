"""Forget-me's confirmation buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from handlers.actions.payload import team_and_user
from handlers.context import usecases


def on_forget(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Erase everything Baton holds about the person, and say what went."""
    ack()
    team_id, user_id = team_and_user(body)
    erased = usecases(context).privacy.forget_me(team_id=team_id, user_id=user_id)
    respond(
        text=(
            f"Done. I erased {erased.feedback} pieces of feedback, "
            f"{erased.requests_deleted} of your requests, and the text and your name on "
            f"{erased.requests_anonymised} request(s) others worked on"
            + (", and your settings." if erased.settings else ".")
        ),
        response_type="ephemeral",
        replace_original=True,
    )


def on_forget_cancel(ack: Ack, respond: Respond) -> None:
    """Nothing erased."""
    ack()
    respond(text="Nothing was erased.", response_type="ephemeral", replace_original=True)
