"""The preferences modal: a person's style and timing, each field saying where its value came
from (set by them, learned, or the default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from bot.constants import CALLBACK_PREFS
from bot.domain.render import Block
from bot.domain.style.profile import Dimension, StyleProfile, StyleValue
from bot.domain.views.blocks import plain, section

# Every value a person may pick, per style dimension, with a label.
STYLE_CHOICES: dict[Dimension, tuple[tuple[str, str], ...]] = {
    Dimension.LENGTH: (("short", "Short"), ("medium", "Medium"), ("long", "Long")),
    Dimension.DETAIL: (("light", "Light"), ("standard", "Standard"), ("thorough", "Thorough")),
    Dimension.FORMALITY: (("casual", "Casual"), ("neutral", "Neutral"), ("formal", "Formal")),
    Dimension.FORMAT: (("bullets", "Bullet points"), ("prose", "Prose"), ("mixed", "Mixed")),
}
LEARN = "learn"  # the option that leaves a dimension to learning
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def value_note(value: StyleValue) -> str:
    """Where a style value came from, in a sentence: set, learned (and why), or default."""
    if value.source == "set":
        return f"Set by you: {value.value}."
    if value.source == "learned" and value.reason:
        return f"Learned: {value.value} ({value.reason})."
    return f"Default: {value.value} (nothing learned yet)."


def prefs_modal(profile: StyleProfile, timing: TimingView, *, language: str | None) -> Block:
    """The preferences modal: each field shows the learned value and whether it was set."""
    blocks: list[Block] = [section("*Your style*")]
    for dimension, choices in STYLE_CHOICES.items():
        value = profile.get(dimension)
        learned_label = f"Learn it (now {value.value})" if value.source != "set" else "Learn it"
        options = [{"text": plain(learned_label), "value": LEARN}] + [
            {"text": plain(label), "value": key} for key, label in choices
        ]
        initial = next(
            (o for o in options if value.source == "set" and o["value"] == value.value), options[0]
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"style_{dimension.value}",
                "label": plain(dimension.value.capitalize()),
                "hint": plain(value_note(value)),
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
            "label": plain("Language"),
            "hint": plain("Leave empty to write in the request's."),
            "element": language_input,
        }
    )
    blocks.append({"type": "divider"})
    blocks.append(section("*Your timing*"))
    tz_input: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "max_length": 64,
        "placeholder": plain(timing.timezone),
    }
    if timing.set_timezone:
        tz_input["initial_value"] = timing.set_timezone
    blocks.append(
        {
            "type": "input",
            "block_id": "timezone",
            "optional": True,
            "label": plain("Time zone"),
            "hint": plain(timing.timezone_note[:150]),
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
            "label": plain("Digest time"),
            "hint": plain(timing.digest_time_note[:150]),
            "element": digest_time,
        }
    )
    days: Block = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [{"text": plain(name), "value": str(i)} for i, name in enumerate(DAY_NAMES)],
    }
    if timing.set_days:
        days["initial_options"] = [days["options"][i] for i in timing.set_days]
    blocks.append(
        {
            "type": "input",
            "block_id": "digest_days",
            "optional": True,
            "label": plain("Digest days"),
            "hint": plain(f"Now: {timing.digest_days}."),
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
                "label": plain(label),
                "element": picker,
                "hint": plain("No DMs from Baton then; they wait for your next digest."),
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_PREFS,
        "title": plain("Baton preferences"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }
