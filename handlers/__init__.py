"""Slack listeners, one package per surface, each with one `register(app, baton)`."""

from __future__ import annotations

from slack_bolt import App

from bot.degraded import Degraded
from bot.digests import DigestRunner
from bot.preferences import Preferences
from bot.services import Baton
from bot.workspaces import InstalledWorkspaces
from handlers import actions, commands, events, installs


def register_all(
    app: App,
    baton: Baton,
    preferences: Preferences,
    digests: DigestRunner,
    degraded: Degraded,
    installations: InstalledWorkspaces | None = None,
) -> None:
    """Wire every listener Baton has onto the Bolt app."""
    events.register(app, baton, preferences, degraded)
    actions.register(app, baton, preferences)
    commands.register(app, baton, preferences, digests)
    installs.register(app, installations)
