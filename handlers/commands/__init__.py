"""The /baton slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.constants import SLASH_COMMAND
from bot.domain.render import Block
from bot.services import Baton


def help_blocks(problem: str | None = None) -> list[Block]:
    """What Baton does and how to direct it, as Block Kit."""
    lines = [
        "*Baton turns a request into a brief and a draft, in the request's thread.*",
        "• Mention `@Baton` with what you need, or DM it.",
        "• Reply in the thread to revise; react on a draft: :+1: good · :-1: off the mark · "
        ":repeat: another take · :scissors: shorter · :mag: more detail.",
        "• `/baton help`: this message.",
    ]
    blocks: list[Block] = []
    if problem:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": problem}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    return blocks


def register(app: App, baton: Baton) -> None:
    """Wire the slash command."""

    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        text = str(command.get("text") or "").strip()
        word = text.split(maxsplit=1)[0].lower() if text else "help"
        if word == "help":
            ack(blocks=help_blocks(), text="Baton help", response_type="ephemeral")
            return
        problem = (
            f"`{SLASH_COMMAND} {word}` isn't available yet. Mention me with your request "
            "in a channel, or DM me."
        )
        ack(blocks=help_blocks(problem), text=problem, response_type="ephemeral")

    app.command(SLASH_COMMAND)(on_command)
