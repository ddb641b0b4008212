"""Per-person style learning: from feedback events to a style profile, instructions and a note.

Pure functions of data and a clock (``now`` is always passed in); stdlib only.

How a profile is learned
------------------------
Every feedback event is turned into *votes*, one number in [-1, 1] per style dimension it speaks
to (negative = short / light / casual / prose, positive = long / thorough / formal / bullets):

* explicit asks (a scissors or mag reaction, a thread reply asking for a revision) vote at full
  strength on what they name (a reply's text goes through :func:`directives_from_reply`; a reply
  saying "longer" is a length ask, LENGTH +1 / DETAIL +0.5, while "more detail" / "expand" is a
  detail ask, DETAIL +1 / LENGTH +0.5);
* an accepted draft votes weakly (``ACCEPT_VOTE``) for its own traits where they are clear;
* a rejected draft votes more weakly (``REJECT_VOTE``) against its clear traits, because a
  rejection is more often about content than style;
* redo and answers carry no style signal;
* picking one of several options votes for the chosen option's clear traits at ``CHOSEN_VOTE``
  (between an accept and an explicit ask: what people pick says more than what they
  thumbs-up) and weakly (``PASSED_VOTE``) against each option passed over; length is left out,
  since Baton asked for every option to be short;
* a thumbs-down with a reason (:class:`RejectReason`) votes what the reason says, at full
  strength, instead of the weak vote against the draft's traits: "too long" short, "too short"
  long, "wrong tone" away from the draft's measured formality (half strength when the draft's
  tone was only faintly formal or casual), "other" as its words read
  (:func:`directives_from_reply`); "wrong facts" and "missed the point" carry no style signal;
* a person's own edit of a draft (Finalise, :class:`EditSignal`) is the strongest signal: it
  votes on what the edit measurably changed (cutting 25% or more of the length votes short at
  full strength) and the event weighs ``EDIT_WEIGHT`` times as much as any other.

Per dimension, only the events that speak to it count, newest first, at most ``WINDOW`` of them.
Event ``i`` (0 = newest) gets weight ``0.5 ** (i / POSITION_HALF_LIFE) * 0.5 ** (age_days /
AGE_HALF_LIFE_DAYS)``: recent feedback dominates, and a stale history fades even if it was long.
The lean is ``sum(w * vote) / (sum(w) + PRIOR)`` clamped to [-1, 1]; the small prior shrinks thin
evidence towards neutral.  The non-neutral value is picked when ``|lean| > THRESHOLD`` *and* the
events on the winning side carry at least ``MIN_SUPPORT`` of ``w * |vote|``, so a single
accepted short draft (or one 90-day-old trim) does not make someone a "short" person while a
single explicit "shorter please" does.

A pure function cannot keep hysteresis state, so stability comes from the weights instead.  The
constants are tuned (see tests/domain/test_style.py) so that:

* a consistent person is learned within 3 events;
* after a consistent history, one contrary event does not flip a value (the accumulated older
  evidence, including weak accept votes, outweighs one new full-strength vote);
* a real change of taste, stated consistently, wins within 5 events;
* a 90-day-old event counts for an eighth of a fresh one;
* an explicit setting by the person overrides learning.

``evidence`` and ``considered`` are plain counts of the events inside the window: how many voted
for the chosen direction, out of how many spoke to the dimension at all.  The reason sentence
names the kind of evidence (asked / accepted / turned down) that contributed most weight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = [
    "DEFAULT_VALUES",
    "DIMENSION_VALUES",
    "Dimension",
    "DraftTraits",
    "EditSignal",
    "FeedbackKind",
    "FeedbackSignal",
    "RejectReason",
    "StyleProfile",
    "StyleValue",
    "adaptation_note",
    "directives_from_reply",
    "learn_style",
    "measure_draft",
    "reason_votes",
    "signals_from",
    "style_instructions",
]


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

# --- learning constants (tuned against the behavioural tests; see module docstring) -----------
# Position half-life is the main stability/agility trade-off: with 6, four accepted drafts plus
# one trim still outweigh one fresh contrary ask (a draft-a-day person keeps a lean of ~0.19
# against a threshold of 0.08), while three or four consistent asks for the opposite win.
POSITION_HALF_LIFE = 6.0  # events: the 7th most recent relevant event weighs half the newest
AGE_HALF_LIFE_DAYS = 30.0  # a month-old event weighs half; a 90-day-old one an eighth
WINDOW = 20  # only the last 20 events that speak to a dimension are used
PRIOR = 0.5  # pseudo-weight of "no preference": one explicit ask leans 0.67, not 1
THRESHOLD = 0.08  # |lean| above this picks the non-neutral value
# The prior alone cannot both keep one accepted short draft from making someone "short" and let
# weak accept votes hold a value against one contrary ask, so thin evidence is gated separately:
# the winning side needs this much summed weight*|vote| (one accept = 0.5, one ask = 1).
MIN_SUPPORT = 0.75
ACCEPT_VOTE = 0.5  # an accepted draft is a weaker vote than an explicit ask
REJECT_VOTE = 0.25  # a rejection is mostly about content, so weaker still
CHOSEN_VOTE = 0.75  # picking an option: more than an accept, less than an explicit ask
PASSED_VOTE = 0.25  # each option passed over, like a rejection: weakly against its traits
REASON_VOTE = 1.0  # a reason chip names what was wrong, as explicitly as an ask

# Thresholds for "clear" draft traits that an accept/reject can vote on.
SHORT_WORDS = 120
LONG_WORDS = 350
BULLET_LINES = 3
PROSE_MIN_WORDS = 60
CLEAR_FORMALITY = 0.3

# A person's own edit (Finalise) outweighs any other event: what people do to a draft says
# more than what they ask for. Changes smaller than the "some" thresholds say nothing.
EDIT_WEIGHT = 2.0
EDIT_CUT_FULL = 0.25  # cutting (or adding) a quarter of the words votes at full strength
EDIT_CUT_SOME = 0.10
EDIT_FORMALITY_FULL = 0.3  # a formality shift (measure_draft's scale) at full strength
EDIT_FORMALITY_SOME = 0.15
EDIT_SENTENCES = 2  # sentences cut (or added) along with the length: a vote on detail
# Tone is in the words a person writes: a pure cut shortens sentences, which measure_draft
# reads as casual, yet says nothing about tone.
EDIT_TONE_WORDS = 3


# --- data ---------------------------------------------------------------------------------------


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
        return getattr(self, Dimension(dimension).value)


# --- measuring drafts ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•‣◦]|\d{1,3}[.)])\s+\S")
_CONTRACTION = re.compile(
    r"\b(?:[a-z]+n['\u2019]t|(?:i|you|we|they|he|she|it|that|there|here|what|who|let)"
    r"['\u2019](?:m|re|ve|ll|d|s))\b",
    re.IGNORECASE,
)
_EMOJI = re.compile(r":[a-z0-9_+\-]+:|[\U0001F300-\U0001FAFF\u2600-\u27BF]", re.IGNORECASE)
_CASUAL_WORDS = re.compile(
    r"\b(?:hey|hi|hiya|yo|thanks!|cheers|cool|awesome|yeah|yep|nope|gonna|wanna|lol|btw|ok|okay"
    r"|super|folks|stuff)\b|thanks!",
    re.IGNORECASE,
)
_FORMAL_WORDS = re.compile(
    r"\b(?:therefore|regarding|please find|furthermore|moreover|accordingly|consequently|thus"
    r"|hereby|kindly|sincerely|in accordance|with respect to|pursuant|please note|dear"
    r"|we would like to|in addition|however|respectively)\b",
    re.IGNORECASE,
)
_SENTENCE_SPLIT = re.compile(r"[.!?]+(?=\s|$)")


def _clamp(x: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def measure_draft(text: str) -> DraftTraits:
    """Measure word count, bullet lines and a heuristic formality score of a draft."""
    words = len(_WORD.findall(text))
    lines = text.splitlines()
    bullet_lines = sum(1 for line in lines if _BULLET_LINE.match(line))

    # Formality: count casual and formal markers, capped so one long draft can't saturate.
    contractions = len(_CONTRACTION.findall(text))
    exclamations = text.count("!")
    emoji = len(_EMOJI.findall(text))
    casual_words = len(_CASUAL_WORDS.findall(text))
    formal_words = len(_FORMAL_WORDS.findall(text))
    score = 0.15 * min(formal_words, 4)
    score -= 0.1 * min(contractions, 5)
    score -= 0.15 * min(exclamations, 3)
    score -= 0.2 * min(emoji, 3)
    score -= 0.2 * min(casual_words, 2)

    # Sentence length only over prose lines: bullets are short by design, not by tone.
    prose = " ".join(line for line in lines if not _BULLET_LINE.match(line))
    sentences = [s for s in _SENTENCE_SPLIT.split(prose) if _WORD.search(s)]
    if sentences:
        avg = sum(len(_WORD.findall(s)) for s in sentences) / len(sentences)
        # Long sentences read formal; short ones only slightly casual (terse can be neutral).
        score += _clamp((avg - 12.0) / 25.0, -0.15, 0.3)
    if contractions == 0 and words >= 30:
        score += 0.2  # sustained writing without a single contraction reads formal
    return DraftTraits(words=words, bullet_lines=bullet_lines, formality=round(_clamp(score), 2))


# --- reading replies ----------------------------------------------------------------------------

_L, _D, _F, _FMT = Dimension.LENGTH, Dimension.DETAIL, Dimension.FORMALITY, Dimension.FORMAT


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    votes: dict[Dimension, float]
    # What the cue means after a negation ("no bullets", "no longer than a page"): None keeps the
    # votes (complaints like "too long" / "not so long" mean the same either way); requests flip.
    negated: dict[Dimension, float] | None


def _request(
    pattern: str, votes: dict[Dimension, float], *, negated: dict[Dimension, float] | None = None
) -> _Cue:
    flipped = {d: -v for d, v in votes.items()} if negated is None else negated
    return _Cue(re.compile(rf"\b(?:{pattern})\b"), votes, flipped)


def _complaint(pattern: str, votes: dict[Dimension, float]) -> _Cue:
    return _Cue(re.compile(rf"\b(?:{pattern})\b"), votes, None)


_MORE_LENGTH = {_L: 1.0, _D: 0.5}
_MORE_DETAIL = {_D: 1.0, _L: 0.5}

# Order matters: earlier cues claim their span first, so "less detail" is not also read as
# "detail", and "too casual" not as "casual".
_CUES: tuple[_Cue, ...] = (
    # complaints and "not ... enough": the same meaning whatever negation precedes them
    _complaint(r"not (?:\w+ )?long enough|too short|so short|too brief|too terse", _MORE_LENGTH),
    _complaint(
        r"not (?:\w+ )?short enough|not as long|(?:too|so|very|overly|way too) long"
        r"|lengthy|wordy|verbose|long[- ]winded|rambling|too much text",
        {_L: -1.0},
    ),
    _complaint(
        r"not (?:\w+ )?detailed enough|not enough detail|too vague|too shallow|too thin"
        r"|too high[- ]level|lacks? detail",
        _MORE_DETAIL,
    ),
    _complaint(
        r"(?:too|so|overly) detailed|too much detail|too dense|too granular|too in the weeds"
        r"|too technical",
        {_D: -1.0},
    ),
    _complaint(
        r"not (?:\w+ )?(?:formal|professional) enough|(?:too|so|overly) casual|too informal"
        r"|too chatty|too flippant|unprofessional|sloppy",
        {_F: 1.0},
    ),
    _complaint(
        r"not (?:\w+ )?(?:casual|friendly) enough|(?:too|so|overly) formal|too stiff|stiff"
        r"|too corporate|robotic|too cold|stuffy",
        {_F: -1.0},
    ),
    _complaint(r"too many bullets|too many lists|too listy", {_FMT: -1.0}),
    _complaint(r"wall of text|hard to scan", {_FMT: 1.0}),
    # requests: a negation flips them ("no bullets" = prose, "don't be so formal" = casual)
    _request(
        r"less detail(?:ed|s)?|fewer details|high[- ]level|big picture|(?:just )?the gist"
        r"|skip the details",
        {_D: -1.0},
    ),
    _request(
        r"more detail(?:ed|s)?|more depth|more specifics|more context|more thorough"
        r"|add(?:ing)? (?:some |more )?detail|in (?:more )?detail|in[- ]depth|go deeper"
        r"|dig deeper|flesh(?:ed)? (?:it |this )?out|elaborate|expand(?:ed)?|detailed|thorough",
        _MORE_DETAIL,
    ),
    _request(
        r"less formal|friendl(?:y|ier)|warmer|warm tone|casual|informal|relaxed"
        r"|conversational|chill(?:er)?|lighter tone",
        {_F: -1.0},
    ),
    _request(r"more formal|formal|professional|polished|businesslike", {_F: 1.0}),
    _request(
        r"bullet[- ]?points?|bullet(?:s|ed)?|(?:a |numbered )?list|listed|point form",
        {_FMT: 1.0},
    ),
    _request(r"prose|paragraphs?|full sentences", {_FMT: -1.0}),
    # "no longer than a page" is a cap, i.e. shorter: the plain flip is right here.
    _request(r"longer|lengthen|more words", _MORE_LENGTH),
    # "don't cut the pricing part" protects content; it does not ask for a longer draft.
    _request(
        r"shorter|shorten|trim(?:med)?|tldr|cut|condense|briefer|keep it brief|be brief"
        r"|concise|short|succinct|tighten|tighter|fewer words|less text",
        {_L: -1.0},
        negated={},
    ),
)

# "n't" is rewritten to " not" before matching; the rest covers apostrophe-less typing.
_NEGATORS = frozenset(
    {"no", "not", "never", "without", "stop", "avoid", "less", "fewer", "nor", "nothing", "none"}
    | {"dont", "cant", "wont", "isnt", "doesnt", "shouldnt", "didnt", "aint"}
)
_NEGATION_WINDOW = 4  # words before a cue that can negate it ("don't want any bullets")
# Negation does not cross clause boundaries: "more detail and less fluff" is two requests.
_CLAUSE_SPLIT = re.compile(r"[.,;:!?\n()]+|\b(?:but|though|and|or|also|plus|then)\b")
_SUBSTITUTE = re.compile(r"\b(?:instead of|rather than)\s*$")


def _negated(prefix: str) -> bool:
    """Whether the words just before a cue negate it."""
    if _SUBSTITUTE.search(prefix):
        return True  # "bullets instead of paragraphs": the paragraphs are unwanted
    words = re.findall(r"[a-z]+", prefix)[-_NEGATION_WINDOW:]
    return any(w in _NEGATORS for w in words)


def directives_from_reply(text: str) -> dict[Dimension, float]:
    """Classify a revision reply into style votes per dimension ({} when it says nothing)."""
    normalized = text.lower().replace("\u2019", "'").replace("tl;dr", "tldr")
    normalized = re.sub(r"n't\b", " not", normalized)
    totals: dict[Dimension, float] = {}
    for clause in _CLAUSE_SPLIT.split(normalized):
        found: list[tuple[int, int, _Cue]] = []
        for cue in _CUES:
            for match in cue.pattern.finditer(clause):
                start, end = match.span()
                if not any(start < e and s < end for s, e, _ in found):
                    found.append((start, end, cue))
        # A negation applies only to words after the previous cue: in "less detail, more
        # bullets" (or without the comma) the "less" belongs to "detail", not to "bullets".
        previous_end = 0
        for start, end, cue in sorted(found, key=lambda f: f[0]):
            votes = cue.votes
            if cue.negated is not None and _negated(clause[previous_end:start]):
                votes = cue.negated
            for dim, vote in votes.items():
                totals[dim] = totals.get(dim, 0.0) + vote
            previous_end = end
    # Several cues for one dimension reinforce each other but a reply is still one vote.
    return {dim: _clamp(v) for dim, v in totals.items() if v != 0.0}


# --- from events to votes -----------------------------------------------------------------------


def _trait_votes(draft: DraftTraits) -> dict[Dimension, float]:
    """Unit votes (+-1) for a draft's clear traits; unclear traits are left out."""
    votes: dict[Dimension, float] = {}
    if draft.words < SHORT_WORDS:
        votes[_L] = -1.0
    elif draft.words > LONG_WORDS:
        votes[_L] = 1.0
    if draft.bullet_lines >= BULLET_LINES:
        votes[_FMT] = 1.0
    elif draft.bullet_lines == 0 and draft.words > PROSE_MIN_WORDS:
        votes[_FMT] = -1.0
    if draft.formality > CLEAR_FORMALITY:
        votes[_F] = 1.0
    elif draft.formality < -CLEAR_FORMALITY:
        votes[_F] = -1.0
    return votes


