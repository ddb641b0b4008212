"""What style learning works with: feedback events in, one value per style dimension out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FeedbackKind(StrEnum):
    """Kinds of feedback a person gives on a draft."""

    ACCEPT = "accept"  # +1
    REJECT = "reject"  # -1
    REDO = "redo"  # repeat
    SHORTER = "shorter"  # scissors
    MORE_DETAIL = "more_detail"  # mag
    REPLY = "reply"  # a thread reply asking for a revision (text in reply_text)
    ANSWER = "answer"  # a reply answering Baton's open questions (no style signal)
    FINAL_EDIT = "final_edit"  # the person's own final version of a draft (Finalise)
    OPTIONS_ASKED = "options_asked"  # asked for options (in the request, or the Options button)
    OPTION_CHOSEN = "option_chosen"  # picked one of Baton's options (traits of the pick)
    OPTION_PASSED = "option_passed"  # an option passed over when another was picked


class RejectReason(StrEnum):
    """Why a person gave a draft a thumbs-down (the reason chips)."""

    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    WRONG_TONE = "wrong_tone"
    WRONG_FACTS = "wrong_facts"
    MISSED_POINT = "missed_point"
    OTHER = "other"  # with the person's own words


class Dimension(StrEnum):
    """The style dimensions Baton learns per person."""

    LENGTH = "length"
    DETAIL = "detail"
    FORMALITY = "formality"
    FORMAT = "format"


# (negative value, neutral default, positive value) per dimension.
DIMENSION_VALUES: dict[Dimension, tuple[str, str, str]] = {
    Dimension.LENGTH: ("short", "medium", "long"),
    Dimension.DETAIL: ("light", "standard", "thorough"),
    Dimension.FORMALITY: ("casual", "neutral", "formal"),
    Dimension.FORMAT: ("prose", "mixed", "bullets"),
}
DEFAULT_VALUES: dict[Dimension, str] = {d: v[1] for d, v in DIMENSION_VALUES.items()}


@dataclass(frozen=True)
class DraftTraits:
    """Measurable features of a draft's text."""

    words: int
    bullet_lines: int  # lines starting with -, *, •, or "1." style numbering
    formality: float  # -1 (casual) .. +1 (formal), heuristic


@dataclass(frozen=True)
class EditSignal:
    """What a person's own edit of a draft changed (measured by bot/domain/finalise.py)."""

    length_ratio: float  # the final's words over the draft's (0.6 = cut 40%)
    sentences_cut: int
    sentences_added: int
    formality_shift: float  # final minus draft, on measure_draft's -1..+1 scale
    bullets_before: int
    bullets_after: int
    words_written: int = 0  # words the person put in (replacing Baton's or new)


@dataclass(frozen=True)
class FeedbackSignal:
    """One stored feedback event, as the domain sees it."""

    kind: FeedbackKind
    at: datetime  # timezone-aware UTC
    reply_text: str | None = None
    draft: DraftTraits | None = None  # traits of the draft the feedback was on
    edit: EditSignal | None = None  # for FINAL_EDIT: what the person's edit changed
    reason: RejectReason | None = None  # for REJECT: the reason chip the person picked
    reason_note: str | None = None  # for RejectReason.OTHER: their words

    def __post_init__(self) -> None:
        # Storage hands back UTC-aware times (storage/types.py); a naive one is a caller's bug,
        # refused here rather than mis-ordered against aware ones later.
        if self.at.tzinfo is None:
            raise ValueError("a feedback signal's time must be timezone-aware")


@dataclass(frozen=True)
class StyleValue:
    """The learned, set or default value of one dimension, with its supporting evidence."""

    dimension: Dimension
    value: str
    source: str  # "learned" | "set" | "default"
    score: float  # lean in [-1, 1]; 0 for default
    evidence: int  # how many recent events support the value
    considered: int  # out of how many recent events that spoke to this dimension
    reason: str | None  # human sentence; "you set this"; None for default

    @property
    def is_neutral(self) -> bool:
        """True when the value is the neutral default for its dimension (nothing to instruct)."""
        return self.value == DEFAULT_VALUES[self.dimension]


@dataclass(frozen=True)
class StyleProfile:
    """One person's style, one value per dimension."""

    length: StyleValue
    detail: StyleValue
    formality: StyleValue
    format: StyleValue

    def values(self) -> tuple[StyleValue, ...]:
        """All four values in a fixed order (length, detail, formality, format)."""
        return (self.length, self.detail, self.formality, self.format)

    def get(self, dimension: Dimension) -> StyleValue:
        """The value for one dimension."""
        match Dimension(dimension):
            case Dimension.LENGTH:
                return self.length
            case Dimension.DETAIL:
                return self.detail
            case Dimension.FORMALITY:
                return self.formality
            case Dimension.FORMAT:
                return self.format
