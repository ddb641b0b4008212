"""Hand-offs: an open question on a brief handed to a person, who answers it in the thread.

Pure functions of data: which question a select names, how the brief shows who holds what,
what Baton says in the thread, and the brief once answers are in.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.constants import ACTION_HANDOFF
from bot.domain.brief import Brief
from bot.domain.render import Block, escape_mrkdwn

# Selects shown on one brief: one per question, within Block Kit's 50 blocks a message and
# short enough to read. Further questions are listed; they move up as these are answered.
HANDOFF_LIMIT = 5
ANSWER_SEPARATOR = " → "
_BLOCK_ID = re.compile(r"^handoff:(\d{1,12}):([0-9a-f]{12})$")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>")
_ITEM_LIMIT = 500  # a brief's list items are cut at 500 characters


def question_key(question: str) -> str:
    """A short stable name for a question: the same words (any spacing or case), same key."""
    normal = " ".join(question.split()).lower()
    return hashlib.sha256(normal.encode()).hexdigest()[:12]


def handoff_block_id(request_id: int, question: str) -> str:
    """The block id of a question's select: names the request and the question."""
    return f"handoff:{request_id}:{question_key(question)}"


def parse_handoff_block_id(block_id: object) -> tuple[int, str] | None:
    """(request id, question key) from a select's block id; None if it is not one of ours."""
    if not isinstance(block_id, str):
        return None
    match = _BLOCK_ID.match(block_id)
    return (int(match.group(1)), match.group(2)) if match else None


def first_mention(text: str, *, exclude: set[str]) -> str | None:
    """The first person a request mentions (`<@U…>`), leaving out `exclude` (Baton)."""
    for match in _USER_MENTION.finditer(text):
        if match.group(1) not in exclude:
            return match.group(1)
    return None


def find_question(brief: Brief, key: str) -> str | None:
    """The open question of `brief` with this key, if it is still open."""
    return next((q for q in brief.open_questions if question_key(q) == key), None)


@dataclass(frozen=True)
class Answered:
    """A handed-off question and the answer its holder gave in the thread."""

    question: str
    answer: str
    holder: str


@dataclass(frozen=True)
class QuestionBoard:
    """What the brief shows about its open questions: who holds each, what was answered."""

    request_id: int
    holders: dict[str, str]  # question key -> holder's user id
    answered: tuple[Answered, ...] = ()
    suggested: str | None = None  # the first person the request mentions
    enabled: bool = True  # False in a DM: nobody else could answer there


def answer_constraint(question: str, answer: str) -> str:
    """An answered question as one constraint of the brief."""
    answer = " ".join(answer.split())
    question = " ".join(question.split())
    if len(question) > 200:
        question = question[:199] + "…"
    room = _ITEM_LIMIT - len(question) - len(ANSWER_SEPARATOR)
    if len(answer) > room:
        answer = answer[: room - 1] + "…"
    return f"{question}{ANSWER_SEPARATOR}{answer}"


def with_answers(brief: Brief, answered: list[Answered]) -> Brief:
    """The brief with answered questions closed: out of the open questions, into the
    constraints (question → answer). Applying the same answers again changes nothing."""
    if not answered:
        return brief
    keys = {question_key(a.question) for a in answered}
    still_open = [q for q in brief.open_questions if question_key(q) not in keys]
    present = {question_key(c.split(ANSWER_SEPARATOR, 1)[0]) for c in brief.constraints}
    added = [
        answer_constraint(a.question, a.answer)
        for a in answered
        if question_key(a.question) not in present
    ]
    # A brief keeps at most 15 constraints: answers are the newest facts, so they stay.
    kept = brief.constraints[: max(0, 15 - len(added))]
    return brief.model_copy(
        update={"open_questions": still_open, "constraints": [*kept, *added][:15]}
    )


def _plain(text: str) -> dict[str, object]:
    return {"type": "plain_text", "text": text[:150] or " ", "emoji": True}


