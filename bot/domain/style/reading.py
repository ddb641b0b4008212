"""Reading text for style: a draft's measurable traits, and the style asks in a revision reply."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.style.profile import Dimension, DraftTraits

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
