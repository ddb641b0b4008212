"""Property tests of every parser of outside input: whatever Slack (or anyone reaching the
Request URL) sends, a parser returns its typed result, None, or its documented error, and a
well-formed input parses back to the values it was built from."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import time as clock
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.constants import SLASH_COMMAND
from bot.domain.brief import Brief
from bot.domain.digest import (
    WEEKDAY_NAMES,
    WEEKDAYS,
    ChannelSchedule,
    describe_schedule,
    parse_channel_schedule,
)
from bot.domain.inbound import (
    Deletion,
    InboundMessage,
    ReactionChange,
    form_values,
    normalise_reaction,
    parse_deletion,
    parse_message,
    parse_reaction,
    team_of,
)
from bot.domain.timing import parse_hhmm, valid_timezone
from bot.domain.views.brief_form import BRIEF_FIELDS, brief_from_form, edit_brief_modal
from bot.entrypoints.web import malformed, signature_ok
from handlers.commands import register as register_commands
from sandbox.slack import validate_blocks
from tests.world import form_state

# Fast enough for every run; no example database, so nothing is written into the checkout.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

BOT = "UBATON"

# ---- strategies ---------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
# Values Baton looks for, so arbitrary payloads often get past the first checks.
words = st.sampled_from(
    [
        "message",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "message_deleted",
        "message_changed",
        "file_share",
        "thread_broadcast",
        "im",
        "group",
        "channel",
        "UALICE",
        BOT,
        "B1",
        "C1",
        "D1",
        "G1",
        "T1",
        "1700000000.000100",
        "+1",
        "thumbsup::skin-tone-2",
        "",
    ]
)
plausible = words | json_values
EVENT_KEYS = [
    "type",
    "subtype",
    "user",
    "bot_id",
    "bot_profile",
    "channel",
    "channel_type",
    "ts",
    "thread_ts",
    "text",
    "team",
    "reaction",
    "event_ts",
    "deleted_ts",
    "item",
    "previous_message",
]
inner_objects = st.dictionaries(st.sampled_from(["type", "channel", "ts"]), plausible, max_size=3)
event_like = st.dictionaries(st.sampled_from(EVENT_KEYS), plausible | inner_objects, max_size=10)
user_ids = st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True).filter(lambda u: u != BOT)
channel_ids = st.from_regex(r"[CDG][A-Z0-9]{2,10}", fullmatch=True)
team_ids = st.from_regex(r"T[A-Z0-9]{2,10}", fullmatch=True)
timestamps = st.builds(
    lambda seconds, micros: f"{seconds}.{micros:06d}",
    st.integers(1_000_000_000, 2_000_000_000),
    st.integers(0, 999_999),
)
reaction_names = st.from_regex(r"[a-z0-9_+\-]{1,20}", fullmatch=True)

# Real events of each kind Baton reads, then some fields replaced by anything or removed: these
# reach every check in the parsers, where wholly arbitrary payloads stop at the first.
real_events = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["message", "app_mention"]),
            "channel": channel_ids,
            "user": user_ids,
            "ts": timestamps,
            "text": st.text(max_size=20),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["reaction_added", "reaction_removed"]),
            "user": user_ids,
            "reaction": reaction_names,
            "item": st.fixed_dictionaries(
                {"type": st.just("message"), "channel": channel_ids, "ts": timestamps}
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("message"),
            "subtype": st.just("message_deleted"),
            "channel": channel_ids,
            "deleted_ts": timestamps,
        }
    ),
)
damaged_bodies = st.builds(
    lambda event, changes, dropped, envelope: {
        **envelope,
        "event": {k: v for k, v in {**event, **changes}.items() if k not in dropped},
    },
    real_events,
    st.dictionaries(st.sampled_from(EVENT_KEYS), plausible | inner_objects, max_size=2),
    st.sets(st.sampled_from(EVENT_KEYS), max_size=2),
    st.fixed_dictionaries({}, optional={"team_id": plausible, "event_id": plausible}),
)
bodies = (
    damaged_bodies
    | st.fixed_dictionaries(
        {},
        optional={"event": event_like | json_values, "team_id": plausible, "event_id": plausible},
    )
    | st.dictionaries(st.text(max_size=8), json_values, max_size=4)
)


def _check_message(message: InboundMessage) -> None:
    for name in ("team_id", "channel_id", "channel_type", "user_id", "ts", "text"):
        assert isinstance(getattr(message, name), str), name
    assert message.channel_id and message.ts and message.user_id and message.channel_type
    assert message.thread_ts is None or (isinstance(message.thread_ts, str) and message.thread_ts)
    assert isinstance(message.mentions_bot, bool)
    assert message.user_id != BOT


# ---- bot/domain/inbound.py ----------------------------------------------------------------


@FUZZ
@given(bodies)
@example({"event": {"type": "message", "subtype": ["unhashable"]}})
def test_parse_message_returns_a_typed_message_or_none(body: dict[str, Any]) -> None:
    """Any JSON-like body parses to a well-typed message from a person, or None."""
    message = parse_message(body, bot_user_id=BOT)
    assert message is None or isinstance(message, InboundMessage)
    if message is not None:
        _check_message(message)


@FUZZ
@given(
    kind=st.sampled_from(["message", "app_mention"]),
    subtype=st.sampled_from([None, "file_share", "thread_broadcast"]),
    team=team_ids,
    channel=channel_ids,
    channel_type=st.none() | st.sampled_from(["channel", "group", "im", "mpim"]),
    user=user_ids,
    ts=timestamps,
    thread_ts=st.none() | timestamps,
    text=st.text(),
)
def test_a_well_formed_message_parses_to_its_own_values(
    kind: str,
    subtype: str | None,
    team: str,
    channel: str,
    channel_type: str | None,
    user: str,
    ts: str,
    thread_ts: str | None,
    text: str,
) -> None:
    """A person's message event comes back with exactly the values it was built from."""
    event: dict[str, Any] = {"type": kind, "channel": channel, "user": user, "ts": ts, "text": text}
    if subtype is not None:
        event["subtype"] = subtype
    if channel_type is not None:
        event["channel_type"] = channel_type
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    message = parse_message({"team_id": team, "event": event}, bot_user_id=BOT)
    implied = {"D": "im", "G": "group"}.get(channel[0], "channel")
    assert message == InboundMessage(
        team_id=team,
        channel_id=channel,
        channel_type=channel_type or implied,
        user_id=user,
        ts=ts,
        thread_ts=thread_ts,
        text=text,
        mentions_bot=kind == "app_mention" or f"<@{BOT}" in text,
    )
    # The same event from a bot, or as an edit, is never a person's message.
    assert parse_message({"event": {**event, "bot_id": "B9"}}, bot_user_id=BOT) is None
    edited = {**event, "subtype": "message_changed"}
    assert parse_message({"event": edited}, bot_user_id=BOT) is None