def _graded(change: float, full: float, some: float) -> float:
    """A vote for a measured change: full strength past `full`, half past `some`, else 0."""
    size = 1.0 if abs(change) >= full else 0.5 if abs(change) >= some else 0.0
    return size if change > 0 else -size


def _edit_votes(edit: EditSignal) -> dict[Dimension, float]:
    """Votes for what a person's own edit changed; unchanged dimensions are left out."""
    change = edit.length_ratio - 1.0
    votes = {_L: _graded(change, EDIT_CUT_FULL, EDIT_CUT_SOME)}
    if edit.words_written >= EDIT_TONE_WORDS:
        votes[_F] = _graded(edit.formality_shift, EDIT_FORMALITY_FULL, EDIT_FORMALITY_SOME)
    if edit.sentences_cut >= EDIT_SENTENCES and change <= -EDIT_CUT_SOME:
        votes[_D] = -0.5
    elif edit.sentences_added >= EDIT_SENTENCES and change >= EDIT_CUT_SOME:
        votes[_D] = 0.5
    if edit.bullets_before < BULLET_LINES <= edit.bullets_after:
        votes[_FMT] = 1.0
    elif edit.bullets_before >= BULLET_LINES and edit.bullets_after == 0:
        votes[_FMT] = -1.0
    return {d: v for d, v in votes.items() if v != 0.0}


