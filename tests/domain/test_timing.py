"""Tests for bot.domain.timing: time zones, learned digest time, quiet hours and scheduling."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.timing import (
    DEFAULT_DIGEST_DAYS,
    DEFAULT_DIGEST_TIME,
    FeedbackMoment,
    TimingProfile,
    TimingSettings,
    TimingValue,
    describe_days,
    in_quiet_hours,
    learn_timing,
    local_now,
    next_digest_at,
    parse_hhmm,
    valid_timezone,
)

NOW = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)  # a Monday; fixed clock, never the real one
NO_SETTINGS = TimingSettings()


def at_local(tz: str, y: int, mo: int, d: int, h: int, mi: int = 0, *, fold: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in ``tz``."""
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def moments_at_local(
    tz: str, times: list[tuple[int, int, int]], now: datetime = NOW
) -> list[FeedbackMoment]:
    """Moments at (days ago, local hour, local minute) in ``tz``, counted from ``now``'s date."""
    today = now.astimezone(ZoneInfo(tz)).date()
    out = []
    for days_ago, hour, minute in times:
        day = today - timedelta(days=days_ago)
        out.append(FeedbackMoment(at_local(tz, day.year, day.month, day.day, hour, minute), None))
    return out


# A reader who mostly reacts 08:10-08:50 local, with a few stray afternoons and evenings.
MORNING_READER = [
    (1, 8, 10),
    (2, 8, 25),
    (3, 13, 40),
    (4, 8, 50),
    (5, 8, 35),
    (7, 20, 15),
    (8, 8, 15),
    (9, 8, 45),
    (10, 22, 5),
    (11, 8, 30),
]


def profile(
    tz: str = "Europe/London",
    digest_time: time = DEFAULT_DIGEST_TIME,
    days: tuple[int, ...] = DEFAULT_DIGEST_DAYS,
    quiet: tuple[time, time] | None = None,
) -> TimingProfile:
    return TimingProfile(
        timezone=TimingValue(tz, "set", "you set this"),
        digest_time=TimingValue(digest_time, "set", "you set this"),
        digest_days=TimingValue(days, "set", "you set this"),
        quiet_hours=TimingValue(quiet, "set" if quiet else "default", None),
        typical_response=TimingValue(None, "default", None),
    )


# --- valid_timezone / local_now -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Europe/London", True),
        ("Pacific/Chatham", True),
        ("Asia/Kolkata", True),
        ("Pacific/Marquesas", True),
        ("UTC", True),
        ("", False),
        ("Mars/Olympus_Mons", False),
        ("America", False),  # a directory of zones, not a zone
        ("Europe/London ", False),
        ("/etc/localtime", False),
        ("../../etc/passwd", False),
    ],
)
def test_valid_timezone(name: str, ok: bool) -> None:
    assert valid_timezone(name) is ok


@pytest.mark.parametrize(
    ("tz", "now", "expected_wall"),
    [
        ("Asia/Kolkata", utc(2025, 6, 16, 2, 45), datetime(2025, 6, 16, 8, 15)),
        ("Pacific/Chatham", utc(2025, 6, 15, 19, 30), datetime(2025, 6, 16, 8, 15)),  # +12:45
        ("Pacific/Chatham", utc(2025, 1, 15, 19, 30), datetime(2025, 1, 16, 9, 15)),  # +13:45
        ("Pacific/Marquesas", utc(2025, 6, 16, 17, 45), datetime(2025, 6, 16, 8, 15)),  # -9:30
        ("Europe/London", utc(2025, 6, 16, 7, 15), datetime(2025, 6, 16, 8, 15)),  # BST
        ("Europe/London", datetime(2025, 1, 16, 8, 15), datetime(2025, 1, 16, 8, 15)),  # naive=UTC
    ],
)
def test_local_now(tz: str, now: datetime, expected_wall: datetime) -> None:
    local = local_now(now, tz)
    assert local.replace(tzinfo=None) == expected_wall
    assert local.tzinfo is not None