@FUZZ
@given(bodies)
def test_parse_reaction_returns_a_typed_change_or_none(body: dict[str, Any]) -> None:
    """Any JSON-like body parses to a well-typed reaction change, or None."""
    change = parse_reaction(body)
    assert change is None or isinstance(change, ReactionChange)
    if change is not None:
        for name in ("team_id", "channel_id", "ts", "user_id", "reaction", "event_id"):
            value = getattr(change, name)
            assert isinstance(value, str), name
            assert value or name == "team_id", name
        assert isinstance(change.added, bool)
        assert "::skin-tone-" not in change.reaction


@FUZZ
@given(
    added=st.booleans(),
    team=team_ids,
    channel=channel_ids,
    ts=timestamps,
    user=user_ids,
    name=reaction_names,
    tone=st.none() | st.integers(1, 6),
    event_id=st.none() | st.from_regex(r"Ev[A-Z0-9]{4,12}", fullmatch=True),
)
def test_a_well_formed_reaction_parses_to_its_own_values(
    added: bool,
    team: str,
    channel: str,
    ts: str,
    user: str,
    name: str,
    tone: int | None,
    event_id: str | None,
) -> None:
    """A reaction event comes back with its values; a skin tone does not change the reaction."""
    reaction = name if tone is None else f"{name}::skin-tone-{tone}"
    body: dict[str, Any] = {
        "team_id": team,
        "event": {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": reaction,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": ts,
        },
    }
    if event_id is not None:
        body["event_id"] = event_id
    change = parse_reaction(body)
    assert change is not None
    assert (change.team_id, change.channel_id, change.ts, change.user_id, change.added) == (
        team,
        channel,
        ts,
        user,
        added,
    )
    assert change.reaction == normalise_reaction(name)
    if event_id is not None:
        assert change.event_id == event_id
    else:
        # Without an id the change itself is the identity: taking it back is another change.
        opposite = "reaction_removed" if added else "reaction_added"
        undone = parse_reaction({**body, "event": {**body["event"], "type": opposite}})
        assert undone is not None and change.event_id and undone.event_id != change.event_id


