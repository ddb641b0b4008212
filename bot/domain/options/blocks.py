"""Showing options A, B, C in the thread, with a "Use" button under each, and once one is
chosen, which one and what it became."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.constants import ACTION_USE_OPTION
from bot.domain.options.prompt import OPTION_TEXT_LIMIT
from bot.domain.render import Block, escape_mrkdwn


@dataclass(frozen=True)
class ShownOption:
    """One option as the thread shows it."""

    label: str
    approach: str
    text: str


@dataclass(frozen=True)
class Chosen:
    """Which option was chosen, by whom, and the version it became."""

    label: str
    user_id: str
    version: int


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2_000]}]}


def options_blocks(
    options: Sequence[ShownOption],
    *,
    set_id: int,
    varies: str,
    why: str | None,
    chosen: Chosen | None = None,
) -> list[Block]:
    """Options A, B, C… with a "Use" button under each; once one is chosen, which one and
    what it became (the buttons go)."""
    letters = ", ".join(option.label for option in options)
    head = f"*Options {letters}* · they differ in {escape_mrkdwn(varies)}"
    if why:
        head += f" · {escape_mrkdwn(why)}"
    blocks: list[Block] = [_context(head)]
    for option in options:
        title = f"*{option.label} · {escape_mrkdwn(option.approach)}*"
        if chosen is not None:
            picked = option.label == chosen.label
            title += " :white_check_mark: chosen" if picked else " · not chosen"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": title[:3_000]}})
        blocks.append({"type": "markdown", "text": option.text[:OPTION_TEXT_LIMIT]})
        if chosen is None:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"option_{option.label}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": ACTION_USE_OPTION,
                            "text": {"type": "plain_text", "text": f"Use {option.label}"},
                            "value": f"{set_id}:{option.label}",
                        }
                    ],
                }
            )
    if chosen is None:
        blocks.append(
            _context(
                "Press *Use* under the one you want, or reply with its letter; add words to "
                "steer it: “B but warmer”."
            )
        )
    else:
        blocks.append(
            _context(
                f":white_check_mark: <@{chosen.user_id}> chose {chosen.label}: it is draft "
                f"v{chosen.version}, and the next version follows in this thread."
            )
        )
    return blocks


def choosing_hint(labels: str) -> str:
    """What to say to a reply that neither chooses nor can revise (no draft yet)."""
    letters = "/".join(labels)
    return (
        f"Options {letters} are waiting above: reply with a letter to choose one, and add words "
        "to steer it (“B but warmer”), or press *Use* under it."
    )