def test_local_now_rejects_unknown_zone() -> None:
    with pytest.raises(ValueError, match="not a known time zone"):
        local_now(NOW, "Mars/Olympus_Mons")


# --- time zone resolution -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("set_tz", "slack_tz", "value", "source", "reason_parts"),
    [
        ("Europe/London", "Asia/Kolkata", "Europe/London", "set", ["you set this"]),
        (None, "Asia/Kolkata", "Asia/Kolkata", "slack", None),
        (None, None, "UTC", "default", None),
        ("Europe/Londn", "Asia/Kolkata", "Asia/Kolkata", "slack", ["Europe/Londn", "Slack"]),
        (None, "Mars/Olympus_Mons", "UTC", "default", ["Mars/Olympus_Mons", "UTC"]),
        ("Bad/One", "Bad/Two", "UTC", "default", ["Bad/One", "Bad/Two", "UTC"]),
        ("", None, "UTC", "default", ["not recognised", "UTC"]),
    ],
)
def test_timezone_resolution(
    set_tz: str | None,
    slack_tz: str | None,
    value: str,
    source: str,
    reason_parts: list[str] | None,
) -> None:
    tz = learn_timing([], slack_tz=slack_tz, settings=TimingSettings(timezone=set_tz), now=NOW)
    assert tz.timezone.value == value
    assert tz.timezone.source == source
    if reason_parts is None:
        assert tz.timezone.reason is None
    else:
        assert tz.timezone.reason is not None
        for part in reason_parts:
            assert part in tz.timezone.reason


def test_bad_timezone_learns_in_utc() -> None:
    # Kolkata mornings (08:xx IST) are 02:40-03:20 UTC: with the zone unusable, learning happens
    # on the UTC clock, and the person is told why via the time zone's reason.
    moments = moments_at_local("Asia/Kolkata", [(d, 8, 45) for d in range(1, 8)])
    result = learn_timing(moments, slack_tz="Asia/Calcutta!", settings=NO_SETTINGS, now=NOW)
    assert result.timezone.value == "UTC"
    assert result.timezone.reason is not None
    assert result.digest_time.value == time(3, 0)


# --- learned digest time ------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "Pacific/Chatham", "Pacific/Marquesas", "UTC"])
def test_morning_reader_is_learned_in_local_time(tz: str) -> None:
    moments = moments_at_local(tz, MORNING_READER)
    result = learn_timing(moments, slack_tz=tz, settings=NO_SETTINGS, now=NOW)
    assert result.digest_time == TimingValue(
        time(8, 0),
        "learned",
        "you usually give feedback between 08:00 and 09:00 (7 of your last 10)",
    )


def test_chatham_reader_across_its_dst_change() -> None:
    # Chatham moves from +12:45 to +13:45 on 2025-09-28; the reader keeps reacting at 07:xx local,
    # which is a different UTC hour before and after.  Only a local-time bucket sees one habit.
    now = utc(2025, 10, 10, 0, 0)
    times = [(d, 7, 20) for d in (1, 3, 5, 8, 10, 14, 16, 18, 20)]
    moments = moments_at_local("Pacific/Chatham", times, now=now)
    utc_hours = {m.at.hour for m in moments}
    assert len(utc_hours) == 2  # the simulation really does straddle the change
    result = learn_timing(moments, slack_tz="Pacific/Chatham", settings=NO_SETTINGS, now=now)
    assert result.digest_time.value == time(7, 0)
    assert result.digest_time.reason is not None
    assert "(9 of your last 9)" in result.digest_time.reason