@FUZZ
@given(bodies)
def test_parse_deletion_returns_a_typed_deletion_or_none(body: dict[str, Any]) -> None:
    """Any JSON-like body parses to a well-typed deletion, or None."""
    deletion = parse_deletion(body)
    assert deletion is None or isinstance(deletion, Deletion)
    if deletion is not None:
        assert isinstance(deletion.team_id, str)
        assert isinstance(deletion.channel_id, str) and deletion.channel_id
        assert isinstance(deletion.ts, str) and deletion.ts


@FUZZ
@given(team=team_ids, channel=channel_ids, ts=timestamps, in_previous=st.booleans())
def test_a_well_formed_deletion_parses_to_its_own_values(
    team: str, channel: str, ts: str, in_previous: bool
) -> None:
    """`message_deleted` names the message by deleted_ts or by previous_message.ts."""
    event: dict[str, Any] = {"type": "message", "subtype": "message_deleted", "channel": channel}
    if in_previous:
        event["previous_message"] = {"type": "message", "ts": ts, "text": "gone"}
    else:
        event["deleted_ts"] = ts
    body = {"team_id": team, "event": event}
    assert parse_deletion(body) == Deletion(team_id=team, channel_id=channel, ts=ts)
    # A deletion is not a person's message.
    assert parse_message(body, bot_user_id=BOT) is None


@FUZZ
@given(bodies)
@example({"event": ["not", "an", "object"]})
@example({"team_id": "", "event": "text"})
def test_team_of_is_always_a_string(body: dict[str, Any]) -> None:
    """The workspace of any body is a string (empty when it names none)."""
    assert isinstance(team_of(body), str)


@FUZZ
@given(team=team_ids, event_team=st.none() | team_ids)
def test_team_of_prefers_the_envelope_then_the_event(team: str, event_team: str | None) -> None:
    """The envelope's team_id wins; without it, the event's team."""
    event = {"team": event_team} if event_team else {}
    assert team_of({"team_id": team, "event": event}) == team
    assert team_of({"event": event}) == (event_team or "")


def _form_value_ok(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(item, str) for item in value))
    )


element_like = st.dictionaries(
    st.sampled_from(["type", "value", "selected_option", "selected_time", "selected_options"]),
    st.sampled_from(["static_select", "timepicker", "checkboxes", "plain_text_input"])
    | json_values
    | st.dictionaries(st.sampled_from(["value", "text"]), json_values, max_size=2),
    max_size=4,
)
views_like = st.dictionaries(
    st.sampled_from(["state", "type", "private_metadata"]),
    json_values
    | st.fixed_dictionaries(
        {},
        optional={
            "values": json_values
            | st.dictionaries(
                st.text(max_size=10),
                json_values | st.dictionaries(st.text(max_size=6), element_like, max_size=2),
                max_size=4,
            )
        },
    ),
    max_size=3,
)


@FUZZ
@given(views_like)
@example({"state": ["not", "an", "object"]})
@example({"state": {"values": {"b": {"a": {"type": "checkboxes", "selected_options": 5}}}}})
@example({"state": {"values": {"b": {"a": {"type": "plain_text_input", "value": 7}}}}})
def test_form_values_are_text_none_or_lists_of_text(view: dict[str, Any]) -> None:
    """Any view parses to values by block id: a string, None, or a list of strings."""
    values = form_values(view)
    assert isinstance(values, dict)
    assert all(isinstance(key, str) for key in values)
    assert all(_form_value_ok(value) for value in values.values()), values


block_ids = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
answers = st.one_of(
    st.tuples(st.just("plain_text_input"), st.none() | st.text()),
    st.tuples(st.just("static_select"), st.none() | st.text(min_size=1)),
    st.tuples(
        st.just("timepicker"),
        st.none()
        | st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    ),
    st.tuples(st.just("checkboxes"), st.lists(st.text(min_size=1), max_size=7)),
)


def _element(kind: str, answer: Any) -> dict[str, Any]:
    if kind == "static_select":
        option = (
            None
            if answer is None
            else {"text": {"type": "plain_text", "text": "x"}, "value": answer}
        )
        return {"type": kind, "selected_option": option}
    if kind == "timepicker":
        return {"type": kind, "selected_time": answer}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [{"value": value} for value in answer]}
    return {"type": kind, "value": answer}


