"""Options, then variation: when a brief asks for options, what Claude is asked for, how a
person's choice is read, and the Block Kit that shows options A, B, C in the thread.

Pure functions of data and a clock; no Slack, no model, no database.

When Baton offers options
-------------------------
* the request says so: "give me 3 options", "two takes", "a few options", "options A/B";
* the person presses **Options** on the brief;
* the person's habit: among their last ``HABIT_RECENT`` feedback events of the last
  ``HABIT_DAYS`` days, at least ``HABIT_ASKS`` asked for more takes (a :repeat: reaction, a
  reply such as "try another angle", asking for options, or picking one of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.constants import ACTION_USE_OPTION
from bot.domain.brief import Brief
from bot.domain.prompts import Prompt, draft_prompt, quote
from bot.domain.render import Block, escape_mrkdwn
from bot.domain.style import FeedbackKind, FeedbackSignal

MIN_OPTIONS = 2
MAX_OPTIONS = 4
DEFAULT_OPTIONS = 3
LABELS = "ABCD"
# Options are short by design: a reader compares them side by side before choosing.
OPTION_WORDS = 120
# Four options' text must fit one message's 12,000 characters of markdown blocks.
OPTION_TEXT_LIMIT = 2_800
OPTIONS_TOOL_NAME = "record_options"
OPTIONS_MAX_TOKENS = 4_096

HABIT_DAYS = 30
HABIT_RECENT = 10
HABIT_ASKS = 3


class Source:
    """Why a set of options was written."""

    WORDING = "wording"  # the request asked for options
    BUTTON = "button"  # someone pressed Options on the brief
    HABIT = "habit"  # the requester regularly asks for more takes


# ---- reading a request -----------------------------------------------------------------------

_COUNTS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "a couple": 2,
    "a couple of": 2,
    "couple of": 2,
    "a pair of": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
    "some": 3,
    "multiple": 3,
    "a handful of": 3,
}
_COUNT = r"\d{1,2}|two|three|four|five|six|a couple(?: of)?|couple of|a pair of|a few|few|several|some|multiple|a handful of"  # noqa: E501
_NOUN = r"options?|takes?|versions?|alternatives?|variations?|variants?|drafts?|approaches|angles"
# "Give me three options", "draft two quick takes", "I need a few alternative versions":
# an ask to produce several, not a request whose subject is options ("compare 3 options").
_ASK = re.compile(
    r"\b(?:give|show|send|offer|suggest|propose|pitch|write|draft|make|prepare|create|produce"
    r"|need|want|like|get|see|try)\s+(?:me\s+|us\s+)?(?:with\s+)?(?:maybe\s+)?"
    rf"(?P<count>{_COUNT})\s+(?:[\w-]+\s+)?(?P<noun>{_NOUN})\b",
    re.IGNORECASE,
)
# "3 options for a launch note", at the very start of the request.
_LEADING = re.compile(
    rf"^\W*(?:please\s+)?(?P<count>{_COUNT})\s+(?:[\w-]+\s+)?(?P<noun>{_NOUN})\b", re.IGNORECASE
)
# "give me options", "show us some takes": several, number unsaid.
_UNCOUNTED = re.compile(
    rf"\b(?:give|show|send|offer)\s+(?:me|us)\s+(?:some\s+)?(?:{_NOUN})\b", re.IGNORECASE
)
# "options A/B", "options A, B or C", "A/B/C options".
_LETTERS_AFTER = re.compile(
    r"\boptions?\s+(?P<letters>[A-D](?:\s*(?:/|,|or|and)\s*[A-D])+)\b", re.IGNORECASE
)
_LETTERS_BEFORE = re.compile(r"\b(?P<letters>[A-D](?:\s*/\s*[A-D])+)\s+options?\b", re.IGNORECASE)
_VARIES = (
    (re.compile(r"\b(?:tones?|voices?|styles?|registers?)\b", re.I), "tone"),
    (re.compile(r"\b(?:structures?|formats?|shapes?|layouts?)\b", re.I), "structure"),
    (re.compile(r"\b(?:angles?|approach(?:es)?|framings?|perspectives?)\b", re.I), "angle"),
    (re.compile(r"\b(?:lengths?)\b", re.I), "length"),
)
_VARIES_CUE = re.compile(
    r"\b(?:different|differing|varying|vary(?:ing)?\s+(?:the|in|by)?|each\s+(?:with|in)\s+a"
    r"\s+different)\s+(?P<what>[\w-]+)",
    re.IGNORECASE,
)


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _COUNTS.get(word, DEFAULT_OPTIONS)


def _clamp_count(count: int) -> int | None:
    return None if count < MIN_OPTIONS else min(count, MAX_OPTIONS)


def options_asked(text: str) -> int | None:
    """How many options a request asks for (2 to 4), or None when it asks for one draft."""
    for pattern in (_LETTERS_AFTER, _LETTERS_BEFORE):
        match = pattern.search(text)
        if match:
            return _clamp_count(len(re.findall(r"\b[A-D]\b", match.group("letters"), re.I)))
    for pattern in (_LEADING, _ASK):
        match = pattern.search(text)
        if match:
            return _clamp_count(_count(match.group("count")))
    if _UNCOUNTED.search(text):
        return DEFAULT_OPTIONS
    return None


def varies_asked(text: str) -> str | None:
    """What the request wants the options to differ in ("tone", "structure", "angle",
    "length"), or None when it does not say."""
    for match in _VARIES_CUE.finditer(text):
        for pattern, name in _VARIES:
            if pattern.fullmatch(match.group("what")):
                return name
    return None


# ---- reading a choice --------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A reply that picks an option: its letter and any words that steer the next version."""

    label: str
    extra: str | None


