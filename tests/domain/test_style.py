"""Tests for bot.domain.style: reply classification, draft measuring, votes and learning."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.style.instructions import adaptation_note, style_instructions
from bot.domain.style.learning import learn_style
from bot.domain.style.profile import (
    Dimension,
    DraftTraits,
    FeedbackKind,
    FeedbackSignal,
    StyleProfile,
)
from bot.domain.style.reading import directives_from_reply, measure_draft
from bot.domain.style.votes import signals_from

L, D, F, FMT = Dimension.LENGTH, Dimension.DETAIL, Dimension.FORMALITY, Dimension.FORMAT
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # fixed clock; never the real one
DAY = timedelta(days=1)


def ev(
    kind: FeedbackKind,
    at: datetime = T0,
    text: str | None = None,
    draft: DraftTraits | None = None,
) -> FeedbackSignal:
    return FeedbackSignal(kind=kind, at=at, reply_text=text, draft=draft)


def reply(text: str, at: datetime = T0) -> FeedbackSignal:
    return ev(FeedbackKind.REPLY, at, text=text)


def history(*signals: FeedbackSignal, start: datetime = T0, step: timedelta = DAY) -> list:
    """Re-date signals one `step` apart, oldest first, in the given order."""
    return [
        FeedbackSignal(s.kind, start + i * step, s.reply_text, s.draft)
        for i, s in enumerate(signals)
    ]


SHORT_FORMAL_BULLETS = DraftTraits(words=90, bullet_lines=5, formality=0.6)


# --- directives_from_reply ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shorter please", {L: -1.0}),
        ("Too long", {L: -1.0}),
        ("can you trim it", {L: -1.0}),
        ("tl;dr?", {L: -1.0}),
        ("cut the intro", {L: -1.0}),
        ("make it longer", {L: 1.0, D: 0.5}),
        ("more detail on pricing", {D: 1.0, L: 0.5}),
        ("please expand on the risks", {D: 1.0, L: 0.5}),
        ("can you elaborate", {D: 1.0, L: 0.5}),
        ("less detail", {D: -1.0}),
        ("too detailed, keep it high level", {D: -1.0}),
        ("more formal", {F: 1.0}),
        ("too casual", {F: 1.0}),
        ("sound more professional", {F: 1.0}),
        ("make it friendlier", {F: -1.0}),
        ("too formal", {F: -1.0}),
        ("too stiff, warmer please", {F: -1.0}),
        ("less formal", {F: -1.0}),
        ("can you use bullets", {FMT: 1.0}),
        ("BULLET POINTS please", {FMT: 1.0}),
        ("make it a list", {FMT: 1.0}),
        ("prose please", {FMT: -1.0}),
        ("one paragraph", {FMT: -1.0}),
        ("too casual, use bullets", {F: 1.0, FMT: 1.0}),
        ("more detail, make it longer", {D: 1.0, L: 1.0}),
        ("thanks, looks good", {}),
        ("the Q3 number is wrong, it should be 4.2m", {}),
        ("update the brief with the new owner", {}),
        ("", {}),
    ],
)
def test_directives_from_reply_reads_style_requests(
    text: str, expected: dict[Dimension, float]
) -> None:
    """Style phrases map to votes per dimension; replies without style content give {}."""
    assert directives_from_reply(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not so long", {L: -1.0}),
        ("not too long please", {L: -1.0}),
        ("no longer than half a page", {L: -1.0, D: -0.5}),
        ("it isn't long enough", {L: 1.0, D: 0.5}),
        ("no bullets", {FMT: -1.0}),
        ("I don't want any bullets", {FMT: -1.0}),
        ("bullets instead of paragraphs", {FMT: 1.0}),
        ("not a wall of prose", {FMT: 1.0}),
        ("don't be so formal", {F: -1.0}),
        ("not formal enough", {F: 1.0}),
        ("less casual", {F: 1.0}),
        ("I don't need more detail", {D: -1.0, L: -0.5}),
        ("don't cut the pricing part", {}),
        ("less detail, more bullets", {D: -1.0, FMT: 1.0}),
        ("less detail more bullets", {D: -1.0, FMT: 1.0}),
    ],
)
def test_directives_from_reply_handles_negation(
    text: str, expected: dict[Dimension, float]
) -> None:
    """Negations flip requests ("no bullets" = prose) but not complaints ("not so long")."""
    assert directives_from_reply(text) == expected


def test_directives_from_reply_clamps_repeated_cues() -> None:
    """Several cues for one dimension in one reply still make a single vote of at most 1."""
    assert directives_from_reply("too long. shorter! tl;dr") == {L: -1.0}


# --- measure_draft ------------------------------------------------------------------------------


def test_measure_draft_counts_words_and_bullet_lines() -> None:
    """Words are counted with contractions as one word; -, *, •, 1. and 2) lines are bullets."""
    text = "Here's the plan:\n- ship it\n* test it\n• tell them\n1. first\n2) second\n-not a bullet"
    traits = measure_draft(text)
    assert traits.words == 16  # numbers count as words
    assert traits.bullet_lines == 5


def test_measure_draft_empty_text_is_neutral() -> None:
    """An empty draft has no words, no bullets and neutral formality."""
    assert measure_draft("") == DraftTraits(words=0, bullet_lines=0, formality=0.0)


@pytest.mark.parametrize(
    "text",
    [
        "Hey! Thanks :tada: we're nearly there, it's gonna be great!",
        "Hi all, quick one: we can't ship Friday, sorry! 🙂",
        "I think we're fine. Let's ship it. Don't worry, it'll be ok!",
    ],
)
def test_measure_draft_casual_text_scores_casual(text: str) -> None:
    """Greetings, contractions, exclamations and emoji push formality clearly below -0.3."""
    assert measure_draft(text).formality < -0.3


@pytest.mark.parametrize(
    "text",
    [
        "Please find attached the quarterly report. Regarding the pricing changes, we therefore "
        "recommend that the committee review the proposed adjustments before the end of the "
        "month, in accordance with the agreed process.",
        "Furthermore, the vendor has confirmed the revised delivery schedule, and we would like "
        "to request formal approval of the amended contract at the next board meeting.",
    ],
)
def test_measure_draft_formal_text_scores_formal(text: str) -> None:
    """Long sentences, no contractions and formal connectives push formality above 0.3."""
    assert measure_draft(text).formality > 0.3


def test_measure_draft_is_deterministic_and_bounded() -> None:
    """The same text always measures the same, with formality inside [-1, 1]."""
    text = "Hey!!! :wave: :tada: :rocket: we're gonna love this, it's awesome! " * 5
    first = measure_draft(text)
    assert first == measure_draft(text)
    assert first.formality == -1.0


# --- signals_from -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        (ev(FeedbackKind.SHORTER), {L: -1.0, D: -0.3}),
        (ev(FeedbackKind.MORE_DETAIL), {D: 1.0, L: 0.5}),
        (ev(FeedbackKind.REDO), {}),
        (ev(FeedbackKind.ANSWER, text="use the EU prices"), {}),
        (reply("too casual, use bullets"), {F: 1.0, FMT: 1.0}),
        (ev(FeedbackKind.REPLY), {}),
        (ev(FeedbackKind.ACCEPT, draft=SHORT_FORMAL_BULLETS), {L: -0.5, F: 0.5, FMT: 0.5}),
        (ev(FeedbackKind.ACCEPT, draft=DraftTraits(400, 0, -0.5)), {L: 0.5, F: -0.5, FMT: -0.5}),
        # medium length, two bullets, neutral tone: nothing clear to vote for
        (ev(FeedbackKind.ACCEPT, draft=DraftTraits(200, 2, 0.1)), {}),
        # too short to call it prose just because it has no bullets
        (ev(FeedbackKind.ACCEPT, draft=DraftTraits(40, 0, 0.0)), {L: -0.5}),
        (ev(FeedbackKind.ACCEPT), {}),
        (ev(FeedbackKind.REJECT, draft=DraftTraits(400, 0, -0.5)), {L: -0.25, F: 0.25, FMT: 0.25}),
        (ev(FeedbackKind.REJECT), {}),
    ],
)
def test_signals_from_turns_one_event_into_votes(
    signal: FeedbackSignal, expected: dict[Dimension, float]
) -> None:
    """Each feedback kind votes as specified; accept/reject only on clear draft traits."""
    assert signals_from(signal) == expected


# --- a simulated person -------------------------------------------------------------------------

WORDS = {"short": 90, "medium": 220, "long": 450}
BULLETS = {"bullets": 5, "mixed": 2, "prose": 0}
FORMALITY = {"formal": 0.6, "neutral": 0.0, "casual": -0.6}
ASK = {
    (L, "short"): "shorter please",
    (L, "long"): "make it longer",
    (F, "formal"): "too casual",
    (F, "casual"): "friendlier please",
    (FMT, "bullets"): "use bullets",
    (FMT, "prose"): "no bullets, prose please",
}


def draft_for(profile: StyleProfile) -> DraftTraits:
    """The traits of the draft Baton writes when following a profile."""
    return DraftTraits(
        words=WORDS[profile.length.value],
        bullet_lines=BULLETS[profile.format.value],
        formality=FORMALITY[profile.formality.value],
    )


@dataclass
class Person:
    """Someone with a fixed taste who gives consistent feedback on each draft."""

    taste: Mapping[Dimension, str]

    def feedback(self, profile: StyleProfile, at: datetime) -> FeedbackSignal:
        """+1 a matching draft; scissors a too-long one; otherwise reply naming what is off."""
        draft = draft_for(profile)
        wrong = [d for d in self.taste if profile.get(d).value != self.taste[d]]
        if not wrong:
            return ev(FeedbackKind.ACCEPT, at, draft=draft)
        if L in wrong and self.taste[L] == "short":
            return ev(FeedbackKind.SHORTER, at, draft=draft)
        return ev(FeedbackKind.REPLY, at, text=", ".join(ASK[(d, self.taste[d])] for d in wrong))


def simulate(
    person: Person, events: int, past: list[FeedbackSignal] | None = None
) -> tuple[list[FeedbackSignal], list[StyleProfile]]:
    """Baton drafts from the learned profile, the person reacts, one draft a day."""
    signals = list(past or [])
    profiles = []
    for _ in range(events):
        at = T0 + len(signals) * DAY
        signals.append(person.feedback(learn_style(signals, now=at), at))
        profiles.append(learn_style(signals, now=at + timedelta(hours=1)))
    return signals, profiles


def shows(profile: StyleProfile, taste: Mapping[Dimension, str]) -> bool:
    return all(profile.get(d).value == v for d, v in taste.items())


CRISP = {L: "short", F: "formal", FMT: "bullets"}
CHATTY = {L: "long", F: "casual", FMT: "prose"}


# --- behavioural requirements -------------------------------------------------------------------


def test_req1_consistent_person_is_learned_within_three_events() -> None:
    """Scissors, "too casual, use bullets", +1 on a short formal bulleted draft: all learned."""
    signals = history(
        ev(FeedbackKind.SHORTER),
        reply("too casual, use bullets"),
        ev(FeedbackKind.ACCEPT, draft=SHORT_FORMAL_BULLETS),
    )
    profile = learn_style(signals, now=signals[-1].at)
    assert shows(profile, CRISP)
    assert all(v.source == "learned" for v in (profile.length, profile.formality, profile.format))
    lines = style_instructions(profile)
    assert len(lines) == 3
    assert "short" in lines[0].lower()
    assert "formal" in lines[1].lower()
    assert "bullet points" in lines[2].lower()


def test_req1_simulated_person_is_followed_within_three_drafts() -> None:
    """In the draft/feedback loop, Baton matches a crisp person's taste by the 3rd event."""
    _, profiles = simulate(Person(CRISP), 3)
    assert shows(profiles[-1], CRISP)
    assert not shows(learn_style([], now=T0), CRISP)  # it was learned, not the default


