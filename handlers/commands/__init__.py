"""The /baton slash command. Each branch acks first; slow work follows the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.adapters.slack_io import SlackCallFailed
from bot.constants import SLASH_COMMAND
from bot.domain.digest import describe_schedule, parse_channel_schedule
from bot.domain.views.forget import forget_confirm_blocks
from bot.domain.views.help import help_blocks
from bot.usecases.channel_rules import DM_MESSAGE, HouseRules, is_dm
from bot.usecases.digests import DigestRunner
from bot.usecases.preferences import Preferences
from handlers.context import usecases

logger = logging.getLogger(__name__)

NOT_YET: dict[str, str] = {}  # subcommands listed in help before they work: none now


def on_command(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    """`/baton <subcommand> …`: each subcommand acks at once; slow work follows the ack."""
    uc = usecases(context)
    preferences = uc.preferences
    text = str(command.get("text") or "").strip()
    # Any whitespace ends the subcommand (a tab, a no-break space pasted from a doc).
    word, rest = [*text.split(maxsplit=1), "", ""][:2]
    word = word.lower() or "help"
    team_id = str(command.get("team_id", ""))
    user_id = str(command.get("user_id", ""))
    channel_id = str(command.get("channel_id", ""))
    if word == "help":
        ack(blocks=help_blocks(), text="Baton help", response_type="ephemeral")
    elif word == "brief":
        ack(text="On it: the brief will appear in the channel.", response_type="ephemeral")
        problem = uc.intake.on_brief_command(
            team_id=team_id, channel_id=channel_id, user_id=user_id, text=rest
        )
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=True)
    elif word == "prefs":
        ack()
        _tell_on_failure(
            respond,
            lambda: preferences.open_prefs(
                team_id=team_id, user_id=user_id, trigger_id=str(command.get("trigger_id", ""))
            ),
        )
    elif word == "digest" and not rest.strip():
        ack(text="Sending your digest as a DM…", response_type="ephemeral")
        _tell_on_failure(respond, lambda: preferences.digest_now(team_id=team_id, user_id=user_id))
    elif word == "digest":
        ack(
            text=subscribe_channel(
                preferences,
                uc.digests,
                team_id=team_id,
                user_id=user_id,
                channel_id=channel_id,
                words=rest,
            ),
            response_type="ephemeral",
        )
    elif word == "channel":
        open_channel_rules(ack, respond, uc.channel_rules, command)
    elif word == "forget-me":
        ack(blocks=forget_confirm_blocks(), text="Erase your data?", response_type="ephemeral")
    elif word in NOT_YET:
        ack(text=NOT_YET[word], response_type="ephemeral")
    else:
        problem = f"I don't know `{SLASH_COMMAND} {word[:40]}`. Here is what I can do:"
        ack(blocks=help_blocks(problem), text=problem, response_type="ephemeral")


def register(app: App) -> None:
    """Wire the slash command."""
    app.command(SLASH_COMMAND)(on_command)


def open_channel_rules(
    ack: Ack, respond: Respond, rules: HouseRules, command: dict[str, Any]
) -> None:
    """`/baton channel`: the channel's house rules in a modal, for its members; a DM has none."""
    channel_id = str(command.get("channel_id", ""))
    if is_dm(channel_id, str(command.get("channel_name", ""))):
        ack(text=DM_MESSAGE, response_type="ephemeral")
        return
    ack()
    problem = rules.open_modal(
        team_id=str(command.get("team_id", "")),
        channel_id=channel_id,
        user_id=str(command.get("user_id", "")),
        trigger_id=str(command.get("trigger_id", "")),
    )
    if problem:
        respond(text=problem, response_type="ephemeral")


def _tell_on_failure(respond: Respond, work: Any) -> None:
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