def test_late_evening_hour_wraps_the_reason_to_midnight() -> None:
    moments = moments_at_local("Europe/London", [(d, 23, 30) for d in range(1, 6)])
    result = learn_timing(moments, slack_tz="Europe/London", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time.value == time(23, 0)
    assert result.digest_time.reason is not None
    assert "between 23:00 and 00:00" in result.digest_time.reason


def test_recent_habit_outweighs_an_older_larger_one() -> None:
    # Six evenings seven weeks ago against four mornings this week: the new habit wins.
    old = [(d, 20, 10) for d in (45, 46, 47, 48, 49, 50)]
    new = [(d, 7, 40) for d in (1, 2, 3, 4)]
    moments = moments_at_local("Europe/London", old + new)
    result = learn_timing(moments, slack_tz="Europe/London", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time.value == time(7, 0)
    assert result.digest_time.reason is not None
    assert "(4 of your last 10)" in result.digest_time.reason


def test_moments_older_than_sixty_days_are_ignored() -> None:
    stale = [(d, 20, 10) for d in range(61, 81)]  # twenty evenings, all outside the window
    fresh = [(d, 7, 40) for d in range(1, 6)]
    moments = moments_at_local("Europe/London", stale + fresh)
    result = learn_timing(moments, slack_tz="Europe/London", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time.value == time(7, 0)
    assert result.digest_time.reason is not None
    assert "(5 of your last 5)" in result.digest_time.reason


def test_future_moments_are_ignored() -> None:
    # Four real mornings plus one "moment" from clock skew tomorrow: still too few to learn from.
    moments = moments_at_local("Europe/London", [(d, 7, 40) for d in (-1, 1, 2, 3, 4)])
    result = learn_timing(moments, slack_tz="Europe/London", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time.source == "default"


def test_tie_goes_to_the_earlier_hour() -> None:
    # Same days, one morning and one afternoon reaction each: equal weight, so 08:00 wins.
    times = [(d, h, 30) for d in (1, 2, 3) for h in (14, 8)]
    moments = moments_at_local("Asia/Kolkata", times)
    result = learn_timing(moments, slack_tz="Asia/Kolkata", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time.value == time(8, 0)


@pytest.mark.parametrize(
    "times",
    [
        [],
        [(1, 8, 30)],
        [(d, 8, 30) for d in range(1, 5)],  # four is one short
        [(d, 8, 30) for d in range(1, 5)] + [(65, 8, 30)],  # the fifth is outside the window
        [(1, 6, 0), (2, 9, 0), (3, 12, 0), (4, 15, 0), (5, 18, 0)],  # no hour stands out
    ],
)
def test_too_little_evidence_keeps_the_default(times: list[tuple[int, int, int]]) -> None:
    moments = moments_at_local("Asia/Kolkata", times)
    result = learn_timing(moments, slack_tz="Asia/Kolkata", settings=NO_SETTINGS, now=NOW)
    assert result.digest_time == TimingValue(time(9, 0), "default", None)


def test_explicit_digest_time_wins_over_a_clear_habit() -> None:
    moments = moments_at_local("Asia/Kolkata", MORNING_READER)
    settings = TimingSettings(digest_time=time(7, 30))
    result = learn_timing(moments, slack_tz="Asia/Kolkata", settings=settings, now=NOW)
    assert result.digest_time == TimingValue(time(7, 30), "set", "you set this")


def test_naive_timestamps_are_read_as_utc() -> None:
    moments = [FeedbackMoment(datetime(2025, 6, d, 8, 20), None) for d in range(10, 15)]
    naive_now = NOW.replace(tzinfo=None)
    result = learn_timing(moments, slack_tz=None, settings=NO_SETTINGS, now=naive_now)
    assert result.digest_time.value == time(8, 0)


# --- digest days, quiet hours, typical response -------------------------------------------------


@pytest.mark.parametrize(
    ("days", "value", "source"),
    [
        (None, (0, 1, 2, 3, 4), "default"),
        ((5, 6), (5, 6), "set"),
        ((6, 0, 0), (0, 6), "set"),
        ((9,), (0, 1, 2, 3, 4), "default"),  # nothing valid: the default, with a reason
        ((), (0, 1, 2, 3, 4), "default"),
    ],
)
def test_digest_days(days: tuple[int, ...] | None, value: tuple[int, ...], source: str) -> None:
    result = learn_timing([], slack_tz=None, settings=TimingSettings(digest_days=days), now=NOW)
    assert result.digest_days.value == value
    assert result.digest_days.source == source
    assert (result.digest_days.reason is None) is (days is None)


@pytest.mark.parametrize(
    ("start", "end", "value", "source"),
    [
        (None, None, None, "default"),
        (time(22, 0), time(7, 0), (time(22, 0), time(7, 0)), "set"),
        (time(12, 0), time(13, 0), (time(12, 0), time(13, 0)), "set"),
        (time(22, 0), None, None, "default"),  # half a setting is no setting
    ],
)
def test_quiet_hours_are_set_only(
    start: time | None, end: time | None, value: object, source: str
) -> None:
    # Even a reader who never reacts at night does not get quiet hours invented for them.
    moments = moments_at_local("Europe/London", MORNING_READER)
    settings = TimingSettings(quiet_start=start, quiet_end=end)
    result = learn_timing(moments, slack_tz="Europe/London", settings=settings, now=NOW)
    assert result.quiet_hours.value == value
    assert result.quiet_hours.source == source


def test_typical_response_is_the_median_delay() -> None:
    base = NOW - timedelta(days=2)
    delays = [60.0, 300.0, 600.0, 1200.0, None, -5.0]  # None unknown, negative = clock skew
    moments = [FeedbackMoment(base + timedelta(hours=i), s) for i, s in enumerate(delays)]
    result = learn_timing(moments, slack_tz=None, settings=NO_SETTINGS, now=NOW)
    assert result.typical_response.value == 450.0
    assert result.typical_response.source == "learned"
    assert result.typical_response.reason is not None
    assert "about 8 minutes" in result.typical_response.reason


def test_typical_response_needs_a_few_drafts() -> None:
    moments = [FeedbackMoment(NOW - timedelta(hours=h), 120.0) for h in (1, 2)]
    result = learn_timing(moments, slack_tz=None, settings=NO_SETTINGS, now=NOW)
    assert result.typical_response == TimingValue(None, "default", None)


# --- in_quiet_hours -----------------------------------------------------------------------------

NIGHT = (time(22, 0), time(7, 0))


@pytest.mark.parametrize(
    ("tz", "quiet", "now", "expected"),
    [
        # Summer in London (BST, UTC+1): the UTC clock would give the opposite answer each time.
        ("Europe/London", NIGHT, utc(2025, 6, 10, 21, 30), True),  # 22:30 BST
        ("Europe/London", NIGHT, utc(2025, 6, 11, 6, 30), False),  # 07:30 BST
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 10, 23, 59), True),
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 11, 0, 0), True),
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 11, 6, 59), True),
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 11, 7, 0), False),  # end
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 10, 22, 0), True),  # start
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 10, 21, 59), False),
        ("Europe/London", NIGHT, at_local("Europe/London", 2025, 6, 11, 12, 0), False),
        # Clocks go forward at 01:00 UTC on Sunday 2025-03-30: 06:30 UTC is quiet on Saturday
        # (06:30 GMT) but not on Sunday (07:30 BST).
        ("Europe/London", NIGHT, utc(2025, 3, 29, 6, 30), True),
        ("Europe/London", NIGHT, utc(2025, 3, 30, 6, 30), False),
        ("Europe/London", NIGHT, utc(2025, 3, 30, 5, 59), True),  # 06:59 BST
        ("Europe/London", NIGHT, utc(2025, 3, 30, 1, 30), True),  # 02:30 BST, just after the jump
        # Clocks go back at 01:00 UTC on Sunday 2025-10-26: 06:30 UTC turns from 07:30 BST
        # (awake) on Saturday to 06:30 GMT (quiet) on Sunday.
        ("Europe/London", NIGHT, utc(2025, 10, 25, 6, 30), False),
        ("Europe/London", NIGHT, utc(2025, 10, 26, 6, 30), True),
        ("Europe/London", NIGHT, utc(2025, 10, 26, 7, 0), False),  # 07:00 GMT
        # Quiet hours inside the repeated hour are quiet both times round.
        ("Europe/London", (time(1, 0), time(2, 0)), utc(2025, 10, 26, 0, 30), True),  # 01:30 BST
        ("Europe/London", (time(1, 0), time(2, 0)), utc(2025, 10, 26, 1, 30), True),  # 01:30 GMT
        ("Europe/London", (time(1, 0), time(2, 0)), utc(2025, 10, 26, 2, 0), False),  # 02:00 GMT
        # A lunch hour that does not wrap, at +5:30.
        ("Asia/Kolkata", (time(12, 0), time(13, 0)), utc(2025, 6, 10, 6, 45), True),  # 12:15
        ("Asia/Kolkata", (time(12, 0), time(13, 0)), utc(2025, 6, 10, 6, 15), False),  # 11:45
        ("Asia/Kolkata", (time(12, 0), time(13, 0)), utc(2025, 6, 10, 7, 30), False),  # 13:00
        # +12:45 in winter: the night spans two UTC dates and a quarter-hour offset.
        ("Pacific/Chatham", NIGHT, utc(2025, 6, 10, 9, 30), True),  # 22:15
        ("Pacific/Chatham", NIGHT, utc(2025, 6, 10, 18, 0), True),  # 06:45 next day
        ("Pacific/Chatham", NIGHT, utc(2025, 6, 10, 18, 20), False),  # 07:05
        ("Pacific/Chatham", NIGHT, utc(2025, 6, 10, 9, 10), False),  # 21:55
        # -9:30.
        ("Pacific/Marquesas", NIGHT, utc(2025, 6, 11, 7, 45), True),  # 22:15
        ("Pacific/Marquesas", NIGHT, utc(2025, 6, 11, 7, 15), False),  # 21:45
        # No quiet hours, and an empty window, are never quiet.
        ("Europe/London", None, utc(2025, 6, 11, 2, 0), False),
        ("Europe/London", (time(22, 0), time(22, 0)), utc(2025, 6, 10, 21, 0), False),
    ],
)
def test_in_quiet_hours(
    tz: str, quiet: tuple[time, time] | None, now: datetime, expected: bool
) -> None:
    assert in_quiet_hours(now, profile(tz, quiet=quiet)) is expected


