"""Block Kit for the surfaces people steer Baton with: help, preferences, brief editing,
the Home tab, forget-me and the digest. Pure functions of domain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.constants import (
    ACTION_FORGET_CANCEL,
    ACTION_FORGET_CONFIRM,
    ACTION_OPEN_PREFS,
    ACTION_RESET_ALL,
    ACTION_RESET_VALUE,
    CALLBACK_EDIT_BRIEF,
    CALLBACK_PREFS,
    SLASH_COMMAND,
)
from bot.domain.brief import Brief
from bot.domain.handoff import DECISION_KIND, decision_blocks
from bot.domain.render import Block, escape_mrkdwn
from bot.domain.style import Dimension, StyleProfile, StyleValue

# Every value a person may pick, per style dimension, with a label.
STYLE_CHOICES: dict[Dimension, tuple[tuple[str, str], ...]] = {
    Dimension.LENGTH: (("short", "Short"), ("medium", "Medium"), ("long", "Long")),
    Dimension.DETAIL: (("light", "Light"), ("standard", "Standard"), ("thorough", "Thorough")),
    Dimension.FORMALITY: (("casual", "Casual"), ("neutral", "Neutral"), ("formal", "Formal")),
    Dimension.FORMAT: (("bullets", "Bullet points"), ("prose", "Prose"), ("mixed", "Mixed")),
}
LEARN = "learn"  # the option that leaves a dimension to learning
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODAL_ITEM_LIMIT = 15


def _text(text: str, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": kind, "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150] or " ", "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": _text(text[:3000])}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_text(text[:2000])]}


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(text), "action_id": action_id}
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button


# ---- help -------------------------------------------------------------------------------

COMMAND_HELP = (
    ("brief <text>", "turn a request into a brief and a draft, right here"),
    ("prefs", "see and change your style and timing"),
    ("digest", "what waits for you, now"),
    ("digest channel daily HH:MM | weekly DAY HH:MM | off", "a digest for this channel"),
    ("channel", "this channel's house rules"),
    ("forget-me", "erase everything Baton holds about you"),
    ("help", "this message"),
)


def help_blocks(problem: str | None = None) -> list[Block]:
    """What Baton does and every command."""
    blocks: list[Block] = []
    if problem:
        blocks.append(_section(f":warning: {problem}"))
    blocks.append(
        _section(
            "*Baton turns a request into a brief and a draft, in the request's thread.*\n"
            "Mention `@Baton` with what you need, or DM it. Reply in the thread to revise; react "
            "on a draft: :+1: good · :-1: off the mark · :repeat: another take · :scissors: "
            "shorter · :mag: more detail."
        )
    )
    lines = [f"`{SLASH_COMMAND} {usage}`: {what}" for usage, what in COMMAND_HELP]
    blocks.append(_section("\n".join(lines)))
    return blocks


# ---- preferences ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimingView:
    """A person's timing as the preferences and Home show it."""

    timezone: str
    timezone_note: str
    digest_time: time
    digest_time_note: str
    digest_days: str
    quiet_hours: str | None
    set_digest_time: time | None
    set_days: tuple[int, ...] | None
    set_quiet: tuple[time, time] | None
    set_timezone: str | None


def _value_note(value: StyleValue) -> str:
    if value.source == "set":
        return f"Set by you: {value.value}."
    if value.source == "learned" and value.reason:
        return f"Learned: {value.value} ({value.reason})."
    return f"Default: {value.value} (nothing learned yet)."


