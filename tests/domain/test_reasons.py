"""Reasons for a thumbs-down, as pure functions: what each reason teaches, the confidence a
draft states after wrong facts, the messages and the Block Kit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.reasons import (
    REASON_ACTIONS,
    REASON_LABELS,
    Recorded,
    note_from_form,
    reason_chips_blocks,
    reason_for_action,
    reason_message,
    reason_other_modal,
    request_kind,
    stated_confidence,
)
from bot.domain.style.learning import learn_style
from bot.domain.style.profile import (
    Dimension,
    DraftTraits,
    FeedbackKind,
    FeedbackSignal,
    RejectReason,
)
from bot.domain.style.votes import CLEAR_FORMALITY, reason_votes, signals_from

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SHORT_FORMAL = DraftTraits(words=40, bullet_lines=0, formality=0.6)
LONG_CASUAL = DraftTraits(words=500, bullet_lines=0, formality=-0.6)
FAINTLY_FORMAL = DraftTraits(words=200, bullet_lines=0, formality=0.1)
NEUTRAL = DraftTraits(words=200, bullet_lines=0, formality=0.0)


@pytest.mark.parametrize(
    ("reason", "draft", "votes"),
    [
        (RejectReason.TOO_LONG, SHORT_FORMAL, {Dimension.LENGTH: -1.0}),
        (RejectReason.TOO_SHORT, LONG_CASUAL, {Dimension.LENGTH: 1.0}),
        (RejectReason.WRONG_TONE, SHORT_FORMAL, {Dimension.FORMALITY: -1.0}),
        (RejectReason.WRONG_TONE, LONG_CASUAL, {Dimension.FORMALITY: 1.0}),
        (RejectReason.WRONG_TONE, FAINTLY_FORMAL, {Dimension.FORMALITY: -0.5}),
        (RejectReason.WRONG_TONE, NEUTRAL, {}),
        (RejectReason.WRONG_TONE, None, {}),
        (RejectReason.WRONG_FACTS, SHORT_FORMAL, {}),
        (RejectReason.MISSED_POINT, SHORT_FORMAL, {}),
        (RejectReason.OTHER, SHORT_FORMAL, {}),
    ],
)
def test_each_reason_votes_what_it_says(
    reason: RejectReason, draft: DraftTraits | None, votes: dict[Dimension, float]
) -> None:
    """Too long votes short and too short long, whatever the draft's length; wrong tone votes
    away from the draft's measured formality (half for a faint one, none for a neutral one);
    wrong facts and missed the point teach no style."""
    assert reason_votes(reason, draft) == votes
    assert FAINTLY_FORMAL.formality < CLEAR_FORMALITY


def test_other_reads_the_person_s_words() -> None:
    """ "Other" in the person's words votes as a reply saying it would."""
    assert reason_votes(RejectReason.OTHER, NEUTRAL, "far too corporate for us") == {
        Dimension.FORMALITY: -1.0
    }


def test_a_reason_replaces_the_weak_vote_against_the_draft() -> None:
    """A thumbs-down without a reason votes weakly against the draft's clear traits; with
    one it votes only what the reason says."""
    plain = FeedbackSignal(FeedbackKind.REJECT, NOW, draft=LONG_CASUAL)
    assert signals_from(plain) == {
        Dimension.LENGTH: -0.25,
        Dimension.FORMALITY: 0.25,
        Dimension.FORMAT: 0.25,  # a long draft without bullets is prose
    }
    reasoned = FeedbackSignal(
        FeedbackKind.REJECT, NOW, draft=LONG_CASUAL, reason=RejectReason.TOO_SHORT
    )
    assert signals_from(reasoned) == {Dimension.LENGTH: 1.0}


@pytest.mark.parametrize(
    ("reason", "dimension", "value", "said"),
    [
        (RejectReason.TOO_LONG, Dimension.LENGTH, "short", "you said too long on your last draft"),
        (RejectReason.TOO_SHORT, Dimension.LENGTH, "long", "you said too short on your last draft"),
        (
            RejectReason.WRONG_TONE,
            Dimension.FORMALITY,
            "casual",
            "you said the tone was off on your last draft",
        ),
    ],
)
def test_one_reason_moves_the_profile_and_says_why(
    reason: RejectReason, dimension: Dimension, value: str, said: str
) -> None:
    """One reason is as explicit as an ask: it sets the value at once, and the reason is the
    person's own."""
    profile = learn_style(
        [FeedbackSignal(FeedbackKind.REJECT, NOW, draft=SHORT_FORMAL, reason=reason)], now=NOW
    )
    learned = profile.get(dimension)
    assert (learned.value, learned.reason) == (value, said)


def test_wrong_facts_and_missed_the_point_leave_the_profile_alone() -> None:
    """They are recorded, not learned as style."""
    history = [
        FeedbackSignal(FeedbackKind.REJECT, NOW, draft=SHORT_FORMAL, reason=r)
        for r in (RejectReason.WRONG_FACTS, RejectReason.MISSED_POINT)
    ]
    profile = learn_style(history, now=NOW)
    assert all(value.is_neutral for value in profile.values())