def _option_trait_votes(option: DraftTraits) -> dict[Dimension, float]:
    """An option's clear traits, length aside: every option is short because Baton asked."""
    return {d: v for d, v in _trait_votes(option).items() if d is not _L}


def reason_votes(
    reason: RejectReason, draft: DraftTraits | None, note: str | None = None
) -> dict[Dimension, float]:
    """What a thumbs-down's reason says about each dimension."""
    match reason:
        case RejectReason.TOO_LONG:
            return {_L: -REASON_VOTE}
        case RejectReason.TOO_SHORT:
            return {_L: REASON_VOTE}
        case RejectReason.WRONG_TONE if draft is not None and draft.formality != 0.0:
            # Away from the tone the draft had; a faint tone says less about which way.
            strength = REASON_VOTE if abs(draft.formality) >= CLEAR_FORMALITY else REASON_VOTE / 2
            return {_F: -strength if draft.formality > 0 else strength}
        case RejectReason.OTHER if note:
            return directives_from_reply(note)
        case _:
            return {}


def signals_from(signal: FeedbackSignal) -> dict[Dimension, float]:
    """What one feedback event says about each dimension, as votes in [-1, 1]."""
    match signal.kind:
        case FeedbackKind.FINAL_EDIT if signal.edit is not None:
            return _edit_votes(signal.edit)
        case FeedbackKind.SHORTER:
            return {_L: -1.0, _D: -0.3}
        case FeedbackKind.MORE_DETAIL:
            return {_D: 1.0, _L: 0.5}
        case FeedbackKind.REPLY:
            return directives_from_reply(signal.reply_text or "")
        case FeedbackKind.ACCEPT if signal.draft is not None:
            return {d: ACCEPT_VOTE * v for d, v in _trait_votes(signal.draft).items()}
        case FeedbackKind.REJECT if signal.reason is not None:
            return reason_votes(signal.reason, signal.draft, signal.reason_note)
        case FeedbackKind.REJECT if signal.draft is not None:
            return {d: -REJECT_VOTE * v for d, v in _trait_votes(signal.draft).items()}
        case FeedbackKind.OPTION_CHOSEN if signal.draft is not None:
            return {d: CHOSEN_VOTE * v for d, v in _option_trait_votes(signal.draft).items()}
        case FeedbackKind.OPTION_PASSED if signal.draft is not None:
            return {d: -PASSED_VOTE * v for d, v in _option_trait_votes(signal.draft).items()}
        case _:
            return {}


