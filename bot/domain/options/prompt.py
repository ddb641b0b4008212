"""Asking Claude for options: the prompt, the tool it answers with, and reading the answer."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.domain.brief import Brief
from bot.domain.options.offer import DEFAULT_OPTIONS, MAX_OPTIONS, MIN_OPTIONS
from bot.domain.prompts import Prompt, draft_prompt, quote

# Options are short by design: a reader compares them side by side before choosing.
OPTION_WORDS = 120
# Four options' text must fit one message's 12,000 characters of markdown blocks.
OPTION_TEXT_LIMIT = 2_800
OPTIONS_TOOL_NAME = "record_options"
OPTIONS_MAX_TOKENS = 4_096


class OptionText(BaseModel):
    """One option as Claude writes it."""

    approach: str = Field(
        description="A few words naming this option's approach, e.g. 'Warm and personal'."
    )
    text: str = Field(
        description="The option itself: a complete, short version of the deliverable, in "
        "Markdown, with no preamble."
    )

    @field_validator("approach")
    @classmethod
    def _short_label(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("approach is empty")
        return value[:80]

    @field_validator("text")
    @classmethod
    def _some_text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("text is empty")
        if len(value) > OPTION_TEXT_LIMIT:
            value = value[: OPTION_TEXT_LIMIT - 1].rstrip() + "…"
        return value


class OptionsAnswer(BaseModel):
    """The options Claude offers, and what varies between them."""

    varies: str = Field(
        description="What differs between the options, in a few words (e.g. 'tone', "
        "'structure', 'angle')."
    )
    options: list[OptionText] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)

    @field_validator("varies")
    @classmethod
    def _varies(cls, value: str) -> str:
        return " ".join(value.split())[:100] or "approach"


def options_tool_schema() -> dict[str, object]:
    """The tool that makes Claude return options as validated, labelled data."""
    return {
        "name": OPTIONS_TOOL_NAME,
        "description": "Record the options for this brief, in order (they become A, B, C…).",
        "input_schema": OptionsAnswer.model_json_schema(),
    }


def options_prompt(
    brief: Brief,
    *,
    style: list[str],
    count: int,
    varies: str | None,
    current_draft: str | None = None,
    channel_rules: str | None = None,
) -> Prompt:
    """Ask for `count` short options of the brief's deliverable, each clearly different, in
    the person's style and the channel rules (quoted by bot/domain/channel_rules.py)."""
    # The system prompt (the drafting rules and the person's style) is the draft's own.
    base = draft_prompt(brief, style=style)
    brief_json = json.dumps(brief.model_dump(exclude={"actionable"}), indent=1, ensure_ascii=False)
    differ = (
        f"in {varies}"
        if varies
        else "in approach: pick what most changes the result (tone, structure or angle)"
    )
    parts = [f"The brief:\n{quote('brief', brief_json)}"]
    if channel_rules:
        parts.append(channel_rules)
    if current_draft:
        parts.append(
            "The current draft, for reference: the options should not simply repeat it.\n"
            + quote("previous_draft", current_draft)
        )
    parts.append(
        f"Write exactly {count} options with {OPTIONS_TOOL_NAME}. Each is a complete, short "
        f"version of the deliverable (under about {OPTION_WORDS} words unless the brief's "
        f"constraints say otherwise), honouring every constraint, and each is clearly different "
        f"{differ}. Name each option's approach in a few words, and say in a few words what "
        "varies between them."
    )
    return Prompt(system=base.system, messages=[{"role": "user", "content": "\n\n".join(parts)}])


def brief_of_prompt(text: str) -> dict[str, Any]:
    """The brief quoted in an options or draft prompt (for stand-in drafters)."""
    match = re.search(r"<brief>\n(.*?)\n</brief>", text, re.S)
    try:
        data = json.loads(match.group(1)) if match else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def count_of_prompt(text: str) -> int:
    """How many options an options prompt asks for."""
    match = re.search(r"Write exactly (\d) options", text)
    return int(match.group(1)) if match else DEFAULT_OPTIONS
