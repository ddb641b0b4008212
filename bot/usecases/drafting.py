"""Drafting: write one draft version from the request's brief and stream it into the thread;
retry the model, then say what failed. A job taken over from a dead process resumes the draft
it had started, in the same Slack messages, instead of posting another version."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from bot.adapters.claude import DraftOutcome, ModelError
from bot.adapters.publisher import DraftPublisher, posted_parts
from bot.adapters.slack_client import UpdateBudget
from bot.adapters.slack_io import SlackCallFailed
from bot.domain.assumptions import confirmed_brief, open_refs
from bot.domain.brief import Brief, count_words, word_limit
from bot.domain.channel_rules import ChannelRules, rules_for_draft
from bot.domain.files.prompt import DRAFT_FILES_ASK
from bot.domain.prompts import Prompt, Revision, draft_prompt
from bot.domain.reasons import request_kind, stated_confidence
from bot.domain.render import NO_MODEL_MESSAGE, DraftFooter, defuse_broadcasts
from bot.domain.states import DraftState, RequestState
from bot.domain.style.instructions import adaptation_note, style_instructions
from bot.domain.style.profile import StyleProfile
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.deps import Deps
from bot.usecases.files import FilesAsContext
from bot.usecases.preferences import load_style
from bot.usecases.reasons import Reasons
from bot.usecases.retry import ModelRetry
from bot.usecases.thread import Thread
from storage import assumption_checks as check_store
from storage import drafts as draft_store
from storage import jobs as job_store
from storage import people as people_store
from storage import requests as request_store
from storage.models import Draft, Job, Request, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ask:
    """What a draft version is asked for: why it is written, from what, and by whom."""

    revision: Revision
    parent_id: int | None = None
    asked_by: str | None = None
    reply: str | None = None


@dataclass(frozen=True)
class Setup:
    """A draft row ready to write, with everything its prompt and footer need."""

    request: Request
    draft: Draft
    ask: Ask
    parent: Draft | None
    profile: StyleProfile
    confirmed: dict[str, str]
    language: str | None
    flagged: set[str]  # kinds of request on which wrong facts were flagged lately
    rules: ChannelRules | None
    shown_parts: list[str]  # messages of this draft already in the thread
    resumed: bool


@dataclass
class Drafting:
    """Writes draft versions."""

    deps: Deps
    thread: Thread
    attachments: FilesAsContext
    reasons: Reasons
    retry: ModelRetry
    updates: UpdateBudget
    stream_interval: float = 1.0

    def write(
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
        """Stream a new draft version into the thread (or finish the one `job` had started)."""
        ask = Ask(revision, parent_id, asked_by, reply)
        setup = self._prepare(team_id, request_id, ask, job=job)
        if setup is None:
            return None
        if self.deps.claude is None:
            self._fail(setup, NO_MODEL_MESSAGE, state=RequestState.NO_MODEL)
            return None
        brief = Brief.model_validate(setup.request.brief)
        prompt = self._prompt(setup, brief)
        publisher = self._publisher(setup)
        outcome = self._stream(setup, prompt, publisher)
        if outcome is None:
            return None
        self._finish(setup, brief, publisher, outcome)
        return setup.draft

    # ---- steps --------------------------------------------------------------------------

    def _prepare(self, team_id: str, request_id: int, ask: Ask, *, job: Job | None) -> Setup | None:
        """In one transaction: the draft row (new, or the one a dead process started) and what
        its prompt needs. None when there is nothing to write."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief:
                return None
            resumed = _started_draft(session, job)
            if resumed is not None and resumed.state in (DraftState.COMPLETE, DraftState.FAILED):
                return None  # finished (or said what failed) before its process died
            if resumed is not None:
                ask = Ask(
                    Revision(resumed.trigger),
                    resumed.parent_id,
                    resumed.asked_by,
                    resumed.instruction,
                )
            parent = (
                draft_store.get_draft(session, team_id=team_id, draft_id=ask.parent_id)
                if ask.parent_id is not None
                else None
            )
            requester = request.requester_id
            profile = load_style(session, team_id=team_id, user_id=requester, now=self.deps.now())
            confirmed = check_store.confirmations(session, team_id=team_id, request_id=request_id)
            person = people_store.get_person(session, team_id=team_id, user_id=requester)
            language = person.language if person is not None else None
            # Wrong facts flagged lately on this kind of request lower the stated confidence.
            flagged = self.reasons.flagged_kinds(session, team_id=team_id, user_id=requester)
            rules = ChannelRulesKeeper.for_request(session, request)
            if rules is not None and language:
                rules = rules.without_language()  # the person's own language wins
            draft = resumed or draft_store.create_draft(
                session,
                team_id=team_id,
                request_id=request_id,
                channel_id=request.channel_id,
                trigger=ask.revision.value,
                parent_id=ask.parent_id,
                asked_by=ask.asked_by,
                instruction=ask.reply,
            )
            assert draft.id is not None
            if job is not None and job.id is not None and resumed is None:
                # Recorded with the draft, before anything is posted: a rerun finds it.
                job_store.record_job_draft(session, job_id=job.id, draft_id=draft.id)
            shown_parts = draft_store.draft_message_parts(
                session, team_id=team_id, draft_id=draft.id
            )
            request_store.update_request(session, request=request, state=RequestState.DRAFTING)
        return Setup(
            request=request,
            draft=draft,
            ask=ask,
            parent=parent,
            profile=profile,
            confirmed=confirmed,
            language=language,
            flagged=flagged,
            rules=rules,
            shown_parts=shown_parts,
            resumed=resumed is not None,
        )

    def _prompt(self, setup: Setup, brief: Brief) -> Prompt:
        """The draft prompt: the brief with its confirmations, style, rules and files."""
        files = self.attachments.gather(setup.request, max_input_tokens=self.deps.max_input_tokens)
        language = setup.language
        prompt = draft_prompt(
            confirmed_brief(brief, setup.confirmed),
            style=style_instructions(setup.profile)
            + ([f"Write in {language}, whatever language the request is in."] if language else []),
            revision=setup.ask.revision,
            previous_draft=setup.parent.text if setup.parent is not None else None,
            reply=setup.ask.reply,
            channel_rules=rules_for_draft(setup.rules),
        )
        return files.attach(
            prompt, ask=DRAFT_FILES_ASK, revision=setup.ask.revision is not Revision.FIRST
        )

    def _publisher(self, setup: Setup) -> DraftPublisher:
        """The publisher of the draft's messages, resuming those already in the thread."""
        request, draft = setup.request, setup.draft
        publisher = DraftPublisher(
            slack=self.deps.slack,
            budget=self.updates,
            team_id=request.team_id,
            channel_id=request.channel_id,
            thread_ts=request.thread_ts,
            version=draft.version,
            on_posted=lambda ts, part: self._remember_message(draft, ts, part),
            min_interval=self.stream_interval,
            allowed_broadcasts=request.text,
            draft_id=draft.id,
        )
        shown_parts = setup.shown_parts
        if setup.resumed and not shown_parts:
            # The process may have died between Slack taking the post and recording its ts.
            shown_parts = self._find_posted_parts(draft, request)
        if shown_parts:
            logger.info("resuming draft %s in its %s posted messages", draft.id, len(shown_parts))
            publisher.resume(shown_parts)
        return publisher

    def _stream(
        self, setup: Setup, prompt: Prompt, publisher: DraftPublisher
    ) -> DraftOutcome | None:
        """Stream the model's draft into the thread; a break mid-stream interrupts what is
        shown and starts the draft again in the same messages. None when it failed (said)."""
        claude = self.deps.claude
        assert claude is not None
        outcome = DraftOutcome()

        def attempt() -> None:
            publisher.restart()
            for chunk in claude.stream_draft(prompt, outcome):
                publisher.feed(chunk)
            if not publisher.text.strip():
                raise ModelError("Claude returned an empty draft", retryable=True)

        def starting_again(exc: ModelError) -> None:
            publisher.interrupt(f":warning: _{exc}; starting this draft again…_")

        try:
            self.retry.call(attempt, before_retry=starting_again)
        except ModelError as exc:
            publisher.interrupt(f":warning: _cut off: {exc}. This text is incomplete._")
            self._fail(setup, f"I couldn't finish draft v{setup.draft.version}: {exc}.")
            return None
        return outcome

    def _finish(
        self, setup: Setup, brief: Brief, publisher: DraftPublisher, outcome: DraftOutcome
    ) -> None:
        """The footer under the finished draft, and the draft and request stored as done."""
        request, draft = setup.request, setup.draft
        note = adaptation_note(setup.profile)
        # Confirmed assumptions are no longer uncertain: the footer lists only the others.
        unconfirmed = open_refs(
            brief.assumptions,
            request_id=request.id or 0,
            version=request.brief_version,
            confirmed=setup.confirmed,
        )
        confidence, confidence_reason = stated_confidence(
            brief.confidence,
            brief.confidence_reason,
            kind=request_kind(brief.deliverable),
            flagged_kinds=setup.flagged,
        )
        publisher.finish(
            DraftFooter(
                confidence=confidence,
                confidence_reason=confidence_reason,
                assumptions=tuple(ref.text for ref in unconfirmed),
                adaptation=note,
                word_limit=word_limit(brief),
                words=count_words(publisher.text),
                truncated=outcome.truncated,
                assumption_refs=tuple(unconfirmed),
                draft_id=draft.id,
            )
        )
        with self.deps.db.session() as session:
            stored = draft_store.get_draft(session, team_id=draft.team_id, draft_id=draft.id or 0)
            if stored is not None:
                draft_store.update_draft(
                    session,
                    draft=stored,
                    text=defuse_broadcasts(publisher.text, allowed=request.text),
                    state=DraftState.COMPLETE,
                    completed_at=utcnow(),
                    adaptation_note=note,
                )
            current = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
            if current is not None:
                request_store.update_request(
                    session, request=current, state=RequestState.DRAFTED, error=None
                )

    # ---- helpers ------------------------------------------------------------------------

    def _fail(self, setup: Setup, message: str, *, state: str = RequestState.FAILED) -> None:
        draft = setup.draft
        with self.deps.db.session() as session:
            stored = draft_store.get_draft(session, team_id=draft.team_id, draft_id=draft.id or 0)
            if stored is not None:
                draft_store.update_draft(session, draft=stored, state=DraftState.FAILED)
        self.thread.fail(setup.request, message, state=state)

    def _remember_message(self, draft: Draft, ts: str, part: int) -> None:
        with self.deps.db.session() as session:
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

    def _find_posted_parts(self, draft: Draft, request: Request) -> list[str]:
        """Messages of `draft` already in the thread (found by their metadata), recorded now."""
        assert draft.id is not None
        try:
            found = self.deps.slack.thread_metadata(
                channel=request.channel_id, thread_ts=request.thread_ts
            )
        except SlackCallFailed as exc:
            logger.warning("could not look for draft %s in its thread: %s", draft.id, exc.error)
            return []
        parts = posted_parts(found, draft.id)
        for index, ts in enumerate(parts):
            self._remember_message(draft, ts, index)
        return parts


def _started_draft(session: Session, job: Job | None) -> Draft | None:
    """The draft a job had started before its process died, if any."""
    if job is None or job.draft_id is None:
        return None
    return draft_store.get_draft(session, team_id=job.team_id, draft_id=job.draft_id)
