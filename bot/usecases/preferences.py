"""People steering Baton on purpose: preferences, the Home tab, digest-now and forget-me."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot.adapters.members import MemberCache
from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.domain.finalise import EditDiff
from bot.domain.profile import person_style
from bot.domain.render import message_link
from bot.domain.style.profile import (
    Dimension,
    FeedbackKind,
    FeedbackSignal,
    RejectReason,
    StyleProfile,
)
from bot.domain.style.reading import measure_draft
from bot.domain.timing import (
    FeedbackMoment,
    TimingProfile,
    TimingSettings,
    describe_days,
    learn_timing,
    parse_hhmm,
    valid_timezone,
)
from bot.domain.views.home import WaitingLink, digest_blocks, home_view
from bot.domain.views.preferences import LEARN, STYLE_CHOICES, TimingView, prefs_modal
from storage import feedback as feedback_store
from storage import options as option_store
from storage import pending as pending_store
from storage import people as people_store
from storage.db import Database
from storage.models import Person, utcnow

logger = logging.getLogger(__name__)

STYLE_HISTORY = 40
TIMING_WINDOW = timedelta(days=60)
DRAFT_WINDOW = timedelta(days=14)
WAITING_LIMIT = 15


def _time(text: str | None) -> time | None:
    return parse_hhmm(text) if text else None


def timing_settings(person: Person | None) -> TimingSettings:
    """A person's stored timing choices as the timing rules take them."""
    if person is None:
        return TimingSettings()
    return TimingSettings(
        digest_time=_time(person.digest_time),
        digest_days=tuple(person.digest_days) if person.digest_days else None,
        quiet_start=_time(person.quiet_start),
        quiet_end=_time(person.quiet_end),
        timezone=person.timezone,
    )


def style_signals(session: Session, *, team_id: str, user_id: str) -> list[FeedbackSignal]:
    """The person's recent feedback as the style learner sees it, oldest first."""
    history = feedback_store.person_history(
        session, team_id=team_id, user_id=user_id, limit=STYLE_HISTORY
    )
    # An option picked or passed over teaches through its own text (it may have no draft).
    option_texts = option_store.option_texts(
        session,
        team_id=team_id,
        option_ids=[f.option_id for f, _ in history if f.option_id is not None],
    )
    signals = []
    for feedback, draft in reversed(history):
        text = option_texts.get(feedback.option_id or 0) or (draft.text if draft else None)
        edit = EditDiff.from_dict(feedback.edit_diff).signal() if feedback.edit_diff else None
        signals.append(
            FeedbackSignal(
                kind=FeedbackKind(feedback.kind),
                at=feedback.created_at,
                reply_text=feedback.text,
                draft=measure_draft(text) if text else None,
                edit=edit,
                reason=_reject_reason(feedback.reason),
                reason_note=feedback.reason_note,
            )
        )
    return signals


def _reject_reason(stored: str | None) -> RejectReason | None:
    return RejectReason(stored) if stored in {r.value for r in RejectReason} else None


def load_style(session: Session, *, team_id: str, user_id: str, now: datetime) -> StyleProfile:
    """The person's style: learned from feedback, with their explicit choices on top."""
    person = people_store.get_person(session, team_id=team_id, user_id=user_id)
    resets = {
        key: datetime.fromisoformat(value)
        for key, value in (person.style_reset if person else {}).items()
    }
    return person_style(
        style_signals(session, team_id=team_id, user_id=user_id),
        now=now,
        explicit=person.style if person else {},
        resets=resets,
    )


