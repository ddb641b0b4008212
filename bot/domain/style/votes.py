"""From one feedback event to style votes: one number in [-1, 1] per dimension it speaks to.

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
"""

from __future__ import annotations

from bot.domain.style.profile import (
    Dimension,
    DraftTraits,
    EditSignal,
    FeedbackKind,
    FeedbackSignal,
    RejectReason,
)
from bot.domain.style.reading import directives_from_reply

_L, _D, _F, _FMT = Dimension.LENGTH, Dimension.DETAIL, Dimension.FORMALITY, Dimension.FORMAT

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
EDIT_CUT_FULL = 0.25  # cutting (or adding) a quarter of the words votes at full strength
EDIT_CUT_SOME = 0.10
EDIT_FORMALITY_FULL = 0.3  # a formality shift (measure_draft's scale) at full strength
EDIT_FORMALITY_SOME = 0.15
EDIT_SENTENCES = 2  # sentences cut (or added) along with the length: a vote on detail
# Tone is in the words a person writes: a pure cut shortens sentences, which measure_draft
# reads as casual, yet says nothing about tone.
EDIT_TONE_WORDS = 3


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
