"""Options, then variation: Baton writes options A, B, C for a brief (when the request asks,
when someone presses Options, or when the requester habitually asks for more takes), and a
choice (a "Use B" button, or a reply "B but warmer") becomes the working draft that the next
version is written from. Both steps are durable jobs (bot/runtime/jobs.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.adapters.claude import ModelError
from bot.adapters.slack_io import SlackCallFailed
from bot.domain.brief import Brief, strip_bot_mention
from bot.domain.channel_rules import rules_for_draft
from bot.domain.inbound import InboundMessage
from bot.domain.options import (
    DEFAULT_OPTIONS,
    LABELS,
    Chosen,
    OptionsAnswer,
    ShownOption,
    Source,
    choosing_hint,
    label_for,
    options_asked,
    options_blocks,
    options_habit,
    options_prompt,
    parse_choice,
    varies_asked,
)
from bot.domain.prompts import Revision
from bot.domain.render import NO_MODEL_MESSAGE, defuse_broadcasts, failure_blocks
from bot.domain.states import DraftState, JobKind, RequestState
from bot.domain.style import FeedbackKind, style_instructions
from bot.usecases.channel_rules import HouseRules
from bot.usecases.preferences import style_signals
from bot.usecases.services import Baton, ReplyPlan
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import options as option_store
from storage import people as people_store
from storage import requests as request_store
from storage.claims import claim_once
from storage.models import DraftOption, Job, OptionSet, Request

logger = logging.getLogger(__name__)

# Requests whose options wait for a choice.
CHOOSING = "choosing"
OPTION_TRIGGER = Revision.OPTION.value  # the draft a chosen option becomes (no model call)


def _letters(options: list[DraftOption] | list[ShownOption]) -> str:
    return "".join(option.label for option in options)


@dataclass
class OptionDesk:
    """The options use cases; Baton owns one and runs its two jobs."""

    baton: Baton

    # ---- asking for options ---------------------------------------------------------------

    def first_options(self, team_id: str, request_id: int, *, job: Job | None) -> bool:
        """Write options instead of a first draft when the request asks for them or its
        requester habitually asks for more takes; True when options stand in for the draft."""
        if job is not None and job.draft_id is not None:
            return False  # a first draft had started before its process died: finish it
        baton = self.baton
        with baton.db.session() as session:
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
                habit = options_habit(signals, now=baton.clock())
                if habit is None:
                    return False
            option_set = option_store.create_option_set(
                session,
                team_id=team_id,
                request_id=request_id,
                source=Source.WORDING if count else Source.HABIT,
                count=count or DEFAULT_OPTIONS,
                asked_by=request.requester_id if count else None,
                varies=varies_asked(words),
                note=habit.note if habit else None,
                now=baton.clock(),
            )
            if count:
                option_store.record_option_feedback(
                    session,
                    team_id=team_id,
                    user_id=request.requester_id,
                    request_id=request_id,
                    kind=FeedbackKind.OPTIONS_ASKED.value,
                    at=baton.clock(),
                )
            queued = baton._enqueue(session, request, JobKind.OPTIONS, set_id=option_set.id)
        logger.info(
            "request %s: options (%s) instead of a first draft", request_id, option_set.source
        )
        baton.jobs.submit(queued)
        return True

    def on_options_button(self, *, team_id: str, user_id: str, request_id: int) -> str:
        """The Options button on a brief; returns what to tell the person who pressed it."""
        baton = self.baton
        if baton.claude is None:
            return "No model is configured, so I can't write options yet."
        with baton.db.session() as session:
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
            refusal = baton._over_limit(session, team_id=team_id, user_id=user_id)
            if refusal is not None:
                return refusal.message
            option_set = option_store.create_option_set(
                session,
                team_id=team_id,
                request_id=request_id,
                source=Source.BUTTON,
                count=DEFAULT_OPTIONS,
                asked_by=user_id,
                varies=None,
                note=None,
                now=baton.clock(),
            )
            option_store.record_option_feedback(
                session,
                team_id=team_id,
                user_id=user_id,
                request_id=request_id,
                kind=FeedbackKind.OPTIONS_ASKED.value,
                at=baton.clock(),
            )
            queued = baton._enqueue(session, request, JobKind.OPTIONS, set_id=option_set.id)
        baton.remember_person(team_id, user_id)
        baton.jobs.submit(queued)
        return f"Writing {DEFAULT_OPTIONS} options in the thread…"

    # ---- writing them (the OPTIONS job) ---------------------------------------------------

    def run_options_job(self, job: Job) -> None:
        """Write a set's options with Claude and post them, with a Use button each."""
        set_id = int(job.args["set_id"])
        try:
            self._write_options(job.team_id, job.request_id, set_id)
        except SlackCallFailed as exc:
            with self.baton.db.session() as session:
                stored = option_store.get_option_set(session, team_id=job.team_id, set_id=set_id)
                if stored is not None and stored.state == option_store.PENDING:
                    option_store.set_state(
                        session,
                        option_set=stored,
                        state=option_store.FAILED,
                        now=self.baton.clock(),
                    )
            self.baton._give_up_on_slack(job.team_id, job.request_id, exc)

    def _write_options(self, team_id: str, request_id: int, set_id: int) -> None:
        baton = self.baton
        with baton.db.session() as session:
            option_set = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
            if option_set is None or option_set.state != option_store.PENDING:
                return  # posted (or chosen, or failed) before this run
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None or not request.brief:
                return
            written = option_store.options_of(session, team_id=team_id, set_id=set_id)
            profile = baton._profile(session, team_id=team_id, user_id=request.requester_id)
            person = people_store.get_person(session, team_id=team_id, user_id=request.requester_id)
            latest = draft_store.latest_complete_draft(
                session, team_id=team_id, request_id=request_id
            )
            varies = option_set.varies
            language = person.language if person is not None else None
            rules = HouseRules.for_request(session, request)
            if rules is not None and language:
                rules = rules.without_language()  # the person's own language wins
        if not written:
            claude = baton.claude
            if claude is None:
                self._fail(set_id, request, NO_MODEL_MESSAGE)
                return
            style = style_instructions(profile)
            if language:
                style.append(f"Write in {language}, whatever language the request is in.")
            prompt = options_prompt(
                Brief.model_validate(request.brief),
                style=style,
                count=option_set.count,
                varies=varies,
                current_draft=latest.text if latest is not None else None,
                channel_rules=rules_for_draft(rules),
            )
            try:
                answer = self._ask(lambda: claude.write_options(prompt))
            except ModelError as exc:
                self._fail(set_id, request, f"I couldn't write the options: {exc}.")
                return
            varies = answer.varies or varies  # what Claude says it varied, in fact
            with baton.db.session() as session:
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
                    now=baton.clock(),
                )
        shown = [ShownOption(o.label, o.approach, o.text) for o in written]
        blocks = options_blocks(
            shown, set_id=set_id, varies=varies or "approach", why=option_set.note
        )
        ts = baton.slack.post(
            channel=request.channel_id,
            thread_ts=request.thread_ts,
            blocks=blocks,
            text=f"Options {', '.join(_letters(shown))} for this brief: pick one to go on with.",
        )
        with baton.db.session() as session:
            stored = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
            if stored is not None:
                option_store.set_state(
                    session,
                    option_set=stored,
                    state=option_store.SHOWN,
                    now=baton.clock(),
                    message_ts=ts,
                )
            current = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if current is not None:
                request_store.update_request(session, request=current, state=CHOOSING, error=None)

    def _ask(self, call: Callable[[], OptionsAnswer]) -> OptionsAnswer:
        """Claude's options, with Baton's own retries after the SDK's."""
        backoff = self.baton.model_backoff
        for attempt in range(len(backoff) + 1):
            try:
                return call()
            except ModelError as exc:
                if not exc.retryable or attempt == len(backoff):
                    raise
                logger.info("options call failed (%s); retrying", exc)
                self.baton.sleep(backoff[attempt])
        raise AssertionError("unreachable")

    def _fail(self, set_id: int, request: Request, message: str) -> None:
        """Say the options failed. With a draft already there it stands; without one the
        request waits for Retry, which writes the options again."""
        baton = self.baton
        with baton.db.session() as session:
            stored = option_store.get_option_set(session, team_id=request.team_id, set_id=set_id)
            if stored is not None:
                option_store.set_state(
                    session, option_set=stored, state=option_store.FAILED, now=baton.clock()
                )
            has_draft = (
                draft_store.latest_complete_draft(
                    session, team_id=request.team_id, request_id=request.id or 0
                )
                is not None
            )
        if has_draft:
            baton._set_state(request, RequestState.DRAFTED)
            baton._post_quietly(
                request.channel_id,
                request.thread_ts,
                f":warning: {message} The draft above stands; press Options on the brief to "
                "try again.",
            )
            return
        baton._set_state(request, RequestState.FAILED, error=message[:500])
        baton.slack.post(
            channel=request.channel_id,
            thread_ts=request.thread_ts,
            blocks=failure_blocks(message + " Your request is saved.", request_id=request.id or 0),
            text=message,
        )

    # ---- choosing ------------------------------------------------------------------------

    def on_use_button(self, *, team_id: str, user_id: str, value: str) -> str | None:
        """A "Use B" button; returns what to tell the person when it could not be used."""
        set_part, _, label = value.partition(":")
        if not set_part.isdigit() or label.upper() not in LABELS or len(label) != 1:
            return "That button is out of date."
        baton = self.baton
        with baton.db.session() as session:
            option_set = option_store.get_option_set(session, team_id=team_id, set_id=int(set_part))
            if option_set is None:
                return "Those options are no longer here."
            refusal = baton._over_limit(session, team_id=team_id, user_id=user_id)
            if refusal is not None and option_set.state == option_store.SHOWN:
                return refusal.message
            outcome = self._choose(session, option_set, label.upper(), user_id, extra=None)
        if isinstance(outcome, str):
            return outcome
        baton.remember_person(team_id, user_id)
        baton.jobs.submit(outcome)
        return None

    def plan_reply(
        self, session: Session, request: Request, message: InboundMessage
    ) -> ReplyPlan | None:
        """A reply in a thread whose options wait for a choice: "B" or "B but warmer" chooses
        (in the caller's transaction); anything else revises the draft as usual or, when there
        is no draft yet, is told how to choose. None when the options have nothing to do with
        the reply."""
        assert request.id is not None
        option_set = option_store.latest_option_set(
            session, team_id=request.team_id, request_id=request.id, states=(option_store.SHOWN,)
        )
        if option_set is None:
            return self._asked_in_reply(session, request, message)
        options = option_store.options_of(
            session, team_id=request.team_id, set_id=option_set.id or 0
        )
        labels = _letters(options)
        baton = self.baton
        choice = parse_choice(strip_bot_mention(message.text, baton.slack.bot_user_id), labels)
        channel, thread_ts, user = request.channel_id, request.thread_ts, message.user_id
        if choice is None:
            has_draft = draft_store.latest_complete_draft(
                session, team_id=request.team_id, request_id=request.id
            )
            if has_draft is not None:
                return None  # a reply to the draft above the options: revise it as usual
            key = f"options-hint:{option_set.id}"
            if not claim_once(session, team_id=request.team_id, key=key):
                return ReplyPlan(None)
            hint = choosing_hint(labels)
            return ReplyPlan(None, after=lambda: baton._post_quietly(channel, thread_ts, hint))
        refusal = baton._over_limit(session, team_id=request.team_id, user_id=user)
        if refusal is not None:
            return ReplyPlan(
                None, after=lambda: baton._refuse_revision(channel, thread_ts, refusal)
            )
        outcome = self._choose(
            session,
            option_set,
            choice.label,
            user,
            extra=choice.extra,
            message_ts=message.ts,
        )
        if isinstance(outcome, str):
            said = outcome
            return ReplyPlan(None, after=lambda: self._tell(channel, thread_ts, user, said))

        def start() -> None:
            baton.remember_person(request.team_id, user)
            baton.jobs.submit(outcome)

        return ReplyPlan(None, after=start)

    def _asked_in_reply(
        self, session: Session, request: Request, message: InboundMessage
    ) -> ReplyPlan | None:
        """A reply asking for options ("give me two takes") on a drafted brief: options,
        rather than a revision. None for any other reply."""
        assert request.id is not None
        baton = self.baton
        text = strip_bot_mention(message.text, baton.slack.bot_user_id)
        count = options_asked(text)
        if count is None or request.state == RequestState.NEEDS_ANSWERS or not request.brief:
            return None  # answers to questions go in with the brief (first_options reads them)
        team_id, user = request.team_id, message.user_id
        if (
            draft_store.latest_complete_draft(session, team_id=team_id, request_id=request.id)
            is None
        ):
            return None  # the first version is still on its way: the reply revises it
        if option_store.latest_option_set(
            session, team_id=team_id, request_id=request.id, states=(option_store.PENDING,)
        ):
            return None
        channel, thread_ts = request.channel_id, request.thread_ts
        refusal = baton._over_limit(session, team_id=team_id, user_id=user)
        if refusal is not None:
            return ReplyPlan(
                None, after=lambda: baton._refuse_revision(channel, thread_ts, refusal)
            )
        option_set = option_store.create_option_set(
            session,
            team_id=team_id,
            request_id=request.id,
            source=Source.WORDING,
            count=count,
            asked_by=user,
            varies=varies_asked(text),
            note=None,
            now=baton.clock(),
        )
        option_store.record_option_feedback(
            session,
            team_id=team_id,
            user_id=user,
            request_id=request.id,
            kind=FeedbackKind.OPTIONS_ASKED.value,
            at=baton.clock(),
        )
        queued = baton._enqueue(session, request, JobKind.OPTIONS, set_id=option_set.id)
        return ReplyPlan(None, after=lambda: baton.jobs.submit(queued))

    def _choose(
        self,
        session: Session,
        option_set: OptionSet,
        label: str,
        user_id: str,
        *,
        extra: str | None,
        message_ts: str | None = None,
    ) -> Job | str:
        """Record a choice in the caller's transaction: the option becomes the working draft,
        the pick and what was passed over become the chooser's feedback, and the job that
        writes the next version from it is queued. Returns the job, or why not."""
        baton = self.baton
        team_id, set_id = option_set.team_id, option_set.id or 0
        options = option_store.options_of(session, team_id=team_id, set_id=set_id)
        picked = next((o for o in options if o.label == label), None)
        if option_set.state == option_store.CHOSEN:
            return (
                f"Option {option_set.chosen_label} was already chosen by "
                f"<@{option_set.chosen_by}>; its next version is in the thread."
            )
        if option_set.state != option_store.SHOWN:
            return "Those options are out of date."
        if picked is None:
            return f"There is no option {label} here: pick one of {', '.join(_letters(options))}."
        shown_at = option_set.updated_at
        now = baton.clock()
        if not option_store.claim_choice(
            session, team_id=team_id, set_id=set_id, label=label, user_id=user_id, now=now
        ):
            session.refresh(option_set)
            return (
                f"Option {option_set.chosen_label} was just chosen by "
                f"<@{option_set.chosen_by}>; its next version is on its way."
            )
        request = request_store.get_request(
            session, team_id=team_id, request_id=option_set.request_id
        )
        assert request is not None and request.id is not None
        latest = draft_store.latest_complete_draft(session, team_id=team_id, request_id=request.id)
        draft = draft_store.create_draft(
            session,
            team_id=team_id,
            request_id=request.id,
            channel_id=request.channel_id,
            trigger=OPTION_TRIGGER,
            parent_id=latest.id if latest is not None else None,
        )
        draft_store.update_draft(
            session,
            draft=draft,
            text=picked.text,
            state=DraftState.COMPLETE,
            message_ts=option_set.message_ts,
            posted_at=shown_at,
            completed_at=now,
        )
        option_store.link_draft(session, option=picked, draft=draft)
        # The pick and every option passed over teach the chooser's style.
        for option in options:
            chosen = option is picked
            option_store.record_option_feedback(
                session,
                team_id=team_id,
                user_id=user_id,
                request_id=request.id,
                kind=(FeedbackKind.OPTION_CHOSEN if chosen else FeedbackKind.OPTION_PASSED).value,
                option=option,
                draft=draft if chosen else None,
                at=now,
            )
        if extra:
            # The steering words are a reply to the chosen option, as a thread reply would be.
            feedback_store.record_feedback(
                session,
                team_id=team_id,
                user_id=user_id,
                request_id=request.id,
                kind=FeedbackKind.REPLY.value,
                draft=draft,
                text=extra,
                message_ts=message_ts,
                at=now,
            )
        request_store.update_request(session, request=request, state=RequestState.DRAFTING)
        return baton._enqueue(
            session,
            request,
            JobKind.OPTION_CHOSEN,
            set_id=set_id,
            draft_id=draft.id,
            revision=(Revision.REPLY if extra else Revision.CHOSEN).value,
            asked_by=user_id,
            reply=extra,
        )

    def _tell(self, channel: str, thread_ts: str, user: str, text: str) -> None:
        try:
            self.baton.slack.post_ephemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        except SlackCallFailed as exc:
            logger.info("could not tell %s about their choice: %s", user, exc.error)

    # ---- the next version (the OPTION_CHOSEN job) --------------------------------------------

    def run_chosen_job(self, job: Job) -> None:
        """Show the choice on the options message, then write the next version from it."""
        args = job.args
        self._show_choice(job.team_id, int(args["set_id"]))
        try:
            self.baton._write_draft(
                job.team_id,
                job.request_id,
                revision=Revision(args["revision"]),
                parent_id=int(args["draft_id"]),
                asked_by=str(args.get("asked_by") or "") or None,
                reply=args.get("reply"),
                job=job,
            )
        except SlackCallFailed as exc:
            self.baton._give_up_on_slack(job.team_id, job.request_id, exc)

    def _show_choice(self, team_id: str, set_id: int) -> None:
        baton = self.baton
        with baton.db.session() as session:
            option_set = option_store.get_option_set(session, team_id=team_id, set_id=set_id)
            if option_set is None or option_set.message_ts is None:
                return
            options = option_store.options_of(session, team_id=team_id, set_id=set_id)
            picked = next((o for o in options if o.label == option_set.chosen_label), None)
            draft = (
                draft_store.get_draft(session, team_id=team_id, draft_id=picked.draft_id)
                if picked is not None and picked.draft_id is not None
                else None
            )
            request = request_store.get_request(
                session, team_id=team_id, request_id=option_set.request_id
            )
        if draft is None or request is None or option_set.chosen_by is None:
            return
        blocks = options_blocks(
            [ShownOption(o.label, o.approach, o.text) for o in options],
            set_id=set_id,
            varies=option_set.varies or "approach",
            why=option_set.note,
            chosen=Chosen(option_set.chosen_label or "?", option_set.chosen_by, draft.version),
        )
        try:
            baton.slack.update(
                channel=request.channel_id,
                ts=option_set.message_ts,
                blocks=blocks,
                text=f"Option {option_set.chosen_label} was chosen.",
            )
        except SlackCallFailed as exc:
            logger.warning("could not mark the chosen option: %s", exc.error)