# --- learning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vote:
    kind: FeedbackKind
    vote: float
    weight: float
    edit: EditSignal | None = None  # the edit behind a FINAL_EDIT vote, for its reason
    reason: RejectReason | None = None  # the reason chip behind a REJECT vote, likewise


def _aware(at: datetime) -> datetime:
    # Stored timestamps are UTC; a naive one is read as UTC rather than crashing the bot.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _votes_by_dimension(
    signals: Sequence[FeedbackSignal], now: datetime
) -> dict[Dimension, list[_Vote]]:
    """Weighted votes per dimension, newest first, at most WINDOW per dimension."""
    now = _aware(now)
    # Newest first; equal timestamps keep input order (the later one in the input is newer).
    ordered = sorted(enumerate(signals), key=lambda p: (_aware(p[1].at), p[0]), reverse=True)
    out: dict[Dimension, list[_Vote]] = {d: [] for d in Dimension}
    for _, signal in ordered:
        age_days = max(0.0, (now - _aware(signal.at)).total_seconds() / 86400.0)
        age_weight = 0.5 ** (age_days / AGE_HALF_LIFE_DAYS)
        if signal.kind is FeedbackKind.FINAL_EDIT:
            age_weight *= EDIT_WEIGHT
        for dim, vote in signals_from(signal).items():
            votes = out[dim]
            if vote == 0.0 or len(votes) >= WINDOW:
                continue
            position_weight = 0.5 ** (len(votes) / POSITION_HALF_LIFE)
            votes.append(
                _Vote(signal.kind, vote, position_weight * age_weight, signal.edit, signal.reason)
            )
    return out


