"""Tests for bot.domain.assumptions and the assumption buttons on briefs and draft footers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.constants import ACTION_ASSUMPTION_RIGHT, ACTION_ASSUMPTION_WRONG, ACTION_FINALISE
from bot.domain.assumptions import (
    ANSWER_BLOCK,
    AssumptionRef,
    answer_from_form,
    assumption_rows,
    confirmed_brief,
    corrected_brief,
    correction_constraint,
    correction_modal,
    locate,
    open_refs,
    parse_value,
    short_label,
)
from bot.domain.brief import Brief
from bot.domain.render import DraftFooter, brief_blocks, draft_blocks
from sandbox.slack import validate_blocks, validate_view


def brief(**changes: object) -> Brief:
    base = Brief(
        goal="Announce export",
        audience="customers",
        deliverable="a short note",
        constraints=["Under 150 words"],
        assumptions=["The feature ships this week", "Customers know the old report page"],
        open_questions=[],
        actionable=True,
    )
    return base.model_copy(update=changes)


def buttons(blocks: list[dict]) -> list[tuple[str, str, str]]:
    return [
        (e["action_id"], e["value"], e["text"]["text"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12:3:1", AssumptionRef(12, 3, 1)),
        ("1:1:0", AssumptionRef(1, 1, 0)),
        ("999", None),
        ("", None),
        (None, None),
        ("1:2", None),
        ("a:b:c", None),
        ("1:2:3:4", None),
        ("-1:2:3", None),
        ("1:2:9999", None),
        ("\uff11:2:3", None),  # a full-width digit is not a digit here
    ],
)
def test_button_values_parse_or_are_refused(value: object, expected: AssumptionRef | None) -> None:
    """Only request:version:index parses; anything stale or forged is None."""
    assert parse_value(value) == expected


def test_an_assumption_is_found_by_its_index_then_by_its_text() -> None:
    """An older button's index may have moved; the text finds it; a removed one is gone."""
    items = ["a", "b", "c"]
    assert locate(items, "b", 1) == 1
    assert locate(["b", "c"], "b", 1) == 0
    assert locate(["a", "c"], "b", 1) is None
    assert locate(items, "b", 99) == 1


def test_labels_are_one_short_line_cut_at_a_word() -> None:
    """Long or multi-line assumptions make readable labels within Slack's 75 characters."""
    long = "The launch happens on the first Monday of next month, after the pricing review\nends"
    label = short_label(long)
    assert label == "The launch happens on the first Monday of next month…"
    assert len(label) <= 55
    assert short_label("Short one") == "Short one"


def test_each_open_assumption_gets_its_own_row_of_right_and_wrong() -> None:
    """Two buttons per row, unique block ids, the request, version and index in the value."""
    refs = open_refs(["one", "two", "three"], request_id=5, version=2, confirmed={"two": "UBOB"})
    rows = assumption_rows(refs)
    assert validate_blocks(rows) == []
    assert [r["block_id"] for r in rows] == ["assumption_0", "assumption_2"]
    assert buttons(rows) == [
        (ACTION_ASSUMPTION_RIGHT, "5:2:0", "Right: one"),
        (ACTION_ASSUMPTION_WRONG, "5:2:0", "Wrong"),
        (ACTION_ASSUMPTION_RIGHT, "5:2:2", "Right: three"),
        (ACTION_ASSUMPTION_WRONG, "5:2:2", "Wrong"),
    ]


def test_the_brief_shows_who_confirmed_what_and_asks_about_the_rest() -> None:
    """A confirmed assumption says by whom and has no buttons; the other keeps its row."""
    blocks = brief_blocks(
        brief(),
        request_id=4,
        version=3,
        drafting=True,
        confirmed={"The feature ships this week": "UBOB"},
    )
    assert validate_blocks(blocks) == []
    text = str(blocks)
    assert "The feature ships this week · ✓ confirmed by <@UBOB>" in text
    assert [b[1] for b in buttons(blocks) if b[0] == ACTION_ASSUMPTION_RIGHT] == ["4:3:1"]
    unasked = brief_blocks(brief(), request_id=4, version=3, drafting=True)
    assert [b[1] for b in buttons(unasked) if b[0] == ACTION_ASSUMPTION_WRONG] == [
        "4:3:0",
        "4:3:1",
    ]


def test_the_fullest_brief_with_buttons_stays_within_slack_limits() -> None:
    """15 long assumptions (some confirmed), 15 constraints and 15 questions: valid, and
    leaving room for more blocks on the brief."""
    assumptions = [f"<@U1> & assumption {i} " + "x" * 470 for i in range(15)]
    full = brief(
        goal="g" * 1000,
        constraints=["c" * 500] * 15,
        assumptions=assumptions,
        open_questions=["q" * 500] * 15,
    )
    blocks = brief_blocks(
        full, request_id=10**9, version=999, drafting=True, confirmed={assumptions[0]: "UBOB"}
    )
    assert validate_blocks(blocks) == []
    assert len(blocks) <= 25
    assert all(len(b[2]) <= 75 for b in buttons(blocks))


