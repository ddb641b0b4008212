"""Baton's use cases: each owns its short transactions and makes its Slack and Claude calls
after them, never inside them (an open SQLite transaction across a network call locks
everyone else out)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from bot.adapters.claude import Claude, DraftOutcome, ModelError
from bot.adapters.members import MemberCache
from bot.adapters.publisher import DraftPublisher, posted_parts
from bot.adapters.slack_io import SlackCallFailed, SlackIO, UpdateBudget
from bot.constants import (
    FEEDBACK_REACTIONS,
    REACTION_ACCEPT,
    REACTION_MORE_DETAIL,
    REACTION_REDO,
    REACTION_REJECT,
    REACTION_SHORTER,
    SUGGESTED_PROMPTS,
)
from bot.domain.assumptions import confirmed_brief, open_refs
from bot.domain.brief import (
    VAGUE_QUESTIONS,
    Brief,
    count_words,
    ensure_stated_constraints,
    questions_only_brief,
    strip_bot_mention,
    vague_request_questions,
    word_limit,
)
from bot.domain.channel_rules import rules_blocks, rules_for_brief, rules_for_draft
from bot.domain.files import BRIEF_FILES_ASK, DRAFT_FILES_ASK
from bot.domain.handoff import question_blocks, waiting_text, with_answers
from bot.domain.inbound import Deletion, InboundMessage, ReactionChange
from bot.domain.limits import Limits, Refusal, fit_thread
from bot.domain.limits import check as check_limits
from bot.domain.prompts import Revision, brief_prompt, draft_prompt
from bot.domain.reasons import request_kind, stated_confidence
from bot.domain.render import (
    NO_MODEL_MESSAGE,
    DraftFooter,
    brief_blocks,
    defuse_broadcasts,
    failure_blocks,
    notice_blocks,
    questions_blocks,
    working_blocks,
)
from bot.domain.states import DraftState, JobKind, RequestState
from bot.domain.style import (
    FeedbackKind,
    StyleProfile,
    adaptation_note,
    style_instructions,
)
from bot.runtime.jobs import JobRunner
from bot.runtime.work import WorkPool
from bot.usecases.channel_rules import HouseRules
from bot.usecases.files import Attachments
from bot.usecases.handoffs import Handoffs
from bot.usecases.preferences import load_style
from storage import assumption_checks as check_store
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import handoffs as handoff_store
from storage import jobs as job_store
from storage import limits as limit_store
from storage import people as people_store
from storage import requests as request_store
from storage.claims import claim_once
from storage.db import Database
from storage.models import Draft, Job, Request, utcnow

if TYPE_CHECKING:
    from bot.usecases.options import OptionDesk
    from bot.usecases.reasons import ReasonDesk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyPlan:
    """What a reply in a Baton thread leads to: a job to run (None: nothing to write yet)
    and what to show in Slack after the reply's transaction."""

    kind: str | None
    args: dict[str, Any] = field(default_factory=dict)
    after: Callable[[], None] | None = None


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
class Baton:
    """The core loop: requests become briefs and drafts; feedback revises and teaches."""

    db: Database
    slack: SlackIO
    claude: Claude | None
    work: WorkPool
    jobs: JobRunner
    updates: UpdateBudget
    # Baton's own retries after the SDK's: seconds to wait before each further attempt.
    model_backoff: tuple[float, ...] = (2.0, 8.0)
    stream_interval: float = 1.0
    limits: Limits = field(default_factory=Limits)
    # What one brief call may carry: the request and as many recent replies as fit.
    max_input_tokens: int = 40_000
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = utcnow
    # Requests whose "reading your request" line is being posted right now.
    _placeholders: dict[int, threading.Event] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    # People whose Slack time zone this process has already looked up.
    _people_seen: set[tuple[str, str]] = field(default_factory=set, init=False)
    # Channel rules and hand-offs of open questions (usecases/channel_rules.py, handoffs.py).
    house_rules: HouseRules = field(init=False)
    handoffs: Handoffs = field(init=False)
    # Options, then variation; reasons for a thumbs-down (usecases/options.py, reasons.py).
    options: OptionDesk = field(init=False)
    reasons: ReasonDesk = field(init=False)
    # Files attached in Baton's threads, as context for Claude (bot/usecases/files.py).
    attachments: Attachments = field(init=False)

    def __post_init__(self) -> None:
        # Imported here: these modules build on this one (they import Baton, JobKind, State).
        from bot.usecases.options import OptionDesk
        from bot.usecases.reasons import ReasonDesk

        self.options = OptionDesk(self)
        self.reasons = ReasonDesk(self)
        self.attachments = Attachments(
            db=self.db,
            slack=self.slack,
            members=MemberCache(self.slack),
            clock=lambda: self.clock(),
            refresh_brief=self._reshow_brief,
        )
        self.jobs.on(JobKind.OPTIONS, self.options.run_options_job)
        self.jobs.on(JobKind.OPTION_CHOSEN, self.options.run_chosen_job)
        self.house_rules = HouseRules(db=self.db, slack=self.slack, clock=lambda: self.clock())
        self.handoffs = Handoffs(
            db=self.db,
            slack=self.slack,
            work=self.work,
            render=self._brief_message,
            clock=lambda: self.clock(),
        )
        self.jobs.on(
            JobKind.BRIEF_AND_DRAFT,
            lambda job: self.brief_and_draft(job.team_id, job.request_id, job=job),
        )
        self.jobs.on(
            JobKind.REPLY, lambda job: self.handle_reply(job.team_id, job.request_id, job=job)
        )
        self.jobs.on(
            JobKind.REVISE,
            lambda job: self.revise(
                job.team_id,
                job.request_id,
                parent_id=job.args.get("parent_id"),
                revision=Revision(job.args["revision"]),
                asked_by=str(job.args.get("asked_by") or ""),
                job=job,
            ),
        )

    # ---- events ------------------------------------------------------------------------

    def on_message(self, message: InboundMessage) -> None:
        """A person wrote: a new request, a reply in a Baton thread, or nothing for Baton."""
        addressed = message.is_dm or message.mentions_bot
        if not addressed and not message.in_thread:
            return  # channel chatter: not for Baton, and not worth a database write
        with self.db.session() as session:
            thread = None
            if message.in_thread and message.thread_ts:
                thread = request_store.find_thread_request(
                    session,
                    team_id=message.team_id,
                    channel_id=message.channel_id,
                    thread_ts=message.thread_ts,
                )
            if thread is None and not addressed:
                return  # a reply in a thread Baton is not part of
            # app_mention and message.* both deliver a mention: act on the message once.
            key = f"msg:{message.channel_id}:{message.ts}"
            if not claim_once(session, team_id=message.team_id, key=key):
                return
            refusal = self._over_limit(session, team_id=message.team_id, user_id=message.user_id)
            job: Job | None = None
            plan: ReplyPlan | None = None
            if thread is not None:
                self.attachments.note(session, request=thread, message=message)
                plan = self._plan_reply(session, thread, message)
                request_id = thread.id
                new_request = None
                if plan.kind is None:
                    refusal = None  # nothing to write yet, so no limit to meet
                elif refusal is None:
                    job = self._enqueue(session, thread, plan.kind, **plan.args)
            else:
                new_request = request_store.create_request(
                    session,
                    team_id=message.team_id,
                    channel_id=message.channel_id,
                    channel_type=message.channel_type,
                    message_ts=message.ts,
                    thread_ts=message.thread_ts or message.ts,
                    requester_id=message.user_id,
                    text=strip_bot_mention(message.text, self.slack.bot_user_id),
                    # Over a limit the request is still kept, waiting for Retry.
                    state=RequestState.LIMITED if refusal else RequestState.BRIEFING,
                )
                if new_request is None:
                    return
                request_id = new_request.id
                self.attachments.note(session, request=new_request, message=message)
                if refusal is None:
                    job = self._enqueue(session, new_request, JobKind.BRIEF_AND_DRAFT)
        assert request_id is not None
        if new_request is not None and refusal is not None:
            self._refuse_request(new_request, refusal)
        elif new_request is not None and job is not None:
            self._start(new_request, job)
        elif refusal is not None:
            # The reply is recorded; the revision it asks for waits until there is room.
            self._refuse_revision(message.channel_id, message.thread_ts or message.ts, refusal)
        elif job is not None:
            self.remember_person(message.team_id, message.user_id)
            self.jobs.submit(job)
        if plan is not None and plan.after is not None:
            plan.after()

    def on_brief_command(
        self, *, team_id: str, channel_id: str, user_id: str, text: str
    ) -> str | None:
        """`/baton brief <text>`: post the request in the channel as Baton, then the usual flow.
        Returns what to tell the person privately when it cannot start."""
        text = text.strip()
        if not text:
            return "Tell me what you need, e.g. `/baton brief a launch note for customers`."
        shown = text if len(text) <= 2_900 else text[:2_900] + "… (the full request is kept)"
        try:
            ts = self.slack.post(
                channel=channel_id,
                thread_ts=None,
                blocks=notice_blocks(f":memo: <@{user_id}> asked Baton:\n{shown}"),
                text=f"<@{user_id}> asked Baton: {text}",
            )
        except SlackCallFailed as exc:
            if exc.error in ("not_in_channel", "channel_not_found"):
                return (
                    "I'm not in this conversation, so I can't post here. Invite me with "
                    "`/invite @Baton` (or mention me), then try again."
                )
            return f"Slack would not let me post here ({exc.error})."
        with self.db.session() as session:
            refusal = self._over_limit(session, team_id=team_id, user_id=user_id)
            request = request_store.create_request(
                session,
                team_id=team_id,
                channel_id=channel_id,
                channel_type={"D": "im", "G": "group"}.get(channel_id[:1], "channel"),
                message_ts=ts,
                thread_ts=ts,
                requester_id=user_id,
                text=text,
                state=RequestState.LIMITED if refusal else RequestState.BRIEFING,
            )
            job = (
                self._enqueue(session, request, JobKind.BRIEF_AND_DRAFT)
                if request is not None and refusal is None
                else None
            )
        if request is not None and refusal is not None:
            self._refuse_request(request, refusal)
        elif request is not None and job is not None:
            self._start(request, job)
        return None

    def on_assistant_thread_started(self, *, channel_id: str, thread_ts: str) -> None:
        """Offer common briefs as suggested prompts in Slack's assistant view."""
        prompts = [{"title": title, "message": text} for title, text in SUGGESTED_PROMPTS]
        try:
            self.slack.assistant_prompts(channel=channel_id, thread_ts=thread_ts, prompts=prompts)
        except SlackCallFailed as exc:
            logger.info("no suggested prompts for %s: %s", channel_id, exc.error)

    def _assistant(
        self, request: Request, *, status: str | None = None, title: str | None = None
    ) -> None:
        """Status and title in an assistant thread (a DM thread); elsewhere nothing."""
        if request.channel_type != "im" or request.thread_ts == request.message_ts:
            return
        try:
            if title:
                self.slack.assistant_title(
                    channel=request.channel_id, thread_ts=request.thread_ts, title=title[:250]
                )
            if status:
                self.slack.assistant_status(
                    channel=request.channel_id, thread_ts=request.thread_ts, status=status
                )
        except SlackCallFailed as exc:
            logger.debug("not an assistant thread, or no access: %s", exc.error)

    def remember_person(self, team_id: str, user_id: str) -> None:
        """Learn a new person's Slack time zone once, off the ack path: their digests and
        learned timing are in their local time."""
        with self._lock:
            if (team_id, user_id) in self._people_seen:
                return
            self._people_seen.add((team_id, user_id))
        self.work.submit(
            ("person", team_id, user_id), lambda: self._store_timezone(team_id, user_id)
        )

    def forget_person(self, team_id: str, user_id: str) -> None:
        """Drop what this process remembers of a person (their stored data is erased apart)."""
        with self._lock:
            self._people_seen.discard((team_id, user_id))

    def _store_timezone(self, team_id: str, user_id: str) -> None:
        with self.db.session() as session:
            person = people_store.get_person(session, team_id=team_id, user_id=user_id)
            if person is not None and person.slack_timezone:
                return
        try:
            tz = self.slack.user_timezone(user_id)
        except SlackCallFailed as exc:
            logger.info("no time zone for %s: %s", user_id, exc.error)
            return
        if tz:
            with self.db.session() as session:
                people_store.save_person(
                    session, team_id=team_id, user_id=user_id, slack_timezone=tz
                )

    def _start(self, request: Request, job: Job) -> None:
        """Work on a new request: the brief call and the placeholder go out side by side."""
        self.remember_person(request.team_id, request.requester_id)
        request_id = request.id
        assert request_id is not None
        posted = threading.Event()
        with self._lock:
            self._placeholders[request_id] = posted
        self.jobs.submit(job)
        try:
            self._post_placeholder(request)
        finally:
            posted.set()
        self._assistant(request, status="is reading your request…")

    def on_message_deleted(self, deletion: Deletion) -> None:
        """A person deleted a message in Slack: Baton's stored copy of its words goes too."""
        with self.db.session() as session:
            forgotten = request_store.forget_message_text(
                session, team_id=deletion.team_id, channel_id=deletion.channel_id, ts=deletion.ts
            )
            forgotten += feedback_store.forget_message_text(
                session, team_id=deletion.team_id, ts=deletion.ts
            )
            forgotten += handoff_store.forget_message_text(
                session, team_id=deletion.team_id, ts=deletion.ts
            )
        if forgotten:
            logger.info("dropped the stored text of a deleted message (%s rows)", forgotten)

    def on_reaction(self, change: ReactionChange) -> None:
        """A reaction on a draft is feedback; removing it takes the feedback back."""
        if change.reaction not in FEEDBACK_REACTIONS:
            return
        follow_up: Callable[[], None] | None = None
        with self.db.session() as session:
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
            mine = {
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
                at=self.clock(),
            )
            follow_up = self._reaction_follow_up(session, draft, change)
        self.remember_person(change.team_id, change.user_id)
        if follow_up is not None:
            follow_up()

    def on_retry(self, *, team_id: str, request_id: int, user_id: str) -> str:
        """The Retry button: run the failed step again, once, however often it is pressed.
        Returns what to tell the person who pressed it."""
        with self.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return "I can't find that request any more."
            refusal = self._over_limit(session, team_id=team_id, user_id=request.requester_id)
            if refusal is not None and request.state in (RequestState.FAILED, RequestState.LIMITED):
                return refusal.message
            moved = request_store.transition_request(
                session,
                team_id=team_id,
                request_id=request_id,
                from_states=(RequestState.FAILED, RequestState.NO_MODEL, RequestState.LIMITED),
                to_state=RequestState.QUEUED,
            )
            if not moved:
                return "That request is already being worked on, or done."
            job = self._enqueue(session, request, JobKind.BRIEF_AND_DRAFT)
        logger.info("retry of request %s asked by %s", request_id, user_id)
        self.jobs.submit(job)
        return "Trying again…"

    def brief_for_editing(self, *, team_id: str, request_id: int) -> Brief | None:
        """The request's current brief (or an empty one to fill in), for the edit modal."""
        with self.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
        if request is None:
            return None
        if request.brief:
            return Brief.model_validate(request.brief)
        return questions_only_brief(request.text, [])

    def on_brief_edited(self, *, team_id: str, request_id: int, user_id: str, brief: Brief) -> bool:
        """Keep the edited brief as a new version and draft again from it."""
        with self.db.session() as session:
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
            job = self._enqueue(
                session,
                request,
                JobKind.REVISE,
                parent_id=None,
                revision=Revision.EDITED.value,
                asked_by=user_id,
            )
        blocks = brief_blocks(
            brief,
            request_id=request_id,
            version=version,
            drafting=True,
            confirmed=self._confirmed(request),
            **self._brief_extras(request, brief),
        )
        self.work.submit(("show", request_id), lambda: self._show_quietly(request, blocks))
        self.jobs.submit(job)
        return True

    # ---- slow work (runs on the work pool) ------------------------------------------------

    def brief_and_draft(self, team_id: str, request_id: int, *, job: Job | None = None) -> None:
        """Understand the request (brief or questions), then draft if it is actionable."""
        with self.db.session() as session:
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
            failed_draft = self._failed_draft(session, request)
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
                self._write_draft(
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
            self._give_up_on_slack(team_id, request_id, exc)
        finally:
            with self._lock:
                posted = self._placeholders.get(request_id)
                if posted is not None and posted.is_set():
                    del self._placeholders[request_id]  # nothing left to wait for

    def _first_version(self, team_id: str, request_id: int, *, job: Job | None) -> None:
        """The first draft, or options A, B, C in its place when the request asks for them
        (or its requester habitually asks for more takes)."""
        if not self.options.first_options(team_id, request_id, job=job):
            self._write_draft(team_id, request_id, revision=Revision.FIRST, job=job)

    def handle_reply(self, team_id: str, request_id: int, *, job: Job | None = None) -> None:
        """A reply in the thread: answers to questions, or a revision of the latest draft."""
        with self.db.session() as session:
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
            self.brief_and_draft(team_id, request_id, job=job)
            return
        try:
            self._write_draft(
                team_id,
                request_id,
                revision=Revision.REPLY,
                parent_id=latest.id,
                asked_by=last_reply.user_id,
                reply=last_reply.text,
                job=job,
            )
        except SlackCallFailed as exc:
            self._give_up_on_slack(team_id, request_id, exc)

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
            self._write_draft(
                team_id,
                request_id,
                revision=revision,
                parent_id=parent_id,
                asked_by=asked_by,
                job=job,
            )
        except SlackCallFailed as exc:
            self._give_up_on_slack(team_id, request_id, exc)

    # ---- steps ------------------------------------------------------------------------

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
            self._save_brief(request, brief, source="questions", state=RequestState.NEEDS_ANSWERS)
            self._show(request, questions_blocks(brief, requester_id=request.requester_id))
            return None
        if self.claude is None:
            self._set_state(request, RequestState.NO_MODEL)
            self._show(request, failure_blocks(NO_MODEL_MESSAGE, request_id=request.id))
            return None
        claude = self.claude
        with self.db.session() as session:
            rules = HouseRules.for_request(session, request)
            answered = self.handoffs.answered(session, request)
        # Text files take their share of the input cap first; the thread gets the rest.
        files = self.attachments.gather(request, max_input_tokens=self.max_input_tokens)
        fitted = fit_thread(request.text, answers, budget=self.max_input_tokens - files.tokens)
        left_out = fitted.note()
        if left_out is not None:
            logger.info("request %s trimmed to fit the input cap", request.id)
            self._post_quietly(request.channel_id, request.thread_ts, left_out)
        try:
            brief = self._with_model_retries(
                lambda: claude.extract_brief(
                    files.attach(
                        brief_prompt(
                            fitted.request_text,
                            fitted.answers,
                            left_out=left_out,
                            channel_rules=rules_for_brief(rules),
                        ),
                        ask=BRIEF_FILES_ASK,
                    )
                )
            )
        except ModelError as exc:
            self._set_state(request, RequestState.FAILED, error=str(exc))
            message = f"I couldn't write the brief: {exc}. Your request is saved."
            self._show(request, failure_blocks(message, request_id=request.id))
            return None
        brief = ensure_stated_constraints(brief, "\n".join([request.text, *answers]))
        brief = with_answers(brief, answered)  # questions answered in the thread stay answered
        if not brief.actionable:
            if not brief.open_questions:
                brief = brief.model_copy(update={"open_questions": list(VAGUE_QUESTIONS)})
            version = self._save_brief(
                request, brief, source="extracted", state=RequestState.NEEDS_ANSWERS
            )
            blocks = brief_blocks(
                brief,
                request_id=request.id,
                version=version,
                drafting=False,
                confirmed=self._confirmed(request),
                **self._brief_extras(request, brief),
            )
            self._show(request, blocks + questions_blocks(brief, requester_id=request.requester_id))
            return None
        version = self._save_brief(request, brief, source="extracted", state=RequestState.DRAFTING)
        self._assistant(request, title=brief.goal, status="is drafting…")
        blocks = brief_blocks(
            brief,
            request_id=request.id,
            version=version,
            drafting=True,
            confirmed=self._confirmed(request),
            **self._brief_extras(request, brief),
        )
        # Showing the brief runs beside the draft's model call, not before it.
        self.work.submit(("show", request.id), lambda: self._show_quietly(request, blocks))
        return brief

    def _write_draft(
        self,
        team_id: str,
        request_id: int,
        *,
        revision: Revision,
        parent_id: int | None = None,
        asked_by: str | None = None,
        reply: str | None = None,
        job: Job | None = None,
    ) -> Draft | None:
        """Stream a new draft version into the thread; retry Claude, then say what failed.
        A job taken over from a dead process resumes the draft it had started, in the same
        Slack messages, instead of posting another version."""
        with self.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief:
                return None
            resumed = self._started_draft(session, job)
            if resumed is not None and resumed.state in (DraftState.COMPLETE, DraftState.FAILED):
                return None  # finished (or said what failed) before its process died
            if resumed is not None:
                revision = Revision(resumed.trigger)
                parent_id, asked_by, reply = (
                    resumed.parent_id,
                    resumed.asked_by,
                    resumed.instruction,
                )
            parent = (
                draft_store.get_draft(session, team_id=team_id, draft_id=parent_id)
                if parent_id is not None
                else None
            )
            profile = self._profile(session, team_id=team_id, user_id=request.requester_id)
            confirmed = check_store.confirmations(session, team_id=team_id, request_id=request_id)
            person = people_store.get_person(session, team_id=team_id, user_id=request.requester_id)
            language = person.language if person is not None else None
            # Wrong facts flagged lately on this kind of request lower the stated confidence.
            flagged = self.reasons.flagged_kinds(
                session, team_id=team_id, user_id=request.requester_id
            )
            rules = HouseRules.for_request(session, request)
            if rules is not None and language:
                rules = rules.without_language()  # the person's own language wins
            draft = resumed or draft_store.create_draft(
                session,
                team_id=team_id,
                request_id=request_id,
                channel_id=request.channel_id,
                trigger=revision.value,
                parent_id=parent_id,
                asked_by=asked_by,
                instruction=reply,
            )
            assert draft.id is not None
            if job is not None and job.id is not None and resumed is None:
                # Recorded with the draft, before anything is posted: a rerun finds it.
                job_store.record_job_draft(session, job_id=job.id, draft_id=draft.id)
            shown_parts = draft_store.draft_message_parts(
                session, team_id=team_id, draft_id=draft.id
            )
            request_store.update_request(session, request=request, state=RequestState.DRAFTING)
        if self.claude is None:
            self._fail_draft(draft, request, NO_MODEL_MESSAGE, state=RequestState.NO_MODEL)
            return None
        brief = Brief.model_validate(request.brief)
        files = self.attachments.gather(request, max_input_tokens=self.max_input_tokens)
        prompt = draft_prompt(
            confirmed_brief(brief, confirmed),
            style=style_instructions(profile)
            + ([f"Write in {language}, whatever language the request is in."] if language else []),
            revision=revision,
            previous_draft=parent.text if parent is not None else None,
            reply=reply,
            channel_rules=rules_for_draft(rules),
        )
        prompt = files.attach(prompt, ask=DRAFT_FILES_ASK, revision=revision is not Revision.FIRST)
        publisher = DraftPublisher(
            slack=self.slack,
            budget=self.updates,
            team_id=team_id,
            channel_id=request.channel_id,
            thread_ts=request.thread_ts,
            version=draft.version,
            on_posted=lambda ts, part: self._remember_message(draft, ts, part),
            min_interval=self.stream_interval,
            allowed_broadcasts=request.text,
            draft_id=draft.id,
        )
        if resumed is not None and not shown_parts:
            # The process may have died between Slack taking the post and recording its ts.
            shown_parts = self._find_posted_parts(draft, request)
        if shown_parts:
            logger.info("resuming draft %s in its %s posted messages", draft.id, len(shown_parts))
            publisher.resume(shown_parts)
        attempts = len(self.model_backoff) + 1
        outcome = DraftOutcome()
        for attempt in range(attempts):
            try:
                for chunk in self.claude.stream_draft(prompt, outcome):
                    publisher.feed(chunk)
                if not publisher.text.strip():
                    raise ModelError("Claude returned an empty draft", retryable=True)
                break
            except ModelError as exc:
                last = attempt == attempts - 1 or not exc.retryable
                if last:
                    publisher.interrupt(f":warning: _cut off: {exc}. This text is incomplete._")
                    self._fail_draft(
                        draft, request, f"I couldn't finish draft v{draft.version}: {exc}."
                    )
                    return None
                publisher.interrupt(f":warning: _{exc}; starting this draft again…_")
                self.sleep(self.model_backoff[attempt])
                publisher.restart()
        words = count_words(publisher.text)
        note = adaptation_note(profile)
        # Confirmed assumptions are no longer uncertain: the footer lists only the others.
        unconfirmed = open_refs(
            brief.assumptions,
            request_id=request_id,
            version=request.brief_version,
            confirmed=confirmed,
        )
        confidence, confidence_reason = stated_confidence(
            brief.confidence,
            brief.confidence_reason,
            kind=request_kind(brief.deliverable),
            flagged_kinds=flagged,
        )
        footer = DraftFooter(
            confidence=confidence,
            confidence_reason=confidence_reason,
            assumptions=tuple(ref.text for ref in unconfirmed),
            adaptation=note,
            word_limit=word_limit(brief),
            words=words,
            truncated=outcome.truncated,
            assumption_refs=tuple(unconfirmed),
            draft_id=draft.id,
        )
        publisher.finish(footer)
        with self.db.session() as session:
            stored = draft_store.get_draft(session, team_id=team_id, draft_id=draft.id or 0)
            if stored is not None:
                draft_store.update_draft(
                    session,
                    draft=stored,
                    text=defuse_broadcasts(publisher.text, allowed=request.text),
                    state=DraftState.COMPLETE,
                    completed_at=utcnow(),
                    adaptation_note=note,
                )
            current = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if current is not None:
                request_store.update_request(
                    session, request=current, state=RequestState.DRAFTED, error=None
                )
        return draft

    # ---- helpers ------------------------------------------------------------------------

    def _over_limit(self, session: Session, *, team_id: str, user_id: str) -> Refusal | None:
        usage = limit_store.usage(session, team_id=team_id, user_id=user_id, now=self.clock())
        return check_limits(usage, self.limits)

    def _refuse_request(self, request: Request, refusal: Refusal) -> None:
        """Say why a new request waits; it is stored, and Retry starts it."""
        logger.info("request %s held: over a usage limit", request.id)
        try:
            self.slack.post(
                channel=request.channel_id,
                thread_ts=request.thread_ts,
                blocks=failure_blocks(
                    f"{refusal.message} Your request is saved: press Retry when you're ready.",
                    request_id=request.id or 0,
                ),
                text=refusal.message,
            )
        except SlackCallFailed as exc:
            logger.warning("could not say a request was held: %s", exc.error)

    def _refuse_revision(self, channel_id: str, thread_ts: str, refusal: Refusal) -> None:
        self._post_quietly(
            channel_id, thread_ts, f"{refusal.message} Ask again then and I'll revise the draft."
        )

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
            text=strip_bot_mention(message.text, self.slack.bot_user_id),
            message_ts=message.ts,
            at=self.clock(),
        )

    def _reaction_follow_up(
        self, session: Session, draft: Draft, change: ReactionChange
    ) -> Callable[[], None] | None:
        assert draft.id is not None
        if change.reaction == REACTION_REJECT:
            # Reason chips, privately to whoever reacted, once per person per draft.
            return self.reasons.offer(session, draft, change)
        revision = REVISION_FOR_REACTION.get(change.reaction)
        if revision is None:
            return None
        refusal = self._over_limit(session, team_id=change.team_id, user_id=change.user_id)
        if refusal is not None:
            request = request_store.get_request(
                session, team_id=change.team_id, request_id=draft.request_id
            )
            if request is None:
                return None
            channel, thread_ts = request.channel_id, request.thread_ts
            return lambda: self._refuse_revision(channel, thread_ts, refusal)
        # Two people asking for "shorter" on the same draft get one shorter version.
        key = f"revise:{draft.id}:{revision.value}"
        if not claim_once(session, team_id=change.team_id, key=key):
            return None
        request = request_store.get_request(
            session, team_id=change.team_id, request_id=draft.request_id
        )
        if request is None:
            return None
        job = self._enqueue(
            session,
            request,
            JobKind.REVISE,
            parent_id=draft.id,
            revision=revision.value,
            asked_by=change.user_id,
        )
        return lambda: self.jobs.submit(job)

    def _profile(self, session: Session, *, team_id: str, user_id: str) -> StyleProfile:
        return load_style(session, team_id=team_id, user_id=user_id, now=self.clock())

    def _enqueue(self, session: Session, request: Request, kind: str, **args: Any) -> Job:
        """Record slow work for `request` in the caller's transaction; submit it after commit."""
        assert request.id is not None
        return job_store.enqueue_job(
            session,
            team_id=request.team_id,
            request_id=request.id,
            kind=kind,
            args=args,
            now=self.clock(),
        )

    def _find_posted_parts(self, draft: Draft, request: Request) -> list[str]:
        """Messages of `draft` already in the thread (found by their metadata), recorded now."""
        assert draft.id is not None
        try:
            found = self.slack.thread_metadata(
                channel=request.channel_id, thread_ts=request.thread_ts
            )
        except SlackCallFailed as exc:
            logger.warning("could not look for draft %s in its thread: %s", draft.id, exc.error)
            return []
        parts = posted_parts(found, draft.id)
        for index, ts in enumerate(parts):
            self._remember_message(draft, ts, index)
        return parts

    @staticmethod
    def _started_draft(session: Session, job: Job | None) -> Draft | None:
        """The draft a job had started before its process died, if any."""
        if job is None or job.draft_id is None:
            return None
        return draft_store.get_draft(session, team_id=job.team_id, draft_id=job.draft_id)

    def _failed_draft(self, session: Session, request: Request) -> Draft | None:
        statement = (
            select(Draft)
            .where(Draft.team_id == request.team_id, Draft.request_id == request.id)
            .order_by(col(Draft.version).desc())
            .limit(1)
        )
        newest = session.exec(statement).first()
        return newest if newest is not None and newest.state == DraftState.FAILED else None

    def _with_model_retries(self, call: Callable[[], Brief]) -> Brief:
        for attempt in range(len(self.model_backoff) + 1):
            try:
                return call()
            except ModelError as exc:
                if not exc.retryable or attempt == len(self.model_backoff):
                    raise
                logger.info("model call failed (%s); retrying", exc)
                self.sleep(self.model_backoff[attempt])
        raise AssertionError("unreachable")

    def _post_placeholder(self, request: Request) -> None:
        try:
            ts = self.slack.post(
                channel=request.channel_id,
                thread_ts=request.thread_ts,
                blocks=working_blocks(),
                text="Reading your request…",
            )
        except SlackCallFailed as exc:
            logger.warning(
                "could not post the placeholder for request %s: %s", request.id, exc.error
            )
            return
        with self.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, brief_ts=ts)
        request.brief_ts = ts

    def _show_quietly(self, request: Request, blocks: list[dict[str, object]]) -> None:
        try:
            self._show(request, blocks)
        except SlackCallFailed as exc:
            logger.warning("could not show the brief of request %s: %s", request.id, exc.error)

    def _show(self, request: Request, blocks: list[dict[str, object]]) -> None:
        """Show `blocks` as the request's brief message (post it if the placeholder failed)."""
        with self._lock:
            placeholder = self._placeholders.pop(request.id or 0, None)
        if placeholder is not None:
            placeholder.wait(timeout=30)
        text = _plain(blocks)
        with self.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            brief_ts = stored.brief_ts if stored is not None else None
        if brief_ts:
            self.slack.update(channel=request.channel_id, ts=brief_ts, blocks=blocks, text=text)
            return
        ts = self.slack.post(
            channel=request.channel_id, thread_ts=request.thread_ts, blocks=blocks, text=text
        )
        with self.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, brief_ts=ts)

    def _save_brief(self, request: Request, brief: Brief, *, source: str, state: str) -> int:
        with self.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            assert stored is not None
            version = request_store.save_brief(
                session, request=stored, content=brief.model_dump(), source=source
            ).version
            request_store.update_request(session, request=stored, state=state, error=None)
        return version

    def _brief_extras(self, request: Request, brief: Brief) -> dict[str, Any]:
        """What the brief message shows beside the brief: who holds each open question (with
        a person picker to hand it off), the channel's house rules and the files it rests on."""
        with self.db.session() as session:
            board = self.handoffs.board(session, request)
            rules = HouseRules.for_request(session, request)
            person = people_store.get_person(
                session, team_id=request.team_id, user_id=request.requester_id
            )
            files = self.attachments.context(session, request)
        own_language = person is not None and bool(person.language)
        return {
            "questions": question_blocks(brief, board),
            "rules": rules_blocks(rules, own_language=own_language),
            "files": files,
        }

    def _brief_message(self, request: Request) -> list[dict[str, Any]] | None:
        """The brief message as it reads now (shown again after a hand-off or an answer)."""
        if not request.brief:
            return None
        brief = Brief.model_validate(request.brief)
        blocks = brief_blocks(
            brief,
            request_id=request.id or 0,
            version=request.brief_version,
            drafting=request.state in (RequestState.DRAFTING, RequestState.DRAFTED),
            confirmed=self._confirmed(request),
            **self._brief_extras(request, brief),
        )
        if request.state == RequestState.NEEDS_ANSWERS and brief.open_questions:
            blocks += questions_blocks(brief, requester_id=request.requester_id)
        return blocks

    def _reshow_brief(self, request: Request) -> None:
        """Show the request's brief message again as it reads now (its files changed)."""
        with self.db.session() as session:
            current = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
        blocks = self._brief_message(current) if current is not None else None
        if current is not None and blocks is not None:
            self._show_quietly(current, blocks)

    def _plan_reply(self, session: Session, request: Request, message: InboundMessage) -> ReplyPlan:
        """Record a reply in a Baton thread and decide what it asks for. A reply from someone
        holding handed-off questions answers them; drafting waits while any are still open."""
        answer = self.handoffs.record_answer(session, request, message, at=self.clock())
        channel, thread_ts = request.channel_id, request.thread_ts
        if answer is None:
            chosen = self.options.plan_reply(session, request, message)
            if chosen is not None:
                return chosen  # "B but warmer" picks one of the options waiting above
            self._record_reply(session, request, message)
            waiting = (
                self.handoffs.still_open(session, request)
                if request.state == RequestState.NEEDS_ANSWERS
                else 0
            )
            if waiting:
                note = waiting_text(waiting)
                return ReplyPlan(None, after=lambda: self._post_quietly(channel, thread_ts, note))
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

    def _confirmed(self, request: Request) -> dict[str, str]:
        """The request's confirmed assumptions (text -> who), for showing its brief."""
        with self.db.session() as session:
            return check_store.confirmations(
                session, team_id=request.team_id, request_id=request.id or 0
            )

    def _set_state(self, request: Request, state: str, *, error: str | None = None) -> None:
        with self.db.session() as session:
            stored = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if stored is not None:
                request_store.update_request(session, request=stored, state=state, error=error)

    def _remember_message(self, draft: Draft, ts: str, part: int) -> None:
        with self.db.session() as session:
            draft_store.record_draft_message(
                session,
                team_id=draft.team_id,
                channel_id=draft.channel_id,
                ts=ts,
                draft_id=draft.id or 0,
                part=part,
            )
            if part == 0:
                stored = draft_store.get_draft(
                    session, team_id=draft.team_id, draft_id=draft.id or 0
                )
                if stored is not None:
                    draft_store.update_draft(
                        session,
                        draft=stored,
                        message_ts=ts,
                        posted_at=utcnow(),
                        state=DraftState.STREAMING,
                    )
                    draft.message_ts, draft.posted_at = ts, stored.posted_at

    def _fail_draft(
        self, draft: Draft, request: Request, message: str, *, state: str = RequestState.FAILED
    ) -> None:
        with self.db.session() as session:
            stored = draft_store.get_draft(session, team_id=draft.team_id, draft_id=draft.id or 0)
            if stored is not None:
                draft_store.update_draft(session, draft=stored, state=DraftState.FAILED)
        self._set_state(request, state, error=message[:500])
        self.slack.post(
            channel=request.channel_id,
            thread_ts=request.thread_ts,
            blocks=failure_blocks(message + " Your request is saved.", request_id=request.id or 0),
            text=message,
        )

    def _post_quietly(self, channel: str, thread_ts: str, text: str) -> None:
        try:
            self.slack.post(
                channel=channel, thread_ts=thread_ts, blocks=notice_blocks(text), text=text
            )
        except SlackCallFailed as exc:
            logger.warning("could not post in thread: %s", exc.error)

    def _give_up_on_slack(self, team_id: str, request_id: int, exc: SlackCallFailed) -> None:
        """Slack would not take Baton's posts in the request's conversation: keep the request
        as failed and tell the requester directly, since the thread is out of reach."""
        logger.warning("request %s stopped: Slack %s said %s", request_id, exc.method, exc.error)
        with self.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is not None:
                request_store.update_request(
                    session, request=request, state=RequestState.FAILED, error=f"slack: {exc.error}"
                )
        if request is None or request.channel_type == "im":
            return  # the DM itself refused: there is nowhere else to say it
        text = slack_refusal_message(request.channel_id, exc.error)
        try:
            self.slack.post(
                channel=request.requester_id,
                thread_ts=None,
                blocks=notice_blocks(text),
                text=text,
            )
        except SlackCallFailed as dm_exc:
            logger.warning("could not tell the requester by DM either: %s", dm_exc.error)


def slack_refusal_message(channel_id: str, error: str) -> str:
    """What to tell a requester whose thread Baton can no longer post in."""
    where = f"<#{channel_id}>"
    if error == "is_archived":
        reason = f"{where} was archived"
    elif error in ("not_in_channel", "channel_not_found"):
        reason = f"I'm no longer in {where}"
    elif error == "ratelimited" or error.startswith("connection_error"):
        reason = f"Slack was not taking my messages in {where} just now"
    else:
        reason = f"Slack refused my message in {where} (`{error}`); that is a bug on my side"
    return (
        f":warning: I stopped working on your request because {reason}. It is saved; ask me "
        "again in a channel I'm in (or here), and I'll pick it up."
    )


def _resuming(job: Job) -> bool:
    """True when this job ran before (on a process that died) and is being taken over."""
    return job.attempts > 1 or job.draft_id is not None


def _plain(blocks: list[dict[str, object]]) -> str:
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and isinstance(text.get("text"), str):
            return str(text["text"])
    return "Baton"
