"""The reason chips offered after a thumbs-down, and the "Other…" form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.inbound import form_values
from bot.domain.reasons import note_from_form, reason_for_action
from bot.domain.style.profile import RejectReason
from handlers.actions.payload import clicked, team_and_user
from handlers.context import usecases

logger = logging.getLogger(__name__)


def on_chip(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """A reason chip under a :-1:; Other… opens a form."""
    ack()
    uc = usecases(context)
    team_id, user_id = team_and_user(body)
    action = clicked(body)
    reason = reason_for_action(str(action.get("action_id", "")))
    value = str(action.get("value") or "")
    if reason is RejectReason.OTHER:
        asked = uc.reasons.other(team_id=team_id, user_id=user_id, value=value)
        if asked.modal is None:
            respond(text=asked.message, response_type="ephemeral", replace_original=False)
            return
        try:
            uc.deps.slack.open_view(trigger_id=str(body.get("trigger_id", "")), view=asked.modal)
        except SlackCallFailed as exc:
            respond(
                text=f"Slack would not open the form ({exc.error}); reply in the thread "
                "with what missed instead.",
                response_type="ephemeral",
                replace_original=False,
            )
        return
    if reason is None:
        respond(text="That button is out of date.", response_type="ephemeral")
        return
    outcome = uc.reasons.record(team_id=team_id, user_id=user_id, value=value, reason=reason)
    if outcome.ok and outcome.blocks is not None:
        # The chips stay, under what the reason did, so the person can change it.
        respond(
            text=outcome.message,
            blocks=outcome.blocks,
            response_type="ephemeral",
            replace_original=True,
        )
    else:
        respond(text=outcome.message, response_type="ephemeral", replace_original=False)


def on_other(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """The Other… form: the person's own words on what missed."""
    uc = usecases(context)
    team_id, user_id = team_and_user(body)
    note, errors = note_from_form(form_values(view))
    if note is None:
        ack(response_action="errors", errors=errors)
        return
    outcome = uc.reasons.record(
        team_id=team_id,
        user_id=user_id,
        value=str(view.get("private_metadata") or ""),
        reason=RejectReason.OTHER,
        note=note,
    )
    if not outcome.ok:
        ack(response_action="errors", errors={"note": outcome.message})
        return
    ack()
    if outcome.channel_id is None:
        return
    try:
        uc.deps.slack.post_ephemeral(
            channel=outcome.channel_id,
            user=user_id,
            text=outcome.message,
            thread_ts=outcome.thread_ts,
        )
    except SlackCallFailed as exc:
        logger.info("could not confirm a reason to %s: %s", user_id, exc.error)