_CHOOSER = (
    r"(?:i(?:'d|\s+would|'ll|\s+will)?\s+(?:go|pick|choose|take|like|prefer|want)(?:\s+with)?"
    r"|let'?s\s+(?:go\s+with|use|take|do)|go\s+with|use|pick|choose|take|prefer|want)"
)
_CHOICE = re.compile(
    rf"^\s*(?:(?P<verb>{_CHOOSER})\s+)?(?P<option>option\s+|the\s+)?"
    r"(?P<label>[a-d])(?![\w'\u2019])(?:\s+(?:option|one)\b)?(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CONNECTOR_WORDS = r"but|with|and|though|although|just|only|please|pls|plus|then"
# What may follow a bare letter for it to be a choice: punctuation or a connecting word.
_CLEAN_START = re.compile(rf"^\s*(?:[,.;:!?\u2014\u2013-]|(?:{_CONNECTOR_WORDS})\b)", re.I)
# What is dropped between the letter and the words that steer: "B, but warmer" → "warmer".
_CONNECTORS = re.compile(rf"^(?:\s|[,.;:!\u2014\u2013-]|\b(?:{_CONNECTOR_WORDS})\b)+", re.I)
# Upper case only: "B or C?" compares; "B and a date" steers.
_OTHER_LABEL = re.compile(r"(?i:\b(?:or|vs\.?|versus|and)|/)\s*(?:(?i:option)\s+)?[A-D]\b")
# "B is the best one, thanks": a choice with nothing to steer.
_PRAISE = frozenset(
    {"is", "looks", "seems", "sounds", "reads", "feels", "it's", "its", "the", "best", "good"}
    | {"great", "perfect", "fine", "right", "nice", "better", "one", "it", "this", "thanks"}
    | {"thank", "you", "please", "pls", "for", "me", "to", "lovely", "works"}
)


def parse_choice(text: str, labels: str) -> Choice | None:
    """The option a thread reply picks ("B", "B but warmer", "use option c, shorter"), or
    None when the reply is not a choice among `labels` ("A few more details" is not)."""
    match = _CHOICE.match(text.strip())
    if match is None:
        return None
    label = match.group("label").upper()
    if label not in labels.upper():
        return None
    rest = match.group("rest")
    introduced = bool(match.group("verb") or match.group("option"))
    if _OTHER_LABEL.search(rest):
        return None  # "B or C?" asks, it does not choose
    starts_cleanly = not rest.strip() or bool(_CLEAN_START.match(rest))
    # A bare "a"/"A" followed by a word is the article ("A warmer version"); other letters
    # followed by a word ("B warmer") are a choice that steers.
    if not introduced and not starts_cleanly and label == "A":
        return None
    extra = _CONNECTORS.sub("", rest).strip()
    words = re.findall(r"[\w'\u2019]+", extra.lower())
    if not words or set(words) <= _PRAISE:
        return Choice(label, None)
    return Choice(label, extra[:2_000])


# ---- the habit ---------------------------------------------------------------------------------

_ANOTHER_TAKE = re.compile(
    r"\b(?:another|different|new|other|alternative|fresh)\s+(?:take|version|angle|approach|option"
    r"|go|attempt|spin|direction)s?\b|\btry again\b|\bredo\b|\bstart over\b"
    r"|\bmore\s+(?:options|takes|versions)\b",
    re.IGNORECASE,
)
# Bookkeeping that says nothing about how a person works: answers to questions, and the
# options they did not pick (the pick itself counts).
_NOT_HABIT_EVENTS = frozenset({FeedbackKind.ANSWER, FeedbackKind.OPTION_PASSED})


@dataclass(frozen=True)
class OptionsHabit:
    """A person who regularly asks for more takes: how often, out of how many events."""

    asks: int
    considered: int

    @property
    def note(self) -> str:
        """Why Baton offers options unasked, in a few words."""
        return (
            f"you asked for another take or for options {self.asks} of your last "
            f"{self.considered} times"
        )


def asks_for_takes(signal: FeedbackSignal) -> bool:
    """True for feedback that asks for more takes than one draft."""
    if signal.kind in (FeedbackKind.REDO, FeedbackKind.OPTIONS_ASKED, FeedbackKind.OPTION_CHOSEN):
        return True
    return signal.kind is FeedbackKind.REPLY and bool(_ANOTHER_TAKE.search(signal.reply_text or ""))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def options_habit(signals: Sequence[FeedbackSignal], *, now: datetime) -> OptionsHabit | None:
    """The person's habit of asking for more takes, when it is clear enough to act on."""
    since = _aware(now) - timedelta(days=HABIT_DAYS)
    recent = sorted(
        (s for s in signals if s.kind not in _NOT_HABIT_EVENTS and _aware(s.at) >= since),
        key=lambda s: _aware(s.at),
        reverse=True,
    )[:HABIT_RECENT]
    asks = sum(1 for signal in recent if asks_for_takes(signal))
    return OptionsHabit(asks, len(recent)) if asks >= HABIT_ASKS else None


# ---- asking Claude -----------------------------------------------------------------------------


class OptionText(BaseModel):
    """One option as Claude writes it."""

    approach: str = Field(
        description="A few words naming this option's approach, e.g. 'Warm and personal'."
    )
    text: str = Field(
        description="The option itself: a complete, short version of the deliverable, in "
        "Markdown, with no preamble."
    )

    @field_validator("approach")
    @classmethod
    def _short_label(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("approach is empty")
        return value[:80]

    @field_validator("text")
    @classmethod
    def _some_text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("text is empty")
        if len(value) > OPTION_TEXT_LIMIT:
            value = value[: OPTION_TEXT_LIMIT - 1].rstrip() + "…"
        return value


class OptionsAnswer(BaseModel):
    """The options Claude offers, and what varies between them."""

    varies: str = Field(
        description="What differs between the options, in a few words (e.g. 'tone', "
        "'structure', 'angle')."
    )
    options: list[OptionText] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)

    @field_validator("varies")
    @classmethod
    def _varies(cls, value: str) -> str:
        return " ".join(value.split())[:100] or "approach"


def options_tool_schema() -> dict[str, object]:
    """The tool that makes Claude return options as validated, labelled data."""
    return {
        "name": OPTIONS_TOOL_NAME,
        "description": "Record the options for this brief, in order (they become A, B, C…).",
        "input_schema": OptionsAnswer.model_json_schema(),
    }


def options_prompt(
    brief: Brief,
    *,
    style: list[str],
    count: int,
    varies: str | None,
    current_draft: str | None = None,
    channel_rules: str | None = None,
) -> Prompt:
    """Ask for `count` short options of the brief's deliverable, each clearly different, in
    the person's style and the channel's house rules (quoted by bot/domain/channel_rules.py)."""
    # The system prompt (the drafting rules and the person's style) is the draft's own.
    base = draft_prompt(brief, style=style)
    brief_json = json.dumps(brief.model_dump(exclude={"actionable"}), indent=1, ensure_ascii=False)
    differ = (
        f"in {varies}"
        if varies
        else "in approach: pick what most changes the result (tone, structure or angle)"
    )
    parts = [f"The brief:\n{quote('brief', brief_json)}"]
    if channel_rules:
        parts.append(channel_rules)
    if current_draft:
        parts.append(
            "The current draft, for reference: the options should not simply repeat it.\n"
            + quote("previous_draft", current_draft)
        )
    parts.append(
        f"Write exactly {count} options with {OPTIONS_TOOL_NAME}. Each is a complete, short "
        f"version of the deliverable (under about {OPTION_WORDS} words unless the brief's "
        f"constraints say otherwise), honouring every constraint, and each is clearly different "
        f"{differ}. Name each option's approach in a few words, and say in a few words what "
        "varies between them."
    )
    return Prompt(system=base.system, messages=[{"role": "user", "content": "\n\n".join(parts)}])


def brief_of_prompt(text: str) -> dict[str, Any]:
    """The brief quoted in an options or draft prompt (for stand-in drafters)."""
    match = re.search(r"<brief>\n(.*?)\n</brief>", text, re.S)
    try:
        data = json.loads(match.group(1)) if match else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def count_of_prompt(text: str) -> int:
    """How many options an options prompt asks for."""
    match = re.search(r"Write exactly (\d) options", text)
    return int(match.group(1)) if match else DEFAULT_OPTIONS


# ---- showing options ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownOption:
    """One option as the thread shows it."""

    label: str
    approach: str
    text: str


@dataclass(frozen=True)
class Chosen:
    """Which option was chosen, by whom, and the version it became."""

    label: str
    user_id: str
    version: int


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2_000]}]}


