"""Block Kit buttons and modal submissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.adapters.slack_io import SlackCallFailed
from bot.constants import (
    ACTION_EDIT_BRIEF,
    ACTION_FORGET_CANCEL,
    ACTION_FORGET_CONFIRM,
    ACTION_OPEN_PREFS,
    ACTION_RESET_ALL,
    ACTION_RESET_VALUE,
    ACTION_RETRY,
    CALLBACK_EDIT_BRIEF,
    CALLBACK_PREFS,
)
from bot.domain.inbound import form_values
from bot.domain.views import brief_from_form, edit_brief_modal
from bot.usecases.preferences import Preferences
from bot.usecases.services import Baton
from handlers.actions import assumptions, channel_rules, finalise, handoffs, options, reasons
from handlers.actions._payload import clicked as _action
from handlers.actions._payload import say as _say
from handlers.actions._payload import team_and_user as _ids

logger = logging.getLogger(__name__)


def register(app: App, baton: Baton, preferences: Preferences) -> None:
    """Wire the button and modal listeners."""

    def on_edit_brief(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, _ = _ids(body)
        value = str(_action(body).get("value", ""))
        brief = (
            baton.brief_for_editing(team_id=team_id, request_id=int(value))
            if (value.isdigit())
            else None
        )
        if brief is None:
            _say(respond, "That brief is no longer here.")
            return
        try:
            preferences.slack.open_view(
                trigger_id=str(body.get("trigger_id", "")),
                view=edit_brief_modal(brief, request_id=int(value)),
            )
        except SlackCallFailed as exc:
            _say(respond, f"Slack would not open the form ({exc.error}); please try again.")

    def on_brief_edited(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _ids(body)
        request_id = str(view.get("private_metadata", ""))
        base = (
            baton.brief_for_editing(team_id=team_id, request_id=int(request_id))
            if (request_id.isdigit())
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
        baton.on_brief_edited(
            team_id=team_id, request_id=int(request_id), user_id=user_id, brief=brief
        )

    def on_retry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = _ids(body)
        value = str(_action(body).get("value", ""))
        if not value.isdigit():
            _say(respond, "That button is out of date.")
        else:
            _say(respond, baton.on_retry(team_id=team_id, request_id=int(value), user_id=user_id))

    def on_prefs_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _ids(body)
        errors = preferences.save_prefs(team_id=team_id, user_id=user_id, values=form_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        _quietly(lambda: preferences.publish_home(team_id=team_id, user_id=user_id))

    def on_open_prefs(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = _ids(body)
        _quietly(
            lambda: preferences.open_prefs(
                team_id=team_id, user_id=user_id, trigger_id=str(body.get("trigger_id", ""))
            )
        )

    def on_reset(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        team_id, user_id = _ids(body)
        action = _action(body)
        dimension = None if action.get("action_id") == ACTION_RESET_ALL else action.get("value")
        preferences.reset(team_id=team_id, user_id=user_id, dimension=dimension)
        _quietly(lambda: preferences.publish_home(team_id=team_id, user_id=user_id))

    def on_forget(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = _ids(body)
        erased = preferences.forget(team_id=team_id, user_id=user_id)
        baton.forget_person(team_id, user_id)
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
        ack()
        respond(text="Nothing was erased.", response_type="ephemeral", replace_original=True)

    app.action(ACTION_EDIT_BRIEF)(on_edit_brief)
    app.view(CALLBACK_EDIT_BRIEF)(on_brief_edited)
    app.action(ACTION_RETRY)(on_retry)
    app.view(CALLBACK_PREFS)(on_prefs_saved)
    app.action(ACTION_OPEN_PREFS)(on_open_prefs)
    app.action(ACTION_RESET_VALUE)(on_reset)
    app.action(ACTION_RESET_ALL)(on_reset)
    app.action(ACTION_FORGET_CONFIRM)(on_forget)
    app.action(ACTION_FORGET_CANCEL)(on_forget_cancel)
    assumptions.register(app, baton)
    finalise.register(app, baton)
    channel_rules.register(app, baton)
    handoffs.register(app, baton)
    options.register(app, baton)
    reasons.register(app, baton)


def _quietly(work: Any) -> None:
    try:
        work()
    except SlackCallFailed as exc:
        logger.warning("Slack refused a view update: %s", exc.error)
