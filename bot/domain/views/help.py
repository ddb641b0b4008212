"""What `/baton help` shows: what Baton does, and every command."""

from __future__ import annotations

from bot.constants import SLASH_COMMAND
from bot.domain.render import Block
from bot.domain.views.blocks import section

COMMAND_HELP = (
    ("brief <text>", "turn a request into a brief and a draft, right here"),
    ("prefs", "see and change your style and timing"),
    ("digest", "what waits for you, now"),
    ("digest channel daily HH:MM | weekly DAY HH:MM | off", "a digest for this channel"),
    ("channel", "this channel's house rules"),
    ("forget-me", "erase everything Baton holds about you"),
    ("help", "this message"),
)


def help_blocks(problem: str | None = None) -> list[Block]:
    """What Baton does and every command."""
    blocks: list[Block] = []
    if problem:
        blocks.append(section(f":warning: {problem}"))
    blocks.append(
        section(
            "*Baton turns a request into a brief and a draft, in the request's thread.*\n"
            "Mention `@Baton` with what you need, or DM it. Reply in the thread to revise; react "
            "on a draft: :+1: good · :-1: off the mark · :repeat: another take · :scissors: "
            "shorter · :mag: more detail."
        )
    )
    lines = [f"`{SLASH_COMMAND} {usage}`: {what}" for usage, what in COMMAND_HELP]
    blocks.append(section("\n".join(lines)))
    return blocks
