"""Options, then variation: Baton writes options A, B, C for a brief (when the request asks,
when someone presses Options, or when the requester habitually asks for more takes); a choice
among them is bot/usecases/choosing.py. Writing them is a durable job (bot/runtime/jobs.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from bot.adapters.claude import ModelError
from bot.adapters.slack_io import SlackCallFailed
from bot.domain.brief import Brief
from bot.domain.channel_rules import rules_for_draft
from bot.domain.options.blocks import ShownOption, options_blocks
from bot.domain.options.choice import label_for
from bot.domain.options.offer import (
    DEFAULT_OPTIONS,
    Source,
    options_asked,
    options_habit,
    varies_asked,
)
from bot.domain.options.prompt import OptionsAnswer, options_prompt
from bot.domain.prompts import Prompt
from bot.domain.render import NO_MODEL_MESSAGE, defuse_broadcasts
from bot.domain.states import JobKind, RequestState
from bot.domain.style.instructions import style_instructions
from bot.domain.style.profile import FeedbackKind
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.deps import Deps
from bot.usecases.people import People
from bot.usecases.preferences import load_style, style_signals
from bot.usecases.retry import ModelRetry
from bot.usecases.thread import Thread
from bot.usecases.usage import UsageLimits
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import options as option_store
from storage import people as people_store
from storage import requests as request_store
from storage.models import DraftOption, Job, OptionSet, Request

logger = logging.getLogger(__name__)


@dataclass
class Options:
    """Asking for options and writing them."""

    deps: Deps
    thread: Thread
    usage: UsageLimits
    people: People
    retry: ModelRetry

    # ---- asking for options ---------------------------------------------------------------

    def first_options(self, team_id: str, request_id: int, *, job: Job | None) -> bool:
        """Write options instead of a first draft when the request asks for them or its
        requester habitually asks for more takes; True when options stand in for the draft."""
        if job is not None and job.draft_id is not None:
            return False  # a first draft had started before its process died: finish it
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief:
                return False
            started = option_store.latest_option_set(
                session,
                team_id=team_id,
                request_id=request_id,
                states=(option_store.PENDING, option_store.SHOWN, option_store.CHOSEN),
            )
            if started is not None:
                return True  # this request's options were started already (a rerun)
            answers = [
                reply.text
                for reply in feedback_store.thread_replies(
                    session, team_id=team_id, request_id=request_id
                )
                if reply.text
            ]
            words = "\n".join([request.text, *answers])
            count = options_asked(words)
            habit = None
            if count is None:
                signals = style_signals(session, team_id=team_id, user_id=request.requester_id)
                habit = options_habit(signals, now=self.deps.now())
                if habit is None:
                    return False
            source = Source.WORDING if count else Source.HABIT
            queued = self.open_set(
                session,
                request,
                source=source,
                count=count or DEFAULT_OPTIONS,
                asked_by=request.requester_id if count else None,
                varies=varies_asked(words),
                note=habit.note if habit else None,
            )
        logger.info("request %s: options (%s) instead of a first draft", request_id, source)
        self.deps.jobs.submit(queued)
        return True

    def on_options_button(self, *, team_id: str, user_id: str, request_id: int) -> str:
        """The Options button on a brief; returns what to tell the person who pressed it."""
        if self.deps.claude is None:
            return "No model is configured, so I can't write options yet."
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return "I can't find that request any more."
            if not request.brief or not Brief.model_validate(request.brief).actionable:
                return "Answer the brief's open questions first; then I can offer options."
            open_set = option_store.latest_option_set(
                session,
                team_id=team_id,
                request_id=request_id,
                states=(option_store.PENDING, option_store.SHOWN),
            )
            if open_set is not None and open_set.state == option_store.PENDING:
                return "I'm already writing options for this brief: they'll be in the thread."
            if open_set is not None:
                return "Options are already waiting in the thread: pick one of those first."
            refusal = self.usage.refusal(session, team_id=team_id, user_id=user_id)
            if refusal is not None:
                return refusal.message
            queued = self.open_set(
                session,
                request,
                source=Source.BUTTON,
                count=DEFAULT_OPTIONS,
                asked_by=user_id,
                varies=None,
                note=None,
            )
        self.people.remember(team_id, user_id)
        self.deps.jobs.submit(queued)
        return f"Writing {DEFAULT_OPTIONS} options in the thread…"

    def open_set(
        self,
        session: Session,
        request: Request,
        *,
        source: str,
        count: int,
        asked_by: str | None,
        varies: str | None,
        note: str | None,
    ) -> Job:
        """Record a set of options to write (and the asking, as the asker's feedback) in the
        caller's transaction; returns the job that writes them, to submit after commit."""
        assert request.id is not None
        option_set = option_store.create_option_set(
            session,
            team_id=request.team_id,
            request_id=request.id,
            source=source,
            count=count,
            asked_by=asked_by,
            varies=varies,
            note=note,
            now=self.deps.now(),
        )
        if asked_by is not None:
            option_store.record_option_feedback(
                session,
                team_id=request.team_id,
                user_id=asked_by,
                request_id=request.id,
                kind=FeedbackKind.OPTIONS_ASKED.value,
                at=self.deps.now(),
            )
        return self.deps.enqueue(session, request, JobKind.OPTIONS, set_id=option_set.id)

    # ---- writing them (the OPTIONS job) ---------------------------------------------------

    def run_options_job(self, job: Job) -> None:
        """Write a set's options with Claude and post them, with a Use button each."""
        set_id = int(job.args["set_id"])
        try:
            self._write_options(job.team_id, job.request_id, set_id)
        except SlackCallFailed as exc:
            with self.deps.db.session() as session:
                stored = option_store.get_option_set(session, team_id=job.team_id, set_id=set_id)
                if stored is not None and stored.state == option_store.PENDING:
                    option_store.set_state(
                        session, option_set=stored, state=option_store.FAILED, now=self.deps.now()
                    )
            self.thread.give_up_on_slack(job.team_id, job.request_id, exc)

    def _write_options(self, team_id: str, request_id: int, set_id: int) -> None:
        with self.deps.db.session() as session:
            option_set = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
            if option_set is None or option_set.state != option_store.PENDING:
                return  # posted (or chosen, or failed) before this run
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief:
                return
            written = option_store.options_of(session, team_id=team_id, set_id=set_id)
            # Written before a crash, they are posted as they are: no model call, no prompt.
            prompt = None if written else self._prompt(session, request, option_set)
        varies = option_set.varies
        if prompt is not None:
            answer = self._ask(set_id, request, prompt)
            if answer is None:
                return
            varies = answer.varies or varies  # what Claude says it varied, in fact
            with self.deps.db.session() as session:
                stored = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
                assert stored is not None
                written = option_store.save_options(
                    session,
                    option_set=stored,
                    varies=varies,
                    options=[
                        (
                            label_for(index),
                            option.approach,
                            defuse_broadcasts(option.text, allowed=request.text),
                        )
                        for index, option in enumerate(answer.options[: option_set.count])
                    ],
                    now=self.deps.now(),
                )
        shown = [ShownOption(o.label, o.approach, o.text) for o in written]
        self._post(request, option_set, shown, varies=varies)

    def _prompt(self, session: Session, request: Request, option_set: OptionSet) -> Prompt:
        """The options prompt, read in the job's first transaction."""
        team_id, requester = request.team_id, request.requester_id
        profile = load_style(session, team_id=team_id, user_id=requester, now=self.deps.now())
        person = people_store.get_person(session, team_id=team_id, user_id=requester)
        latest = draft_store.latest_complete_draft(
            session, team_id=team_id, request_id=request.id or 0
        )
        language = person.language if person is not None else None
        rules = ChannelRulesKeeper.for_request(session, request)
        if rules is not None and language:
            rules = rules.without_language()  # the person's own language wins
        style = style_instructions(profile)
        if language:
            style.append(f"Write in {language}, whatever language the request is in.")
        return options_prompt(
            Brief.model_validate(request.brief),
            style=style,
            count=option_set.count,
            varies=option_set.varies,
            current_draft=latest.text if latest is not None else None,
            channel_rules=rules_for_draft(rules),
        )

    def _ask(self, set_id: int, request: Request, prompt: Prompt) -> OptionsAnswer | None:
        """Claude's options, retried by the model policy; None when they failed (said)."""
        claude = self.deps.claude
        if claude is None:
            self._fail(set_id, request, NO_MODEL_MESSAGE)
            return None
        try:
            return self.retry.call(lambda: claude.write_options(prompt))
        except ModelError as exc:
            self._fail(set_id, request, f"I couldn't write the options: {exc}.")
            return None

    def _post(
        self,
        request: Request,
        option_set: OptionSet,
        shown: list[ShownOption],
        *,
        varies: str | None,
    ) -> None:
        """The options in the thread, with a Use button each; the request waits for a choice."""
        team_id, set_id = request.team_id, option_set.id or 0
        blocks = options_blocks(
            shown, set_id=set_id, varies=varies or "approach", why=option_set.note
        )
        ts = self.deps.slack.post(
            channel=request.channel_id,
            thread_ts=request.thread_ts,
            blocks=blocks,
            text=f"Options {', '.join(letters(shown))} for this brief: pick one to go on with.",
        )
        with self.deps.db.session() as session:
            stored = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
            if stored is not None:
                option_store.set_state(
                    session,
                    option_set=stored,
                    state=option_store.SHOWN,
                    now=self.deps.now(),
                    message_ts=ts,
                )
            current = request_store.get_request(
                session, team_id=team_id, request_id=request.id or 0
            )
            if current is not None:
                request_store.update_request(
                    session, request=current, state=RequestState.CHOOSING, error=None
                )

    def _fail(self, set_id: int, request: Request, message: str) -> None:
        """Say the options failed. With a draft already there it stands; without one the
        request waits for Retry, which writes the options again."""
        with self.deps.db.session() as session:
            stored = option_store.get_option_set(session, team_id=request.team_id, set_id=set_id)
            if stored is not None:
                option_store.set_state(
                    session, option_set=stored, state=option_store.FAILED, now=self.deps.now()
                )
            has_draft = (
                draft_store.latest_complete_draft(
                    session, team_id=request.team_id, request_id=request.id or 0
                )
                is not None
            )
        if has_draft:
            self.thread.set_state(request, RequestState.DRAFTED)
            self.thread.post_quietly(
                request.channel_id,
                request.thread_ts,
                f":warning: {message} The draft above stands; press Options on the brief to "
                "try again.",
            )
            return
        self.thread.fail(request, message)


def letters(options: list[DraftOption] | list[ShownOption]) -> str:
    """The options' labels, in order: "ABC"."""
    return "".join(option.label for option in options)