@pytest.mark.parametrize(
    "contrary",
    [
        ev(FeedbackKind.MORE_DETAIL),
        reply("more detail, make it longer"),
        reply("friendlier please"),
        reply("no bullets"),
        ev(FeedbackKind.REJECT, draft=SHORT_FORMAL_BULLETS),
    ],
    ids=["mag", "longer-reply", "friendlier-reply", "no-bullets-reply", "reject"],
)
@pytest.mark.parametrize("past_events", [6, 12])
def test_req2_one_contrary_event_does_not_flip_a_consistent_history(
    contrary: FeedbackSignal, past_events: int
) -> None:
    """After a consistent history, one contrary event weakens but does not flip the values."""
    past, profiles = simulate(Person(CRISP), past_events)
    before = profiles[-1]
    assert shows(before, CRISP)
    at = T0 + len(past) * DAY
    after = learn_style(
        [*past, FeedbackSignal(contrary.kind, at, contrary.reply_text, contrary.draft)], now=at
    )
    assert shows(after, CRISP)
    # The event was counted: at least one lean moved towards it.
    assert any(abs(after.get(d).score) < abs(before.get(d).score) for d in CRISP)


@pytest.mark.parametrize("past_events", [6, 12, 20])
def test_req3_a_real_change_of_taste_is_followed_within_five_events(past_events: int) -> None:
    """Someone who switches to long, casual prose and says so consistently gets it in <= 5."""
    past, _ = simulate(Person(CRISP), past_events)
    _, profiles = simulate(Person(CHATTY), 5, past)
    assert not shows(profiles[0], CHATTY)  # one event is not enough (requirement 2)
    assert any(shows(p, CHATTY) for p in profiles)
    assert shows(profiles[-1], CHATTY)  # and it sticks once followed