@FUZZ
@given(st.dictionaries(block_ids, answers, max_size=8))
def test_a_filled_form_parses_back_to_its_answers(filled: dict[str, tuple[str, Any]]) -> None:
    """What a person entered in each kind of input comes back by block id, unchanged."""
    view = {
        "type": "modal",
        "state": {
            "values": {
                block: {"value": _element(kind, answer)} for block, (kind, answer) in filled.items()
            }
        },
    }
    assert form_values(view) == {block: answer for block, (_kind, answer) in filled.items()}


# ---- bot/domain/views/brief_form.py: brief_from_form ------------------------------------

BASE = Brief(
    goal="Announce export",
    audience="customers",
    deliverable="a note",
    constraints=["Under 150 words"],
    actionable=False,
    confidence="low",
    confidence_reason="guessing",
)
FIELD_KEYS = {key for key, _label, _is_list in BRIEF_FIELDS}


def _check_brief_result(brief: Brief | None, errors: dict[str, str]) -> None:
    assert (brief is None) == bool(errors)
    assert set(errors) <= FIELD_KEYS and all(isinstance(e, str) and e for e in errors.values())
    if brief is not None:
        assert brief.actionable is True
        assert brief.goal and brief.audience and brief.deliverable
        for key, _label, is_list in BRIEF_FIELDS:
            value = getattr(brief, key)
            if is_list:
                assert isinstance(value, list) and all(isinstance(item, str) for item in value)
            else:
                assert isinstance(value, str) and len(value) <= 1000
        # What the form did not show is kept from the brief that was edited.
        assert brief.confidence == BASE.confidence


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(FIELD_KEYS)) | st.text(max_size=6), json_values))
@example({"goal": ["a", "list"], "audience": 3, "deliverable": {"x": 1}})
def test_brief_from_form_returns_a_brief_or_errors_for_any_values(values: dict[str, Any]) -> None:
    """Whatever the form's values, the result is an edited brief or errors by field."""
    _check_brief_result(*brief_from_form(values, BASE))


@FUZZ
@given(views_like)
def test_brief_from_any_submitted_view_is_a_brief_or_errors(view: dict[str, Any]) -> None:
    """The handler's path, form_values then brief_from_form, never raises."""
    _check_brief_result(*brief_from_form(form_values(view), BASE))


# Text a person can type in one field and get back as it was: no edge whitespace, and for list
# items no line breaks and none of the bullet characters the form strips.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
field_text = st.text(min_size=1, max_size=200).filter(lambda s: s == s.strip())
item_text = st.text(min_size=1, max_size=60).filter(
    lambda s: s == s.strip() and s == s.strip(" -•\t") and not any(c in s for c in _LINE_BREAKS)
)


@FUZZ
@given(
    goal=field_text,
    audience=field_text,
    deliverable=field_text,
    constraints=st.lists(item_text, max_size=15),
    assumptions=st.lists(item_text, max_size=15),
    open_questions=st.lists(item_text, max_size=15),
)
def test_an_unchanged_edit_form_gives_back_the_same_brief(
    goal: str,
    audience: str,
    deliverable: str,
    constraints: list[str],
    assumptions: list[str],
    open_questions: list[str],
) -> None:
    """Opening the Edit brief form and saving it untouched keeps every field as it was."""
    brief = BASE.model_copy(
        update={
            "goal": goal,
            "audience": audience,
            "deliverable": deliverable,
            "constraints": constraints,
            "assumptions": assumptions,
            "open_questions": open_questions,
        }
    )
    modal = edit_brief_modal(brief, request_id=1)
    submitted = {"type": "modal", "state": {"values": form_state(modal, {})}}
    edited, errors = brief_from_form(form_values(submitted), brief)
    assert errors == {}
    assert edited == brief.model_copy(update={"actionable": True})


# ---- handlers/commands: the /baton text ---------------------------------------------------


