"""Options, then variation, as pure functions: reading an ask for options and a choice, the
habit rule, what Claude is asked for, what a choice teaches, and the Block Kit shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.constants import ACTION_USE_OPTION
from bot.domain.brief import Brief
from bot.domain.options.blocks import Chosen, ShownOption, options_blocks
from bot.domain.options.choice import Choice, parse_choice
from bot.domain.options.offer import HABIT_ASKS, options_asked, options_habit, varies_asked
from bot.domain.options.prompt import (
    OPTION_TEXT_LIMIT,
    OPTIONS_TOOL_NAME,
    OptionsAnswer,
    count_of_prompt,
    options_prompt,
)
from bot.domain.style.learning import learn_style
from bot.domain.style.profile import Dimension, DraftTraits, FeedbackKind, FeedbackSignal
from bot.domain.style.reading import measure_draft
from bot.domain.style.votes import ACCEPT_VOTE, CHOSEN_VOTE, signals_from

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BRIEF = Brief(
    goal="Announce export",
    audience="customers",
    deliverable="a launch note",
    constraints=["Under 150 words"],
    actionable=True,
)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("give me 3 options for a launch note", 3),
        ("Draft two takes on the launch note for customers", 2),
        ("write a launch note, and give me a few options", 3),
        ("I need a couple of alternative versions of the subject line", 2),
        ("3 options for a tagline, please", 3),
        ("write the welcome email, options A/B", 2),
        ("A/B/C options for the headline", 3),
        ("give me options for the release title", 3),
        ("give me 7 options for a name", 4),  # at most four
        ("show me four different versions", 4),
    ],
)
def test_asks_for_options_are_read_with_their_count(text: str, count: int) -> None:
    """Common ways of asking for several takes give 2 to 4 options (three when unsaid)."""
    assert options_asked(text) == count


@pytest.mark.parametrize(
    "text",
    [
        "write a launch note for the new export options",
        "write a doc comparing 3 options for our database",
        "summarise the last 3 drafts of the plan",
        "give me one option",
        "the plan supports 3 versions of the API; announce it",
        "run an A/B test plan for the pricing page",
        "give me a summary of the 3 options we discussed",
    ],
)
def test_requests_about_options_are_not_asks_for_options(text: str) -> None:
    """A request whose subject is options (or one option) gets a single draft."""
    assert options_asked(text) is None


@pytest.mark.parametrize(
    ("text", "varies"),
    [
        ("3 options in different tones", "tone"),
        ("two takes with different structures", "structure"),
        ("a few options, each with a different angle", "angle"),
        ("give me 3 options", None),
    ],
)
def test_what_should_vary_is_read_when_said(text: str, varies: str | None) -> None:
    """ "Different tones" asks the options to differ in tone; otherwise Claude picks."""
    assert varies_asked(text) == varies


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("B", Choice("B", None)),
        ("b.", Choice("B", None)),
        ("B but warmer", Choice("B", "warmer")),
        ("use option c, shorter", Choice("C", "shorter")),
        ("Option A please", Choice("A", None)),
        ("I'd go with B, make it warmer", Choice("B", "make it warmer")),
        ("let's go with C — and add the date", Choice("C", "add the date")),
        ("B warmer", Choice("B", "warmer")),
        ("c is the best one, thanks", Choice("C", None)),
        ("A: but cut the last line", Choice("A", "cut the last line")),
        ("B and a date in the title", Choice("B", "a date in the title")),
    ],
)
def test_a_reply_that_picks_an_option(text: str, choice: Choice) -> None:
    """A letter, alone or with steering words, picks that option."""
    assert parse_choice(text, "ABC") == choice


@pytest.mark.parametrize(
    "text",
    [
        "A few more details please",
        "a warmer version would be better",
        "Be warmer",
        "make it shorter",
        "B or C?",
        "D",  # only A, B and C were offered
        "c'mon, more energy",
    ],
)
def test_a_reply_that_does_not_pick_an_option(text: str) -> None:
    """The article "A", words starting with a letter, comparisons and absent letters are not
    choices."""
    assert parse_choice(text, "ABC") is None


def _signal(kind: FeedbackKind, days_ago: float = 0, text: str | None = None) -> FeedbackSignal:
    return FeedbackSignal(kind=kind, at=NOW - timedelta(days=days_ago), reply_text=text)


def test_the_habit_needs_three_asks_for_more_takes_among_the_last_ten() -> None:
    """Two asks are not a habit; a third (a redo, a reply asking for another angle, an
    options ask or a pick) is, and it says so."""
    two = [
        _signal(FeedbackKind.REDO, 3),
        _signal(FeedbackKind.REPLY, 2, "try a different angle please"),
        _signal(FeedbackKind.ACCEPT, 1),
    ]
    assert options_habit(two, now=NOW) is None
    three = [*two, _signal(FeedbackKind.OPTIONS_ASKED, 0.5)]
    habit = options_habit(three, now=NOW)
    assert habit is not None and habit.asks == HABIT_ASKS == 3 and habit.considered == 4
    assert "3 of your last 4 times" in habit.note


def test_the_habit_fades_with_age_and_with_other_feedback() -> None:
    """Asks older than 30 days, or pushed out of the last ten events, do not count; answers
    and options passed over are not events."""
    old = [_signal(FeedbackKind.REDO, 40 + i) for i in range(3)]
    assert options_habit(old, now=NOW) is None
    pushed = [_signal(FeedbackKind.REDO, 10 + i) for i in range(3)]
    pushed += [_signal(FeedbackKind.ACCEPT, i / 10) for i in range(10)]
    assert options_habit(pushed, now=NOW) is None
    noise = [_signal(FeedbackKind.REDO, 5 + i) for i in range(3)]
    noise += [_signal(FeedbackKind.OPTION_PASSED, i / 10) for i in range(10)]
    noise += [_signal(FeedbackKind.ANSWER, i / 10) for i in range(10)]
    assert options_habit(noise, now=NOW) is not None
    plain_replies = [_signal(FeedbackKind.REPLY, i, "make it warmer") for i in range(5)]
    assert options_habit(plain_replies, now=NOW) is None


def test_the_options_prompt_asks_for_the_count_as_quoted_data() -> None:
    """Claude gets the brief quoted, the current draft for reference, the count and what to
    vary, and the person's style in the system prompt."""
    prompt = options_prompt(
        BRIEF,
        style=["Keep it short."],
        count=2,
        varies="tone",
        current_draft="Export is here.",
        channel_rules="<channel_rules>\nno emoji\n</channel_rules>",
    )
    asked = prompt.messages[0]["content"]
    assert "<brief>" in asked and "Under 150 words" in asked
    assert "<previous_draft>\nExport is here.\n</previous_draft>" in asked
    assert "Write exactly 2 options" in asked and "different in tone" in asked
    assert OPTIONS_TOOL_NAME in asked and "no emoji" in asked
    assert "Keep it short." in prompt.system
    assert count_of_prompt(asked) == 2