_ASKED_KINDS = frozenset({FeedbackKind.SHORTER, FeedbackKind.MORE_DETAIL, FeedbackKind.REPLY})

# What an explicit ask towards a direction is called in a reason.
_ASKED_PHRASE: dict[tuple[Dimension, int], str] = {
    (_L, -1): "you trimmed",
    (_L, 1): "you asked for more on",
    (_D, -1): "you asked for less detail on",
    (_D, 1): "you asked for more detail on",
    (_F, -1): "you asked for a friendlier tone on",
    (_F, 1): "you asked for a more formal tone on",
    (_FMT, -1): "you asked for prose on",
    (_FMT, 1): "you asked for bullets on",
}
# How a draft with a trait is called, for accept/reject reasons.
_TRAIT_ADJECTIVE: dict[tuple[Dimension, int], str] = {
    (_L, -1): "short",
    (_L, 1): "long",
    (_F, -1): "casual",
    (_F, 1): "formal",
    (_FMT, -1): "prose",
    (_FMT, 1): "bulleted",
    # Only a thumbs-down's "other" reason in the person's words can speak to detail.
    (_D, -1): "light",
    (_D, 1): "detailed",
}


def _group(kind: FeedbackKind, reason: RejectReason | None = None) -> str:
    if reason is not None:
        return f"reason:{reason.value}"  # a thumbs-down that said why, in its own words
    return "asked" if kind in _ASKED_KINDS else kind.value


