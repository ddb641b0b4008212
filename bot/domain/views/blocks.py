"""Small Block Kit builders the views share."""

from __future__ import annotations

from typing import Any

from bot.domain.render import Block


def text_object(text: str, kind: str = "mrkdwn") -> dict[str, Any]:
    """A text object (mrkdwn unless `kind` says otherwise)."""
    return {"type": kind, "text": text}


def plain(text: str) -> dict[str, Any]:
    """A plain_text object, cut to the 150 characters labels and options allow."""
    return {"type": "plain_text", "text": text[:150] or " ", "emoji": True}


def section(text: str) -> Block:
    """A section of mrkdwn, cut to Slack's 3,000 characters."""
    return {"type": "section", "text": text_object(text[:3000])}


def context(text: str) -> Block:
    """A context line of mrkdwn, cut to 2,000 characters."""
    return {"type": "context", "elements": [text_object(text[:2000])]}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> Block:
    """A button; `value` and `style` only when given."""
    element: Block = {"type": "button", "text": plain(text), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element
