"""Intake: a mention, a DM or `/baton brief` becomes a request (kept, and held when its
requester is over a usage limit); a reply in a Baton thread goes to revision; Retry starts a
failed or held request again. Each acts once however often Slack delivers it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.adapters.slack_io import SlackCallFailed
from bot.constants import SUGGESTED_PROMPTS
from bot.domain.brief import strip_bot_mention
from bot.domain.inbound import InboundMessage
from bot.domain.limits import Refusal
from bot.domain.render import failure_blocks, notice_blocks
from bot.domain.states import JobKind, RequestState
from bot.usecases.deps import Deps
from bot.usecases.files import FilesAsContext
from bot.usecases.people import People
from bot.usecases.revision import Revisions
from bot.usecases.thread import ReplyPlan, Thread
from bot.usecases.usage import UsageLimits
from storage import requests as request_store
from storage.claims import claim_once
from storage.models import Job, Request

logger = logging.getLogger(__name__)

# What a `/baton brief` post shows of a long request (the whole request is kept).
SHOWN_CHARS = 2_900


@dataclass
class Intake:
    """New requests, replies in their threads, and Retry."""

    deps: Deps
    thread: Thread
    usage: UsageLimits
    people: People
    attachments: FilesAsContext
    revisions: Revisions

    def on_message(self, message: InboundMessage) -> None:
        """A person wrote: a new request, a reply in a Baton thread, or nothing for Baton."""
        addressed = message.is_dm or message.mentions_bot
        if not addressed and not message.in_thread:
            return  # channel chatter: not for Baton, and not worth a database write
        with self.deps.db.session() as session:
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
            refusal = self.usage.refusal(session, team_id=message.team_id, user_id=message.user_id)
            job: Job | None = None
            plan: ReplyPlan | None = None
            if thread is not None:
                self.attachments.note(session, request=thread, message=message)
                plan = self.revisions.plan_reply(session, thread, message)
                new_request = None
                if plan.kind is None:
                    refusal = None  # nothing to write yet, so no limit to meet
                elif refusal is None:
                    job = self.deps.enqueue(session, thread, plan.kind, **plan.args)
            else:
                new_request = request_store.create_request(
                    session,
                    team_id=message.team_id,
                    channel_id=message.channel_id,
                    channel_type=message.channel_type,
                    message_ts=message.ts,
                    thread_ts=message.thread_ts or message.ts,
                    requester_id=message.user_id,
                    text=strip_bot_mention(message.text, self.deps.slack.bot_user_id),
                    # Over a limit the request is still kept, waiting for Retry.
                    state=RequestState.LIMITED if refusal else RequestState.BRIEFING,
                )
                if new_request is None:
                    return
                self.attachments.note(session, request=new_request, message=message)
                if refusal is None:
                    job = self.deps.enqueue(session, new_request, JobKind.BRIEF_AND_DRAFT)
        if new_request is not None and refusal is not None:
            self._refuse_request(new_request, refusal)
        elif new_request is not None and job is not None:
            self._start(new_request, job)
        elif refusal is not None:
            # The reply is recorded; the revision it asks for waits until there is room.
            self.thread.refuse_revision(
                message.channel_id, message.thread_ts or message.ts, refusal
            )
        elif job is not None:
            self.people.remember(message.team_id, message.user_id)
            self.deps.jobs.submit(job)
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
        shown = text
        if len(text) > SHOWN_CHARS:
            shown = text[:SHOWN_CHARS] + "… (the full request is kept)"
        try:
            ts = self.deps.slack.post(
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
        with self.deps.db.session() as session:
            refusal = self.usage.refusal(session, team_id=team_id, user_id=user_id)
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
                self.deps.enqueue(session, request, JobKind.BRIEF_AND_DRAFT)
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
            self.deps.slack.assistant_prompts(
                channel=channel_id, thread_ts=thread_ts, prompts=prompts
            )
        except SlackCallFailed as exc:
            logger.info("no suggested prompts for %s: %s", channel_id, exc.error)

    def on_retry(self, *, team_id: str, request_id: int, user_id: str) -> str:
        """The Retry button: run the failed step again, once, however often it is pressed.
        Returns what to tell the person who pressed it."""
        with self.deps.db.session() as session:
            request = request_store.get_request(session, team_id=team_id, request_id=request_id)
            if request is None:
                return "I can't find that request any more."
            refusal = self.usage.refusal(session, team_id=team_id, user_id=request.requester_id)
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
            job = self.deps.enqueue(session, request, JobKind.BRIEF_AND_DRAFT)
        logger.info("retry of request %s asked by %s", request_id, user_id)
        self.deps.jobs.submit(job)
        return "Trying again…"

    def _start(self, request: Request, job: Job) -> None:
        """Work on a new request: the brief call and the placeholder go out side by side."""
        self.people.remember(request.team_id, request.requester_id)
        self.thread.start(request, lambda: self.deps.jobs.submit(job))
        self.thread.assistant(request, status="is reading your request…")

    def _refuse_request(self, request: Request, refusal: Refusal) -> None:
        """Say why a new request waits; it is stored, and Retry starts it."""
        logger.info("request %s held: over a usage limit", request.id)
        try:
            self.deps.slack.post(
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
