"""Choosing among options: a "Use B" button, or a reply "B but warmer", makes the option the
working draft that the next version is written from (the OPTION_CHOSEN job); a reply asking
for options ("give me two takes") on a drafted brief asks for a new set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.brief import strip_bot_mention
from bot.domain.inbound import InboundMessage
from bot.domain.options.blocks import Chosen, ShownOption, choosing_hint, options_blocks
from bot.domain.options.choice import LABELS, parse_choice
from bot.domain.options.offer import Source, options_asked, varies_asked
from bot.domain.prompts import Revision
from bot.domain.states import DraftState, JobKind, RequestState
from bot.domain.style.profile import FeedbackKind
from bot.usecases.deps import Deps
from bot.usecases.drafting import Drafting
from bot.usecases.options import Options, letters
from bot.usecases.people import People
from bot.usecases.thread import ReplyPlan, Thread
from bot.usecases.usage import UsageLimits
from storage import drafts as draft_store
from storage import feedback as feedback_store
from storage import options as option_store
from storage import requests as request_store
from storage.claims import claim_once
from storage.models import Draft, DraftOption, Job, OptionSet, Request

logger = logging.getLogger(__name__)

OPTION_TRIGGER = Revision.OPTION.value  # the draft a chosen option becomes (no model call)


@dataclass
class Choosing:
    """A choice among options, and the next version written from it."""

    deps: Deps
    thread: Thread
    usage: UsageLimits
    people: People
    options: Options
    drafting: Drafting

    def on_use_button(self, *, team_id: str, user_id: str, value: str) -> str | None:
        """A "Use B" button; returns what to tell the person when it could not be used."""
        set_part, _, label = value.partition(":")
        if not set_part.isdigit() or label.upper() not in LABELS or len(label) != 1:
            return "That button is out of date."
        with self.deps.db.session() as session:
            option_set = option_store.get_option_set(session, team_id=team_id, set_id=int(set_part))
            if option_set is None:
                return "Those options are no longer here."
            refusal = self.usage.refusal(session, team_id=team_id, user_id=user_id)
            if refusal is not None and option_set.state == option_store.SHOWN:
                return refusal.message
            outcome = self._choose(session, option_set, label.upper(), user_id, extra=None)
        if isinstance(outcome, str):
            return outcome
        self.people.remember(team_id, user_id)
        self.deps.jobs.submit(outcome)
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
        labels = letters(options)
        choice = parse_choice(strip_bot_mention(message.text, self.deps.slack.bot_user_id), labels)
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
            return ReplyPlan(None, after=lambda: self.thread.post_quietly(channel, thread_ts, hint))
        refusal = self.usage.refusal(session, team_id=request.team_id, user_id=user)
        if refusal is not None:
            return ReplyPlan(
                None, after=lambda: self.thread.refuse_revision(channel, thread_ts, refusal)
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
            self.people.remember(request.team_id, user)
            self.deps.jobs.submit(outcome)

        return ReplyPlan(None, after=start)

    def _asked_in_reply(
        self, session: Session, request: Request, message: InboundMessage
    ) -> ReplyPlan | None:
        """A reply asking for options ("give me two takes") on a drafted brief: options,
        rather than a revision. None for any other reply."""
        assert request.id is not None
        text = strip_bot_mention(message.text, self.deps.slack.bot_user_id)
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
        refusal = self.usage.refusal(session, team_id=team_id, user_id=user)
        if refusal is not None:
            return ReplyPlan(
                None, after=lambda: self.thread.refuse_revision(channel, thread_ts, refusal)
            )
        queued = self.options.open_set(
            session,
            request,
            source=Source.WORDING,
            count=count,
            asked_by=user,
            varies=varies_asked(text),
            note=None,
        )
        return ReplyPlan(None, after=lambda: self.deps.jobs.submit(queued))

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
            return f"There is no option {label} here: pick one of {', '.join(letters(options))}."
        shown_at = option_set.updated_at
        now = self.deps.now()
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
        draft = self._adopt(session, request, option_set, picked, shown_at=shown_at, now=now)
        self._teach(session, request, options, picked, draft, user_id, extra, message_ts, now)
        request_store.update_request(session, request=request, state=RequestState.DRAFTING)
        return self.deps.enqueue(
            session,
            request,
            JobKind.OPTION_CHOSEN,
            set_id=set_id,
            draft_id=draft.id,
            revision=(Revision.REPLY if extra else Revision.CHOSEN).value,
            asked_by=user_id,
            reply=extra,
        )

    @staticmethod
    def _adopt(
        session: Session,
        request: Request,
        option_set: OptionSet,
        picked: DraftOption,
        *,
        shown_at: datetime,
        now: datetime,
    ) -> Draft:
        """The picked option as the request's newest complete draft (no model call)."""
        team_id, request_id = request.team_id, request.id or 0
        latest = draft_store.latest_complete_draft(session, team_id=team_id, request_id=request_id)
        draft = draft_store.create_draft(
            session,
            team_id=team_id,
            request_id=request_id,
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
        return draft

    @staticmethod
    def _teach(
        session: Session,
        request: Request,
        options: list[DraftOption],
        picked: DraftOption,
        draft: Draft,
        user_id: str,
        extra: str | None,
        message_ts: str | None,
        now: datetime,
    ) -> None:
        """The pick and every option passed over teach the chooser's style; the steering
        words ("but warmer") are their reply to the chosen option."""
        team_id, request_id = request.team_id, request.id or 0
        for option in options:
            chosen = option is picked
            option_store.record_option_feedback(
                session,
                team_id=team_id,
                user_id=user_id,
                request_id=request_id,
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
                request_id=request_id,
                kind=FeedbackKind.REPLY.value,
                draft=draft,
                text=extra,
                message_ts=message_ts,
                at=now,
            )

    def _tell(self, channel: str, thread_ts: str, user: str, text: str) -> None:
        try:
            self.deps.slack.post_ephemeral(
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
            self.drafting.write(
                job.team_id,
                job.request_id,
                revision=Revision(args["revision"]),
                parent_id=int(args["draft_id"]),
                asked_by=str(args.get("asked_by") or "") or None,
                reply=args.get("reply"),
                job=job,
            )
        except SlackCallFailed as exc:
            self.thread.give_up_on_slack(job.team_id, job.request_id, exc)

    def _show_choice(self, team_id: str, set_id: int) -> None:
        with self.deps.db.session() as session:
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
            self.deps.slack.update(
                channel=request.channel_id,
                ts=option_set.message_ts,
                blocks=blocks,
                text=f"Option {option_set.chosen_label} was chosen.",
            )
        except SlackCallFailed as exc:
            logger.warning("could not mark the chosen option: %s", exc.error)
