"""Forget-me: the question Baton asks before erasing a person's data."""

from __future__ import annotations

from bot.constants import ACTION_FORGET_CANCEL, ACTION_FORGET_CONFIRM
from bot.domain.render import Block
from bot.domain.views.blocks import button, section


def forget_confirm_blocks() -> list[Block]:
    """Ask before erasing anything."""
    return [
        section(
            "*Erase everything Baton holds about you?* Your feedback, your learned style and "
            "timing, your settings, and the text of your requests. Drafts other people worked "
            "on stay, without your name or words. This can't be undone."
        ),
        {
            "type": "actions",
            "block_id": "forget",
            "elements": [
                button("Erase my data", ACTION_FORGET_CONFIRM, "confirm", "danger"),
                button("Cancel", ACTION_FORGET_CANCEL, "cancel"),
            ],
        },
    ]