def options_blocks(
    options: Sequence[ShownOption],
    *,
    set_id: int,
    varies: str,
    why: str | None,
    chosen: Chosen | None = None,
) -> list[Block]:
    """Options A, B, C… with a "Use" button under each; once one is chosen, which one and
    what it became (the buttons go)."""
    letters = ", ".join(option.label for option in options)
    head = f"*Options {letters}* · they differ in {escape_mrkdwn(varies)}"
    if why:
        head += f" · {escape_mrkdwn(why)}"
    blocks: list[Block] = [_context(head)]
    for option in options:
        title = f"*{option.label} · {escape_mrkdwn(option.approach)}*"
        if chosen is not None:
            picked = option.label == chosen.label
            title += " :white_check_mark: chosen" if picked else " · not chosen"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": title[:3_000]}})
        blocks.append({"type": "markdown", "text": option.text[:OPTION_TEXT_LIMIT]})
        if chosen is None:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"option_{option.label}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": ACTION_USE_OPTION,
                            "text": {"type": "plain_text", "text": f"Use {option.label}"},
                            "value": f"{set_id}:{option.label}",
                        }
                    ],
                }
            )
    if chosen is None:
        blocks.append(
            _context(
                "Press *Use* under the one you want, or reply with its letter; add words to "
                "steer it: “B but warmer”."
            )
        )
    else:
        blocks.append(
            _context(
                f":white_check_mark: <@{chosen.user_id}> chose {chosen.label}: it is draft "
                f"v{chosen.version}, and the next version follows in this thread."
            )
        )
    return blocks


def choosing_hint(labels: str) -> str:
    """What to say to a reply that neither chooses nor can revise (no draft yet)."""
    letters = "/".join(labels)
    return (
        f"Options {letters} are waiting above: reply with a letter to choose one, and add words "
        "to steer it (“B but warmer”), or press *Use* under it."
    )


def label_for(index: int) -> str:
    """The letter of the option at `index` (0 → A)."""
    return LABELS[index]
