"""Learning a person's style profile from the votes of their feedback events (style/votes.py).

Pure functions of data and a clock (``now`` is always passed in); stdlib only.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.style.profile import (
    DIMENSION_VALUES,
    Dimension,
    EditSignal,
    FeedbackKind,
    FeedbackSignal,
    RejectReason,
    StyleProfile,
    StyleValue,
)
from bot.domain.style.votes import signals_from

_L, _D, _F, _FMT = Dimension.LENGTH, Dimension.DETAIL, Dimension.FORMALITY, Dimension.FORMAT

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
# A person's own edit (Finalise) outweighs any other event (votes: EDIT_* in votes.py).
EDIT_WEIGHT = 2.0


# --- learning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vote:
    kind: FeedbackKind
    vote: float
    weight: float
    edit: EditSignal | None = None  # the edit behind a FINAL_EDIT vote, for its reason
    reason: RejectReason | None = None  # the reason chip behind a REJECT vote, likewise


def _votes_by_dimension(
    signals: Sequence[FeedbackSignal], now: datetime
) -> dict[Dimension, list[_Vote]]:
    """Weighted votes per dimension, newest first, at most WINDOW per dimension."""
    now = now
    # Newest first; equal timestamps keep input order (the later one in the input is newer).
    ordered = sorted(enumerate(signals), key=lambda p: (p[1].at, p[0]), reverse=True)
    out: dict[Dimension, list[_Vote]] = {d: [] for d in Dimension}
    for _, signal in ordered:
        age_days = max(0.0, (now - signal.at).total_seconds() / 86400.0)
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
    lean = sum(v.weight * v.vote for v in votes) / (total_weight + PRIOR)
    lean = max(-1.0, min(1.0, lean))
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