class _Recorder:
    """Stands in for Bolt's app, ack, respond and context, and for the use cases the command
    calls."""

    def __init__(self, *, member: bool = True, timezone: str = "Europe/London") -> None:
        self.handler: Any = None
        self.acks: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.briefs: list[str] = []
        self.subscribed: list[ChannelSchedule | None] = []
        self.calls: list[str] = []
        self.member = member
        timing = SimpleNamespace(timezone=SimpleNamespace(value=timezone))
        self.usecases = SimpleNamespace(
            intake=SimpleNamespace(on_brief_command=self._brief),
            channel_rules=SimpleNamespace(open_modal=lambda **_: self.calls.append("channel")),
            preferences=SimpleNamespace(
                open_prefs=lambda **_: self.calls.append("prefs"),
                digest_now=lambda **_: self.calls.append("digest_now"),
                profiles=lambda **_: (None, timing, None),
            ),
            digests=SimpleNamespace(
                members=SimpleNamespace(
                    members=lambda _channel: {"UALICE"} if self.member else set()
                ),
                subscribe=lambda **kw: self.subscribed.append(kw["schedule"]),
            ),
        )
        register_commands(self)  # type: ignore[arg-type]

    def command(self, name: str) -> Any:
        assert name == SLASH_COMMAND

        def wire(handler: Any) -> Any:
            self.handler = handler
            return handler

        return wire

    def _brief(self, **kwargs: Any) -> None:
        self.briefs.append(kwargs["text"])

    def run(self, text: Any) -> dict[str, Any]:
        command = {"text": text, "team_id": "T1", "user_id": "UALICE", "channel_id": "C1"}
        self.handler(
            ack=lambda **kw: self.acks.append(kw),
            command=command,
            respond=lambda **kw: self.responses.append(kw),
            context={"usecases": self.usecases},
        )
        assert len(self.acks) == 1, "every command is acked exactly once"
        return self.acks[0]


command_words = st.sampled_from(
    ["help", "brief", "prefs", "digest", "forget-me", "channel", "BRIEF", "Digest", "nope", ""]
)
command_texts = st.one_of(
    st.text(),
    st.builds(lambda word, rest: f"{word} {rest}", command_words, st.text()),
    st.builds(
        lambda rest: f"digest channel {rest}",
        st.text() | st.sampled_from(["daily 09:00", "weekly mon 9:30", "off", "weekly xyz 1:00"]),
    ),
)


@FUZZ
@given(command_texts | st.none())
def test_any_command_text_is_acked_once_with_a_valid_answer(text: str | None) -> None:
    """Whatever follows /baton, Baton acks once, privately, with blocks Slack accepts, and
    starts at most the one thing the first word names; it never raises."""
    recorder = _Recorder()
    acked = recorder.run(text)
    word = str(text or "").strip().partition(" ")[0].lower() or "help"
    if word in ("prefs", "channel"):
        assert acked == {} and recorder.calls == [word]  # the form is the answer
    else:
        assert acked["response_type"] == "ephemeral"
        assert isinstance(acked["text"], str) and acked["text"]
    assert validate_blocks(acked.get("blocks") or []) == []
    assert len(recorder.briefs) == (1 if word == "brief" else 0)
    assert all(isinstance(brief, str) for brief in recorder.briefs)


@FUZZ
@given(
    word=st.sampled_from(["brief", "Brief", "BRIEF"]),
    request=st.text(min_size=1).filter(lambda s: s == s.strip()),
)
def test_a_brief_command_passes_its_words_on_unchanged(word: str, request: str) -> None:
    """`/baton brief <request>` hands the request's exact words to the brief flow."""
    recorder = _Recorder()
    recorder.run(f"  {word} {request}  ")
    assert recorder.briefs == [request]


@FUZZ
@given(
    daily=st.booleans(),
    day=st.sampled_from(WEEKDAYS),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    member=st.booleans(),
)
def test_a_channel_digest_command_subscribes_with_its_schedule(
    daily: bool, day: str, hour: int, minute: int, member: bool
) -> None:
    """`/baton digest channel daily|weekly …` subscribes members with that schedule only."""
    recorder = _Recorder(member=member)
    schedule = (
        f"daily {hour}:{minute:02d}" if daily else f"weekly {day.upper()} {hour:02d}:{minute:02d}"
    )
    answer = recorder.run(f"digest channel {schedule}")["text"]
    if not member:
        assert recorder.subscribed == [] and "Only members" in answer
        return
    expected = ChannelSchedule(
        "daily" if daily else "weekly",
        None if daily else WEEKDAYS.index(day),
        clock(hour, minute),
        "Europe/London",
    )
    assert recorder.subscribed == [expected]
    assert describe_schedule(expected) in answer


