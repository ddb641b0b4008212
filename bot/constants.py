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
# Assumptions as questions: Right/Wrong on each assumption of a brief or a draft's footer.
ACTION_ASSUMPTION_RIGHT = "baton_assumption_right"
ACTION_ASSUMPTION_WRONG = "baton_assumption_wrong"
# Finalise on a finished draft: the person's own edit, posted as the final and learned from.
ACTION_FINALISE = "baton_finalise"
# Options, then variation: "Options" on a brief; "Use A", "Use B"… under each option.
ACTION_OPTIONS = "baton_options"
ACTION_USE_OPTION = "baton_use_option"
# Reasons for a thumbs-down: chips in one ephemeral to whoever reacted -1 (one id each, as
# Slack wants action ids unique within a block); "Other" opens a one-field form.
ACTION_REASON_TOO_LONG = "baton_reason_too_long"
ACTION_REASON_TOO_SHORT = "baton_reason_too_short"
ACTION_REASON_WRONG_TONE = "baton_reason_wrong_tone"
ACTION_REASON_WRONG_FACTS = "baton_reason_wrong_facts"
ACTION_REASON_MISSED_POINT = "baton_reason_missed_point"
ACTION_REASON_OTHER = "baton_reason_other"
CALLBACK_REASON_OTHER = "baton_reason_other_modal"

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
    "app_uninstalled",
    "tokens_revoked",
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
CALLBACK_ASSUMPTION_CORRECTION = "baton_assumption_correction"
CALLBACK_FINALISE = "baton_finalise_modal"

# Channel rules (/baton channel) and hand-offs of open questions.
CALLBACK_CHANNEL_RULES = "baton_channel_rules_modal"
ACTION_HANDOFF = "baton_handoff"  # the users_select beside each open question on a brief