# What a thumbs-down's reason is called in a learned value's reason.
_REASON_SAID: dict[str, str] = {
    RejectReason.TOO_LONG.value: "you said too long on",
    RejectReason.TOO_SHORT.value: "you said too short on",
    RejectReason.WRONG_TONE.value: "you said the tone was off on",
    RejectReason.OTHER.value: "you said what missed on",
}


def _edit_reason(dim: Dimension, sign: int, edits: list[_Vote], considered: int) -> str:
    """What the person's own edits did, in Baton's words: "you cut about 40% of my last draft"."""
    k = len(edits)
    if considered == 1:
        which = "my last draft"
    elif k == considered:
        which = f"my last {considered} drafts"
    else:
        which = f"{k} of my last {considered} drafts"
    ratios = [v.edit.length_ratio for v in edits if v.edit is not None]
    change = abs(sum(ratios) / len(ratios) - 1.0) if ratios else 0.0
    about = f"about {max(5, round(change * 20) * 5)}%"  # to the nearest 5%: it is an estimate
    match dim, sign:
        case (Dimension.LENGTH, -1):
            return f"you cut {about} of {which}"
        case (Dimension.LENGTH, _):
            return f"you lengthened {which} by {about}"
        case (Dimension.DETAIL, -1):
            return f"you cut sentences from {which}"
        case (Dimension.DETAIL, _):
            return f"you added to {which}"
        case (Dimension.FORMALITY, -1):
            return f"you made {which} more casual"
        case (Dimension.FORMALITY, _):
            return f"you made {which} more formal"
        case (_, -1):
            return f"you turned {which} into prose"
        case _:
            return f"you turned {which} into bullets"