# ---- bot/domain/digest.py and bot/domain/timing.py ----------------------------------------

zones = st.sampled_from(["UTC", "Europe/London", "Asia/Kolkata", "America/New_York", ""]) | st.text(
    max_size=40
)


@FUZZ
@given(words=st.text() | command_texts, timezone=zones)
@example(words="daily \u0660\u0669:\u0660\u0660", timezone="UTC")
@example(words="weekly İmon 09:00", timezone="\x00")
@example(words="daily 09:00", timezone="../../etc/passwd")
def test_parse_channel_schedule_gives_a_schedule_none_or_value_error(
    words: str, timezone: str
) -> None:
    """Any text is a schedule in a real zone, None (off), or a ValueError that says how."""
    try:
        schedule = parse_channel_schedule(words, timezone=timezone)
    except ValueError as exc:
        assert str(exc)
        return
    if schedule is None:
        assert words.lower().split() == ["off"]
        return
    assert schedule.cadence in ("daily", "weekly")
    assert (schedule.weekday is None) == (schedule.cadence == "daily")
    assert schedule.weekday is None or 0 <= schedule.weekday <= 6
    assert isinstance(schedule.at, clock) and valid_timezone(schedule.timezone)
    assert describe_schedule(schedule)


@FUZZ
@given(
    daily=st.booleans(),
    day=st.sampled_from(WEEKDAYS),
    spelled=st.integers(3, 9),  # "mon", "mond" … "monday"
    plural=st.booleans(),  # "mondays"
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    padded=st.booleans(),
    timezone=zones,
    spacing=st.sampled_from([" ", "  ", "\t", " \u3000 "]),
)
def test_a_written_schedule_parses_to_its_values(
    daily: bool,
    day: str,
    spelled: int,
    plural: bool,
    hour: int,
    minute: int,
    padded: bool,
    timezone: str,
    spacing: str,
) -> None:
    """`daily HH:MM` and `weekly DAY HH:MM`, in any case and spacing, parse to what they say."""
    at = f"{hour:02d}:{minute:02d}" if padded else f"{hour}:{minute:02d}"
    name = WEEKDAY_NAMES[WEEKDAYS.index(day)][:spelled]
    written = (
        name + "s" if plural and len(name) == len(WEEKDAY_NAMES[WEEKDAYS.index(day)]) else name
    )
    parts = ["Daily", at] if daily else ["WEEKLY", written.title(), at]
    schedule = parse_channel_schedule(spacing + spacing.join(parts) + spacing, timezone=timezone)
    assert schedule == ChannelSchedule(
        "daily" if daily else "weekly",
        None if daily else WEEKDAYS.index(day),
        clock(hour, minute),
        timezone if valid_timezone(timezone) else "UTC",
    )


@FUZZ
@given(st.text())
@example("\u0660\u0669:\u0660\u0660")  # Arabic-Indic digits
@example("99:99")
@example("9:5")
def test_parse_hhmm_gives_a_time_or_value_error(text: str) -> None:
    """Any text is a time of day or a ValueError with a usage hint."""
    try:
        parsed = parse_hhmm(text)
    except ValueError as exc:
        assert "HH:MM" in str(exc)
        return
    assert isinstance(parsed, clock)
    assert parsed == parse_hhmm(parsed.strftime("%H:%M"))


@FUZZ
@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    padded=st.booleans(),
    space=st.sampled_from(["", " ", "\t", "\n", " \u00a0"]),
)
def test_a_written_time_parses_to_its_values(
    hour: int, minute: int, padded: bool, space: str
) -> None:
    """`9:05`, `09:05` and friends, with stray whitespace, parse to that time."""
    text = f"{hour:02d}:{minute:02d}" if padded else f"{hour}:{minute:02d}"
    assert parse_hhmm(f"{space}{text}{space}") == clock(hour, minute)


@FUZZ
@given(hour=st.integers(0, 99), minute=st.integers(0, 99))
def test_out_of_range_times_are_refused(hour: int, minute: int) -> None:
    """Hours past 23 and minutes past 59 are a ValueError, never a wrapped time."""
    text = f"{hour:02d}:{minute:02d}"
    if hour <= 23 and minute <= 59:
        assert parse_hhmm(text) == clock(hour, minute)
    else:
        try:
            parse_hhmm(text)
        except ValueError:
            return
        raise AssertionError(f"{text} parsed")


# ---- bot/entrypoints/web.py ----------------------------------------------------------------------