def test_req4_old_events_count_less_than_recent_ones() -> None:
    """A 90-day-old trim weighs less than today's, and three old trims lose to one fresh ask."""
    old = learn_style([ev(FeedbackKind.SHORTER, T0 - 90 * DAY)], now=T0)
    fresh = learn_style([ev(FeedbackKind.SHORTER, T0)], now=T0)
    assert abs(old.length.score) < abs(fresh.length.score)
    assert old.length.value == "medium"
    assert fresh.length.value == "short"

    trims = [ev(FeedbackKind.SHORTER, T0 - (90 - i) * DAY) for i in range(3)]
    assert learn_style([*trims, reply("make it longer", T0)], now=T0).length.value == "long"
    # The same trims made recently would still win: it is their age that makes the difference.
    recent_trims = [ev(FeedbackKind.SHORTER, T0 - (3 - i) * timedelta(hours=1)) for i in range(3)]
    assert learn_style([*recent_trims, reply("make it longer", T0)], now=T0).length.value == "short"


def test_req5_explicit_setting_wins_over_learning() -> None:
    """A setting overrides what was learned, with source "set" and reason "you set this"."""
    past, _ = simulate(Person(CRISP), 6)
    now = T0 + 7 * DAY
    profile = learn_style(past, now=now, explicit={L: "long", F: "formal"})
    assert profile.length.value == "long"
    assert profile.length.source == "set"
    assert profile.length.reason == "you set this"
    assert profile.formality.source == "set"
    assert profile.format.source == "learned"  # unset dimensions are still learned
    assert profile.format.value == "bullets"
    assert "short" not in style_instructions(profile)[0].lower()
    assert adaptation_note(profile) in {"went longer: you set this", "formal: you set this"}