def test_a_reason_from_long_ago_counts_less_than_fresh_asks() -> None:
    """Reasons age like any feedback: a recent contrary ask wins over an old reason."""
    history = [
        FeedbackSignal(
            FeedbackKind.REJECT,
            NOW - timedelta(days=90),
            draft=SHORT_FORMAL,
            reason=RejectReason.TOO_LONG,
        ),
        FeedbackSignal(FeedbackKind.MORE_DETAIL, NOW - timedelta(hours=1)),
        FeedbackSignal(FeedbackKind.REPLY, NOW, reply_text="longer please"),
    ]
    assert learn_style(history, now=NOW).length.value == "long"


@pytest.mark.parametrize(
    ("deliverable", "kind"),
    [
        ("a short announcement", "announcement"),
        ("Release notes for v2", "announcement"),
        ("weekly status update", "update"),
        ("an email to the customer", "email"),
        ("a summary of the incident", "summary"),
        ("a one-page plan", "plan"),
        ("a tagline", "message"),
    ],
)
def test_kinds_of_request(deliverable: str, kind: str) -> None:
    """The deliverable names the kind of request that confidence is lowered for."""
    assert request_kind(deliverable) == kind


def test_wrong_facts_lower_the_stated_confidence_one_level_for_that_kind() -> None:
    """High becomes medium and medium low, with the reason; low stays low but says why; other
    kinds are untouched."""
    assert stated_confidence("high", "all stated", kind="email", flagged_kinds={"email"}) == (
        "medium",
        "all stated; lowered from high: wrong facts were flagged on a recent email draft",
    )
    assert stated_confidence("medium", "", kind="email", flagged_kinds={"email"})[0] == "low"
    low, why = stated_confidence("low", "", kind="email", flagged_kinds={"email"})
    assert low == "low" and why == "wrong facts were flagged on a recent email draft"
    assert stated_confidence("high", "x", kind="plan", flagged_kinds={"email"}) == ("high", "x")


@pytest.mark.parametrize(
    ("recorded", "said"),
    [
        (Recorded(RejectReason.TOO_LONG, None), "Noted: too long. Your drafts will lean shorter."),
        (
            Recorded(RejectReason.TOO_SHORT, RejectReason.TOO_LONG),
            "Changed from too long to too short. Your drafts will lean longer.",
        ),
        (
            Recorded(RejectReason.TOO_LONG, None, unchanged=True),
            "Already noted: too long. It counts once.",
        ),
        (
            Recorded(RejectReason.WRONG_TONE, None, formality=0.6),
            "Noted: wrong tone. This draft read formal, so your drafts will lean more casual.",
        ),
        (
            Recorded(RejectReason.WRONG_TONE, None, formality=-0.1),
            "Noted: wrong tone. This draft read a little casual, so your drafts will lean more "
            "formal.",
        ),
        (
            Recorded(RejectReason.OTHER, None, note="too <corporate>"),
            "Noted: other. In your words: “too &lt;corporate&gt;”",
        ),
    ],
)
def test_what_the_person_is_told(recorded: Recorded, said: str) -> None:
    """Each click says what it did, plainly; Slack markup in their words is escaped."""
    assert reason_message(recorded) == said


def test_wrong_facts_message_names_the_kind_and_whose_drafts() -> None:
    """Flagging someone else's draft lowers confidence for them and for you."""
    own = reason_message(Recorded(RejectReason.WRONG_FACTS, None, kind="email"))
    other = reason_message(
        Recorded(RejectReason.WRONG_FACTS, None, kind="email", own_request=False)
    )
    assert "lower confidence on your email drafts" in own
    assert "this requester's and your email drafts" in other


def test_the_chips_have_one_distinct_action_per_reason() -> None:
    """Six chips in one actions block, each with its own action id and the draft's id."""
    blocks = reason_chips_blocks(draft_id=42, version=3)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == list(REASON_ACTIONS.values()) and len(set(ids)) == 6
    assert {e["value"] for e in actions["elements"]} == {"42"}
    assert [e["text"]["text"] for e in actions["elements"]] == list(REASON_LABELS.values())
    assert "draft v3" in blocks[0]["text"]["text"]
    assert all(reason_for_action(a) is r for r, a in REASON_ACTIONS.items())
    assert reason_for_action("baton_something_else") is None


def test_the_other_form_has_one_field_and_refuses_empty_words() -> None:
    """One required field; blank or too-long words come back as the field's error."""
    modal = reason_other_modal(draft_id=42, version=3)
    assert modal["private_metadata"] == "42" and len(modal["blocks"]) == 1
    assert note_from_form({"note": "  too   stiff "}) == ("too stiff", {})
    blank = note_from_form({"note": "   "})
    assert blank == (None, {"note": "Tell me in a few words, or close the form."})
    assert "note" in note_from_form({"note": "x" * 600})[1]
    assert "note" in note_from_form({})[1]
