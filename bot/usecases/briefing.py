"""Briefing: understand a request (and the answers in its thread) into a brief, or ask what
is missing; show the brief, then hand it to drafting (or to options). Also the person's own
edit of a brief, which is kept as a new version and drafted again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.adapters.claude import ModelError
from bot.adapters.slack_io import SlackCallFailed
from bot.domain.brief import (
    VAGUE_QUESTIONS,
    Brief,
    ensure_stated_constraints,
    questions_only_brief,
    vague_request_questions,
)
from bot.domain.channel_rules import rules_for_brief
from bot.domain.files.prompt import BRIEF_FILES_ASK
from bot.domain.handoff import with_answers
from bot.domain.limits import fit_thread
from bot.domain.prompts import Revision, brief_prompt
from bot.domain.render import NO_MODEL_MESSAGE, failure_blocks, questions_blocks
from bot.domain.states import DraftState, JobKind, RequestState
from bot.usecases.brief_message import BriefMessage
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.deps import Deps
from bot.usecases.drafting import Drafting
from bot.usecases.files import FilesAsContext
from bot.usecases.handoffs import Handoffs
from bot.usecases.options import Options
from bot.usecases.retry import ModelRetry
from bot.usecases.thread import Thread
from storage import feedback as feedback_store
from storage import requests as request_store
from storage.models import Draft, Job, Request

logger = logging.getLogger(__name__)


@dataclass
class Briefing:
    """From a request to its brief, and on to the first version."""

    deps: Deps
    thread: Thread
    brief_message: BriefMessage
    attachments: FilesAsContext
    drafting: Drafting
    options: Options
    retry: ModelRetry

    def run_job(self, job: Job) -> None:
        """The BRIEF_AND_DRAFT job."""
        self.brief_and_draft(job.team_id, job.request_id, job=job)

    def brief_and_draft(self, team_id: str, request_id: int, *, job: Job | None = None) -> None:
        """Understand the request (brief or questions), then draft if it is actionable."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return
            answers = [
                reply.text
                for reply in feedback_store.thread_replies(
                    session, team_id=team_id, request_id=request_id
                )
                if reply.text
            ]
            failed_draft = _failed_draft(session, request)
        try:
            if (
                job is not None
                and _resuming(job)
                and request.brief
                and (job.draft_id is not None or request.state == RequestState.DRAFTING)
            ):
                # Taken over from a process that died after the brief: the draft is what's left.
                self._first_version(team_id, request_id, job=job)
                return
            if failed_draft is not None and request.brief:
                # The brief was fine; only the draft failed. Write that draft again.
                self.drafting.write(
                    team_id,
                    request_id,
                    revision=Revision(failed_draft.trigger),
                    parent_id=failed_draft.parent_id,
                    asked_by=failed_draft.asked_by,
                    reply=failed_draft.instruction,
                    job=job,
                )
                return
            brief = self._understand(request, answers)
            if brief is None:
                return
            self._first_version(team_id, request_id, job=job)
        except SlackCallFailed as exc:
            self.thread.give_up_on_slack(team_id, request_id, exc)
        finally:
            self.thread.settle(request_id)

    def _first_version(self, team_id: str, request_id: int, *, job: Job | None) -> None:
        """The first draft, or options A, B, C in its place when the request asks for them
        (or its requester habitually asks for more takes)."""
        if not self.options.first_options(team_id, request_id, job=job):
            self.drafting.write(team_id, request_id, revision=Revision.FIRST, job=job)

    # ---- understanding ------------------------------------------------------------------

    def _understand(self, request: Request, answers: list[str]) -> Brief | None:
        """The brief, or None when Baton asked questions or could not go on (and said so)."""
        assert request.id is not None
        # "Summarise this" with a file attached is specific: the file says what it is about.
        vague = (
            vague_request_questions(request.text)
            if not answers and not self.attachments.has_files(request)
            else None
        )
        if vague is not None:
            brief = questions_only_brief(request.text, vague)
            self._save(request, brief, source="questions", state=RequestState.NEEDS_ANSWERS)
            self.thread.show(request, questions_blocks(brief, requester_id=request.requester_id))
            return None
        if self.deps.claude is None:
            self.thread.set_state(request, RequestState.NO_MODEL)
            self.thread.show(request, failure_blocks(NO_MODEL_MESSAGE, request_id=request.id))
            return None
        try:
            brief = self._extract(request, answers)
        except ModelError as exc:
            self.thread.set_state(request, RequestState.FAILED, error=str(exc))
            message = f"I couldn't write the brief: {exc}. Your request is saved."
            self.thread.show(request, failure_blocks(message, request_id=request.id))
            return None
        if not brief.actionable:
            if not brief.open_questions:
                brief = brief.model_copy(update={"open_questions": list(VAGUE_QUESTIONS)})
            version = self._save(
                request, brief, source="extracted", state=RequestState.NEEDS_ANSWERS
            )
            blocks = self.brief_message.compose(request, brief, version=version, drafting=False)
            self.thread.show(
                request, blocks + questions_blocks(brief, requester_id=request.requester_id)
            )
            return None
        version = self._save(request, brief, source="extracted", state=RequestState.DRAFTING)
        self.thread.assistant(request, title=brief.goal, status="is drafting…")
        blocks = self.brief_message.compose(request, brief, version=version, drafting=True)
        # Showing the brief runs beside the draft's model call, not before it.
        self.deps.work.submit(
            ("show", request.id), lambda: self.thread.show_quietly(request, blocks)
        )
        return brief

    def _extract(self, request: Request, answers: list[str]) -> Brief:
        """The model's brief of the request, its thread and its files (within the input cap),
        with the constraints the person stated and the questions answered in the thread."""
        claude = self.deps.claude
        assert claude is not None
        with self.deps.db.session() as session:
            rules = ChannelRulesKeeper.for_request(session, request)
            answered = Handoffs.answered(session, request)
        budget = self.deps.max_input_tokens
        # Text files take their share of the input cap first; the thread gets the rest.
        files = self.attachments.gather(request, max_input_tokens=budget)
        fitted = fit_thread(request.text, answers, budget=budget - files.tokens)
        left_out = fitted.note()
        if left_out is not None:
            logger.info("request %s trimmed to fit the input cap", request.id)
            self.thread.post_quietly(request.channel_id, request.thread_ts, left_out)
        prompt = files.attach(
            brief_prompt(
                fitted.request_text,
                fitted.answers,
                left_out=left_out,
                channel_rules=rules_for_brief(rules),
            ),
            ask=BRIEF_FILES_ASK,
        )
        brief = self.retry.call(lambda: claude.extract_brief(prompt))
        brief = ensure_stated_constraints(brief, "\n".join([request.text, *answers]))
        return with_answers(brief, answered)  # questions answered in the thread stay answered

    def _save(self, request: Request, brief: Brief, *, source: str, state: str) -> int:
        with self.deps.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            assert stored is not None
            version = request_store.save_brief(
                session, request=stored, content=brief.model_dump(), source=source
            ).version
            request_store.update_request(session, request=stored, state=state, error=None)
        return version

    # ---- the person's edit --------------------------------------------------------------

    def brief_for_editing(self, *, team_id: str, request_id: int) -> Brief | None:
        """The request's current brief (or an empty one to fill in), for the edit modal."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
        if request is None:
            return None
        if request.brief:
            return Brief.model_validate(request.brief)
        return questions_only_brief(request.text, [])

    def on_brief_edited(self, *, team_id: str, request_id: int, user_id: str, brief: Brief) -> bool:
        """Keep the edited brief as a new version and draft again from it."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return False
            version = request_store.save_brief(
                session,
                request=request,
                content=brief.model_dump(),
                source="edited",
                author_id=user_id,
            ).version
            request_store.update_request(session, request=request, state=RequestState.DRAFTING)
            job = self.deps.enqueue(
                session,
                request,
                JobKind.REVISE,
                parent_id=None,
                revision=Revision.EDITED.value,
                asked_by=user_id,
            )
        blocks = self.brief_message.compose(request, brief, version=version, drafting=True)
        self.deps.work.submit(
            ("show", request_id), lambda: self.thread.show_quietly(request, blocks)
        )
        self.deps.jobs.submit(job)
        return True


def _failed_draft(session: Session, request: Request) -> Draft | None:
    """The request's newest draft, if it failed."""
    statement = (
        select(Draft)
        .where(Draft.team_id == request.team_id, Draft.request_id == request.id)
        .order_by(col(Draft.version).desc())
        .limit(1)
    )
    newest = session.exec(statement).first()
    return newest if newest is not None and newest.state == DraftState.FAILED else None


def _resuming(job: Job) -> bool:
    """True when this job ran before (on a process that died) and is being taken over."""
    return job.attempts > 1 or job.draft_id is not None
