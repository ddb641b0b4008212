"""Reasons for a thumbs-down: after a :-1: on a draft, the person who gave it gets one
ephemeral with reason chips; the reason they pick is stored with their :-1: and teaches
their style, and "wrong facts" lowers the confidence later drafts state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.inbound import ReactionChange
from bot.domain.reasons import (
    FACTS_DAYS,
    Recorded,
    reason_chips_blocks,
    reason_message,
    reason_noted_blocks,
    reason_other_modal,
    request_kind,
)
from bot.domain.render import Block
from bot.domain.style.profile import RejectReason
from bot.domain.style.reading import measure_draft
from bot.usecases.deps import Deps
from storage import drafts as draft_store
from storage import reasons as reason_store
from storage import requests as request_store
from storage.claims import claim_once
from storage.models import Draft

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReasonOutcome:
    """How a reason (or the Other… chip) went, and where to say so."""

    ok: bool
    message: str
    channel_id: str | None = None
    thread_ts: str | None = None
    modal: Block | None = None  # for Other…: the form to open
    blocks: list[Block] | None = None  # for a chip: the ephemeral's new content


@dataclass
class Reasons:
    """The reason-chip use cases."""

    deps: Deps

    def offer(
        self, session: Session, draft: Draft, change: ReactionChange
    ) -> Callable[[], None] | None:
        """After a :-1: (in the caller's transaction): the chips, to that person only, once
        per person per draft however often they react; what to do once it commits."""
        assert draft.id is not None
        key = f"reasons:{draft.id}:{change.user_id}"
        if not claim_once(session, team_id=change.team_id, key=key):
            return None
        request = request_store.get_request(
            session, team_id=change.team_id, request_id=draft.request_id
        )
        if request is None:
            return None
        channel, thread_ts, user = request.channel_id, request.thread_ts, change.user_id
        blocks = reason_chips_blocks(draft_id=draft.id, version=draft.version)
        text = f"What missed in draft v{draft.version}? Pick a reason."

        def post() -> None:
            try:
                self.deps.slack.post_ephemeral(
                    channel=channel, user=user, text=text, thread_ts=thread_ts, blocks=blocks
                )
            except SlackCallFailed as exc:
                logger.info("could not offer reasons to %s: %s", user, exc.error)

        return post

    def other(self, *, team_id: str, user_id: str, value: str) -> ReasonOutcome:
        """The Other… chip: the form to open, or why there is nothing to give a reason for."""
        with self.deps.db.session() as session:
            draft, refused = self._judged(session, team_id, user_id, value)
        if draft is None:
            return ReasonOutcome(False, refused)
        return ReasonOutcome(
            True,
            "Tell me in the form.",
            modal=reason_other_modal(draft_id=draft.id or 0, version=draft.version),
        )

    def record(
        self,
        *,
        team_id: str,
        user_id: str,
        value: str,
        reason: RejectReason,
        note: str | None = None,
    ) -> ReasonOutcome:
        """Store the reason with the person's :-1: on the draft; once per person per draft
        (the same reason again counts once, another one replaces it)."""
        with self.deps.db.session() as session:
            draft, refused = self._judged(session, team_id, user_id, value)
            if draft is None:
                return ReasonOutcome(False, refused)
            feedback = reason_store.live_rejection(
                session, team_id=team_id, user_id=user_id, draft_id=draft.id or 0
            )
            assert feedback is not None
            stored = _known(feedback.reason)
            note = note if reason is RejectReason.OTHER else None
            request = request_store.get_request(
                session, team_id=team_id, request_id=draft.request_id
            )
            channel_id = request.channel_id if request else None
            thread_ts = request.thread_ts if request else None
            if stored is reason and feedback.reason_note == note:
                said = reason_message(Recorded(reason, None, unchanged=True))
                blocks = reason_noted_blocks(said, draft_id=draft.id or 0)
                return ReasonOutcome(True, said, channel_id, thread_ts, blocks=blocks)
            reason_store.set_reason(session, feedback=feedback, reason=reason.value, note=note)
            deliverable = str((request.brief or {}).get("deliverable", "")) if request else ""
            recorded = Recorded(
                reason,
                stored if stored is not reason else None,
                formality=measure_draft(draft.text).formality if draft.text else None,
                kind=request_kind(deliverable),
                own_request=request is None or request.requester_id == user_id,
                note=note,
            )
        logger.info("draft %s: reason %s recorded", draft.id, reason.value)
        said = reason_message(recorded)
        blocks = reason_noted_blocks(said, draft_id=draft.id or 0)
        return ReasonOutcome(True, said, channel_id, thread_ts, blocks=blocks)

    def flagged_kinds(self, session: Session, *, team_id: str, user_id: str) -> set[str]:
        """Kinds of request on which wrong facts were flagged lately, by this person or on
        their requests: their drafts of those kinds state a lower confidence."""
        since = self.deps.now() - timedelta(days=FACTS_DAYS)
        briefs = reason_store.wrong_facts_briefs(
            session, team_id=team_id, user_id=user_id, since=since
        )
        return {request_kind(str(brief.get("deliverable", ""))) for brief in briefs}

    def _judged(
        self, session: Session, team_id: str, user_id: str, value: str
    ) -> tuple[Draft | None, str]:
        """The draft a chip is about, if the person's :-1: on it stands; else why not."""
        if not value.isdigit():
            return None, "That button is out of date."
        draft = draft_store.get_draft(session, team_id=team_id, draft_id=int(value))
        if draft is None:
            return None, "That draft is no longer here."
        if (
            reason_store.live_rejection(
                session, team_id=team_id, user_id=user_id, draft_id=draft.id or 0
            )
            is None
        ):
            return None, (
                f"Your :-1: on draft v{draft.version} was taken back, so there is nothing to give "
                "a reason for. React :-1: again if it still misses."
            )
        return draft, ""


def _known(stored: str | None) -> RejectReason | None:
    return RejectReason(stored) if stored in {r.value for r in RejectReason} else None
