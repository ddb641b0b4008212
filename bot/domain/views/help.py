"""What `/baton help` shows: what Baton does, and every subcommand (from the slash command's
table in handlers/commands, passed in as data)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.constants import SLASH_COMMAND
from bot.domain.render import Block
from bot.domain.views.blocks import section

# (what follows /baton, what it does)
Usage = tuple[str, str]


def help_blocks(usages: Sequence[Usage], problem: str | None = None) -> list[Block]:
    """What Baton does and every subcommand in `usages`, after `problem` if there is one."""
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
    lines = [f"`{SLASH_COMMAND} {usage}`: {what}" for usage, what in usages]
    blocks.append(section("\n".join(lines)))
    return blocks