def test_a_finished_draft_has_buttons_for_the_assumptions_it_lists_and_finalise() -> None:
    """The footer's assumptions (at most three) get rows; the last part gets Finalise."""
    refs = tuple(AssumptionRef(3, 1, i, f"assumption {i}") for i in range(5))
    footer = DraftFooter(
        confidence="medium",
        confidence_reason="",
        assumptions=tuple(r.text for r in refs),
        adaptation=None,
        word_limit=None,
        words=10,
        assumption_refs=refs,
        draft_id=42,
    )
    blocks = draft_blocks("x" * 11_000, version=2, part=0, parts=1, footer=footer)
    assert validate_blocks(blocks) == []
    found = buttons(blocks)
    assert [v for a, v, _ in found if a == ACTION_ASSUMPTION_RIGHT] == ["3:1:0", "3:1:1", "3:1:2"]
    assert (ACTION_FINALISE, "42", "Finalise") in found
    streaming = draft_blocks("x", version=2, part=0, parts=None, footer=None, status="writing")
    assert buttons(streaming) == []


def test_the_correction_form_is_one_field_and_valid() -> None:
    """Wrong opens "what is true instead?", carrying the reference."""
    view = correction_modal(AssumptionRef(3, 2, 1, "The feature ships this week" * 200))
    assert validate_view(view, kinds=("modal",)) == []
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["block_id"] == ANSWER_BLOCK and "true instead" in field["label"]["text"]
    assert view["private_metadata"] == "3:2:1"


@pytest.mark.parametrize(
    ("entered", "says"),
    [
        (None, "Say what is true instead"),
        ("   \n ", "Say what is true instead"),
        ("x" * 301, "under 300 characters"),
    ],
)
def test_empty_or_enormous_answers_are_refused(entered: str | None, says: str) -> None:
    """Nothing entered, or more than one line of a brief can hold."""
    answer, error = answer_from_form({ANSWER_BLOCK: entered}, brief())
    assert answer is None and error is not None and says in error


def test_a_brief_with_no_room_for_another_constraint_says_so() -> None:
    """The brief keeps 15 constraints at most: the form says to edit the brief instead."""
    answer, error = answer_from_form(
        {ANSWER_BLOCK: "It ships next month"}, brief(constraints=["c"] * 15)
    )
    assert answer is None and error is not None and "Edit brief" in error


def test_an_answer_becomes_one_line_and_a_constraint_in_place_of_the_assumption() -> None:
    """Whitespace collapses; the assumption goes; the constraint names what it replaces."""
    answer, error = answer_from_form({ANSWER_BLOCK: "  It ships\nnext month  "}, brief())
    assert (answer, error) == ("It ships next month", None)
    fixed = corrected_brief(brief(), 0, "It ships next month")
    assert fixed.assumptions == ["Customers know the old report page"]
    assert fixed.constraints == [
        "Under 150 words",
        "It ships next month (not: The feature ships this week)",
    ]
    assert (fixed.goal, fixed.audience) == (brief().goal, brief().audience)


def test_the_constraint_fits_the_brief_s_item_limit() -> None:
    """A 300-character answer for a 500-character assumption stays within 500."""
    line = correction_constraint("a" * 300, "b" * 500)
    assert len(line) <= 500 and line.startswith("a" * 300)
    assert Brief.model_validate(brief(constraints=[line]).model_dump()).constraints == [line]


@given(value=st.none() | st.integers() | st.text(max_size=40))
def test_parsing_any_button_value_never_crashes(value: object) -> None:
    """Forged or odd values parse to a reference (whose value parses back to it), or None."""
    ref = parse_value(value)
    assert ref is None or parse_value(ref.value) == ref
    assert parse_value("01:1:1") == parse_value("1:1:1")


@given(entered=st.none() | st.text(max_size=600))
def test_any_answer_gives_a_line_or_an_error(entered: str | None) -> None:
    """A correction is one non-empty line within the limit, or an error to show."""
    answer, error = answer_from_form({ANSWER_BLOCK: entered}, brief())
    assert (answer is None) != (error is None)
    assert answer is None or (0 < len(answer) <= 300 and "\n" not in answer)


def test_confirmed_assumptions_reach_the_draft_as_constraints() -> None:
    """A confirmed assumption moves to the constraints, marked; the others stay guesses."""
    confirmed = confirmed_brief(brief(), {"The feature ships this week": "UBOB"})
    assert confirmed.assumptions == ["Customers know the old report page"]
    assert confirmed.constraints == ["Under 150 words", "The feature ships this week (confirmed)"]
    assert confirmed_brief(brief(), {}) == brief()