def test_claude_s_options_are_validated() -> None:
    """Fewer than two options, an empty one, or more than four are refused; long text is cut
    to fit a message."""
    one = {"varies": "tone", "options": [{"approach": "x", "text": "y"}]}
    empty = {"varies": "tone", "options": [{"approach": "x", "text": " "}] * 2}
    many = {"varies": "tone", "options": [{"approach": "x", "text": "y"}] * 5}
    for bad in (one, empty, many):
        with pytest.raises(ValidationError):
            OptionsAnswer.model_validate(bad)
    long = {"varies": "", "options": [{"approach": " A  b ", "text": "w " * 3000}] * 2}
    answer = OptionsAnswer.model_validate(long)
    assert answer.varies == "approach" and answer.options[0].approach == "A b"
    assert len(answer.options[0].text) == OPTION_TEXT_LIMIT


def test_options_blocks_have_one_use_button_each_then_show_the_choice() -> None:
    """Each option has its label, text and a Use button; once chosen the buttons go and
    the message says who chose which, and what it became."""
    shown = [ShownOption("A", "Casual", "Hey!"), ShownOption("B", "Formal", "Dear all")]
    blocks = options_blocks(shown, set_id=7, varies="tone", why="you asked for another take")
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["value"]) for e in buttons] == [
        (ACTION_USE_OPTION, "7:A"),
        (ACTION_USE_OPTION, "7:B"),
    ]
    assert "they differ in tone" in str(blocks) and "you asked for another take" in str(blocks)
    done = options_blocks(shown, set_id=7, varies="tone", why=None, chosen=Chosen("B", "U1", 3))
    assert not [b for b in done if b["type"] == "actions"]
    assert "B · Formal* :white_check_mark: chosen" in str(done)
    assert "A · Casual* · not chosen" in str(done) and "<@U1> chose B: it is draft v3" in str(done)