def prefs_modal(profile: StyleProfile, timing: TimingView, *, language: str | None) -> Block:
    """The preferences modal: each field shows the learned value and whether it was set."""
    blocks: list[Block] = [_section("*Your style*")]
    for dimension, choices in STYLE_CHOICES.items():
        value = profile.get(dimension)
        learned_label = f"Learn it (now {value.value})" if value.source != "set" else "Learn it"
        options = [{"text": _plain(learned_label), "value": LEARN}] + [
            {"text": _plain(label), "value": key} for key, label in choices
        ]
        initial = next(
            (o for o in options if value.source == "set" and o["value"] == value.value), options[0]
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"style_{dimension.value}",
                "label": _plain(dimension.value.capitalize()),
                "hint": _plain(_value_note(value)),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": options,
                    "initial_option": initial,
                },
            }
        )
    language_input: Block = {"type": "plain_text_input", "action_id": "value", "max_length": 40}
    if language:
        language_input["initial_value"] = language
    blocks.append(
        {
            "type": "input",
            "block_id": "language",
            "optional": True,
            "label": _plain("Language"),
            "hint": _plain("Leave empty to write in the request's."),
            "element": language_input,
        }
    )
    blocks.append({"type": "divider"})
    blocks.append(_section("*Your timing*"))
    tz_input: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": 64,
        "placeholder": _plain(timing.timezone),
    }
    if timing.set_timezone:
        tz_input["initial_value"] = timing.set_timezone
    blocks.append(
        {
            "type": "input",
            "block_id": "timezone",
            "optional": True,
            "label": _plain("Time zone"),
            "hint": _plain(timing.timezone_note[:150]),
            "element": tz_input,
        }
    )
    digest_time: Block = {"type": "timepicker", "action_id": "value"}
    if timing.set_digest_time:
        digest_time["initial_time"] = timing.set_digest_time.strftime("%H:%M")
    blocks.append(
        {
            "type": "input",
            "block_id": "digest_time",
            "optional": True,
            "label": _plain("Digest time"),
            "hint": _plain(timing.digest_time_note[:150]),
            "element": digest_time,
        }
    )
    days: Block = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [{"text": _plain(name), "value": str(i)} for i, name in enumerate(DAY_NAMES)],
    }
    if timing.set_days:
        days["initial_options"] = [days["options"][i] for i in timing.set_days]
    blocks.append(
        {
            "type": "input",
            "block_id": "digest_days",
            "optional": True,
            "label": _plain("Digest days"),
            "hint": _plain(f"Now: {timing.digest_days}."),
            "element": days,
        }
    )
    for block_id, label, index in (
        ("quiet_start", "Quiet from", 0),
        ("quiet_end", "Quiet until", 1),
    ):
        picker: Block = {"type": "timepicker", "action_id": "value"}
        if timing.set_quiet:
            picker["initial_time"] = timing.set_quiet[index].strftime("%H:%M")
        blocks.append(
            {
                "type": "input",
                "block_id": block_id,
                "optional": True,
                "label": _plain(label),
                "element": picker,
                "hint": _plain("No DMs from Baton then; they wait for your next digest."),
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_PREFS,
        "title": _plain("Baton preferences"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


# ---- brief editing ----------------------------------------------------------------------

BRIEF_FIELDS = (
    ("goal", "Goal", False),
    ("audience", "Audience", False),
    ("deliverable", "Deliverable", False),
    ("constraints", "Constraints (one per line)", True),
    ("assumptions", "Assumptions (one per line)", True),
    ("open_questions", "Open questions (one per line)", True),
)


def edit_brief_modal(brief: Brief, *, request_id: int) -> Block:
    """The brief in a form, prefilled; submitting makes a new version and a new draft."""
    blocks: list[Block] = []
    for key, label, is_list in BRIEF_FIELDS:
        value = getattr(brief, key)
        initial = "\n".join(value) if is_list else value
        element: Block = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": is_list or key == "goal",
            "max_length": 3000,
        }
        if initial:
            element["initial_value"] = initial[:3000]
        blocks.append(
            {
                "type": "input",
                "block_id": key,
                "label": _plain(label),
                "optional": is_list,
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_EDIT_BRIEF,
        "private_metadata": str(request_id),
        "title": _plain("Edit brief"),
        "submit": _plain("Save and redraft"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def brief_from_form(values: dict[str, str], base: Brief) -> tuple[Brief | None, dict[str, str]]:
    """The edited brief, or the errors to show per field (Slack's `response_action: errors`)."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, _label, is_list in BRIEF_FIELDS:
        entered = values.get(key)
        raw = entered.strip() if isinstance(entered, str) else ""
        if is_list:
            items = [line.strip(" -•\t") for line in raw.splitlines() if line.strip(" -•\t")]
            if len(items) > MODAL_ITEM_LIMIT:
                errors[key] = f"At most {MODAL_ITEM_LIMIT} lines, please."
            elif any(len(item) > 500 for item in items):
                errors[key] = "Keep each line under 500 characters."
            changes[key] = items
        elif not raw:
            errors[key] = "This can't be empty."
        elif len(raw) > 1000:
            errors[key] = "Keep this under 1,000 characters."
        else:
            changes[key] = raw
    if errors:
        return None, errors
    return base.model_copy(update={**changes, "actionable": True}), {}


# ---- forget-me --------------------------------------------------------------------------


def forget_confirm_blocks() -> list[Block]:
    """Ask before erasing anything."""
    return [
        _section(
            "*Erase everything Baton holds about you?* Your feedback, your learned style and "
            "timing, your settings, and the text of your requests. Drafts other people worked "
            "on stay, without your name or words. This can't be undone."
        ),
        {
            "type": "actions",
            "block_id": "forget",
            "elements": [
                _button("Erase my data", ACTION_FORGET_CONFIRM, "confirm", "danger"),
                _button("Cancel", ACTION_FORGET_CANCEL, "cancel"),
            ],
        },
    ]


# ---- Home and digest --------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingLink:
    """One thing that waits for the person, with a link to its thread."""

    kind: str
    title: str
    url: str
    version: int


def _waiting_lines(items: list[WaitingLink]) -> str:
    lines = []
    for item in items:
        label = {"questions": "answer questions", "options": "choose an option"}.get(
            item.kind, f"judge draft v{item.version}"
        )
        lines.append(f"• <{item.url}|{escape_mrkdwn(item.title)}>: {label}")
    return "\n".join(lines)


def digest_blocks(items: list[WaitingLink]) -> list[Block]:
    """The person's digest: what waits for them, oldest first."""
    if not items:
        return [_section("Nothing waits for you right now. :sparkles:")]
    rest = [item for item in items if item.kind != DECISION_KIND]
    return [
        {"type": "header", "text": _plain("Waiting for you")},
        *decision_blocks([(i.title, i.url) for i in items if i.kind == DECISION_KIND]),
        *([_section(_waiting_lines(rest))] if rest else []),
    ]


def home_view(
    profile: StyleProfile,
    timing: TimingView,
    items: list[WaitingLink],
    *,
    accepted: int,
    average_revisions: float | None,
) -> Block:
    """The Home tab: what waits, what Baton learned (and why), and the partnership record."""
    blocks: list[Block] = [{"type": "header", "text": _plain("Baton")}]
    blocks += decision_blocks([(i.title, i.url) for i in items if i.kind == DECISION_KIND])
    rest = [item for item in items if item.kind != DECISION_KIND]
    blocks.append(_section("*Waiting for you*\n" + (_waiting_lines(rest) or "Nothing right now.")))
    blocks.append({"type": "divider"})
    blocks.append(_section("*Your style*"))
    for value in profile.values():
        line = f"*{value.dimension.value.capitalize()}:* {value.value}. {_value_note(value)}"
        block = _section(line)
        if value.source in ("set", "learned"):
            block["accessory"] = _button("Reset", ACTION_RESET_VALUE, value.dimension.value)
        blocks.append(block)
    quiet = timing.quiet_hours or "none"
    blocks.append(
        _section(
            f"*Your timing*\nTime zone: {timing.timezone} ({timing.timezone_note})\n"
            f"Digest: {timing.digest_time.strftime('%H:%M')} ({timing.digest_time_note}), "
            f"{timing.digest_days}\nQuiet hours: {quiet}"
        )
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                _button("Change preferences", ACTION_OPEN_PREFS, "open", "primary"),
                _button("Reset all to learned", ACTION_RESET_ALL, "all"),
            ],
        }
    )
    blocks.append({"type": "divider"})
    revisions = "—" if average_revisions is None else f"{average_revisions:.1f}"
    blocks.append(
        _context(
            f"Last 30 days: {accepted} draft{'s' if accepted != 1 else ''} accepted · "
            f"average revisions to acceptance: {revisions}"
        )
    )
    return {"type": "home", "blocks": blocks}
