"""Block Kit buttons and modal submissions: one module of listeners per feature, wired here."""

from __future__ import annotations

from slack_bolt import App

from bot.constants import (
    ACTION_ASSUMPTION_RIGHT,
    ACTION_ASSUMPTION_WRONG,
    ACTION_EDIT_BRIEF,
    ACTION_FINALISE,
    ACTION_FORGET_CANCEL,
    ACTION_FORGET_CONFIRM,
    ACTION_HANDOFF,
    ACTION_OPEN_PREFS,
    ACTION_OPTIONS,
    ACTION_RESET_ALL,
    ACTION_RESET_VALUE,
    ACTION_RETRY,
    ACTION_USE_OPTION,
    CALLBACK_ASSUMPTION_CORRECTION,
    CALLBACK_CHANNEL_RULES,
    CALLBACK_EDIT_BRIEF,
    CALLBACK_FINALISE,
    CALLBACK_PREFS,
    CALLBACK_REASON_OTHER,
)
from bot.domain.reasons import REASON_ACTIONS
from handlers.actions import (
    assumptions,
    briefs,
    channel_rules,
    finalise,
    handoffs,
    options,
    prefs,
    privacy,
    reasons,
)


def register(app: App) -> None:
    """Wire the button and modal listeners."""
    app.action(ACTION_EDIT_BRIEF)(briefs.on_edit_brief)
    app.view(CALLBACK_EDIT_BRIEF)(briefs.on_brief_edited)
    app.action(ACTION_RETRY)(briefs.on_retry)
    app.view(CALLBACK_PREFS)(prefs.on_prefs_saved)
    app.action(ACTION_OPEN_PREFS)(prefs.on_open_prefs)
    app.action(ACTION_RESET_VALUE)(prefs.on_reset)
    app.action(ACTION_RESET_ALL)(prefs.on_reset)
    app.action(ACTION_FORGET_CONFIRM)(privacy.on_forget)
    app.action(ACTION_FORGET_CANCEL)(privacy.on_forget_cancel)
    app.action(ACTION_ASSUMPTION_RIGHT)(assumptions.on_right)
    app.action(ACTION_ASSUMPTION_WRONG)(assumptions.on_wrong)
    app.view(CALLBACK_ASSUMPTION_CORRECTION)(assumptions.on_corrected)
    app.action(ACTION_FINALISE)(finalise.on_finalise)
    app.view(CALLBACK_FINALISE)(finalise.on_final)
    app.view(CALLBACK_CHANNEL_RULES)(channel_rules.on_rules_saved)
    app.action(ACTION_HANDOFF)(handoffs.on_handoff)
    app.action(ACTION_OPTIONS)(options.on_options)
    app.action(ACTION_USE_OPTION)(options.on_use)
    for action_id in REASON_ACTIONS.values():
        app.action(action_id)(reasons.on_chip)
    app.view(CALLBACK_REASON_OTHER)(reasons.on_other)