def _reason(dim: Dimension, sign: int, support: list[_Vote], considered: int) -> str:
    """Name the dominant kind of supporting evidence, with honest counts."""
    weight_by_group: dict[str, float] = {}
    count_by_group: dict[str, int] = {}
    for v in support:
        g = _group(v.kind, v.reason)
        weight_by_group[g] = weight_by_group.get(g, 0.0) + v.weight * abs(v.vote)
        count_by_group[g] = count_by_group.get(g, 0) + 1
    group = max(weight_by_group, key=lambda g: (weight_by_group[g], count_by_group[g]))
    k = count_by_group[group]
    if group == FeedbackKind.FINAL_EDIT.value:
        edits = [v for v in support if v.kind is FeedbackKind.FINAL_EDIT]
        return _edit_reason(dim, sign, edits, considered)
    of_last = "your last draft" if considered == 1 else f"{k} of your last {considered} drafts"
    if group.startswith("reason:"):
        return f"{_REASON_SAID.get(group.removeprefix('reason:'), 'you said why on')} {of_last}"
    if group == "asked":
        phrase = _ASKED_PHRASE[(dim, sign)]
        trims = sum(1 for v in support if v.kind is FeedbackKind.SHORTER)
        if dim is _D and sign < 0 and trims * 2 >= k:
            phrase = "you trimmed"  # light detail learned mostly from scissors
        return f"{phrase} {of_last}"
    if group == FeedbackKind.ACCEPT.value:
        adjective = _TRAIT_ADJECTIVE[(dim, sign)]
        if considered == 1:
            return f"you accepted a {adjective} draft"
        return f"you accepted {adjective} drafts {k} of the last {considered} times"
    if group == FeedbackKind.OPTION_CHOSEN.value:
        adjective = _TRAIT_ADJECTIVE[(dim, sign)]
        if k == 1:
            return f"you picked a {adjective} option"
        return f"you picked {adjective} options {k} of the last {considered} times"
    if group == FeedbackKind.OPTION_PASSED.value:
        adjective = _TRAIT_ADJECTIVE[(dim, -sign)]
        if k == 1:
            return f"you passed over a {adjective} option"
        return f"you passed over {adjective} options {k} of the last {considered} times"
    adjective = _TRAIT_ADJECTIVE[(dim, -sign)]
    if considered == 1:
        return f"you turned down a {adjective} draft"
    return f"you turned down {adjective} drafts {k} of the last {considered} times"


