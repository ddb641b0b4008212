"""Events API listeners: messages, mentions, reactions. Bolt acks before these run."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.inbound import parse_deletion, parse_message, parse_reaction
from handlers.context import usecases

logger = logging.getLogger(__name__)


def on_message(body: dict[str, Any], context: BoltContext) -> None:
    """A message or a mention: a request, a reply, or a deletion to follow."""
    uc = usecases(context)
    # Baton's own user differs per workspace in distribution mode.
    bot_user_id = uc.deps.slack.bot_user_id
    message = parse_message(body, bot_user_id=bot_user_id) if bot_user_id else None
    if message is not None:
        uc.degraded.run_event(
            f"message {message.channel_id}/{message.ts}",
            body,
            lambda: uc.intake.on_message(message),
        )
        return
    deletion = parse_deletion(body)
    if deletion is not None:
        uc.degraded.run_event(
            f"deletion {deletion.channel_id}/{deletion.ts}",
            body,
            lambda: uc.privacy.on_message_deleted(deletion),
        )


def on_reaction(body: dict[str, Any], context: BoltContext) -> None:
    """A reaction added or removed: feedback on a draft."""
    change = parse_reaction(body)
    if change is not None:
        uc = usecases(context)
        uc.degraded.run_event(
            f"reaction {change.event_id}", body, lambda: uc.feedback.on_reaction(change)
        )


def on_home_opened(body: dict[str, Any], context: BoltContext) -> None:
    """The Home tab opened: show it as it is now."""
    event = body.get("event") or {}
    user = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user, str):
        return
    try:
        usecases(context).preferences.publish_home(
            team_id=str(body.get("team_id", "")), user_id=user
        )
    except SlackCallFailed as exc:
        logger.warning("could not publish the Home tab: %s", exc.error)


def on_assistant_thread_started(body: dict[str, Any], context: BoltContext) -> None:
    """A new assistant thread: suggested prompts."""
    thread = (body.get("event") or {}).get("assistant_thread") or {}
    channel, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
    if isinstance(channel, str) and isinstance(thread_ts, str):
        usecases(context).intake.on_assistant_thread_started(
            channel_id=channel, thread_ts=thread_ts
        )


def on_assistant_context_changed() -> None:
    """Baton does not use the channel the person is looking at; acking is enough."""
    return None


def register(app: App) -> None:
    """Wire the event listeners."""
    app.event("app_mention")(on_message)
    app.event("message")(on_message)
    app.event("reaction_added")(on_reaction)
    app.event("reaction_removed")(on_reaction)
    app.event("app_home_opened")(on_home_opened)
    app.event("assistant_thread_started")(on_assistant_thread_started)
    app.event("assistant_thread_context_changed")(on_assistant_context_changed)