CASUAL = measure_draft("Hey folks! It's here and it's awesome. Cheers!")
FORMAL = measure_draft(
    "We are pleased to announce that reports may now be exported. Furthermore, each export "
    "is available in CSV and PDF formats, in accordance with your settings."
)


def test_a_pick_votes_between_an_accept_and_an_ask_and_leaves_length_out() -> None:
    """The chosen option's clear traits vote at CHOSEN_VOTE (more than an accept), those
    passed over weakly against; options are short by request, so length says nothing."""
    chosen = FeedbackSignal(FeedbackKind.OPTION_CHOSEN, NOW, draft=FORMAL)
    accepted = FeedbackSignal(FeedbackKind.ACCEPT, NOW, draft=FORMAL)
    passed = FeedbackSignal(FeedbackKind.OPTION_PASSED, NOW, draft=CASUAL)
    assert signals_from(chosen) == {Dimension.FORMALITY: CHOSEN_VOTE}
    assert ACCEPT_VOTE < CHOSEN_VOTE < 1.0
    assert Dimension.LENGTH in signals_from(accepted)  # a short accepted draft votes short
    assert signals_from(passed) == {Dimension.FORMALITY: 0.25}  # against casual: formal
    assert signals_from(FeedbackSignal(FeedbackKind.OPTIONS_ASKED, NOW)) == {}


def test_one_pick_teaches_where_one_accept_does_not() -> None:
    """Picking the formal option over a casual one makes a person formal at once, with the
    reason; accepting the same formal draft once does not."""
    picked = learn_style(
        [
            FeedbackSignal(FeedbackKind.OPTION_PASSED, NOW, draft=CASUAL),
            FeedbackSignal(FeedbackKind.OPTION_CHOSEN, NOW, draft=FORMAL),
        ],
        now=NOW,
    )
    assert picked.formality.value == "formal"
    assert picked.formality.reason == "you picked a formal option"
    accepted = learn_style([FeedbackSignal(FeedbackKind.ACCEPT, NOW, draft=FORMAL)], now=NOW)
    assert accepted.formality.value == "neutral"


def test_picks_outweigh_accepts_of_the_opposite() -> None:
    """What people pick says more than what they thumbs-up: two picks of casual options
    beat two accepted formal drafts."""
    history = [
        FeedbackSignal(FeedbackKind.ACCEPT, NOW - timedelta(days=1), draft=FORMAL),
        FeedbackSignal(FeedbackKind.OPTION_CHOSEN, NOW - timedelta(hours=20), draft=CASUAL),
        FeedbackSignal(FeedbackKind.ACCEPT, NOW - timedelta(hours=10), draft=FORMAL),
        FeedbackSignal(FeedbackKind.OPTION_CHOSEN, NOW - timedelta(hours=5), draft=CASUAL),
    ]
    profile = learn_style(history, now=NOW)
    assert profile.formality.value == "casual"
    assert profile.formality.reason == "you picked casual options 2 of the last 4 times"


def test_bulleted_picks_teach_bullets() -> None:
    """Format is learned from picks too."""
    listed = DraftTraits(words=40, bullet_lines=4, formality=0.0)
    profile = learn_style([FeedbackSignal(FeedbackKind.OPTION_CHOSEN, NOW, draft=listed)], now=NOW)
    assert profile.format.value == "bullets"