def test_in_quiet_hours_uses_learned_profile() -> None:
    settings = TimingSettings(quiet_start=time(22, 0), quiet_end=time(7, 0))
    result = learn_timing([], slack_tz="Asia/Kolkata", settings=settings, now=NOW)
    assert in_quiet_hours(utc(2025, 6, 10, 17, 0), result)  # 22:30 IST
    assert not in_quiet_hours(utc(2025, 6, 10, 16, 0), result)  # 21:30 IST


# --- next_digest_at -----------------------------------------------------------------------------

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
WD = DEFAULT_DIGEST_DAYS
NY, LON, KOL = "America/New_York", "Europe/London", "Asia/Kolkata"
CHA, MQ, LH = "Pacific/Chatham", "Pacific/Marquesas", "Australia/Lord_Howe"


@pytest.mark.parametrize(
    ("tz", "digest", "days", "after", "expected"),
    [
        # Later today, and strictly after: exactly at the digest time means the next one.
        (LON, time(9, 0), EVERY_DAY, utc(2025, 6, 11, 7, 59), utc(2025, 6, 11, 8, 0)),
        (LON, time(9, 0), EVERY_DAY, utc(2025, 6, 11, 8, 0), utc(2025, 6, 12, 8, 0)),
        # Weekends skipped: Friday after the digest, Saturday and Sunday all go to Monday.
        (LON, time(9, 0), WD, utc(2025, 6, 13, 8, 0), utc(2025, 6, 16, 8, 0)),
        (LON, time(9, 0), WD, utc(2025, 6, 14, 7, 0), utc(2025, 6, 16, 8, 0)),
        (LON, time(9, 0), WD, utc(2025, 6, 15, 23, 0), utc(2025, 6, 16, 8, 0)),
        (LON, time(9, 0), (0, 2, 4), utc(2025, 6, 16, 9, 0), utc(2025, 6, 18, 8, 0)),
        (LON, time(9, 0), (0,), utc(2025, 6, 16, 8, 0), utc(2025, 6, 23, 8, 0)),
        # +5:30: Friday 09:30 IST goes to Monday 09:00 IST = 03:30 UTC.
        (KOL, time(9, 0), WD, utc(2025, 6, 13, 4, 0), utc(2025, 6, 16, 3, 30)),
        # +12:45: Monday 09:00 in Chatham is still Sunday in UTC, which must not be skipped.
        (CHA, time(9, 0), WD, utc(2025, 6, 13, 0, 0), utc(2025, 6, 15, 20, 15)),
        # ...and Saturday 09:00 in Chatham (Friday in UTC) is not a digest day.
        (CHA, time(9, 0), WD, utc(2025, 6, 13, 19, 0), utc(2025, 6, 15, 20, 15)),
        # -9:30: Monday 23:00 local is Tuesday 08:30 UTC.
        (MQ, time(23, 0), (0,), utc(2025, 6, 16, 12, 0), utc(2025, 6, 17, 8, 30)),
        (MQ, time(9, 0), WD, utc(2025, 6, 13, 18, 30), utc(2025, 6, 16, 18, 30)),
        # New York springs forward at 02:00 EST on 2025-03-09: 02:30 does not exist that day, so
        # the digest goes at the first instant after the gap, 03:00 EDT = 07:00 UTC.
        (NY, time(2, 30), EVERY_DAY, utc(2025, 3, 8, 0, 0), utc(2025, 3, 8, 7, 30)),
        (NY, time(2, 30), EVERY_DAY, utc(2025, 3, 8, 7, 30), utc(2025, 3, 9, 7, 0)),
        (NY, time(2, 30), EVERY_DAY, utc(2025, 3, 9, 6, 59), utc(2025, 3, 9, 7, 0)),
        (NY, time(2, 30), EVERY_DAY, utc(2025, 3, 9, 7, 0), utc(2025, 3, 10, 6, 30)),
        (NY, time(2, 0), EVERY_DAY, utc(2025, 3, 9, 0, 0), utc(2025, 3, 9, 7, 0)),
        # A weekday-only digest on the (Sunday) gap day is skipped like any Sunday.
        (NY, time(2, 30), WD, utc(2025, 3, 8, 0, 0), utc(2025, 3, 10, 6, 30)),
        # New York falls back at 02:00 EDT on 2025-11-02: 01:30 happens twice; only the first
        # (05:30 UTC) counts, and after it the next digest is Monday's, not the repeat at 06:30.
        (NY, time(1, 30), EVERY_DAY, utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 5, 30)),
        (NY, time(1, 30), EVERY_DAY, utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)),
        (NY, time(1, 30), EVERY_DAY, utc(2025, 11, 2, 6, 0), utc(2025, 11, 3, 6, 30)),
        # London: 01:30 is in the gap on 2025-03-30 (-> 02:00 BST) and in the fold on 2025-10-26.
        (LON, time(1, 30), EVERY_DAY, utc(2025, 3, 29, 12, 0), utc(2025, 3, 30, 1, 0)),
        (LON, time(1, 30), EVERY_DAY, utc(2025, 10, 25, 12, 0), utc(2025, 10, 26, 0, 30)),
        # Chatham jumps 02:45 -> 03:45 on 2025-09-28: 03:00 local goes at 03:45 CHADT.
        (CHA, time(3, 0), EVERY_DAY, utc(2025, 9, 27, 0, 0), utc(2025, 9, 27, 14, 0)),
        # Lord Howe only moves by half an hour (02:00 -> 02:30).
        (LH, time(2, 10), EVERY_DAY, utc(2025, 10, 4, 0, 0), utc(2025, 10, 4, 15, 30)),
    ],
)
def test_next_digest_at(
    tz: str, digest: time, days: tuple[int, ...], after: datetime, expected: datetime
) -> None:
    assert next_digest_at(after, profile(tz, digest, days)) == expected


