"""The brief message: Baton's one renderer of a request's brief as it reads now, with who holds
each open question, the channel's rules, the files it rests on and the confirmed assumptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.brief import Brief
from bot.domain.channel_rules import rules_blocks
from bot.domain.handoff import question_blocks
from bot.domain.render import brief_blocks, questions_blocks
from bot.domain.states import RequestState
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.deps import Deps
from bot.usecases.files import files_context
from bot.usecases.handoffs import question_board
from bot.usecases.thread import Thread
from storage import assumption_checks as check_store
from storage import people as people_store
from storage import requests as request_store
from storage.models import Request


@dataclass
class BriefMessage:
    """Composes the brief message and shows it again when what it shows changed."""

    deps: Deps
    thread: Thread

    def compose(
        self, request: Request, brief: Brief, *, version: int, drafting: bool
    ) -> list[dict[str, Any]]:
        """The brief message for `brief` (version `version`) of `request`."""
        return brief_blocks(
            brief,
            request_id=request.id or 0,
            version=version,
            drafting=drafting,
            confirmed=self.confirmed(request),
            **self._extras(request, brief),
        )

    def current(self, request: Request) -> list[dict[str, Any]] | None:
        """The brief message as it reads now (shown again after a hand-off or an answer)."""
        if not request.brief:
            return None
        brief = Brief.model_validate(request.brief)
        blocks = self.compose(
            request,
            brief,
            version=request.brief_version,
            drafting=request.state in (RequestState.DRAFTING, RequestState.DRAFTED),
        )
        if request.state == RequestState.NEEDS_ANSWERS and brief.open_questions:
            blocks += questions_blocks(brief, requester_id=request.requester_id)
        return blocks

    def reshow(self, request: Request) -> None:
        """Show the request's brief message again as it reads now (its files changed)."""
        with self.deps.db.session() as session:
            current = request_store.get_request(
                session, team_id=request.team_id, request_id=request.id or 0
            )
        blocks = self.current(current) if current is not None else None
        if current is not None and blocks is not None:
            self.thread.show_quietly(current, blocks)

    def confirmed(self, request: Request) -> dict[str, str]:
        """The request's confirmed assumptions (text -> who), for showing its brief."""
        with self.deps.db.session() as session:
            return check_store.confirmations(
                session, team_id=request.team_id, request_id=request.id or 0
            )

    def _extras(self, request: Request, brief: Brief) -> dict[str, Any]:
        """What the brief message shows beside the brief: who holds each open question (with
        a person picker to hand it off), the channel rules and the files it rests on."""
        with self.deps.db.session() as session:
            board = question_board(session, request, bot_user_id=self.deps.slack.bot_user_id)
            rules = ChannelRulesKeeper.for_request(session, request)
            person = people_store.get_person(
                session, team_id=request.team_id, user_id=request.requester_id
            )
            files = files_context(session, request)
        own_language = person is not None and bool(person.language)
        return {
            "questions": question_blocks(brief, board),
            "rules": rules_blocks(rules, own_language=own_language),
            "files": files,
        }