content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
    ]
) | st.text(max_size=30)
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


@FUZZ
@given(
    body=st.binary()
    | st.text().map(str.encode)
    | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=content_types,
)
@example(body=b"\xff\xfe", content_type="application/json")
@example(body=b'{"event": {"type": "assistant_thread_started"}}', content_type="application/json")
def test_malformed_says_why_or_lets_the_body_through(body: bytes, content_type: str) -> None:
    """Any body and content type give a reason (a short string) or None, never an exception."""
    problem = malformed(body, content_type)
    assert problem is None or (isinstance(problem, str) and 0 < len(problem) < 100)


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (DEEP_JSON, "application/json", "body is not JSON"),
        (b"payload=" + DEEP_JSON, "application/x-www-form-urlencoded", "payload is not JSON"),
    ],
    ids=["json", "form"],
)
def test_json_nested_too_deep_is_refused_not_raised(
    body: bytes, content_type: str, problem: str
) -> None:
    """Arrays nested 100,000 deep (1 MB of brackets) are refused with a reason: the JSON parser's
    RecursionError would otherwise become a 500 and a logged traceback."""
    assert malformed(body, content_type) == problem


envelopes = st.fixed_dictionaries(
    {"type": st.sampled_from(["event_callback", "url_verification"]), "team_id": team_ids},
    optional={
        "event": st.fixed_dictionaries(
            {
                "type": st.sampled_from(["message", "app_mention", "reaction_added"]),
                "text": st.text(),
            }
        ),
        "token": st.text(max_size=20),
    },
)


@FUZZ
@given(envelope=envelopes, ensure_ascii=st.booleans())
def test_a_well_formed_request_is_not_malformed(
    envelope: dict[str, Any], ensure_ascii: bool
) -> None:
    """Slack's own shapes (an Events API envelope, an interaction payload) pass."""
    as_json = json.dumps(envelope, ensure_ascii=ensure_ascii).encode()
    assert malformed(as_json, "application/json") is None
    form = urlencode({"payload": json.dumps(envelope, ensure_ascii=ensure_ascii)}).encode()
    assert malformed(form, "application/x-www-form-urlencoded") is None
    # The same JSON, but not an object, is refused with a reason.
    assert (
        malformed(json.dumps([envelope]).encode(), "application/json")
        == "body is not a JSON object"
    )


def _sign(secret: bytes, body: bytes, timestamp: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


@FUZZ
@given(
    secret=st.binary(min_size=1, max_size=40),
    body=st.binary(max_size=200),
    timestamp=st.text(max_size=20) | st.from_regex(r"[0-9]{1,20}", fullmatch=True),
    signature=st.text(max_size=80),
)
@example(secret=b"k", body=b"", timestamp="²", signature="")
@example(secret=b"k", body=b"", timestamp="1" * 5000, signature="v0=00")
@example(secret=b"k", body=b"", timestamp="NOW", signature="v0=é")
def test_signature_ok_is_a_bool_for_any_headers(
    secret: bytes, body: bytes, timestamp: str, signature: str
) -> None:
    """Any timestamp and signature header give True or False; a forgery is never True."""
    timestamp = str(int(time.time())) if timestamp == "NOW" else timestamp
    assert signature_ok(secret, body, timestamp=timestamp, signature=signature) is False


@FUZZ
@given(
    # Slack's signing secrets and request bodies are UTF-8 text (JSON, or a URL-encoded form).
    secret=st.text(min_size=1, max_size=40).filter(str.strip).map(str.encode),
    body=st.text(max_size=500).map(str.encode),
    age=st.integers(-250, 250),
    flip=st.none() | st.integers(0, 499),
)
def test_slacks_own_signature_is_accepted_and_any_change_refused(
    secret: bytes, body: bytes, age: int, flip: int | None
) -> None:
    """A body signed with the secret in the last five minutes passes; a changed byte fails."""
    timestamp = str(int(time.time()) - age)
    signature = _sign(secret, body, timestamp)
    assert signature_ok(secret, body, timestamp=timestamp, signature=signature) is True
    if flip is not None and body:
        index = flip % len(body)
        tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
        assert signature_ok(secret, tampered, timestamp=timestamp, signature=signature) is False
    stale = str(int(time.time()) - 301 - abs(age))
    assert (
        signature_ok(secret, body, timestamp=stale, signature=_sign(secret, body, stale)) is False
    )
