"""Assumptions are questions with buttons: Right confirms one, Wrong opens a one-field form
whose answer becomes a constraint of the brief. Pure functions of data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.constants import (
    ACTION_ASSUMPTION_RIGHT,
    ACTION_ASSUMPTION_WRONG,
    CALLBACK_ASSUMPTION_CORRECTION,
)
from bot.domain.brief import Brief

Block = dict[str, Any]

# A Slack button's label is at most 75 characters; the assumption's start is enough to tell
# the rows apart, and the full text is in the list above them.
LABEL_CHARS = 55
# The answer becomes one line of the brief (the brief keeps at most 500 characters an item,
# 15 items a list): short enough to leave room for the assumption it replaces.
ANSWER_LIMIT = 300
ITEM_LIMIT = 500
LIST_LIMIT = 15
ANSWER_BLOCK = "truth"
_VALUE = re.compile(r"(\d{1,12}):(\d{1,6}):(\d{1,3})", re.ASCII)


@dataclass(frozen=True)
class AssumptionRef:
    """One assumption of one brief version, as a button carries it."""

    request_id: int
    version: int
    index: int  # its position in that version's assumptions
    text: str = ""

    @property
    def value(self) -> str:
        """The button value: request, brief version and index (the text is looked up)."""
        return f"{self.request_id}:{self.version}:{self.index}"


def parse_value(value: object) -> AssumptionRef | None:
    """A button value back into a reference; None for anything else (stale or forged)."""
    match = _VALUE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    request_id, version, index = (int(group) for group in match.groups())
    return AssumptionRef(request_id=request_id, version=version, index=index)


def locate(assumptions: Sequence[str], text: str, hint: int) -> int | None:
    """Where `text` is in a brief's assumptions now (its old index first); None once gone."""
    if 0 <= hint < len(assumptions) and assumptions[hint] == text:
        return hint
    return next((i for i, item in enumerate(assumptions) if item == text), None)


def open_refs(
    assumptions: Sequence[str], *, request_id: int, version: int, confirmed: Mapping[str, str]
) -> list[AssumptionRef]:
    """The assumptions nobody has confirmed yet, each with its reference."""
    return [
        AssumptionRef(request_id, version, index, text)
        for index, text in enumerate(assumptions)
        if text not in confirmed
    ]


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word where possible."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def assumption_rows(refs: Sequence[AssumptionRef]) -> list[Block]:
    """One row of Right / Wrong buttons per assumption (Slack wants action ids unique within
    a block, so each assumption gets its own block)."""
    rows: list[Block] = []
    for ref in refs:
        rows.append(
            {
                "type": "actions",
                "block_id": f"assumption_{ref.index}",
                "elements": [
                    _button(f"Right: {short_label(ref.text)}", ACTION_ASSUMPTION_RIGHT, ref.value),
                    _button("Wrong", ACTION_ASSUMPTION_WRONG, ref.value),
                ],
            }
        )
    return rows


def _button(text: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "value": value,
    }


def correction_modal(ref: AssumptionRef) -> Block:
    """The one-field form a Wrong opens: what is true instead?"""
    shown = ref.text if len(ref.text) <= 2_900 else ref.text[:2_899] + "…"
    return {
        "type": "modal",
        "callback_id": CALLBACK_ASSUMPTION_CORRECTION,
        "private_metadata": ref.value,
        "title": {"type": "plain_text", "text": "Correct an assumption"},
        "submit": {"type": "plain_text", "text": "Save and redraft"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": f"I assumed: {shown}"}},
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": "What is true instead?"},
                "hint": {
                    "type": "plain_text",
                    "text": "It becomes a constraint of the brief, and I redo the draft.",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                },
            },
        ],
    }


def answer_from_form(values: Mapping[str, Any], brief: Brief) -> tuple[str | None, str | None]:
    """The correction as one line, or the error to show on the form's field."""
    raw = values.get(ANSWER_BLOCK)
    answer = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not answer:
        return None, "Say what is true instead (or press Cancel)."
    if len(answer) > ANSWER_LIMIT:
        return None, (
            f"Keep it under {ANSWER_LIMIT} characters ({len(answer):,} now): it becomes one "
            "line of the brief. Use Edit brief for longer changes."
        )
    if len(brief.constraints) >= LIST_LIMIT:
        return None, (
            f"The brief already has {LIST_LIMIT} constraints; use Edit brief to make room."
        )
    return answer, None


def correction_constraint(answer: str, assumption: str) -> str:
    """The constraint a correction adds: the answer, with what it replaces for context."""
    room = ITEM_LIMIT - len(answer) - len(" (not: )")
    replaced = short_label(assumption, room) if room >= 20 else ""
    return f"{answer} (not: {replaced})" if replaced else answer[:ITEM_LIMIT]


def corrected_brief(brief: Brief, index: int, answer: str) -> Brief:
    """The brief with assumption `index` dropped and the answer added as a constraint."""
    assumption = brief.assumptions[index]
    return brief.model_copy(
        update={
            "assumptions": [a for i, a in enumerate(brief.assumptions) if i != index],
            "constraints": [*brief.constraints, correction_constraint(answer, assumption)],
        }
    )


def confirmed_brief(brief: Brief, confirmed: Mapping[str, str]) -> Brief:
    """The brief as Claude should read it for a draft: assumptions someone confirmed are
    facts now, listed with the constraints rather than as guesses to hedge on."""
    kept = [a for a in brief.assumptions if a not in confirmed]
    if len(kept) == len(brief.assumptions):
        return brief
    facts = [f"{a} (confirmed)" for a in brief.assumptions if a in confirmed]
    return brief.model_copy(
        update={"assumptions": kept, "constraints": [*brief.constraints, *facts]}
    )