def _learn_dimension(dim: Dimension, votes: list[_Vote]) -> StyleValue:
    neg, neutral, pos = DIMENSION_VALUES[dim]
    if not votes:
        return StyleValue(dim, neutral, "default", 0.0, 0, 0, None)
    total_weight = sum(v.weight for v in votes)
    lean = _clamp(sum(v.weight * v.vote for v in votes) / (total_weight + PRIOR))
    considered = len(votes)
    sign = 1 if lean > 0 else -1
    support = [v for v in votes if v.vote * sign > 0]
    if abs(lean) <= THRESHOLD or sum(v.weight * abs(v.vote) for v in support) < MIN_SUPPORT:
        reason = f"no clear preference yet from your last {considered} drafts"
        if considered == 1:
            reason = "no clear preference yet from your last draft"
        return StyleValue(dim, neutral, "learned", round(lean, 3), 0, considered, reason)
    return StyleValue(
        dimension=dim,
        value=pos if sign > 0 else neg,
        source="learned",
        score=round(lean, 3),
        evidence=len(support),
        considered=considered,
        reason=_reason(dim, sign, support, considered),
    )


def _set_value(dim: Dimension, value: str) -> StyleValue:
    options = DIMENSION_VALUES[dim]
    normalized = value.strip().lower()
    if normalized not in options:
        raise ValueError(f"{value!r} is not a {dim.value} value; expected one of {options}")
    score = float(options.index(normalized) - 1)  # -1, 0 or +1: the setting is certain
    return StyleValue(dim, normalized, "set", score, 0, 0, "you set this")


def learn_style(
    signals: Sequence[FeedbackSignal],
    *,
    now: datetime,
    explicit: Mapping[Dimension, str] | None = None,
) -> StyleProfile:
    """Derive a person's style profile from their feedback history, explicit settings winning."""
    explicit = explicit or {}
    votes = _votes_by_dimension(signals, now)
    values: dict[Dimension, StyleValue] = {}
    for dim in Dimension:
        chosen = explicit.get(dim)
        values[dim] = _set_value(dim, chosen) if chosen else _learn_dimension(dim, votes[dim])
    return StyleProfile(
        length=values[_L], detail=values[_D], formality=values[_F], format=values[_FMT]
    )


# --- rendering ----------------------------------------------------------------------------------

_INSTRUCTIONS: dict[tuple[Dimension, str], str] = {
    (_L, "short"): "Keep it short: about half the length you would otherwise write, no preamble.",
    (_L, "long"): "Write a fuller response: develop each point rather than summarising it.",
    (_D, "light"): "Stay high-level: give the key points and conclusions, skip background detail.",
    (_D, "thorough"): "Go into detail: include specifics, figures, examples and caveats.",
    (_F, "formal"): "Use a formal, professional tone: no slang, emoji or contractions.",
    (_F, "casual"): "Use a casual, friendly tone, as a colleague would in chat.",
    (_FMT, "bullets"): "Use bullet points for lists of points rather than paragraphs.",
    (_FMT, "prose"): "Write in short paragraphs of prose; avoid bullet points.",
}
_NOTE_LABEL: dict[tuple[Dimension, str], str] = {
    (_L, "short"): "kept short",
    (_L, "long"): "went longer",
    (_D, "light"): "kept it high-level",
    (_D, "thorough"): "added detail",
    (_F, "formal"): "formal",
    (_F, "casual"): "casual",
    (_FMT, "bullets"): "used bullets",
    (_FMT, "prose"): "wrote prose",
}


def style_instructions(profile: StyleProfile) -> list[str]:
    """One imperative line for Claude per non-default value; [] when everything is default."""
    return [_INSTRUCTIONS[(v.dimension, v.value)] for v in profile.values() if not v.is_neutral]


def adaptation_note(profile: StyleProfile) -> str | None:
    """A few words on the most confident non-default value and why, or None."""
    candidates = [v for v in profile.values() if not v.is_neutral and v.reason]
    if not candidates:
        return None
    # A setting is certain (score +-1) so it ranks above any learned lean; ties keep field order.
    best = max(candidates, key=lambda v: abs(v.score))
    return f"{_NOTE_LABEL[(best.dimension, best.value)]}: {best.reason}"
