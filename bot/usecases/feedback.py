"""Feedback: a reaction on a draft is recorded as the person's feedback (removing it takes the
feedback back); :-1: offers reason chips, and redo, shorter and more detail ask for a revision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.constants import (
    FEEDBACK_REACTIONS,
    REACTION_ACCEPT,
    REACTION_MORE_DETAIL,
    REACTION_REDO,
    REACTION_REJECT,
    REACTION_SHORTER,
)
from bot.domain.inbound import ReactionChange
from bot.domain.prompts import Revision
from bot.domain.states import JobKind
from bot.domain.style.profile import FeedbackKind
from bot.usecases.deps import Deps
from bot.usecases.people import People
from bot.usecases.reasons import Reasons
from bot.usecases.thread import Thread
from bot.usecases.usage import UsageLimits
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import requests as request_store
from storage.claims import claim_once
from storage.models import Draft

REACTION_KINDS = {
    REACTION_ACCEPT: FeedbackKind.ACCEPT,
    REACTION_REJECT: FeedbackKind.REJECT,
    REACTION_REDO: FeedbackKind.REDO,
    REACTION_SHORTER: FeedbackKind.SHORTER,
    REACTION_MORE_DETAIL: FeedbackKind.MORE_DETAIL,
}
REVISION_FOR_REACTION = {
    REACTION_REDO: Revision.REDO,
    REACTION_SHORTER: Revision.SHORTER,
    REACTION_MORE_DETAIL: Revision.MORE_DETAIL,
}


@dataclass
class Feedback:
    """Reactions on drafts."""

    deps: Deps
    thread: Thread
    usage: UsageLimits
    reasons: Reasons
    people: People

    def on_reaction(self, change: ReactionChange) -> None:
        """A reaction on a draft is feedback; removing it takes the feedback back."""
        if change.reaction not in FEEDBACK_REACTIONS:
            return
        follow_up: Callable[[], None] | None = None
        with self.deps.db.session() as session:
            if not claim_once(session, team_id=change.team_id, key=f"evt:{change.event_id}"):
                return
            draft = draft_store.find_draft_by_message(
                session, team_id=change.team_id, channel_id=change.channel_id, ts=change.ts
            )
            if draft is None or draft.id is None:
                return
            # An add and its removal may be handled at once on two threads or replicas, each
            # before the other commits: take them one at a time, so the later sees the earlier.
            draft_store.lock_draft(session, team_id=change.team_id, draft_id=draft.id)
            mine: dict[str, Any] = {
                "team_id": change.team_id,
                "user_id": change.user_id,
                "draft_id": draft.id,
                "reaction": change.reaction,
            }
            if not change.added:
                taken_back = feedback_store.retract_reaction(session, **mine)
                if taken_back is None and change.event_ts:
                    feedback_store.note_early_removal(session, **mine, event_ts=change.event_ts)
                return
            if change.event_ts and feedback_store.removed_after(
                session, **mine, event_ts=change.event_ts
            ):
                return  # added, then removed, delivered the other way round: nothing stands
            feedback_store.record_feedback(
                session,
                team_id=change.team_id,
                user_id=change.user_id,
                request_id=draft.request_id,
                kind=REACTION_KINDS[change.reaction].value,
                draft=draft,
                reaction=change.reaction,
                message_ts=change.ts,
                at=self.deps.now(),
            )
            follow_up = self._follow_up(session, draft, change)
        self.people.remember(change.team_id, change.user_id)
        if follow_up is not None:
            follow_up()

    def _follow_up(
        self, session: Session, draft: Draft, change: ReactionChange
    ) -> Callable[[], None] | None:
        """What the reaction asks for beyond being recorded, to do once it commits."""
        assert draft.id is not None
        if change.reaction == REACTION_REJECT:
            # Reason chips, privately to whoever reacted, once per person per draft.
            return self.reasons.offer(session, draft, change)
        revision = REVISION_FOR_REACTION.get(change.reaction)
        if revision is None:
            return None
        refusal = self.usage.refusal(session, team_id=change.team_id, user_id=change.user_id)
        if refusal is not None:
            request = request_store.get_request(
                session, team_id=change.team_id, request_id=draft.request_id
            )
            if request is None:
                return None
            channel, thread_ts = request.channel_id, request.thread_ts
            return lambda: self.thread.refuse_revision(channel, thread_ts, refusal)
        # Two people asking for "shorter" on the same draft get one shorter version.
        key = f"revise:{draft.id}:{revision.value}"
        if not claim_once(session, team_id=change.team_id, key=key):
            return None
        request = request_store.get_request(
            session, team_id=change.team_id, request_id=draft.request_id
        )
        if request is None:
            return None
        job = self.deps.enqueue(
            session,
            request,
            JobKind.REVISE,
            parent_id=draft.id,
            revision=revision.value,
            asked_by=change.user_id,
        )
        return lambda: self.deps.jobs.submit(job)
