"""Style learning from a person's own edit (Finalise): the strongest signal, with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.finalise import diff_texts
from bot.domain.style.instructions import adaptation_note, style_instructions
from bot.domain.style.learning import learn_style
from bot.domain.style.profile import Dimension, EditSignal, FeedbackKind, FeedbackSignal
from bot.domain.style.votes import signals_from

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def edit(
    ratio: float = 1.0,
    *,
    formality: float = 0.0,
    written: int = 0,
    cut: int = 0,
    added: int = 0,
    bullets: tuple[int, int] = (0, 0),
) -> EditSignal:
    return EditSignal(
        length_ratio=ratio,
        sentences_cut=cut,
        sentences_added=added,
        formality_shift=formality,
        bullets_before=bullets[0],
        bullets_after=bullets[1],
        words_written=written,
    )


def final(e: EditSignal, day: int = 0) -> FeedbackSignal:
    return FeedbackSignal(FeedbackKind.FINAL_EDIT, T0 + day * DAY, edit=e)


def reply(text: str, day: int = 0) -> FeedbackSignal:
    return FeedbackSignal(FeedbackKind.REPLY, T0 + day * DAY, reply_text=text)


def test_cutting_a_quarter_or_more_votes_short_at_full_strength() -> None:
    """The size of the change grades the vote; small changes say nothing."""
    assert signals_from(final(edit(0.6)))[Dimension.LENGTH] == -1.0
    assert signals_from(final(edit(0.85)))[Dimension.LENGTH] == -0.5
    assert signals_from(final(edit(1.3)))[Dimension.LENGTH] == 1.0
    assert signals_from(final(edit(0.95))) == {}
    assert signals_from(FeedbackSignal(FeedbackKind.FINAL_EDIT, T0)) == {}


def test_tone_is_learned_only_from_words_the_person_wrote() -> None:
    """A pure cut leaves formality alone; a rewrite moves it."""
    assert Dimension.FORMALITY not in signals_from(final(edit(0.5, formality=-0.4)))
    assert signals_from(final(edit(1.0, formality=0.4, written=8)))[Dimension.FORMALITY] == 1.0
    assert signals_from(final(edit(1.0, formality=-0.2, written=8)))[Dimension.FORMALITY] == -0.5


def test_sentences_cut_with_the_length_vote_for_less_detail_and_lists_for_bullets() -> None:
    """Cutting whole sentences is a detail vote; turning prose into a list is a format vote."""
    votes = signals_from(final(edit(0.6, cut=3, bullets=(0, 4))))
    assert votes[Dimension.DETAIL] == -0.5 and votes[Dimension.FORMAT] == 1.0
    assert signals_from(final(edit(1.0, bullets=(5, 0))))[Dimension.FORMAT] == -1.0


def test_one_edit_cutting_40_percent_makes_drafts_short_and_says_why() -> None:
    """The first edit is enough, and the reason names it."""
    profile = learn_style([final(edit(0.6))], now=T0)
    assert profile.length.value == "short"
    assert profile.length.reason == "you cut about 40% of my last draft"
    assert any("Keep it short" in line for line in style_instructions(profile))
    assert adaptation_note(profile) == "kept short: you cut about 40% of my last draft"


def test_an_edit_outweighs_an_explicit_ask() -> None:
    """Asked for longer, then cut 30% of the next draft: what they did wins."""
    profile = learn_style([reply("longer please", 0), final(edit(0.7), 1)], now=T0 + DAY)
    assert profile.length.value == "short"
    assert "you cut about 30%" in (profile.length.reason or "")
    asked_only = learn_style([reply("longer please", 0), reply("shorter", 1)], now=T0 + DAY)
    assert asked_only.length.value == "medium"  # two asks cancel out; an edit does not


def test_three_formal_rewrites_of_four_drafts_read_as_such() -> None:
    """The spec's sentence: "you made 3 of my last 4 drafts more formal"."""
    signals = [reply("more casual please", 0)] + [
        final(edit(1.0, formality=0.35, written=6), day) for day in (1, 2, 3)
    ]
    profile = learn_style(signals, now=T0 + 3 * DAY)
    assert profile.formality.value == "formal"
    assert profile.formality.reason == "you made 3 of my last 4 drafts more formal"


def test_repeated_cuts_give_the_average_cut() -> None:
    """Two edits cutting 30% and 50%: "about 40% of my last 2 drafts"."""
    profile = learn_style([final(edit(0.7), 0), final(edit(0.5), 1)], now=T0 + DAY)
    assert profile.length.reason == "you cut about 40% of my last 2 drafts"


def test_an_explicit_setting_still_wins_over_edits() -> None:
    """What a person set is what they get."""
    profile = learn_style([final(edit(0.5))], now=T0, explicit={Dimension.LENGTH: "long"})
    assert profile.length.value == "long" and profile.length.source == "set"


def test_a_measured_diff_feeds_the_learner_end_to_end() -> None:
    """diff_texts → EditSignal → a short profile."""
    diff = diff_texts(
        "Export is here: download any report as CSV or PDF from the new Export button.",
        "Export is here: download reports as CSV or PDF.",
    )
    profile = learn_style([final(diff.signal())], now=T0)
    assert profile.length.value == "short"
    assert profile.formality.value == "neutral"  # one word replaced is no change of tone
