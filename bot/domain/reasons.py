"""Reasons for a thumbs-down: the chips Baton offers after a :-1:, what each reason means for
the person, and the confidence Baton states after wrong facts. Pure functions of data.

How "wrong facts" lowers confidence: for ``FACTS_DAYS`` days after someone flags wrong facts
on a draft, a new draft of the same kind of request (an announcement, an email, a summary…,
see :func:`request_kind`) states its confidence one level lower (high → medium → low),
with the reason given, when the flag was the requester's own or was on one of their requests.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.constants import (
    ACTION_REASON_MISSED_POINT,
    ACTION_REASON_OTHER,
    ACTION_REASON_TOO_LONG,
    ACTION_REASON_TOO_SHORT,
    ACTION_REASON_WRONG_FACTS,
    ACTION_REASON_WRONG_TONE,
    CALLBACK_REASON_OTHER,
)
from bot.domain.render import Block, escape_mrkdwn
from bot.domain.style.profile import RejectReason
from bot.domain.style.votes import CLEAR_FORMALITY

FACTS_DAYS = 30
NOTE_LIMIT = 500

REASON_LABELS: dict[RejectReason, str] = {
    RejectReason.TOO_LONG: "Too long",
    RejectReason.TOO_SHORT: "Too short",
    RejectReason.WRONG_TONE: "Wrong tone",
    RejectReason.WRONG_FACTS: "Wrong facts",
    RejectReason.MISSED_POINT: "Missed the point",
    RejectReason.OTHER: "Other…",
}
REASON_ACTIONS: dict[RejectReason, str] = {
    RejectReason.TOO_LONG: ACTION_REASON_TOO_LONG,
    RejectReason.TOO_SHORT: ACTION_REASON_TOO_SHORT,
    RejectReason.WRONG_TONE: ACTION_REASON_WRONG_TONE,
    RejectReason.WRONG_FACTS: ACTION_REASON_WRONG_FACTS,
    RejectReason.MISSED_POINT: ACTION_REASON_MISSED_POINT,
    RejectReason.OTHER: ACTION_REASON_OTHER,
}


def reason_for_action(action_id: str) -> RejectReason | None:
    """The reason a chip's action id stands for."""
    return next((r for r, a in REASON_ACTIONS.items() if a == action_id), None)


def reason_name(reason: RejectReason) -> str:
    """The reason as a sentence reads it ("too long")."""
    return REASON_LABELS[reason].rstrip("…").lower()


# ---- kinds of request ------------------------------------------------------------------------

# First match wins: "release notes" are an announcement, "status update" an update.
_KINDS = (
    ("announcement", r"launch|announc\w*|release|newsletter|changelog|blog|press|article|post"),
    ("update", r"update|status|standup|stand-up|weekly|progress"),
    ("email", r"e-?mails?|memo|letter|repl(?:y|ies)|response|invit\w*|outreach"),
    ("summary", r"summar\w*|recap|report|overview|minutes|notes|digest|brief(?:ing)?|tl;?dr"),
    ("plan", r"plan|proposal|spec|outline|agenda|roadmap|strategy|doc(?:ument)?|faq"),
)


def request_kind(deliverable: str) -> str:
    """The kind of request a brief's deliverable names, for per-kind confidence."""
    for kind, pattern in _KINDS:
        if re.search(rf"\b(?:{pattern})\b", deliverable, re.IGNORECASE):
            return kind
    return "message"


_LEVELS = ("low", "medium", "high")


def stated_confidence(
    confidence: str, reason: str, *, kind: str, flagged_kinds: Collection[str]
) -> tuple[str, str]:
    """The confidence a draft states: one level below the brief's when wrong facts were
    flagged recently on this kind of request, saying so."""
    if kind not in flagged_kinds:
        return confidence, reason
    level = _LEVELS.index(confidence) if confidence in _LEVELS else 0
    lowered = _LEVELS[max(0, level - 1)]
    why = f"wrong facts were flagged on a recent {kind} draft"
    if lowered != confidence:
        why = f"lowered from {confidence}: {why}"
    return lowered, f"{reason}; {why}" if reason else why


