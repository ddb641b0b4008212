"""Tests for bot.domain.finalise: the diff between Baton's draft and a person's final, and
the Finalise form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.finalise import (
    INPUT_LIMIT,
    EditDiff,
    diff_texts,
    draft_parts,
    final_from_form,
    final_message_blocks,
    finalise_modal,
    part_block_id,
)
from sandbox.slack import validate_blocks, validate_view

DRAFT = "Export is here: download any report as CSV or PDF from the new Export button."


def test_a_known_edit_gives_known_numbers() -> None:
    """ "any report" becomes "reports" and the last five words go: 15 words to 9."""
    diff = diff_texts(DRAFT, "Export is here: download reports as CSV or PDF.")
    assert (diff.draft_words, diff.final_words, diff.length_ratio) == (15, 9, 0.6)
    assert (diff.words_replaced, diff.words_removed, diff.words_added) == (1, 6, 0)
    assert (diff.sentences_cut, diff.sentences_added) == (0, 0)
    assert diff.summary() == "cut 40% · 1 word replaced"


def test_the_same_text_changes_nothing_whatever_its_case_and_punctuation() -> None:
    """Case, punctuation and spacing are not edits."""
    diff = diff_texts(DRAFT, DRAFT.upper().replace(":", " —").replace(".", "!!"))
    assert diff.length_ratio == 1.0
    assert diff.words_replaced == diff.words_removed == diff.words_added == 0
    assert diff_texts(DRAFT, DRAFT).summary() == "no changes"


def test_sentences_cut_and_added_are_counted_whole() -> None:
    """A sentence dropped (or written anew) counts once; a trimmed one does not."""
    draft = (
        "Export is live for every workspace today. "
        "It supports CSV and PDF files of any size. "
        "Our team spent months building it carefully. "
        "Tell us what you think in the feedback channel."
    )
    final = (
        "Export is live for every workspace today. "
        "It supports CSV and PDF files. "
        "Tell us what you think in the feedback channel. "
        "Questions go to the support desk by email."
    )
    diff = diff_texts(draft, final)
    assert diff.sentences_cut == 1  # "Our team spent months…"; the trimmed one stays
    assert diff.sentences_added == 1  # "Questions go to…"
    assert diff.words_removed >= 3 + 7  # "of any size" and the whole cut sentence


def test_words_swapped_in_place_are_replacements() -> None:
    """ "quick" for "fast" and "folks" for "everyone": two words replaced, length unchanged."""
    diff = diff_texts("A fast export for everyone.", "A quick export for folks.")
    assert (diff.words_replaced, diff.words_removed, diff.words_added) == (2, 0, 0)
    assert diff.length_ratio == 1.0


def test_a_formal_rewrite_shifts_formality_up_and_a_chatty_one_down() -> None:
    """measure_draft's formality, before and after, gives the shift's sign."""
    casual = "Hey folks! Export's here, it's super handy, you'll love it!"
    formal = (
        "We would like to inform you that the export feature is now available. Furthermore, "
        "reports may therefore be downloaded in accordance with your workspace settings."
    )
    assert diff_texts(casual, formal).formality_shift > 0.3
    assert diff_texts(formal, casual).formality_shift < -0.3
    assert "more formal" in diff_texts(casual, formal).summary()


def test_a_pure_cut_is_not_called_a_change_of_tone() -> None:
    """Cutting shortens sentences, which reads casual to measure_draft; no words were written."""
    diff = diff_texts(DRAFT, "Export is here.")
    assert diff.formality_shift < -0.15 and diff.words_replaced + diff.words_added == 0
    assert diff.summary() == "cut 80% · 1 sentence cut"
    assert diff.signal().words_written == 0


def test_bullets_before_and_after_are_measured() -> None:
    """Turning prose into a list shows in the bullet counts."""
    bullets = "Export:\n- CSV files\n- PDF files\n- any report"
    diff = diff_texts("Export gives CSV files, PDF files and any report.", bullets)
    assert (diff.bullets_before, diff.bullets_after) == (0, 3)


def test_an_empty_draft_does_not_divide_by_zero() -> None:
    """Odd input still gives a diff."""
    assert diff_texts("", "").length_ratio == 1.0
    assert diff_texts("", "Something new.").length_ratio == 2.0
    assert diff_texts(DRAFT, "").length_ratio == 0.0


def test_a_long_repetitive_draft_counts_every_cut_sentence() -> None:
    """A long, repetitive draft with every tenth paragraph cut: each cut is counted."""
    paragraphs = [f"Paragraph {i} explains part {i} of the export in words." for i in range(500)]
    draft = "\n\n".join(paragraphs)
    final = "\n\n".join(p for i, p in enumerate(paragraphs) if i % 10)
    diff = diff_texts(draft, final)
    assert diff.sentences_cut == 50 and diff.words_replaced == 0


def test_the_stored_diff_reads_back_and_older_rows_read_as_no_change() -> None:
    """as_dict / from_dict round-trip; keys added later default to "no change"."""
    diff = diff_texts(DRAFT, "Export is here: download reports as CSV or PDF.")
    assert EditDiff.from_dict(diff.as_dict()) == diff
    assert EditDiff.from_dict({"length_ratio": 0.5, "unknown": 1}).length_ratio == 0.5
    assert EditDiff.from_dict({}).signal().length_ratio == 1.0


# ---- the form --------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_draft_and_valid_block_kit() -> None:
    """A short draft: one field holding the whole draft."""
    view = finalise_modal(DRAFT, draft_id=7, version=2)
    assert validate_view(view, kinds=("modal",)) == []
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert field["element"]["initial_value"] == DRAFT
    assert view["private_metadata"] == "7" and "v2" in view["title"]["text"]


def test_a_long_draft_comes_in_parts_with_room_to_grow() -> None:
    """A 20,000-character draft: several fields, each under Slack's 3,000 with room to spare,
    and joined back they hold every word of the draft."""
    draft = "\n\n".join(f"Point {i}: " + "words of the draft " * 20 for i in range(50))
    view = finalise_modal(draft, draft_id=1, version=1)
    assert validate_view(view, kinds=("modal",)) == []
    fields = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(fields) > 6
    assert all(len(f["element"]["initial_value"]) <= INPUT_LIMIT - 500 for f in fields)
    assert "parts" in view["blocks"][0]["text"]["text"]
    values = {f["block_id"]: f["element"]["initial_value"] for f in fields}
    final, errors = final_from_form(values)
    assert errors == {} and final is not None
    assert diff_texts(draft, final).summary() == "no changes"
    assert len(draft_parts(draft)) == len(fields)


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({part_block_id(0): "   "}, part_block_id(0), "can't be empty"),
        ({part_block_id(0): None}, part_block_id(0), "can't be empty"),
        ({part_block_id(0): "x" * 3001}, part_block_id(0), "3,000"),
        ({part_block_id(0): "ok", part_block_id(1): "y" * 3001}, part_block_id(1), "3,000"),
        ({part_block_id(i): "z" * 3000 for i in range(14)}, part_block_id(0), "40,000"),
    ],
)
def test_empty_or_enormous_finals_come_back_as_field_errors(
    values: dict, field: str, says: str
) -> None:
    """Nothing, a forged over-long field, or too much in all: an error on the field."""
    final, errors = final_from_form(values)
    assert final is None and says in errors[field]


def test_emptied_later_parts_are_cut_whole() -> None:
    """A part left empty drops out; the others are joined with a blank line."""
    final, _ = final_from_form({"final_0": " One. ", "final_1": "", "final_2": "Three."})
    assert final == "One.\n\nThree."


def test_the_posted_final_says_whose_it_is_and_what_changed() -> None:
    """Clearly labelled, not a draft, and valid Block Kit."""
    blocks = final_message_blocks(
        "Export is here.", editor_id="UBOB", version=3, part=0, parts=1, summary="cut 80%"
    )
    assert validate_blocks(blocks) == []
    text = str(blocks)
    assert "*Final*, edited by <@UBOB> from draft v3" in text and "cut 80%" in text
    assert "*Draft v" not in text


@given(draft=st.text(max_size=400), final=st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_the_diff_accounts_for_every_word(draft: str, final: str) -> None:
    """Any two texts: kept + replaced + removed = the draft's words, kept + replaced + added =
    the final's; never more sentences cut than the draft has."""
    diff = diff_texts(draft, final)
    assert diff.final_words - diff.draft_words == diff.words_added - diff.words_removed
    assert diff.words_replaced + diff.words_removed <= diff.draft_words
    assert diff.words_replaced + diff.words_added <= diff.final_words
    assert 0 <= diff.sentences_cut <= diff.draft_words
    assert diff.length_ratio >= 0 and isinstance(diff.summary(), str)


@given(values=st.dictionaries(st.sampled_from(["final_0", "final_1", "x"]), st.none() | st.text()))
def test_any_submitted_form_gives_a_final_or_errors(values: dict) -> None:
    """Whatever the form holds: a non-empty final, or errors; never both, never neither."""
    final, errors = final_from_form(values)
    assert (final is None) == bool(errors)
    assert final is None or final.strip()
