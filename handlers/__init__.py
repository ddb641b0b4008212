"""Slack listeners, one package per surface, each with one `register(app, baton)`."""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.workspaces import InstalledWorkspaces
from bot.runtime.degraded import Degraded
from bot.usecases.digests import DigestRunner
from bot.usecases.preferences import Preferences
from bot.usecases.services import Baton
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