@pytest.mark.parametrize(
    ("tz", "digest", "days", "count"),
    [
        (NY, time(9, 0), DEFAULT_DIGEST_DAYS, 261),  # every weekday of 2025, once
        (NY, time(2, 30), EVERY_DAY, 365),  # once a day, the gap day included
        (NY, time(1, 30), EVERY_DAY, 365),  # once a day, the fold day not twice
        ("Europe/London", time(1, 30), EVERY_DAY, 365),
        ("Pacific/Chatham", time(2, 50), EVERY_DAY, 365),
        ("Asia/Kolkata", time(6, 15), (5, 6), 104),
    ],
)
def test_a_year_of_digests(tz: str, digest: time, days: tuple[int, ...], count: int) -> None:
    # Chaining next_digest_at through 2025 hits each digest day exactly once, at the set local
    # time unless that time did not exist that day.
    zone = ZoneInfo(tz)
    p = profile(tz, digest, days)
    at = datetime(2024, 12, 31, 12, 0, tzinfo=zone).astimezone(UTC)
    seen: list[date] = []
    while True:
        at = next_digest_at(at, p)
        local = at.astimezone(zone)
        if local.year > 2025:
            break
        assert local.weekday() in days
        if local.time() != digest:
            # Only allowed in a gap: the instant just before is an hour-or-less jump earlier.
            before = (at - timedelta(seconds=1)).astimezone(zone)
            assert before.utcoffset() != local.utcoffset()
        seen.append(local.date())
    assert len(seen) == count
    assert len(set(seen)) == count