def test_req5_explicit_neutral_value_silences_learning() -> None:
    """Setting the neutral value is honoured too: no instruction for that dimension."""
    signals = history(ev(FeedbackKind.SHORTER), ev(FeedbackKind.SHORTER))
    profile = learn_style(signals, now=signals[-1].at, explicit={L: "medium"})
    assert profile.length.value == "medium"
    assert profile.length.source == "set"
    assert style_instructions(profile) == []


def test_req5_explicit_setting_rejects_unknown_values() -> None:
    """A value that does not belong to the dimension is an error, not silently ignored."""
    with pytest.raises(ValueError, match="length"):
        learn_style([], now=T0, explicit={L: "formal"})


def test_req6_different_people_get_different_instructions() -> None:
    """Two histories with different tastes produce different instructions."""
    crisp, _ = simulate(Person(CRISP), 6)
    chatty, _ = simulate(Person(CHATTY), 6)
    now = T0 + 7 * DAY
    crisp_lines = style_instructions(learn_style(crisp, now=now))
    chatty_lines = style_instructions(learn_style(chatty, now=now))
    assert crisp_lines
    assert chatty_lines
    assert set(crisp_lines).isdisjoint(chatty_lines)


def test_req6_empty_history_is_all_defaults() -> None:
    """No feedback: every dimension is the neutral default, no instructions, no note."""
    profile = learn_style([], now=T0)
    assert [v.value for v in profile.values()] == ["medium", "standard", "neutral", "mixed"]
    assert all(v.source == "default" and v.score == 0.0 for v in profile.values())
    assert all(v.evidence == 0 and v.considered == 0 and v.reason is None for v in profile.values())
    assert style_instructions(profile) == []
    assert adaptation_note(profile) is None


# --- counts, reasons and notes ------------------------------------------------------------------


def test_reason_counts_are_honest() -> None:
    """3 trims and 1 "longer" among events that speak to length: "3 of your last 4 drafts"."""
    signals = history(
        ev(FeedbackKind.SHORTER),
        ev(FeedbackKind.ANSWER, text="budget is 10k"),  # no style signal: not considered
        ev(FeedbackKind.SHORTER),
        reply("make it longer"),
        ev(FeedbackKind.REDO),  # no style signal either
        ev(FeedbackKind.SHORTER),
    )
    profile = learn_style(signals, now=signals[-1].at)
    assert profile.length.value == "short"
    assert (profile.length.evidence, profile.length.considered) == (3, 4)
    assert profile.length.reason == "you trimmed 3 of your last 4 drafts"
    assert adaptation_note(profile) == "kept short: you trimmed 3 of your last 4 drafts"


def test_reason_names_the_dominant_kind_of_evidence() -> None:
    """When accepted drafts carry the value, the reason says so."""
    signals = history(*[ev(FeedbackKind.ACCEPT, draft=SHORT_FORMAL_BULLETS)] * 4)
    profile = learn_style(signals, now=signals[-1].at)
    assert profile.format.value == "bullets"
    assert profile.format.reason == "you accepted bulleted drafts 4 of the last 4 times"
    assert profile.formality.reason == "you accepted formal drafts 4 of the last 4 times"