def question_blocks(brief: Brief, board: QuestionBoard | None) -> list[Block]:
    """The brief's open questions: each with a person picker (who holds it, or the person
    the request mentions, preselected), then any answered ones with who answered."""
    blocks: list[Block] = []
    distinct: dict[str, str] = {}  # one select per question (block ids must be unique)
    for question in brief.open_questions:
        distinct.setdefault(question_key(question), question)
    questions = list(distinct.values())
    if board is None or not board.enabled:
        if questions:
            lines = "\n".join(f"• {escape_mrkdwn(q)}" for q in questions)
            text = f"*Open questions*\n{lines}"[:3_000]
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        return blocks
    if questions:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "*Open questions* · hand one to a person and I'll ask them "
                        "in this thread; their reply answers it.",
                    }
                ],
            }
        )
    for question in questions[:HANDOFF_LIMIT]:
        key = question_key(question)
        holder = board.holders.get(key)
        status = f"_Held by <@{holder}>_" if holder else "_Not handed off_"
        select: Block = {
            "type": "users_select",
            "action_id": ACTION_HANDOFF,
            "placeholder": _plain("Hand off to…"),
        }
        initial = holder or board.suggested
        if initial:
            select["initial_user"] = initial
        blocks.append(
            {
                "type": "section",
                "block_id": handoff_block_id(board.request_id, question),
                "text": {
                    "type": "mrkdwn",
                    "text": f":grey_question: {escape_mrkdwn(question)}\n{status}"[:3_000],
                },
                "accessory": select,
            }
        )
    rest = questions[HANDOFF_LIMIT:]
    if rest:
        lines = "\n".join(f"• {escape_mrkdwn(q)}" for q in rest)
        text = f"*More open questions* (they can be handed off as those above close)\n{lines}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3_000]}})
    if board.answered:
        answered = [
            f":white_check_mark: {escape_mrkdwn(a.question[:200])} · answered by <@{a.holder}>"
            for a in board.answered[-HANDOFF_LIMIT:]
        ]
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "\n".join(answered)[:2_900]}],
            }
        )
    return blocks


def ask_text(*, holder: str, assigned_by: str, question: str, previous: str | None) -> str:
    """The one message that asks the holder, in the thread (it mentions only them)."""
    who = f"<@{assigned_by}> handed you" if assigned_by != holder else "you took"
    instead = " (it was with someone else before)" if previous else ""
    return (
        f"<@{holder}>, {who} a question on this brief{instead}:\n"
        f">{escape_mrkdwn(' '.join(question.split()))}\n"
        "Reply in this thread to answer it; your reply goes into the brief."
    )


def handed_on_text(*, question: str) -> str:
    """The earlier ask, edited once the question went to someone else. It names nobody: the
    new holder's one mention is their own ask, further down the thread."""
    return (
        f"~{escape_mrkdwn(' '.join(question.split())[:300])}~\n"
        "_Handed on to someone else (asked below): no answer needed here._"
    )


def waiting_text(count: int) -> str:
    """Said in the thread when a reply comes while handed-off questions still wait."""
    plural = "question is" if count == 1 else "questions are"
    return (
        f"Noted. {count} handed-off {plural} still open (see the brief); I'll draft once "
        "they're answered."
    )


# ---- Home and digests ---------------------------------------------------------------------

DECISION_KIND = "decision"  # a digest item: a question handed to the person
DECISIONS_SHOWN = 15


def decision_title(question: str) -> str:
    """A handed-off question as one line of a digest or the Home tab."""
    line = " ".join(question.split())
    return line if len(line) <= 120 else line[:119] + "…"


def decision_blocks(items: list[tuple[str, str]]) -> list[Block]:
    """The "Needs your decision" section: (question, link to where Baton asked) pairs."""
    if not items:
        return []
    lines = [f"• <{url}|{escape_mrkdwn(title)}>" for title, url in items[:DECISIONS_SHOWN]]
    if len(items) > DECISIONS_SHOWN:
        lines.append(f"…and {len(items) - DECISIONS_SHOWN} more")
    text = "*Needs your decision* · questions handed to you: reply in their threads\n"
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": (text + "\n".join(lines))[:3_000]}}
    ]
