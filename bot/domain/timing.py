"""Per-person timing: time zone, digest time and days, quiet hours, typical response time.

Pure functions of data and a clock (``now`` / ``after`` are always passed in); stdlib only.

The rule
--------
Everything is per person and in their own local time.  Each value comes from the first of:

1. an explicit setting (source ``"set"``, reason "you set this");
2. what was learned from their feedback (source ``"learned"``, or ``"slack"`` for the time zone
   Slack reports for them);
3. a default (source ``"default"``; reason None unless something invalid had to be ignored).

* Time zone: the set one, else Slack's, else UTC.  A name ``zoneinfo`` does not know is skipped
  with a reason: a bad setting falls back to Slack's zone, a bad Slack zone to UTC.
* Digest time: the feedback moments of the last ``WINDOW_DAYS`` days are bucketed by the local
  hour they happened in, each weighted ``0.5 ** (age_days / HALF_LIFE_DAYS)`` so a changed habit
  shows up within weeks.  Age counts whole local days (today 0, yesterday 1), so a morning and an
  afternoon reaction on the same day weigh the same.  The busiest hour (ties go to the earlier
  hour) is suggested at its start: someone who mostly reacts 08:10-08:50 gets 08:00, so the
  digest is waiting when they start reading.  It takes ``MIN_MOMENTS`` moments, and the hour
  must carry ``MIN_SHARE`` of the weight (one reaction an hour at five different hours is no
  habit); otherwise 09:00.
* Digest days: set, else Monday to Friday.
* Quiet hours: set only (a start and an end, possibly wrapping midnight), else none.
* Typical response: the median ``seconds_after_draft`` in the window, given ``MIN_RESPONSES``.

Scheduling works on the local wall clock, so DST needs no special casing except where a wall time
does not exist or exists twice: a digest time inside a spring-forward gap fires at the first
instant after the gap (the transition itself), and one inside an autumn fold fires once, at the
first occurrence.  Quiet hours are wall-clock hours: on a fold day the repeated hour is quiet
twice, on a gap day the skipped part simply does not happen.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_DIGEST_DAYS",
    "DEFAULT_DIGEST_TIME",
    "FeedbackMoment",
    "TimingProfile",
    "TimingSettings",
    "TimingValue",
    "describe_days",
    "in_quiet_hours",
    "learn_timing",
    "local_now",
    "next_digest_at",
    "parse_hhmm",
    "valid_timezone",
]

DEFAULT_DIGEST_TIME = time(9, 0)
DEFAULT_DIGEST_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4)  # Mon-Fri
DEFAULT_TIMEZONE = "UTC"

# --- learning constants (see module docstring) --------------------------------------------------
WINDOW_DAYS = 60  # older feedback says little about when someone reads today
HALF_LIFE_DAYS = 21.0  # a three-week-old moment weighs half a fresh one; 60 days ~ a seventh
MIN_MOMENTS = 5  # fewer moments than this cannot show a habit: keep the default
MIN_SHARE = 0.25  # the busiest hour must carry a quarter of the weight to count as "usually"
MIN_RESPONSES = 3  # a median of one or two drafts is an anecdote, not a typical response time

SET_REASON = "you set this"
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
_WEEKEND = (5, 6)


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackMoment:
    """One feedback event (a reaction or reply on a draft), as timing sees it."""

    at: datetime  # timezone-aware UTC; a naive one is read as UTC
    seconds_after_draft: float | None  # how long after the draft was posted (None if unknown)


@dataclass(frozen=True)
class TimingSettings:
    """What the person set explicitly (None = not set)."""

    digest_time: time | None = None
    digest_days: tuple[int, ...] | None = None  # 0=Mon ... 6=Sun
    quiet_start: time | None = None
    quiet_end: time | None = None  # quiet hours may wrap midnight (22:00-07:00)
    timezone: str | None = None  # IANA name; overrides the Slack time zone


@dataclass(frozen=True)
class TimingValue:
    """One timing value, where it came from and why."""

    value: object
    source: str  # "set" | "learned" | "default" | "slack" (time zone from Slack)
    reason: str | None  # human sentence; "you set this"; None for a plain default


@dataclass(frozen=True)
class TimingProfile:
    """One person's timing, one value per aspect."""

    timezone: TimingValue  # str, a valid IANA name
    digest_time: TimingValue  # datetime.time, local
    digest_days: TimingValue  # tuple[int, ...], sorted, 0=Mon ... 6=Sun
    quiet_hours: TimingValue  # tuple[time, time] (local start, end) | None
    typical_response: TimingValue  # float seconds | None: median from draft to first feedback


