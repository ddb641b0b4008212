"""When Baton offers options, and how many.

* the request says so: "give me 3 options", "two takes", "a few options", "options A/B";
* the person presses **Options** on the brief;
* the person's habit: among their last ``HABIT_RECENT`` feedback events of the last
  ``HABIT_DAYS`` days, at least ``HABIT_ASKS`` asked for more takes (a :repeat: reaction, a
  reply such as "try another angle", asking for options, or picking one of them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.style.profile import FeedbackKind, FeedbackSignal

MIN_OPTIONS = 2
MAX_OPTIONS = 4
DEFAULT_OPTIONS = 3

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


def options_habit(signals: Sequence[FeedbackSignal], *, now: datetime) -> OptionsHabit | None:
    """The person's habit of asking for more takes, when it is clear enough to act on."""
    since = now - timedelta(days=HABIT_DAYS)
    recent = sorted(
        (s for s in signals if s.kind not in _NOT_HABIT_EVENTS and s.at >= since),
        key=lambda s: s.at,
        reverse=True,
    )[:HABIT_RECENT]
    asks = sum(1 for signal in recent if asks_for_takes(signal))
    return OptionsHabit(asks, len(recent)) if asks >= HABIT_ASKS else None
