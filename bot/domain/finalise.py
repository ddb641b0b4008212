"""Learning from the human's edit: the Finalise form, and what a person's final version of a
draft changed (length, sentences cut, words replaced, formality). Pure functions of data."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.constants import CALLBACK_FINALISE
from bot.domain.render import Block, fallback_text, split_text
from bot.domain.style.profile import EditSignal
from bot.domain.style.reading import measure_draft
from bot.domain.style.votes import EDIT_FORMALITY_SOME, EDIT_TONE_WORDS

# Slack's plain_text_input takes at most 3,000 characters. A long draft comes in several
# fields of about 2,400, so every part has room to grow as the person edits it.
INPUT_LIMIT = 3_000
PART_CHARS = 2_400
MAX_PARTS = 20  # 48,000 characters: beyond any draft Claude writes (DRAFT_MAX_TOKENS)
FINAL_LIMIT = 40_000
# Parts are joined back with a blank line: the splitter cuts at paragraph breaks first.
PART_JOINER = "\n\n"
# A draft sentence is "cut" when at least this share of its words is gone from the final.
CUT_SHARE = 0.75

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Sentences end at . ! ? followed by space, or at a line break (bullets are sentences too).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class EditDiff:
    """What the person's final changed from Baton's draft; numbers only, no text."""

    draft_words: int
    final_words: int
    length_ratio: float  # final words / draft words: 0.6 means 40% was cut
    sentences_cut: int  # draft sentences (mostly) gone from the final
    sentences_added: int  # final sentences (mostly) new
    words_replaced: int  # draft words swapped in place for others
    words_removed: int  # draft words dropped without a replacement
    words_added: int  # words the final adds beyond replacements
    formality_before: float
    formality_after: float
    formality_shift: float  # after - before, on measure_draft's -1..+1 scale
    bullets_before: int
    bullets_after: int

    def as_dict(self) -> dict[str, Any]:
        """The diff as stored (JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EditDiff:
        """A stored diff back; missing numbers (an older row) read as no change."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = dict.fromkeys(known, 0)
        values["length_ratio"] = 1.0
        values.update({k: v for k, v in data.items() if k in known})
        return cls(**values)

    def signal(self) -> EditSignal:
        """The edit as the style learner reads it."""
        return EditSignal(
            length_ratio=self.length_ratio,
            sentences_cut=self.sentences_cut,
            sentences_added=self.sentences_added,
            formality_shift=self.formality_shift,
            bullets_before=self.bullets_before,
            bullets_after=self.bullets_after,
            words_written=self.words_replaced + self.words_added,
        )

    def summary(self) -> str:
        """A few words on what changed: "cut 40% · 2 sentences cut · 3 words replaced"."""
        parts: list[str] = []
        change = round((self.length_ratio - 1.0) * 100)
        if change <= -1:
            parts.append(f"cut {-change}%")
        elif change >= 1:
            parts.append(f"{change}% longer")
        if self.sentences_cut:
            parts.append(_count(self.sentences_cut, "sentence") + " cut")
        if self.sentences_added:
            parts.append(_count(self.sentences_added, "sentence") + " added")
        if self.words_replaced:
            parts.append(_count(self.words_replaced, "word") + " replaced")
        # Only words the person wrote change the tone (a pure cut does not).
        if self.words_replaced + self.words_added >= EDIT_TONE_WORDS:
            if self.formality_shift >= EDIT_FORMALITY_SOME:
                parts.append("more formal")
            elif self.formality_shift <= -EDIT_FORMALITY_SOME:
                parts.append("more casual")
        return " · ".join(parts) or "no changes"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sentences(text: str) -> list[list[str]]:
    """The text's sentences, each as its lower-cased words (wordless pieces dropped)."""
    pieces = (_WORD.findall(piece.lower()) for piece in _SENTENCE_END.split(text))
    return [words for words in pieces if words]


def _mostly(flags: list[bool]) -> bool:
    return bool(flags) and sum(flags) >= CUT_SHARE * len(flags)


def diff_texts(draft: str, final: str) -> EditDiff:
    """Compare Baton's draft with the person's final (case and punctuation aside): sentences
    first, then word by word where sentences differ, for what was cut, replaced and added,
    and how length and formality moved."""
    draft_sentences, final_sentences = _sentences(draft), _sentences(final)
    before = [word for sentence in draft_sentences for word in sentence]
    after = [word for sentence in final_sentences for word in sentence]
    removed = [False] * len(before)  # per draft word: gone without a replacement
    inserted = [False] * len(after)  # per final word: new beyond replacements
    replaced = 0
    # Sentences first: whole sentences kept, cut or moved are found even in repetitive text,
    # and the word-level comparison only runs where sentences changed. autojunk off: it
    # would take common words ("the") for noise in long drafts.
    starts_a, starts_b = _starts(draft_sentences), _starts(final_sentences)
    by_sentence = difflib.SequenceMatcher(
        a=[tuple(s) for s in draft_sentences], b=[tuple(s) for s in final_sentences], autojunk=False
    )
    for op, s1, s2, t1, t2 in by_sentence.get_opcodes():
        if op == "equal":
            continue
        a0, b0 = starts_a[s1], starts_b[t1]
        words = difflib.SequenceMatcher(
            a=before[a0 : starts_a[s2]], b=after[b0 : starts_b[t2]], autojunk=False
        )
        for word_op, i1, i2, j1, j2 in words.get_opcodes():
            if word_op == "equal":
                continue
            swapped = min(i2 - i1, j2 - j1) if word_op == "replace" else 0
            replaced += swapped
            for i in range(i1 + swapped, i2):
                removed[a0 + i] = True
            for j in range(j1 + swapped, j2):
                inserted[b0 + j] = True
    cut = _by_sentence(draft_sentences, removed)
    added = _by_sentence(final_sentences, inserted)
    traits_before, traits_after = measure_draft(draft), measure_draft(final)
    ratio = len(after) / len(before) if before else (1.0 if not after else 2.0)
    return EditDiff(
        draft_words=len(before),
        final_words=len(after),
        length_ratio=round(ratio, 3),
        sentences_cut=cut,
        sentences_added=added,
        words_replaced=replaced,
        words_removed=sum(removed),
        words_added=sum(inserted),
        formality_before=traits_before.formality,
        formality_after=traits_after.formality,
        formality_shift=round(traits_after.formality - traits_before.formality, 2),
        bullets_before=traits_before.bullet_lines,
        bullets_after=traits_after.bullet_lines,
    )


def _starts(sentences: list[list[str]]) -> list[int]:
    """Where each sentence starts in the flat word list, and (last) where the words end."""
    starts = [0]
    for sentence in sentences:
        starts.append(starts[-1] + len(sentence))
    return starts


def _by_sentence(sentences: list[list[str]], flags: list[bool]) -> int:
    """How many sentences have most of their words flagged."""
    count, start = 0, 0
    for sentence in sentences:
        end = start + len(sentence)
        count += _mostly(flags[start:end])
        start = end
    return count


# ---- the Finalise form and the posted final ------------------------------------------------


def draft_parts(text: str) -> list[str]:
    """The draft cut into form fields that each leave room to edit within Slack's limit."""
    return split_text(text, PART_CHARS)[:MAX_PARTS]


def finalise_modal(text: str, *, draft_id: int, version: int) -> Block:
    """The draft's text in a form to edit into the final; long drafts come in parts."""
    parts = draft_parts(text)
    note = (
        "Edit the draft into the version you will use. I post it in the thread as the final, "
        "and learn from what you changed."
    )
    if len(parts) > 1:
        note += (
            f" The draft is long, so it comes in {len(parts)} parts (Slack takes at most "
            f"{INPUT_LIMIT:,} characters a field); they are joined back with a blank line."
        )
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "plain_text", "text": note, "emoji": True}}
    ]
    for index, part in enumerate(parts):
        element: Block = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": INPUT_LIMIT,
        }
        if part:
            element["initial_value"] = part
        label = "Final text" if len(parts) == 1 else f"Part {index + 1} of {len(parts)}"
        blocks.append(
            {
                "type": "input",
                "block_id": part_block_id(index),
                "label": {"type": "plain_text", "text": label},
                # Later parts may be emptied (cut whole); the first holds the final.
                "optional": index > 0,
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_FINALISE,
        "private_metadata": str(draft_id),
        "title": {"type": "plain_text", "text": f"Finalise draft v{version}"[:24]},
        "submit": {"type": "plain_text", "text": "Post as final"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def part_block_id(index: int) -> str:
    """The block id of the form's `index`th part."""
    return f"final_{index}"


def final_from_form(values: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """The final text from the submitted form, or the errors to show per field."""
    parts: list[str] = []
    errors: dict[str, str] = {}
    for index in range(MAX_PARTS):
        block_id = part_block_id(index)
        if block_id not in values:
            break
        raw = values[block_id]
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > INPUT_LIMIT:
            errors[block_id] = f"Keep each part within {INPUT_LIMIT:,} characters."
        if text:
            parts.append(text)
    final = PART_JOINER.join(parts)
    first = part_block_id(0)
    if not final and not errors:
        errors[first] = "The final can't be empty: write the text you'll use, or press Cancel."
    elif len(final) > FINAL_LIMIT and not errors:
        errors[first] = f"That is over {FINAL_LIMIT:,} characters in all; please shorten it."
    if errors:
        return None, errors
    return final, {}


def final_label(*, editor_id: str, version: int, part: int, parts: int) -> str:
    """The line that says clearly this is the person's final, not a Baton draft."""
    label = f":white_check_mark: *Final*, edited by <@{editor_id}> from draft v{version}"
    if parts > 1:
        label += f" · part {part + 1} of {parts}"
    return label


def final_message_blocks(
    text: str, *, editor_id: str, version: int, part: int, parts: int, summary: str | None
) -> list[Block]:
    """One message of the posted final: its label, the text, and (last) what changed."""
    blocks: list[Block] = [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": final_label(
                        editor_id=editor_id, version=version, part=part, parts=parts
                    ),
                }
            ],
        },
        {"type": "markdown", "text": text},
    ]
    if summary is not None:
        note = (
            f"Changes from the draft: {summary}. I'll write closer to this next time. "
            "Reactions here are not feedback on a draft."
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return blocks


def final_fallback(text: str, *, editor_id: str) -> str:
    """The notification line for the posted final."""
    return fallback_text(f"Final, edited by <@{editor_id}>: {text}")