# --- helpers ------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    if not valid_timezone(name):
        raise ValueError(f"{name!r} is not a known time zone (expected e.g. Europe/London)")
    return ZoneInfo(name)


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _wall(t: time) -> time:
    # Settings are local wall-clock times; a stray tzinfo or fold would confuse comparisons.
    return t.replace(tzinfo=None, fold=0)


def _describe_duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    if hours < 36:
        return f"about {hours} hours"
    return f"about {round(seconds / 86400)} days"


# --- public functions ---------------------------------------------------------------------------


def valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA time zone that zoneinfo can load."""
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    # ValueError covers malformed keys (absolute paths, ".."); OSError covers a directory name
    # such as "America" on some platforms.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _learn_timezone(slack_tz: str | None, settings: TimingSettings) -> TimingValue:
    problems: list[str] = []
    if settings.timezone is not None:
        if valid_timezone(settings.timezone):
            return TimingValue(settings.timezone, "set", SET_REASON)
        problems.append(f'the time zone you set ("{settings.timezone}") is not recognised')
    if slack_tz is not None:
        if valid_timezone(slack_tz):
            reason = f"{problems[0]}; using your Slack time zone" if problems else None
            return TimingValue(slack_tz, "slack", reason)
        problems.append(f'your Slack time zone ("{slack_tz}") is not recognised')
    reason = "; ".join(problems) + "; using UTC" if problems else None
    return TimingValue(DEFAULT_TIMEZONE, "default", reason)


def _learn_digest_time(
    recent: Sequence[FeedbackMoment], zone: ZoneInfo, settings: TimingSettings, now: datetime
) -> TimingValue:
    if settings.digest_time is not None:
        return TimingValue(_wall(settings.digest_time), "set", SET_REASON)
    default = TimingValue(DEFAULT_DIGEST_TIME, "default", None)
    if len(recent) < MIN_MOMENTS:
        return default
    weights = [0.0] * 24
    counts = [0] * 24
    today = now.astimezone(zone).date()
    for moment in recent:
        local = moment.at.astimezone(zone)
        # Whole days: within one day, an afternoon reaction is no more "recent" a habit than a
        # morning one, and fractional ages would make ties (and the earlier-hour rule) vanish.
        age_days = (today - local.date()).days
        weights[local.hour] += 0.5 ** (age_days / HALF_LIFE_DAYS)
        counts[local.hour] += 1
    # Strictly greater (with a little slack for float noise) keeps ties on the earlier hour.
    best = 0
    for hour in range(1, 24):
        if weights[hour] > weights[best] * (1 + 1e-9):
            best = hour
    if weights[best] < MIN_SHARE * sum(weights):
        return default
    start = time(best, 0)
    end = time((best + 1) % 24, 0)
    reason = (
        f"you usually give feedback between {_hhmm(start)} and {_hhmm(end)} "
        f"({counts[best]} of your last {len(recent)})"
    )
    return TimingValue(start, "learned", reason)


def _learn_digest_days(settings: TimingSettings) -> TimingValue:
    if settings.digest_days is None:
        return TimingValue(DEFAULT_DIGEST_DAYS, "default", None)
    days = tuple(sorted({d for d in settings.digest_days if d in _ALL_DAYS}))
    if not days:
        # No valid day would mean no digest ever; a pause is a separate feature, not this.
        return TimingValue(DEFAULT_DIGEST_DAYS, "default", "the days you set were not valid")
    return TimingValue(days, "set", SET_REASON)


def _learn_quiet_hours(settings: TimingSettings) -> TimingValue:
    start, end = settings.quiet_start, settings.quiet_end
    if start is None and end is None:
        return TimingValue(None, "default", None)
    if start is None or end is None:
        return TimingValue(None, "default", "quiet hours need both a start and an end")
    return TimingValue((_wall(start), _wall(end)), "set", SET_REASON)


def _learn_typical_response(recent: Sequence[FeedbackMoment]) -> TimingValue:
    # Negative delays are clock skew between Slack and the bot, not information.
    delays = [
        float(m.seconds_after_draft)
        for m in recent
        if m.seconds_after_draft is not None and m.seconds_after_draft >= 0
    ]
    if len(delays) < MIN_RESPONSES:
        return TimingValue(None, "default", None)
    median = statistics.median(delays)
    reason = (
        f"you usually respond {_describe_duration(median)} after a draft "
        f"(median of your last {len(delays)})"
    )
    return TimingValue(median, "learned", reason)


def learn_timing(
    moments: Sequence[FeedbackMoment],
    *,
    slack_tz: str | None,
    settings: TimingSettings,
    now: datetime,
) -> TimingProfile:
    """Combine settings, Slack's time zone and feedback moments into a timing profile."""
    now = now
    timezone = _learn_timezone(slack_tz, settings)
    zone = ZoneInfo(str(timezone.value))
    cutoff = now - timedelta(days=WINDOW_DAYS)
    # Moments after `now` are clock skew; moments before the cutoff are a habit long gone.
    recent = [
        FeedbackMoment(at, m.seconds_after_draft) for m in moments if cutoff <= (at := m.at) <= now
    ]
    return TimingProfile(
        timezone=timezone,
        digest_time=_learn_digest_time(recent, zone, settings, now),
        digest_days=_learn_digest_days(settings),
        quiet_hours=_learn_quiet_hours(settings),
        typical_response=_learn_typical_response(recent),
    )