@dataclass
class Preferences:
    """Use cases behind /baton prefs, digest and forget-me, and the Home tab."""

    db: Database
    slack: SlackIO
    team_url: str
    members: MemberCache
    clock: Callable[[], datetime] = utcnow
    _tz_checked: set[tuple[str, str]] = field(default_factory=set, init=False)

    # ---- reading ----------------------------------------------------------------------

    def profiles(
        self, *, team_id: str, user_id: str
    ) -> tuple[StyleProfile, TimingProfile, Person | None]:
        """The person's style and timing, as of now."""
        self._refresh_slack_timezone(team_id, user_id)
        now = self.clock()
        with self.db.session() as session:
            style = load_style(session, team_id=team_id, user_id=user_id, now=now)
            person = people_store.get_person(session, team_id=team_id, user_id=user_id)
            moments = [
                FeedbackMoment(at=at, seconds_after_draft=seconds)
                for at, seconds in feedback_store.feedback_times(
                    session, team_id=team_id, user_id=user_id, since=now - TIMING_WINDOW
                )
            ]
        timing = learn_timing(
            moments,
            slack_tz=person.slack_timezone if person else None,
            settings=timing_settings(person),
            now=now,
        )
        return style, timing, person

    def waiting_links(self, *, team_id: str, user_id: str) -> list[WaitingLink]:
        """What waits for the person, with links, from conversations they can see: the same
        rule as their scheduled digest."""
        with self.db.session() as session:
            waiting, _ = pending_store.pending_for(
                session,
                people={(team_id, user_id)},
                accepted_since=None,
                drafts_since=self.clock() - DRAFT_WINDOW,
            )
        items = sorted(
            waiting.get((team_id, user_id), []),
            key=lambda p: p.at if p.at else datetime.min.replace(tzinfo=UTC),
        )
        visible = {c for c in {p.channel_id for p in items} if user_id in self.members.members(c)}
        return [
            WaitingLink(
                p.kind, p.title, self._link(p.channel_id, p.message_ts, p.thread_ts), p.version
            )
            for p in items
            if p.channel_id in visible
        ][:WAITING_LIMIT]

    def _link(self, channel: str, ts: str, thread_ts: str) -> str:
        return message_link(self.slack.team_url or self.team_url, channel, ts, thread_ts)

    def _refresh_slack_timezone(self, team_id: str, user_id: str) -> None:
        # One users.info per person per process: time zones rarely change.
        if (team_id, user_id) in self._tz_checked:
            return
        try:
            tz = self.slack.user_timezone(user_id)
        except SlackCallFailed:
            return
        self._tz_checked.add((team_id, user_id))
        with self.db.session() as session:
            person = people_store.get_person(session, team_id=team_id, user_id=user_id)
            if tz and (person is None or person.slack_timezone != tz):
                people_store.save_person(
                    session, team_id=team_id, user_id=user_id, slack_timezone=tz
                )

    # ---- surfaces ---------------------------------------------------------------------

    def timing_view(self, timing: TimingProfile) -> TimingView:
        """Timing as the modal and the Home tab show it."""
        quiet = timing.quiet_hours.value
        days = timing.digest_days.value
        assert isinstance(days, tuple)
        digest_time = timing.digest_time.value
        assert isinstance(digest_time, time)
        return TimingView(
            timezone=str(timing.timezone.value),
            timezone_note=_note(timing.timezone.source, timing.timezone.reason),
            digest_time=digest_time,
            digest_time_note=_note(timing.digest_time.source, timing.digest_time.reason),
            digest_days=describe_days(days),
            quiet_hours=(
                f"{quiet[0].strftime('%H:%M')} to {quiet[1].strftime('%H:%M')}"
                if isinstance(quiet, tuple)
                else None
            ),
            set_digest_time=digest_time if timing.digest_time.source == "set" else None,
            set_days=days if timing.digest_days.source == "set" else None,
            set_quiet=quiet if isinstance(quiet, tuple) else None,
            set_timezone=(str(timing.timezone.value) if timing.timezone.source == "set" else None),
        )

    def open_prefs(self, *, team_id: str, user_id: str, trigger_id: str) -> None:
        """Open the preferences modal, prefilled with what was set and what was learned."""
        style, timing, person = self.profiles(team_id=team_id, user_id=user_id)
        view = prefs_modal(
            style, self.timing_view(timing), language=person.language if person else None
        )
        self.slack.open_view(trigger_id=trigger_id, view=view)

    def save_prefs(self, *, team_id: str, user_id: str, values: dict[str, Any]) -> dict[str, str]:
        """Store what the person chose; returns errors by block id (nothing saved then)."""
        errors: dict[str, str] = {}
        style: dict[str, str] = {}
        for dimension in STYLE_CHOICES:
            chosen = values.get(f"style_{dimension.value}")
            if chosen and chosen != LEARN:
                allowed = {key for key, _ in STYLE_CHOICES[dimension]}
                if chosen not in allowed:
                    errors[f"style_{dimension.value}"] = "Pick one of the options."
                else:
                    style[dimension.value] = chosen
        tz = (values.get("timezone") or "").strip() or None
        if tz and not valid_timezone(tz):
            errors["timezone"] = "Use a time zone name such as Europe/London or Asia/Kolkata."
        times: dict[str, str | None] = {}
        for key in ("digest_time", "quiet_start", "quiet_end"):
            raw = values.get(key)
            try:
                times[key] = parse_hhmm(raw).strftime("%H:%M") if raw else None
            except ValueError as exc:
                errors[key] = str(exc)
        if bool(times.get("quiet_start")) != bool(times.get("quiet_end")):
            missing = "quiet_end" if times.get("quiet_start") else "quiet_start"
            errors[missing] = "Set both ends of your quiet hours, or neither."
        days = sorted(
            {
                int(d)
                for d in values.get("digest_days") or []
                if str(d).isascii() and str(d).isdigit()
            }
        )
        if any(d > 6 for d in days):
            errors["digest_days"] = "Pick days from the list."
        language = (values.get("language") or "").strip() or None
        if errors:
            return errors
        with self.db.session() as session:
            people_store.save_person(
                session,
                team_id=team_id,
                user_id=user_id,
                style=style,
                language=language,
                timezone=tz,
                digest_time=times["digest_time"],
                digest_days=days or None,
                quiet_start=times["quiet_start"],
                quiet_end=times["quiet_end"],
            )
        return {}

    def reset(self, *, team_id: str, user_id: str, dimension: str | None) -> None:
        """Back to learning: one style value, or all of them (learning starts afresh)."""
        now = self.clock().isoformat()
        known = [d.value for d in Dimension]
        if dimension is not None and dimension not in known:
            return  # a stale or forged button: nothing to reset
        keys = known if dimension is None else [dimension]
        with self.db.session() as session:
            person = people_store.get_person(session, team_id=team_id, user_id=user_id)
            style = {k: v for k, v in (person.style if person else {}).items() if k not in keys}
            resets = {**(person.style_reset if person else {}), **{k: now for k in keys}}
            people_store.save_person(
                session, team_id=team_id, user_id=user_id, style=style, style_reset=resets
            )

    def publish_home(self, *, team_id: str, user_id: str) -> None:
        """Show the person their Home tab."""
        style, timing, _ = self.profiles(team_id=team_id, user_id=user_id)
        with self.db.session() as session:
            record = people_store.partnership(
                session, team_id=team_id, user_id=user_id, since=self.clock() - timedelta(days=30)
            )
        view = home_view(
            style,
            self.timing_view(timing),
            self.waiting_links(team_id=team_id, user_id=user_id),
            accepted=record.drafts_accepted,
            average_revisions=record.average_revisions,
        )
        self.slack.publish_home(user_id=user_id, view=view)

    def digest_now(self, *, team_id: str, user_id: str) -> None:
        """Send the person what waits for them, as a DM (they asked: quiet hours aside)."""
        items = self.waiting_links(team_id=team_id, user_id=user_id)
        # Posting to a user id lands in the app's DM with them: no conversations.open needed.
        self.slack.post(
            channel=user_id, thread_ts=None, blocks=digest_blocks(items), text="Your Baton digest"
        )

    def forget(self, *, team_id: str, user_id: str) -> people_store.Erased:
        """Erase everything Baton holds about the person."""
        with self.db.session() as session:
            erased = people_store.forget_person(session, team_id=team_id, user_id=user_id)
        self._tz_checked.discard((team_id, user_id))
        return erased


def _note(source: str, reason: str | None) -> str:
    if source == "set":
        return "set by you"
    if source == "slack":
        return "from your Slack profile"
    if source == "learned" and reason:
        return f"learned: {reason}"
    return reason or "default"