# ---- what the person is told -----------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """How a reason click ended, for the message back."""

    reason: RejectReason
    previous: RejectReason | None  # the reason it replaced, if the person changed their mind
    unchanged: bool = False  # the same reason again: counted once
    formality: float | None = None  # the draft's measured formality (wrong tone)
    kind: str = "message"  # the kind of request (wrong facts)
    own_request: bool = True  # the flagger asked for the draft themselves
    note: str | None = None


def reason_message(recorded: Recorded) -> str:
    """What a reason click did, in a line or two."""
    name = reason_name(recorded.reason)
    if recorded.unchanged:
        return f"Already noted: {name}. It counts once."
    lead = (
        f"Changed from {reason_name(recorded.previous)} to {name}."
        if recorded.previous is not None
        else f"Noted: {name}."
    )
    match recorded.reason:
        case RejectReason.TOO_LONG:
            tail = "Your drafts will lean shorter."
        case RejectReason.TOO_SHORT:
            tail = "Your drafts will lean longer."
        case RejectReason.WRONG_TONE:
            tail = _tone_tail(recorded.formality)
        case RejectReason.WRONG_FACTS:
            whose = "your" if recorded.own_request else "this requester's and your"
            tail = (
                f"For {FACTS_DAYS} days I'll state lower confidence on {whose} {recorded.kind} "
                "drafts. Reply in the thread with what's right and I'll fix this one."
            )
        case RejectReason.MISSED_POINT:
            tail = "Reply in the thread with what you needed, and I'll take another run at it."
        case _:
            quoted = escape_mrkdwn((recorded.note or "").strip())
            tail = f"In your words: “{quoted}”" if quoted else ""
    return f"{lead} {tail}".strip()


def _tone_tail(formality: float | None) -> str:
    if not formality:
        return (
            "This draft read neutral, so I can't tell which way: reply in the thread with the "
            "tone you want."
        )
    way = "more casual" if formality > 0 else "more formal"
    read = "formal" if formality > 0 else "casual"
    faintly = "" if abs(formality) >= CLEAR_FORMALITY else "a little "
    return f"This draft read {faintly}{read}, so your drafts will lean {way}."


# ---- Block Kit -------------------------------------------------------------------------------


def reason_chips_blocks(*, draft_id: int, version: int) -> list[Block]:
    """One ephemeral with a chip per reason, for the person who gave the thumbs-down."""
    return _with_chips(
        f"What missed in draft v{version}? Pick a reason (only you see this): it teaches me "
        "your style.",
        draft_id=draft_id,
        tail="Or reply in the thread with what you need and I'll take another run at it.",
    )


def reason_noted_blocks(message: str, *, draft_id: int) -> list[Block]:
    """The chips' ephemeral once a reason is in: what it did, and the chips to change it."""
    return _with_chips(message, draft_id=draft_id, tail="Pick another reason to change it.")


def _with_chips(text: str, *, draft_id: int, tail: str) -> list[Block]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3_000]}},
        {
            "type": "actions",
            "block_id": "reasons",
            "elements": [
                {
                    "type": "button",
                    "action_id": REASON_ACTIONS[reason],
                    "text": {"type": "plain_text", "text": label},
                    "value": str(draft_id),
                }
                for reason, label in REASON_LABELS.items()
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": tail}]},
    ]


def reason_other_modal(*, draft_id: int, version: int) -> Block:
    """The one-field form behind the "Other…" chip."""
    return {
        "type": "modal",
        "callback_id": CALLBACK_REASON_OTHER,
        "private_metadata": str(draft_id),
        "title": {"type": "plain_text", "text": "What missed?"},
        "submit": {"type": "plain_text", "text": "Tell Baton"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "note",
                "label": {"type": "plain_text", "text": f"What missed in draft v{version}?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": NOTE_LIMIT,
                    "placeholder": {"type": "plain_text", "text": "e.g. too corporate for us"},
                },
            }
        ],
    }


def note_from_form(values: dict[str, object]) -> tuple[str | None, dict[str, str]]:
    """The "Other" reason's words, or the error to show in the form."""
    raw = values.get("note")
    note = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not note:
        return None, {"note": "Tell me in a few words, or close the form."}
    if len(note) > NOTE_LIMIT:
        return None, {"note": f"Keep it under {NOTE_LIMIT} characters."}
    return note, {}
