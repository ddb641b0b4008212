"""Every name Slack sees from Baton, in one place: action ids, callback ids, emoji, commands.

`tests/test_manifest.py` checks that manifest.yml and the registered listeners agree with these.
"""

from __future__ import annotations

SLASH_COMMAND = "/baton"

# Reactions on a draft and what each one asks for (names as in shared/INTERFACE.md).
REACTION_ACCEPT = "+1"
REACTION_REJECT = "-1"
REACTION_REDO = "repeat"
REACTION_SHORTER = "scissors"
REACTION_MORE_DETAIL = "mag"
FEEDBACK_REACTIONS = (
    REACTION_ACCEPT,
    REACTION_REJECT,
    REACTION_REDO,
    REACTION_SHORTER,
    REACTION_MORE_DETAIL,
)
# Slack sends skin-toned variants as "+1::skin-tone-2"; they mean the same.
REACTION_ALIASES = {"thumbsup": REACTION_ACCEPT, "thumbsdown": REACTION_REJECT}

# Block Kit action ids.
ACTION_EDIT_BRIEF = "baton_edit_brief"
ACTION_RETRY = "baton_retry"

# Events the app subscribes to (manifest.yml's bot_events must match).
BOT_EVENTS = (
    "app_mention",
    "message.channels",
    "message.groups",
    "message.im",
    "reaction_added",
    "reaction_removed",
    "app_home_opened",
    "assistant_thread_started",
    "assistant_thread_context_changed",
)

# Suggested prompts at the start of an assistant thread (Slack shows at most four).
SUGGESTED_PROMPTS = (
    ("Launch note", "Write a launch note for <feature>, for customers, under 150 words."),
    ("Weekly update", "Draft this week's team update from these notes: <notes>"),
    ("Summarise", "Summarise <doc or thread> for <audience> in five bullet points."),
    ("Reply to a customer", "Draft a friendly reply to this customer message: <message>"),
)

# Slash command subcommands (shared/INTERFACE.md).
SUBCOMMANDS = ("brief", "prefs", "digest", "channel", "help", "forget-me")

# Modals and their buttons.
CALLBACK_PREFS = "baton_prefs"
CALLBACK_EDIT_BRIEF = "baton_edit_brief_modal"
ACTION_FORGET_CONFIRM = "baton_forget_confirm"
ACTION_FORGET_CANCEL = "baton_forget_cancel"
ACTION_RESET_VALUE = "baton_reset_value"
ACTION_RESET_ALL = "baton_reset_all"
ACTION_OPEN_PREFS = "baton_open_prefs"
