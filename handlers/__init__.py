"""Slack listeners, one package per surface, each with one `register(app)` that attaches its
module-level listener functions. Listeners find Baton's use cases in Bolt's context
(handlers/context.py), put there by the composition root (bot/bootstrap/)."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, installs


def register_all(app: App) -> None:
    """Wire every listener Baton has onto the Bolt app."""
    events.register(app)
    actions.register(app)
    commands.register(app)
    installs.register(app)
