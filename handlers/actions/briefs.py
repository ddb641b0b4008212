"""The brief's own buttons: Edit (a form with the brief), its submission, and Retry."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.inbound import form_values
from bot.domain.views.brief_form import brief_from_form, edit_brief_modal
from handlers.actions.payload import clicked, say, team_and_user
from handlers.context import usecases


def on_edit_brief(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Edit on a brief: open the brief in a form."""
    ack()
    uc = usecases(context)
    team_id, _ = team_and_user(body)
    value = str(clicked(body).get("value", ""))
    brief = (
        uc.briefing.brief_for_editing(team_id=team_id, request_id=int(value))
        if value.isdigit()
        else None
    )
    if brief is None:
        say(respond, "That brief is no longer here.")
        return
    try:
        uc.deps.slack.open_view(
            trigger_id=str(body.get("trigger_id", "")),
            view=edit_brief_modal(brief, request_id=int(value)),
        )
    except SlackCallFailed as exc:
        say(respond, f"Slack would not open the form ({exc.error}); please try again.")


def on_brief_edited(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """The edited brief: checked in the ack, then kept as a new version and drafted again."""
    briefing = usecases(context).briefing
    team_id, user_id = team_and_user(body)
    request_id = str(view.get("private_metadata", ""))
    base = (
        briefing.brief_for_editing(team_id=team_id, request_id=int(request_id))
        if request_id.isdigit()
        else None
    )
    if base is None:
        ack(response_action="errors", errors={"goal": "This brief no longer exists."})
        return
    brief, errors = brief_from_form(form_values(view), base)
    if errors or brief is None:
        ack(response_action="errors", errors=errors)
        return
    ack()
    briefing.on_brief_edited(
        team_id=team_id, request_id=int(request_id), user_id=user_id, brief=brief
    )


def on_retry(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """Retry on a failed or held request."""
    ack()
    team_id, user_id = team_and_user(body)
    value = str(clicked(body).get("value", ""))
    if not value.isdigit():
        say(respond, "That button is out of date.")
        return
    intake = usecases(context).intake
    say(respond, intake.on_retry(team_id=team_id, request_id=int(value), user_id=user_id))
