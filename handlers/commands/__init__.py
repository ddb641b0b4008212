"""The /baton slash command, from one table: each subcommand's name, its usage as help and
the manifest's usage hint show it, and the listener that runs it. Every subcommand acks at
once; slow work follows the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.adapters.slack_io import SlackCallFailed
from bot.constants import SLASH_COMMAND
from bot.domain.digest import describe_schedule, parse_channel_schedule
from bot.domain.views.forget import forget_confirm_blocks
from bot.domain.views.help import Usage, help_blocks
from bot.usecases.channel_rules import DM_MESSAGE, is_dm
from bot.usecases.container import UseCases
from bot.usecases.digests import DigestRunner
from bot.usecases.preferences import Preferences
from handlers.context import usecases

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invocation:
    """One `/baton <subcommand> <rest>`, as a subcommand's listener sees it."""

    ack: Ack
    respond: Respond
    command: dict[str, Any]
    context: Mapping[str, Any]
    rest: str

    @property
    def usecases(self) -> UseCases:
        """Baton's use cases (help needs none)."""
        return usecases(self.context)

    def field(self, name: str) -> str:
        """A field of Slack's command payload ("" where missing)."""
        return str(self.command.get(name, ""))


@dataclass(frozen=True)
class Subcommand:
    """A row of the table: what people type, what help says of it, and what runs it."""

    name: str
    usages: tuple[Usage, ...]  # (usage after /baton, what it does), as help lists them
    run: Callable[[Invocation], None]


def run_help(call: Invocation) -> None:
    """`/baton help`: what Baton does, and every subcommand."""
    call.ack(blocks=command_help(), text="Baton help", response_type="ephemeral")


def run_brief(call: Invocation) -> None:
    """`/baton brief <text>`: the same flow as a mention, posted in this channel."""
    call.ack(text="On it: the brief will appear in the channel.", response_type="ephemeral")
    problem = call.usecases.intake.on_brief_command(
        team_id=call.field("team_id"),
        channel_id=call.field("channel_id"),
        user_id=call.field("user_id"),
        text=call.rest,
    )
    if problem:
        call.respond(text=problem, response_type="ephemeral", replace_original=True)


def run_prefs(call: Invocation) -> None:
    """`/baton prefs`: the person's style and timing, in a form."""
    call.ack()
    preferences = call.usecases.preferences
    _tell_on_failure(
        call.respond,
        lambda: preferences.open_prefs(
            team_id=call.field("team_id"),
            user_id=call.field("user_id"),
            trigger_id=call.field("trigger_id"),
        ),
    )


def run_digest(call: Invocation) -> None:
    """`/baton digest`: what waits for the person, now; with `channel …`, this channel's."""
    uc = call.usecases
    team_id, user_id = call.field("team_id"), call.field("user_id")
    if not call.rest.strip():
        call.ack(text="Sending your digest as a DM…", response_type="ephemeral")
        _tell_on_failure(
            call.respond, lambda: uc.preferences.digest_now(team_id=team_id, user_id=user_id)
        )
        return
    answer = subscribe_channel(
        uc.preferences,
        uc.digests,
        team_id=team_id,
        user_id=user_id,
        channel_id=call.field("channel_id"),
        words=call.rest,
    )
    call.ack(text=answer, response_type="ephemeral")


def run_channel(call: Invocation) -> None:
    """`/baton channel`: the channel rules in a modal, for its members; a DM has none."""
    channel_id = call.field("channel_id")
    if is_dm(channel_id, call.field("channel_name")):
        call.ack(text=DM_MESSAGE, response_type="ephemeral")
        return
    call.ack()
    problem = call.usecases.channel_rules.open_modal(
        team_id=call.field("team_id"),
        channel_id=channel_id,
        user_id=call.field("user_id"),
        trigger_id=call.field("trigger_id"),
    )
    if problem:
        call.respond(text=problem, response_type="ephemeral")


def run_forget_me(call: Invocation) -> None:
    """`/baton forget-me`: asks first; the confirm button erases (handlers/actions/privacy.py)."""
    call.ack(blocks=forget_confirm_blocks(), text="Erase your data?", response_type="ephemeral")


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "brief",
        (("brief <text>", "turn a request into a brief and a draft, right here"),),
        run_brief,
    ),
    Subcommand("prefs", (("prefs", "see and change your style and timing"),), run_prefs),
    Subcommand(
        "digest",
        (
            ("digest", "what waits for you, now"),
            ("digest channel daily HH:MM | weekly DAY HH:MM | off", "a digest for this channel"),
        ),
        run_digest,
    ),
    Subcommand("channel", (("channel", "the channel rules for this channel"),), run_channel),
    Subcommand(
        "forget-me", (("forget-me", "erase everything Baton holds about you"),), run_forget_me
    ),
    Subcommand("help", (("help", "this message"),), run_help),
)
BY_NAME = {subcommand.name: subcommand for subcommand in SUBCOMMANDS}


def command_help(problem: str | None = None) -> list[dict[str, Any]]:
    """`/baton help`, listing every subcommand in the table."""
    return help_blocks([usage for row in SUBCOMMANDS for usage in row.usages], problem)


def usage_hint() -> str:
    """The slash command's usage hint (manifest.yml's `usage_hint`), from the table."""
    return " | ".join(row.usages[0][0] for row in SUBCOMMANDS)


def on_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """`/baton <subcommand> …`: the table's row for the subcommand, or help with the problem."""
    text = str(command.get("text") or "").strip()
    # Any whitespace ends the subcommand (a tab, a no-break space pasted from a doc).
    word, rest = [*text.split(maxsplit=1), "", ""][:2]
    word = word.lower() or "help"
    row = BY_NAME.get(word)
    if row is None:
        problem = f"I don't know `{SLASH_COMMAND} {word[:40]}`. Here is what I can do:"
        ack(blocks=command_help(problem), text=problem, response_type="ephemeral")
        return
    row.run(Invocation(ack, respond, command, context, rest))


def register(app: App) -> None:
    """Wire the slash command."""
    app.command(SLASH_COMMAND)(on_command)


def _tell_on_failure(respond: Respond, work: Callable[[], object]) -> None:
    try:
        work()
    except SlackCallFailed as exc:
        respond(
            text=f"Slack refused that ({exc.error}); please try again.", response_type="ephemeral"
        )


def subscribe_channel(
    preferences: Preferences,
    digests: DigestRunner,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    words: str,
) -> str:
    """`/baton digest channel daily HH:MM | weekly DAY HH:MM | off` for this channel."""
    head, rest = [*words.split(maxsplit=1), "", ""][:2]
    if head.lower() != "channel":
        return (
            "Use `/baton digest` for your own digest, or `/baton digest channel daily 09:00` "
            "(or `weekly mon 09:00`, `off`) for this channel's."
        )
    if user_id not in digests.members.members(channel_id):
        return "Only members of this channel can change its digest."
    _, timing, _ = preferences.profiles(team_id=team_id, user_id=user_id)
    try:
        schedule = parse_channel_schedule(rest, timezone=str(timing.timezone.value))
    except ValueError as exc:
        return str(exc)
    digests.subscribe(team_id=team_id, channel_id=channel_id, user_id=user_id, schedule=schedule)
    if schedule is None:
        return "This channel's digest is off."
    return f"This channel gets a Baton digest {describe_schedule(schedule)}."
