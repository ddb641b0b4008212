"""Revision: a reply in a Baton thread (answers to questions, a choice among options, or words
about the latest draft) and the next version it leads to; also the versions reactions, edited
briefs and corrected assumptions ask for (the REVISE job)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.brief import strip_bot_mention
from bot.domain.handoff import waiting_text
from bot.domain.inbound import InboundMessage
from bot.domain.prompts import Revision
from bot.domain.states import JobKind, RequestState
from bot.domain.style.profile import FeedbackKind
from bot.usecases.briefing import Briefing
from bot.usecases.choosing import Choosing
from bot.usecases.deps import Deps
from bot.usecases.drafting import Drafting
from bot.usecases.handoffs import Handoffs
from bot.usecases.thread import ReplyPlan, Thread
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import requests as request_store
from storage.models import Job, Request


@dataclass
class Revisions:
    """Replies in the thread, and the versions they and others ask for."""

    deps: Deps
    thread: Thread
    handoffs: Handoffs
    choosing: Choosing
    briefing: Briefing
    drafting: Drafting

    # ---- a reply arrives (in the message's transaction) ---------------------------------

    def plan_reply(self, session: Session, request: Request, message: InboundMessage) -> ReplyPlan:
        """Record a reply in a Baton thread and decide what it asks for. A reply from someone
        holding handed-off questions answers them; drafting waits while any are still open."""
        answer = self.handoffs.record_answer(session, request, message, at=self.deps.now())
        channel, thread_ts = request.channel_id, request.thread_ts
        if answer is None:
            chosen = self.choosing.plan_reply(session, request, message)
            if chosen is not None:
                return chosen  # "B but warmer" picks one of the options waiting above
            self._record_reply(session, request, message)
            waiting = (
                Handoffs.still_open(session, request)
                if request.state == RequestState.NEEDS_ANSWERS
                else 0
            )
            if waiting:
                note = waiting_text(waiting)
                return ReplyPlan(
                    None, after=lambda: self.thread.post_quietly(channel, thread_ts, note)
                )
            return ReplyPlan(JobKind.REPLY)
        team_id, request_id = request.team_id, request.id or 0

        def refresh() -> None:
            self.handoffs.refresh(team_id=team_id, request_id=request_id)

        if answer.still_open:
            return ReplyPlan(None, after=refresh)
        if request.state == RequestState.NEEDS_ANSWERS:
            return ReplyPlan(JobKind.REPLY)  # brief again with the answers, then draft
        if request.state in (RequestState.DRAFTED, RequestState.DRAFTING):
            # A draft is out (or being written from the brief as it was): the next version
            # uses the answers. Failed or held requests pick them up on Retry.
            latest = draft_store.latest_complete_draft(
                session, team_id=team_id, request_id=request_id
            )
            args = {
                "parent_id": latest.id if latest is not None else None,
                "revision": Revision.ANSWERED.value,
                "asked_by": message.user_id,
            }
            return ReplyPlan(JobKind.REVISE, args, after=refresh)
        return ReplyPlan(None, after=refresh)

    def _record_reply(self, session: Session, request: Request, message: InboundMessage) -> None:
        assert request.id is not None
        latest = draft_store.latest_complete_draft(
            session, team_id=request.team_id, request_id=request.id
        )
        answering = request.state == RequestState.NEEDS_ANSWERS or latest is None
        feedback_store.record_feedback(
            session,
            team_id=message.team_id,
            user_id=message.user_id,
            request_id=request.id,
            kind=(FeedbackKind.ANSWER if answering else FeedbackKind.REPLY).value,
            draft=None if answering else latest,
            text=strip_bot_mention(message.text, self.deps.slack.bot_user_id),
            message_ts=message.ts,
            at=self.deps.now(),
        )

    # ---- the jobs -----------------------------------------------------------------------

    def run_reply_job(self, job: Job) -> None:
        """The REPLY job."""
        self.handle_reply(job.team_id, job.request_id, job=job)

    def run_revise_job(self, job: Job) -> None:
        """The REVISE job."""
        self.revise(
            job.team_id,
            job.request_id,
            parent_id=job.args.get("parent_id"),
            revision=Revision(job.args["revision"]),
            asked_by=str(job.args.get("asked_by") or ""),
            job=job,
        )

    def handle_reply(self, team_id: str, request_id: int, *, job: Job | None = None) -> None:
        """A reply in the thread: answers to questions, or a revision of the latest draft."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return
            latest = draft_store.latest_complete_draft(
                session, team_id=team_id, request_id=request_id
            )
            replies = feedback_store.thread_replies(session, team_id=team_id, request_id=request_id)
        last_reply = replies[-1] if replies else None
        if last_reply is None:
            return
        if latest is None or request.state == RequestState.NEEDS_ANSWERS:
            # No draft yet to revise: the reply is more to go on. Brief again, then draft.
            self.briefing.brief_and_draft(team_id, request_id, job=job)
            return
        try:
            self.drafting.write(
                team_id,
                request_id,
                revision=Revision.REPLY,
                parent_id=latest.id,
                asked_by=last_reply.user_id,
                reply=last_reply.text,
                job=job,
            )
        except SlackCallFailed as exc:
            self.thread.give_up_on_slack(team_id, request_id, exc)

    def revise(
        self,
        team_id: str,
        request_id: int,
        *,
        parent_id: int | None,
        revision: Revision,
        asked_by: str,
        job: Job | None = None,
    ) -> None:
        """A reaction (or an edited brief) asked for another take, shorter or more detail."""
        try:
            self.drafting.write(
                team_id,
                request_id,
                revision=revision,
                parent_id=parent_id,
                asked_by=asked_by,
                job=job,
            )
        except SlackCallFailed as exc:
            self.thread.give_up_on_slack(team_id, request_id, exc)
