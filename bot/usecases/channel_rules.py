"""Channel rules: `/baton channel` opens them, members change them, and every brief
made in the channel starts from the version in force when its request was made."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.channel_rules import (
    ChannelRules,
    RulesChange,
    rules_from_form,
    rules_modal,
    saved_message,
)
from storage import channel_rules as rules_store
from storage.db import Database
from storage.models import ChannelRulesVersion, Request, utcnow

logger = logging.getLogger(__name__)

DM_MESSAGE = (
    "Direct messages have no channel rules: they belong to a channel. Run `/baton channel` in "
    "a channel to see or change its rules; your own style (`/baton prefs`) applies everywhere."
)
NOT_A_MEMBER = "Only members of this channel can change its channel rules."


def as_rules(row: ChannelRulesVersion) -> ChannelRules:
    """A stored version as the domain's rules."""
    return ChannelRules(
        audience=row.audience,
        style=row.style,
        avoid=tuple(row.avoid or ()),
        constraints=tuple(row.constraints or ()),
        language=row.language,
    )


def is_dm(channel_id: str, channel_name: str = "") -> bool:
    """True for a direct message with Baton (a slash command there names it so)."""
    return channel_id.startswith("D") or channel_name == "directmessage"


@dataclass
class ChannelRulesKeeper:
    """Use cases behind `/baton channel` and the rules every brief starts from."""

    db: Database
    slack: SlackIO
    clock: Callable[[], datetime] = utcnow

    def membership_problem(self, *, channel_id: str, user_id: str) -> str | None:
        """Why this person may not change the channel's rules, or None if they may. Asked of
        Slack each time, not cached: a person who just left must not keep the right."""
        try:
            members = self.slack.conversation_members(channel_id)
        except SlackCallFailed as exc:
            if exc.error == "missing_scope":
                return (
                    "Baton's Slack app may not list channel members yet (it needs the "
                    "`channels:read` and `groups:read` scopes): ask an admin to reinstall it."
                )
            if exc.error in ("channel_not_found", "not_in_channel"):
                return (
                    "I can't see who is in this channel, so I can't let anyone change its house "
                    "rules. Invite me with `/invite @Baton`, then try again."
                )
            return f"I couldn't check who is in this channel (Slack said {exc.error}); try again."
        return None if user_id in members else NOT_A_MEMBER

    def open_modal(
        self, *, team_id: str, channel_id: str, user_id: str, trigger_id: str
    ) -> str | None:
        """Open the rules modal, prefilled; returns what to tell the person when it can't."""
        problem = self.membership_problem(channel_id=channel_id, user_id=user_id)
        if problem is not None:
            return problem
        with self.db.session() as session:
            history = rules_store.rules_history(session, team_id=team_id, channel_id=channel_id)
        current = as_rules(history[0]) if history else ChannelRules()
        changes = [
            RulesChange(
                version=row.version,
                changed_by=row.changed_by,
                changed_at=row.changed_at,
                cleared=as_rules(row).empty,
            )
            for row in history
        ]
        view = rules_modal(current, channel_id=channel_id, history=changes)
        try:
            self.slack.open_view(trigger_id=trigger_id, view=view)
        except SlackCallFailed as exc:
            return f"Slack would not open the form ({exc.error}); please try again."
        return None

    def save(
        self, *, team_id: str, channel_id: str, user_id: str, values: dict[str, Any]
    ) -> tuple[dict[str, str], str | None]:
        """Store what the person entered: (errors by block id, nothing saved) or ({}, what
        to tell them)."""
        rules, errors = rules_from_form(values)
        if errors or rules is None:
            return errors, None
        problem = self.membership_problem(channel_id=channel_id, user_id=user_id)
        if problem is not None:
            return {"audience": problem}, None
        try:
            with self.db.session() as session:
                row = rules_store.save_rules(
                    session,
                    team_id=team_id,
                    channel_id=channel_id,
                    audience=rules.audience,
                    style=rules.style,
                    avoid=list(rules.avoid),
                    constraints=list(rules.constraints),
                    language=rules.language,
                    changed_by=user_id,
                    now=self.clock(),
                )
        except rules_store.ConcurrentChange:
            return {
                "audience": "Someone changed these rules a moment ago. Close this and run "
                "`/baton channel` again to see theirs."
            }, None
        if row is not None:
            logger.info("channel rules of %s now v%s", channel_id, row.version)
        version = row.version if row is not None else None
        return {}, saved_message(rules, channel_id=channel_id, version=version)

    def tell(self, *, channel_id: str, user_id: str, text: str) -> None:
        """Say how a save went, privately, in the channel (or by DM where Baton isn't in it)."""
        try:
            self.slack.post_ephemeral(channel=channel_id, user=user_id, text=text)
            return
        except SlackCallFailed as exc:
            logger.info("no ephemeral in %s (%s); saying it by DM", channel_id, exc.error)
        try:
            self.slack.post(channel=user_id, thread_ts=None, blocks=_notice(text), text=text)
        except SlackCallFailed as exc:
            logger.warning("could not say how a rules change went: %s", exc.error)

    @staticmethod
    def for_request(session: Session, request: Request) -> ChannelRules | None:
        """The rules a request's briefs and drafts start from: those in force when it was made
        (None in a DM, or where the channel has none)."""
        if request.channel_type == "im":
            return None
        row = rules_store.rules_at(
            session, team_id=request.team_id, channel_id=request.channel_id, at=request.created_at
        )
        if row is None:
            return None
        rules = as_rules(row)
        return None if rules.empty else rules


def _notice(text: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3_000]}}]
