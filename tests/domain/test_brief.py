"""Brief heuristics: vagueness, stated constraints, word limits."""

from __future__ import annotations

import pytest

from bot.domain.brief import (
    Brief,
    count_words,
    ensure_stated_constraints,
    stated_constraints,
    stated_limits,
    strip_bot_mention,
    vague_request_questions,
    word_limit,
)


@pytest.mark.parametrize(
    "text",
    ["", "do it", "please help", "<@U123> can you do this?", "same again", "ok go ahead", "?"],
)
def test_vague_requests_get_questions(text: str) -> None:
    """Requests with nothing to act on get Baton's standard questions."""
    questions = vague_request_questions(text)
    assert questions is not None and any("Who is it for" in q for q in questions)


@pytest.mark.parametrize(
    "text",
    [
        "write a launch note for the export feature",
        "summarise the Q3 board deck for sales",
        "translate this into French: bonjour",
        "draft release notes",
    ],
)
def test_specific_requests_are_not_vague(text: str) -> None:
    """A request with a subject goes to the model."""
    assert vague_request_questions(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("under 150 words, no jargon", {"words": 150}),
        ("a 200-word blurb", {"words": 200}),
        ("max 3 bullet points", {"bullets": 3}),
        (
            "no more than 2 paragraphs and at most 280 characters",
            {"paragraphs": 2, "characters": 280},
        ),
        ("tell me about 150 customers", {}),
    ],
)
def test_stated_limits(text: str, expected: dict[str, int]) -> None:
    """Numeric limits are read with their unit; numbers that are not limits are not."""
    assert stated_limits(text) == expected


def test_stated_constraints_each_a_line() -> None:
    """The launch-note example yields its two constraints."""
    text = "write a launch note for customers, under 150 words, no jargon"
    assert stated_constraints(text) == ["At most 150 words", "No jargon"]


def _brief(**changes: object) -> Brief:
    base = {
        "goal": "g",
        "audience": "a",
        "deliverable": "d",
        "constraints": [],
        "assumptions": [],
        "open_questions": [],
        "actionable": True,
    }
    return Brief.model_validate({**base, **changes})


def test_missing_stated_constraints_are_added_back() -> None:
    """If the model's brief drops a stated limit, Baton adds it; it does not duplicate."""
    brief = _brief(constraints=["Keep it under 150 words"])
    fixed = ensure_stated_constraints(brief, "under 150 words, no jargon")
    assert fixed.constraints == ["Keep it under 150 words", "No jargon"]
    assert word_limit(fixed) == 150


def test_brief_items_are_cleaned_and_capped() -> None:
    """Blank items go, long ones are cut, and at most 15 are kept."""
    brief = _brief(assumptions=["", "  x  ", *["y" * 900] * 20])
    assert brief.assumptions[0] == "x"
    assert len(brief.assumptions) == 15 and len(brief.assumptions[1]) == 500


def test_strip_bot_mention_keeps_other_mentions() -> None:
    """Only Baton's own mention is removed from the request."""
    assert strip_bot_mention("<@UBATON> ask <@UBOB> about it", "UBATON") == "ask <@UBOB> about it"


def test_count_words_ignores_markup() -> None:
    """Bullets and emphasis are not words."""
    assert count_words("- **Export** is here\n- it\u2019s fast") == 5
