"""Assumptions as questions: a person confirms one (Right) or corrects it (Wrong), from the
brief or from a draft's footer. A correction becomes a constraint in a new brief version and
the draft is redone through the durable jobs, as an edited brief is."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.assumptions import (
    ANSWER_BLOCK,
    AssumptionRef,
    answer_from_form,
    corrected_brief,
    correction_modal,
    locate,
    parse_value,
    short_label,
)
from bot.domain.brief import Brief
from bot.domain.prompts import Revision
from bot.domain.states import JobKind, RequestState
from bot.domain.style.profile import FeedbackKind
from bot.usecases.brief_message import BriefMessage
from bot.usecases.deps import Deps
from bot.usecases.usage import UsageLimits
from storage import assumption_checks as check_store
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import requests as request_store
from storage.models import Job, Request

logger = logging.getLogger(__name__)

STALE = "That button is out of date: use the buttons on the brief."
GONE = "That assumption is no longer in the brief: someone corrected it or edited the brief."


@dataclass(frozen=True)
class Found:
    """An assumption a button points at, as it stands in the request's current brief."""

    request: Request
    brief: Brief
    ref: AssumptionRef  # with the current version and index


@dataclass(frozen=True)
class Correction:
    """A checked answer to "what is true instead?", ready to apply."""

    team_id: str
    user_id: str
    ref: AssumptionRef
    answer: str