def local_now(now: datetime, tz: str) -> datetime:
    """``now`` on the wall clock of time zone ``tz`` (ValueError for an unknown zone)."""
    return now.astimezone(_zone(tz))


def in_quiet_hours(now: datetime, profile: TimingProfile) -> bool:
    """True when ``now`` falls inside the person's quiet hours, on their local wall clock."""
    quiet = profile.quiet_hours.value
    if quiet is None:
        return False
    if not (
        isinstance(quiet, tuple) and len(quiet) == 2 and all(isinstance(q, time) for q in quiet)
    ):
        raise TypeError(f"quiet_hours must be a (start, end) pair of times, got {quiet!r}")
    start, end = _wall(quiet[0]), _wall(quiet[1])
    # Wall-clock comparison is what makes DST work: 07:00 is 07:00 in GMT and in BST.
    t = local_now(now, str(profile.timezone.value)).time().replace(fold=0)
    if start < end:
        return start <= t < end
    if start > end:  # wraps midnight, e.g. 22:00-07:00
        return t >= start or t < end
    return False  # start == end: an empty window, not a whole day of silence


def _first_instant_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant whose local wall time on ``day`` is ``at``, or the gap's end."""
    wall = datetime.combine(day, _wall(at))
    # fold=0 picks the first of two occurrences in an autumn fold (PEP 495).
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` is in a spring-forward gap.  fold=0 read it with the offset before the jump (an
    # instant after the transition), fold=1 with the offset after it (an instant before), so the
    # transition, the first instant that exists after `wall`, lies between the two.
    # Whole seconds throughout: transitions happen on whole seconds (in practice whole minutes).
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(microsecond=0)
    before = lo.astimezone(zone).utcoffset()  # lo is still before the transition
    low, high = 0, int((first - lo).total_seconds()) + 1  # lo + high is after it
    while high - low > 1:
        mid = (low + high) // 2
        if (lo + timedelta(seconds=mid)).astimezone(zone).utcoffset() == before:
            low = mid
        else:
            high = mid
    return lo + timedelta(seconds=high)


def next_digest_at(after: datetime, profile: TimingProfile) -> datetime:
    """The next UTC instant strictly after ``after`` when the person's digest is due."""
    after = after.astimezone(UTC)
    zone = _zone(str(profile.timezone.value))
    at = profile.digest_time.value
    days = profile.digest_days.value
    if not isinstance(at, time):
        raise TypeError(f"digest_time must be a datetime.time, got {at!r}")
    if not isinstance(days, tuple) or not any(d in _ALL_DAYS for d in days):
        raise ValueError(f"digest_days must name at least one weekday 0-6, got {days!r}")
    today = after.astimezone(zone).date()
    # Start a day early: a gap can push yesterday's wall time past local midnight.  Eight days
    # ahead always reaches the next occurrence of any weekday, even if today's has passed.
    for offset in range(-1, 9):
        day = today + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        candidate = _first_instant_at(day, at, zone)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: every weekday recurs within eight days")


_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")


def parse_hhmm(text: str) -> time:
    """Parse "9:00", "09:00" or "21:30" into a time (ValueError with a usage hint otherwise)."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'"{text}" is not a time: use HH:MM, e.g. 09:00')
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f'"{text}" is not a time of day: use HH:MM, e.g. 09:00 (00:00-23:59)')
    return time(hour, minute)


def describe_days(days: tuple[int, ...]) -> str:
    """Describe digest days: "weekdays", "every day", "weekends" or e.g. "Mon, Wed, Fri"."""
    unique = tuple(sorted(set(days)))
    if any(d not in _ALL_DAYS for d in unique):
        raise ValueError(f"days must be 0 (Mon) to 6 (Sun), got {days!r}")
    if not unique:
        return "no days"
    if unique == _ALL_DAYS:
        return "every day"
    if unique == DEFAULT_DIGEST_DAYS:
        return "weekdays"
    if unique == _WEEKEND:
        return "weekends"
    return ", ".join(_DAY_NAMES[d] for d in unique)
