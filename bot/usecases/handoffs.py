"""Hand-offs: a person picked beside an open question on a brief is asked once, in the
thread; their next reply there answers it, and the brief moves on (bot/domain/handoff.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.brief import Brief, strip_bot_mention
from bot.domain.handoff import (
    Answered,
    QuestionBoard,
    ask_text,
    find_question,
    first_mention,
    handed_on_text,
    parse_handoff_block_id,
    question_key,
    with_answers,
)
from bot.domain.inbound import InboundMessage
from bot.domain.render import Block, notice_blocks
from bot.domain.style.profile import FeedbackKind
from bot.runtime.work import WorkPool
from storage import feedback as feedback_store
from storage import handoffs as handoff_store
from storage import requests as request_store
from storage.db import Database
from storage.models import Handoff, Request, utcnow

logger = logging.getLogger(__name__)

STALE = "That question is no longer open on this brief (it was answered, or the brief changed)."


@dataclass(frozen=True)
class HandoffAnswer:
    """What a holder's reply in the thread did."""

    answered: int  # questions it closed
    still_open: int  # handed-off questions of the request still waiting for someone


def live_keys(request: Request) -> set[str]:
    """Keys of the questions the request's current brief still asks."""
    if not request.brief:
        return set()
    return {question_key(q) for q in Brief.model_validate(request.brief).open_questions}


def question_board(session: Session, request: Request, *, bot_user_id: str | None) -> QuestionBoard:
    """Who holds each open question of the request, and what was answered."""
    assert request.id is not None
    holders = {
        h.question_key: h.holder_id
        for h in handoff_store.open_handoffs(
            session, team_id=request.team_id, request_id=request.id
        )
    }
    answered = tuple(
        Answered(h.question, h.answer or "", h.holder_id)
        for h in handoff_store.answered_handoffs(
            session, team_id=request.team_id, request_id=request.id
        )
        if h.holder_id != handoff_store.ERASED_USER
    )
    return QuestionBoard(
        request_id=request.id,
        holders=holders,
        answered=answered,
        suggested=first_mention(request.text, exclude={bot_user_id} if bot_user_id else set()),
        # In a DM nobody else could read the question, let alone answer it.
        enabled=request.channel_type != "im",
    )