@dataclass
class AssumptionChecks:
    """Use cases behind the Right and Wrong buttons and the correction form."""

    deps: Deps
    usage: UsageLimits
    brief_message: BriefMessage

    def find(self, *, team_id: str, value: object) -> Found | str:
        """The assumption a button value names, in the current brief; or why it can't be."""
        with self.deps.db.session() as session:
            return self.find_in(session, team_id=team_id, value=value)

    def find_in(self, session: Session, *, team_id: str, value: object) -> Found | str:
        """`find`, in the caller's transaction."""
        ref = parse_value(value)
        if ref is None:
            return STALE
        request = request_store.get_request(session, team_id=team_id, request_id=ref.request_id)
        if request is None or not request.brief:
            return "I can't find that brief any more."
        brief = Brief.model_validate(request.brief)
        # The button may be on an older brief (a draft's footer): its index is in that version.
        if ref.version == request.brief_version:
            then = brief.assumptions
        else:
            then = _assumptions_of(session, request=request, version=ref.version)
        if not 0 <= ref.index < len(then):
            return STALE
        text = then[ref.index]
        index = locate(brief.assumptions, text, ref.index)
        if index is None:
            return GONE
        current = AssumptionRef(request.id or 0, request.brief_version, index, text)
        return Found(request=request, brief=brief, ref=current)

    # ---- Right ----------------------------------------------------------------------------

    def confirm(self, *, team_id: str, user_id: str, value: object) -> str:
        """Record that the assumption is right and show it so on the brief; returns what to
        tell the person."""
        with self.deps.db.session() as session:
            found = self.find_in(session, team_id=team_id, value=value)
            if isinstance(found, str):
                return found
            text = found.ref.text
            earlier = check_store.confirmed_by(
                session, team_id=team_id, request_id=found.ref.request_id, assumption=text
            )
            recorded = None
            if earlier is None:
                recorded = check_store.record_check(
                    session,
                    team_id=team_id,
                    request_id=found.ref.request_id,
                    brief_version=found.ref.version,
                    assumption=text,
                    verdict=check_store.RIGHT,
                    user_id=user_id,
                    at=self.deps.now(),
                )
        if recorded is None:
            # Confirmed before, or by someone else a moment ago (the unique key caught it).
            who = f"<@{earlier}>" if earlier else "Someone"
            return f"{who} already confirmed “{short_label(text)}”."
        logger.info("assumption %s of request %s confirmed", found.ref.index, found.request.id)
        self.show_brief(team_id, found.ref.request_id)
        return (
            f"Thanks: “{short_label(text)}” is confirmed. Later drafts won't list it as an "
            "assumption."
        )

    # ---- Wrong ----------------------------------------------------------------------------

    def open_correction(self, *, team_id: str, value: object, trigger_id: str) -> str | None:
        """Open the one-field form for a wrong assumption; returns what to tell the person
        when it can't be opened."""
        found = self.find(team_id=team_id, value=value)
        if isinstance(found, str):
            return found
        try:
            self.deps.slack.open_view(trigger_id=trigger_id, view=correction_modal(found.ref))
        except SlackCallFailed as exc:
            return f"Slack would not open the form ({exc.error}); please try again."
        return None

    def check_correction(
        self, *, team_id: str, user_id: str, metadata: object, values: dict[str, Any]
    ) -> Correction | dict[str, str]:
        """The correction ready to apply, or the errors to show in the form by block id."""
        found = self.find(team_id=team_id, value=metadata)
        if isinstance(found, str):
            return {ANSWER_BLOCK: found}
        answer, error = answer_from_form(values, found.brief)
        if answer is None:
            return {ANSWER_BLOCK: error or "Say what is true instead."}
        if found.request.state != RequestState.NEEDS_ANSWERS:
            with self.deps.db.session() as session:
                refusal = self.usage.refusal(session, team_id=team_id, user_id=user_id)
            if refusal is not None:
                return {ANSWER_BLOCK: refusal.message}
        return Correction(team_id=team_id, user_id=user_id, ref=found.ref, answer=answer)

    def correct(self, correction: Correction) -> None:
        """Make the answer a constraint in a new brief version, drop the assumption, show the
        brief again and redo the draft (durably: a job any replica can finish)."""
        try:
            with self.deps.db.session() as session:
                outcome = self._apply(session, correction)
        except IntegrityError:  # another new version of this brief won the race
            outcome = "the brief changed at the same moment; please try again."
        if isinstance(outcome, str):
            self._tell(correction, f"I couldn't use your correction: {outcome}")
            return
        ref, job = outcome
        logger.info("assumption %s of request %s corrected", ref.index, ref.request_id)
        self.show_brief(correction.team_id, ref.request_id)
        if job is not None:
            self.deps.jobs.submit(job)

    def _apply(
        self, session: Session, correction: Correction
    ) -> tuple[AssumptionRef, Job | None] | str:
        team_id, user_id = correction.team_id, correction.user_id
        # Looked up again: someone may have corrected or edited it since the form opened.
        found = self.find_in(session, team_id=team_id, value=correction.ref.value)
        if isinstance(found, str):
            return found
        request, ref = found.request, found.ref
        brief = corrected_brief(found.brief, ref.index, correction.answer)
        request_store.save_brief(
            session,
            request=request,
            content=brief.model_dump(),
            source="corrected",
            author_id=user_id,
        )
        check_store.record_check(
            session,
            team_id=team_id,
            request_id=ref.request_id,
            brief_version=ref.version,
            assumption=ref.text,
            verdict=check_store.WRONG,
            user_id=user_id,
            at=self.deps.now(),
        )
        if request.state != RequestState.NEEDS_ANSWERS:
            return ref, self._redraft(session, request, user_id=user_id)
        # No draft until the questions are answered, and the brief those answers bring is
        # written afresh from the request and its answers: the correction goes in as one.
        feedback_store.record_feedback(
            session,
            team_id=team_id,
            user_id=user_id,
            request_id=ref.request_id,
            kind=FeedbackKind.ANSWER.value,
            text=f"Not “{ref.text}”: {correction.answer}",
            at=self.deps.now(),
        )
        return ref, None

    def _redraft(self, session: Session, request: Request, *, user_id: str) -> Job:
        latest = draft_store.latest_complete_draft(
            session, team_id=request.team_id, request_id=request.id or 0
        )
        request_store.update_request(session, request=request, state=RequestState.DRAFTING)
        return self.deps.enqueue(
            session,
            request,
            JobKind.REVISE,
            parent_id=latest.id if latest is not None else None,
            revision=Revision.CORRECTED.value,
            asked_by=user_id,
        )

    def _tell(self, correction: Correction, text: str) -> None:
        """Say privately, in the request's conversation, what happened to a correction."""
        with self.deps.db.session() as session:
            request = request_store.get_request(
                session, team_id=correction.team_id, request_id=correction.ref.request_id
            )
        if request is None:
            return
        try:
            self.deps.slack.post_ephemeral(
                channel=request.channel_id,
                user=correction.user_id,
                text=text,
                thread_ts=request.thread_ts,
            )
        except SlackCallFailed as exc:
            logger.info("could not say a correction was not used: %s", exc.error)

    # ---- the brief ------------------------------------------------------------------------

    def show_brief(self, team_id: str, request_id: int) -> None:
        """Show the request's brief again, as it now stands (off the listener's thread, after
        any other update of the same brief)."""
        self.deps.work.submit(("show", request_id), lambda: self._show(team_id, request_id))

    def _show(self, team_id: str, request_id: int) -> None:
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
        if request is None or not request.brief_ts:
            return
        # Baton's one renderer of the brief message: with hand-offs, channel rules and the
        # confirmations, so re-showing it for an assumption loses none of them.
        blocks = self.brief_message.current(request)
        if blocks is None:
            return
        goal = str((request.brief or {}).get("goal") or "Brief")
        try:
            self.deps.slack.update(
                channel=request.channel_id, ts=request.brief_ts, blocks=blocks, text=goal
            )
        except SlackCallFailed as exc:
            logger.warning("could not show the brief of request %s: %s", request_id, exc.error)


def _assumptions_of(session: Session, *, request: Request, version: int) -> list[str]:
    """The assumptions an older brief version had ([] once that version is gone)."""
    stored = check_store.brief_version(
        session, team_id=request.team_id, request_id=request.id or 0, version=version
    )
    if stored is None:
        return []
    items = stored.content.get("assumptions") if isinstance(stored.content, dict) else None
    return [str(item) for item in items] if isinstance(items, list) else []