@pytest.mark.parametrize(
    ("text", "dimension", "value", "reason"),
    [
        ("too casual", F, "formal", "you asked for a more formal tone on your last draft"),
        ("friendlier please", F, "casual", "you asked for a friendlier tone on your last draft"),
        ("use bullets", FMT, "bullets", "you asked for bullets on your last draft"),
        ("no bullets", FMT, "prose", "you asked for prose on your last draft"),
        ("more detail", D, "thorough", "you asked for more detail on your last draft"),
        ("keep it high level", D, "light", "you asked for less detail on your last draft"),
    ],
)
def test_reason_is_worded_per_dimension_and_direction(
    text: str, dimension: Dimension, value: str, reason: str
) -> None:
    """One explicit ask is enough to learn a value, and the reason names that ask."""
    value_ = learn_style([reply(text)], now=T0).get(dimension)
    assert (value_.value, value_.reason, value_.evidence, value_.considered) == (
        value,
        reason,
        1,
        1,
    )


def test_single_accepted_draft_is_too_thin_to_learn_from() -> None:
    """One +1 on a short draft is not enough to call someone a short-draft person."""
    profile = learn_style([ev(FeedbackKind.ACCEPT, draft=SHORT_FORMAL_BULLETS)], now=T0)
    assert [v.value for v in profile.values()] == ["medium", "standard", "neutral", "mixed"]
    assert profile.length.source == "learned"
    assert profile.length.considered == 1
    assert style_instructions(profile) == []


def test_only_the_last_twenty_relevant_events_are_used() -> None:
    """A long history is cut to the most recent 20 events that speak to the dimension."""
    signals = history(*[ev(FeedbackKind.SHORTER)] * 25, step=timedelta(hours=1))
    profile = learn_style(signals, now=signals[-1].at)
    assert (profile.length.evidence, profile.length.considered) == (20, 20)


def test_mixed_signals_stay_neutral() -> None:
    """Alternating asks for shorter and longer average out to the default value."""
    signals = history(*[reply("shorter please"), reply("make it longer")] * 3)
    profile = learn_style(signals, now=signals[-1].at)
    assert profile.length.value == "medium"
    assert profile.length.evidence == 0
    assert profile.length.considered == 6


def test_input_order_does_not_matter_only_timestamps() -> None:
    """Signals are ordered by time, so a shuffled history gives the same profile."""
    signals, _ = simulate(Person(CRISP), 8)
    shuffled = signals[:]
    random.Random(7).shuffle(shuffled)
    now = T0 + 9 * DAY
    assert learn_style(shuffled, now=now) == learn_style(signals, now=now)


def test_adaptation_note_picks_the_most_confident_value() -> None:
    """The note names the strongest lean, here bullets asked for three times."""
    signals = history(
        reply("use bullets"),
        reply("use bullets"),
        ev(FeedbackKind.SHORTER),
        reply("bullet points please"),
    )
    profile = learn_style(signals, now=signals[-1].at)
    assert abs(profile.format.score) > abs(profile.length.score)
    assert (
        adaptation_note(profile) == "used bullets: you asked for bullets on 3 of your last 3 drafts"
    )


def test_style_instructions_follow_dimension_order() -> None:
    """One line per non-default value, in length, detail, formality, format order."""
    profile = learn_style(
        [], now=T0, explicit={FMT: "prose", L: "long", D: "thorough", F: "casual"}
    )
    lines = style_instructions(profile)
    assert len(lines) == 4
    assert [
        "long" in lines[0] or "fuller" in lines[0],
        "detail" in lines[1].lower(),
        "casual" in lines[2],
        "bullet" in lines[3],
    ] == [True] * 4


def test_prior_shrinks_thin_evidence() -> None:
    """One ask leans less than two identical asks, and neither reaches full certainty."""
    one = learn_style([reply("shorter please")], now=T0).length.score
    two_signals = history(reply("shorter please"), reply("shorter please"), start=T0 - DAY)
    two = learn_style(two_signals, now=T0).length.score
    assert -1.0 < two < one < 0.0


def test_a_naive_timestamp_is_refused_not_guessed() -> None:
    """Storage hands back UTC-aware times; a naive one is a bug, refused at the boundary."""
    with pytest.raises(ValueError, match="timezone-aware"):
        FeedbackSignal(FeedbackKind.SHORTER, T0.replace(tzinfo=None))