@dataclass
class Handoffs:
    """Handing open questions to people, and taking their answers from the thread."""

    db: Database
    slack: SlackIO
    work: WorkPool
    # The brief message as it should read now (bot/usecases/brief_message.py), or None.
    render: Callable[[Request], list[Block] | None]
    clock: Callable[[], datetime] = utcnow

    # ---- what the brief shows -----------------------------------------------------------

    @staticmethod
    def answered(session: Session, request: Request) -> list[Answered]:
        """The request's questions answered in the thread (a brief written again from the
        thread must not ask them again: bot/domain/handoff.with_answers)."""
        rows = handoff_store.answered_handoffs(
            session, team_id=request.team_id, request_id=request.id or 0
        )
        return [Answered(h.question, h.answer, h.holder_id) for h in rows if h.answer]

    # ---- handing a question to someone ----------------------------------------------------

    def on_select(
        self, *, team_id: str, user_id: str, channel_id: str, block_id: object, selected: str
    ) -> str | None:
        """A person picked `selected` beside an open question. Returns what to tell the picker
        privately, or None when the thread and the brief say it."""
        parsed = parse_handoff_block_id(block_id)
        if parsed is None or not selected:
            return "That picker is out of date."
        request_id, key = parsed
        with self.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or request.channel_id != channel_id or not request.brief:
                return "That brief is no longer here."
            question = find_question(Brief.model_validate(request.brief), key)
        if question is None:
            return STALE
        if selected == self.slack.bot_user_id:
            return "I can't answer my own questions: pick a person."
        try:
            members = self.slack.conversation_members(channel_id)
        except SlackCallFailed as exc:
            return f"I couldn't check who is in this channel (Slack said {exc.error}); try again."
        if selected not in members:
            return (
                f"<@{selected}> isn't in this conversation, so they couldn't read the question "
                "or answer it in the thread. Add them, then pick them again."
            )
        with self.db.session() as session:
            result = handoff_store.assign(
                session,
                team_id=team_id,
                request_id=request_id,
                question=question,
                question_key=key,
                holder_id=selected,
                assigned_by=user_id,
                now=self.clock(),
            )
        if result.already:
            return f"<@{selected}> already holds that question; I asked them in the thread."
        if result.raced or result.handoff is None:
            return "Someone handed that question on at the same moment: see the brief."
        self._ask(request, result.handoff, previous=result.previous)
        self.refresh(team_id=team_id, request_id=request_id)
        return None

    def _ask(self, request: Request, handoff: Handoff, *, previous: Handoff | None) -> None:
        """One message in the thread, mentioning only the new holder; the earlier ask (if the
        question moved) is edited to say so, which pings no one."""
        text = ask_text(
            holder=handoff.holder_id,
            assigned_by=handoff.assigned_by,
            question=handoff.question,
            previous=previous.holder_id if previous is not None else None,
        )
        try:
            ts = self.slack.post(
                channel=request.channel_id,
                thread_ts=request.thread_ts,
                blocks=notice_blocks(text),
                text=text,
            )
        except SlackCallFailed as exc:
            logger.warning("could not ask the holder of a question: %s", exc.error)
            return
        with self.db.session() as session:
            handoff_store.record_asked(
                session, team_id=request.team_id, handoff_id=handoff.id or 0, ts=ts
            )
        if previous is not None and previous.asked_ts:
            moved = handed_on_text(question=previous.question)
            try:
                self.slack.update(
                    channel=request.channel_id,
                    ts=previous.asked_ts,
                    blocks=notice_blocks(moved),
                    text=moved,
                )
            except SlackCallFailed as exc:
                logger.info("could not mark the earlier ask as handed on: %s", exc.error)

    def refresh(self, *, team_id: str, request_id: int) -> None:
        """Show the request's brief message as it reads now, after the work queued for it."""

        def show() -> None:
            with self.db.session() as session:
                request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief_ts:
                return
            blocks = self.render(request)
            if not blocks:
                return
            try:
                self.slack.update(
                    channel=request.channel_id,
                    ts=request.brief_ts,
                    blocks=blocks,
                    text="Brief",
                )
            except SlackCallFailed as exc:
                logger.warning(
                    "could not update the brief of request %s: %s", request_id, exc.error
                )

        self.work.submit(("show", request_id), show)

    # ---- answers in the thread ------------------------------------------------------------

    def record_answer(
        self, session: Session, request: Request, message: InboundMessage, *, at: datetime
    ) -> HandoffAnswer | None:
        """In the reply's transaction: if its author holds open questions of the request,
        their reply answers them all: stored as the answer (and as an answer in the thread),
        and the brief gets a new version with those questions closed. None otherwise."""
        assert request.id is not None
        open_rows = handoff_store.open_handoffs(
            session, team_id=request.team_id, request_id=request.id
        )
        if not any(h.holder_id == message.user_id for h in open_rows):
            return None  # most replies: no brief to read
        live = live_keys(request)
        mine = [h for h in open_rows if h.holder_id == message.user_id and h.question_key in live]
        text = strip_bot_mention(message.text, self.slack.bot_user_id)
        if not mine or not text:
            return None
        for handoff in mine:
            handoff_store.record_answer(
                session, handoff=handoff, answer=text, answer_ts=message.ts, at=at
            )
        feedback_store.record_feedback(
            session,
            team_id=message.team_id,
            user_id=message.user_id,
            request_id=request.id,
            kind=FeedbackKind.ANSWER.value,
            text=text,
            message_ts=message.ts,
            at=at,
        )
        brief = with_answers(
            Brief.model_validate(request.brief),
            [Answered(h.question, text, h.holder_id) for h in mine],
        )
        request_store.save_brief(
            session,
            request=request,
            content=brief.model_dump(),
            source="answered",
            author_id=message.user_id,
        )
        others = [h for h in open_rows if h not in mine and h.question_key in live]
        return HandoffAnswer(answered=len(mine), still_open=len(others))

    @staticmethod
    def still_open(session: Session, request: Request) -> int:
        """Handed-off questions of the request still waiting for their holders."""
        live = live_keys(request)
        rows = handoff_store.open_handoffs(
            session, team_id=request.team_id, request_id=request.id or 0
        )
        return sum(1 for h in rows if h.question_key in live)
