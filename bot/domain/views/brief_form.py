"""Editing a brief in a modal: the form, prefilled, and reading it back into a brief."""

from __future__ import annotations

from typing import Any

from bot.constants import CALLBACK_EDIT_BRIEF
from bot.domain.brief import Brief
from bot.domain.render import Block
from bot.domain.views.blocks import plain

MODAL_ITEM_LIMIT = 15

BRIEF_FIELDS = (
    ("goal", "Goal", False),
    ("audience", "Audience", False),
    ("deliverable", "Deliverable", False),
    ("constraints", "Constraints (one per line)", True),
    ("assumptions", "Assumptions (one per line)", True),
    ("open_questions", "Open questions (one per line)", True),
)


def edit_brief_modal(brief: Brief, *, request_id: int) -> Block:
    """The brief in a form, prefilled; submitting makes a new version and a new draft."""
    blocks: list[Block] = []
    for key, label, is_list in BRIEF_FIELDS:
        value = getattr(brief, key)
        initial = "\n".join(value) if is_list else value
        element: Block = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": is_list or key == "goal",
            "max_length": 3000,
        }
        if initial:
            element["initial_value"] = initial[:3000]
        blocks.append(
            {
                "type": "input",
                "block_id": key,
                "label": plain(label),
                "optional": is_list,
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_EDIT_BRIEF,
        "private_metadata": str(request_id),
        "title": plain("Edit brief"),
        "submit": plain("Save and redraft"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def brief_from_form(values: dict[str, str], base: Brief) -> tuple[Brief | None, dict[str, str]]:
    """The edited brief, or the errors to show per field (Slack's `response_action: errors`)."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, _label, is_list in BRIEF_FIELDS:
        entered = values.get(key)
        raw = entered.strip() if isinstance(entered, str) else ""
        if is_list:
            items = [line.strip(" -•\t") for line in raw.splitlines() if line.strip(" -•\t")]
            if len(items) > MODAL_ITEM_LIMIT:
                errors[key] = f"At most {MODAL_ITEM_LIMIT} lines, please."
            elif any(len(item) > 500 for item in items):
                errors[key] = "Keep each line under 500 characters."
            changes[key] = items
        elif not raw:
            errors[key] = "This can't be empty."
        elif len(raw) > 1000:
            errors[key] = "Keep this under 1,000 characters."
        else:
            changes[key] = raw
    if errors:
        return None, errors
    return base.model_copy(update={**changes, "actionable": True}), {}
