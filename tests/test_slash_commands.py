"""The /baton subcommands come from one table (handlers/commands): help, manifest.yml's usage
hint, README and the outside interface all agree with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.constants import SLASH_COMMAND
from handlers.commands import BY_NAME, SUBCOMMANDS, command_help, on_command, usage_hint

ROOT = Path(__file__).resolve().parent.parent
INTERFACE = ROOT.parent / "shared" / "INTERFACE.md"


def _text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in blocks)


def test_the_manifest_usage_hint_is_the_tables() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["usage_hint"] == usage_hint()
    assert usage_hint().split(" | ")[0] == "brief <text>"


def test_help_lists_every_usage_in_the_table() -> None:
    shown = _text(command_help())
    for row in SUBCOMMANDS:
        for usage, what in row.usages:
            assert f"`{SLASH_COMMAND} {usage}`: {what}" in shown


def test_readme_names_exactly_the_tables_subcommands() -> None:
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(rf"`{SLASH_COMMAND} ([a-z-]+)", readme))
    assert named == set(BY_NAME), "README's /baton list and the table disagree"


def test_the_outside_interface_lists_the_same_subcommands() -> None:
    if not INTERFACE.exists():
        pytest.skip("shared/INTERFACE.md is not beside this checkout")
    line = next(
        line for line in INTERFACE.read_text().splitlines() if f"`{SLASH_COMMAND}` slash" in line
    )
    named = set(re.findall(r"`([a-z-]+)(?: [^`]*)?`", line)) - {SLASH_COMMAND.lstrip("/")}
    assert named == set(BY_NAME)


def test_an_unknown_subcommand_gets_help_saying_what_went_wrong() -> None:
    acked: list[dict[str, Any]] = []
    on_command(
        ack=lambda **kwargs: acked.append(kwargs),
        command={"text": "frobnicate now", "team_id": "T1", "user_id": "U1"},
        respond=lambda **_: None,
        context={},
    )
    [answer] = acked
    assert answer["response_type"] == "ephemeral"
    assert "I don't know `/baton frobnicate`" in _text(answer["blocks"])
    assert _text(answer["blocks"]).endswith(_text(command_help()).split("\n", 2)[-1])


@pytest.mark.parametrize("typed", ["", "help", "HELP", "help me"])
def test_help_and_nothing_at_all_answer_with_help(typed: str) -> None:
    acked: list[dict[str, Any]] = []
    on_command(
        ack=lambda **kwargs: acked.append(kwargs),
        command={"text": typed},
        respond=lambda **_: None,
        context={},
    )
    assert acked == [{"blocks": command_help(), "text": "Baton help", "response_type": "ephemeral"}]
