"""The brief: what a request asks for, as structured data Baton and the person can both read."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Confidence = Literal["high", "medium", "low"]

# A request whose words, once mentions are gone, are only these asks nothing we can act on.
_VAGUE_WORDS = {
    "do", "it", "this", "that", "please", "pls", "help", "me", "us", "can", "you", "could",
    "the", "thing", "same", "again", "now", "asap", "hi", "hey", "hello", "ok", "okay",
    "go", "ahead", "thanks", "thank", "so", "just", "yes", "sure", "something", "stuff",
    "with", "on", "a", "an", "one", "more", "write", "make", "draft", "for", "what", "about",
}  # fmt: skip

VAGUE_QUESTIONS = (
    "What should I produce (a message, an announcement, a doc, a plan…), and what is it about?",
    "Who is it for?",
    "Anything it must include, avoid, or fit within (length, tone, deadline)?",
)

_SLACK_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class Brief(BaseModel):
    """A request understood: goal, audience, deliverable, constraints, assumptions, questions."""

    goal: str = Field(description="What the result must achieve, in one sentence.")
    audience: str = Field(description="Who will read or use the result.")
    deliverable: str = Field(description="What to produce: form and rough size.")
    constraints: list[str] = Field(
        default_factory=list,
        description="Every requirement the request states (length, tone, must/must not), "
        "one per item, in the requester's terms.",
    )
    assumptions: list[str] = Field(
        default_factory=list,
        description="What you assume because the request does not say it.",
    )
    open_questions: list[str] = Field(
        default_factory=list,
        description="What only the requester can answer; empty if nothing blocks a good draft.",
    )
    actionable: bool = Field(
        description="False when the goal or the deliverable cannot be determined: then ask.",
    )
    confidence: Confidence = Field(
        default="medium",
        description="How sure you are that this brief is what the requester wants.",
    )
    confidence_reason: str = Field(
        default="",
        description="Why, in a few words (e.g. 'audience and length stated').",
    )

    @field_validator("goal", "audience", "deliverable", "confidence_reason")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()[:1000]

    @field_validator("constraints", "assumptions", "open_questions")
    @classmethod
    def _clean_items(cls, items: list[str]) -> list[str]:
        cleaned = [item.strip()[:500] for item in items if item and item.strip()]
        return cleaned[:15]


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """The request without the @Baton that addressed it (other mentions stay)."""
    if not bot_user_id:
        return text.strip()
    # Only the spaces around the mention go: indentation elsewhere (code) is the request's.
    return re.sub(rf"[ \t]*<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[ \t]*", " ", text).strip()


def vague_request_questions(text: str) -> list[str] | None:
    """Open questions for a request too vague to send to a model; None when it is specific."""
    words = re.findall(r"[a-z0-9']+", _SLACK_USER_MENTION.sub(" ", text).lower())
    meaningful = [word for word in words if word not in _VAGUE_WORDS]
    if len(meaningful) >= 2 or (len(meaningful) == 1 and len(words) >= 3):
        return None
    return list(VAGUE_QUESTIONS)


_UNITS = r"(words?|sentences?|bullets?|bullet points?|paragraphs?|characters?|chars|lines?|points?)"
_LIMIT_BEFORE = re.compile(
    rf"\b(?:under|below|less than|fewer than|no more than|not more than|max(?:imum)?|at most|"
    rf"up to|within|no longer than)\s+(\d{{1,5}})\s+{_UNITS}",
    re.IGNORECASE,
)
_LIMIT_HYPHEN = re.compile(
    rf"\b(\d{{1,5}})[- ]{_UNITS}(?:\s+(?:max|maximum|limit|or less))?\b", re.IGNORECASE
)
_PHRASES = (
    (re.compile(r"\bno jargon\b|\bjargon[- ]free\b|\bwithout jargon\b", re.I), "No jargon"),
    (re.compile(r"\bno emojis?\b|\bwithout emojis?\b", re.I), "No emoji"),
    (re.compile(r"\bplain (?:english|language)\b", re.I), "Plain language"),
    (re.compile(r"\bno bullets?\b|\bno bullet points?\b", re.I), "No bullet points"),
)


def _normalise_unit(unit: str) -> str:
    unit = unit.lower().replace("bullet points", "bullets").replace("bullet point", "bullet")
    unit = {"chars": "characters", "char": "characters", "points": "bullets"}.get(unit, unit)
    return unit if unit.endswith("s") else unit + "s"


def stated_limits(text: str) -> dict[str, int]:
    """Numeric limits the request states, by unit: {"words": 150}."""
    limits: dict[str, int] = {}
    for match in _LIMIT_BEFORE.finditer(text):
        limits.setdefault(_normalise_unit(match.group(2)), int(match.group(1)))
    for match in _LIMIT_HYPHEN.finditer(text):
        limits.setdefault(_normalise_unit(match.group(2)), int(match.group(1)))
    return limits


def stated_constraints(text: str) -> list[str]:
    """Constraints the request states in so many words, normalised, each as a line."""
    constraints = [f"At most {limit} {unit}" for unit, limit in stated_limits(text).items()]
    constraints += [label for pattern, label in _PHRASES if pattern.search(text)]
    return constraints


def ensure_stated_constraints(brief: Brief, request_text: str) -> Brief:
    """Add any constraint the request states that the model's brief left out."""
    existing = " ".join(brief.constraints).lower()
    missing: list[str] = []
    for unit, limit in stated_limits(request_text).items():
        if str(limit) not in existing:
            missing.append(f"At most {limit} {unit}")
    for pattern, label in _PHRASES:
        keyword = label.split()[-1].lower().rstrip("s")
        if pattern.search(request_text) and keyword not in existing:
            missing.append(label)
    if not missing:
        return brief
    return brief.model_copy(update={"constraints": [*brief.constraints, *missing]})


def word_limit(brief: Brief) -> int | None:
    """The brief's word limit, if it states one."""
    for constraint in brief.constraints:
        limits = stated_limits(constraint)
        if "words" in limits:
            return limits["words"]
        match = re.search(r"\b(\d{1,5})\s+words\b", constraint, re.IGNORECASE)
        if match:
            return int(match.group(1))
    return None


def questions_only_brief(request_text: str, questions: list[str]) -> Brief:
    """The brief of a request too vague to act on: nothing known, only questions."""
    return Brief(
        goal=request_text.strip()[:200] or "(not stated)",
        audience="(not stated)",
        deliverable="(not stated)",
        constraints=stated_constraints(request_text),
        assumptions=[],
        open_questions=questions,
        actionable=False,
        confidence="low",
        confidence_reason="the request does not say what to produce",
    )


def count_words(text: str) -> int:
    """Words as a reader counts them (markup and bullets aside)."""
    return len(re.findall(r"\w[\w'\u2019-]*", text))
