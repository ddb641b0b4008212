"""Reading a thread reply that picks one of the options: "B", "B but warmer", "use option c"."""

from __future__ import annotations

import re
from dataclasses import dataclass

LABELS = "ABCD"


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


def label_for(index: int) -> str:
    """The letter of the option at `index` (0 → A)."""
    return LABELS[index]