def test_next_digest_at_uses_a_learned_profile() -> None:
    moments = moments_at_local("Asia/Kolkata", MORNING_READER)
    learned = learn_timing(moments, slack_tz="Asia/Kolkata", settings=NO_SETTINGS, now=NOW)
    # Monday 12:00 UTC is 17:30 IST; the next weekday 08:00 IST is Tuesday 02:30 UTC.
    assert next_digest_at(NOW, learned) == utc(2025, 6, 17, 2, 30)


def test_next_digest_at_rejects_no_days() -> None:
    with pytest.raises(ValueError, match="at least one weekday"):
        next_digest_at(NOW, profile(days=()))


# --- parse_hhmm / describe_days -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", time(9, 0)),
        ("09:00", time(9, 0)),
        ("21:30", time(21, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 7:05 ", time(7, 5)),
    ],
)
def test_parse_hhmm_accepts(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "9", "900", "9:5", "9:000", "24:00", "12:60", "9am", "09:00:00", "9.30", "ab:cd", "-1:00"],
)
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"use HH:MM, e\.g\. 09:00"):
        parse_hhmm(text)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ((0, 1, 2, 3, 4), "weekdays"),
        ((4, 3, 2, 1, 0), "weekdays"),
        ((0, 1, 2, 3, 4, 5, 6), "every day"),
        ((5, 6), "weekends"),
        ((0, 2, 4), "Mon, Wed, Fri"),
        ((6,), "Sun"),
        ((0, 1, 2, 3, 4, 5), "Mon, Tue, Wed, Thu, Fri, Sat"),
        ((6, 0), "Mon, Sun"),
        ((), "no days"),
    ],
)
def test_describe_days(days: tuple[int, ...], expected: str) -> None:
    assert describe_days(days) == expected


def test_describe_days_rejects_bad_days() -> None:
    with pytest.raises(ValueError, match="0 \\(Mon\\) to 6 \\(Sun\\)"):
        describe_days((7,))
