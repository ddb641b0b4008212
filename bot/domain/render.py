"""Block Kit builders: pure functions from domain data to what Slack shows, within its limits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.constants import ACTION_EDIT_BRIEF, ACTION_FINALISE, ACTION_OPTIONS, ACTION_RETRY
from bot.domain.assumptions import AssumptionRef, assumption_rows, open_refs
from bot.domain.brief import Brief

Block = dict[str, Any]

# Slack: a section's text is at most 3,000 characters; markdown blocks share 12,000 per
# message; a context element's text at most 3,000 (we keep them far shorter).
SECTION_LIMIT = 3_000
DRAFT_PART_LIMIT = 11_000
FALLBACK_TEXT_LIMIT = 300
FOOTER_ASSUMPTIONS = 3  # a draft's footer lists (with buttons) this many; the brief has all

STEERING_HINT = (
    "React :+1: good · :-1: off the mark · :repeat: another take · :scissors: shorter · "
    ":mag: more detail — or reply in this thread to revise."
)


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": text[:2_000]} for text in texts if text][:10]
    return {"type": "context", "elements": elements}


_BROADCAST = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")


def defuse_broadcasts(text: str, *, allowed: str = "") -> str:
    """Model output may not ping a channel or a user group unless the requester's own words
    did: `<!channel>` becomes a plain "@channel"."""

    def plain(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in allowed:
            return token
        name = match.group(1) or token.split("|", 1)[-1].rstrip(">").lstrip("@") or "group"
        return f"@{name}"

    return _BROADCAST.sub(plain, text)


def message_link(team_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """A web link to a message (in its thread when it is a reply), as Slack forms them."""
    base = team_url if team_url.endswith("/") else team_url + "/"
    link = f"{base}archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def fallback_text(text: str) -> str:
    """The notification text that goes with blocks: short, one line."""
    line = " ".join(text.split())
    if len(line) <= FALLBACK_TEXT_LIMIT:
        return line
    cut = line[: FALLBACK_TEXT_LIMIT - 1]
    # Never end inside Slack markup (<@U…>, <https://…|…>): a half token shows as garbage.
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened].rstrip()
    return cut + "…"


def working_blocks() -> list[Block]:
    """The placeholder posted at once, so the person sees Baton took the request."""
    return [_context(":hourglass_flowing_sand: Reading your request and writing a brief…")]


def _bullets(items: list[str]) -> str:
    return "\n".join(f"• {escape_mrkdwn(item)}" for item in items)


def brief_blocks(
    brief: Brief,
    *,
    request_id: int,
    version: int,
    drafting: bool,
    confirmed: Mapping[str, str] | None = None,
    questions: list[Block] | None = None,
    rules: list[Block] | None = None,
    files: list[Block] | None = None,
) -> list[Block]:
    """The brief as Baton understood it, with an Edit button; each assumption not yet
    `confirmed` (text -> who confirmed it) has Right / Wrong buttons. `questions` replaces
    the plain list of open questions (hand-offs, bot/domain/handoff.py); `rules` is the
    channel's "from channel rules" section (bot/domain/channel_rules.py); `files` the line
    naming the attached files it rests on and those skipped (bot/domain/files/shown.py)."""
    title = "Brief" if version <= 1 else f"Brief (v{version})"
    lines = [
        f"*{title}*",
        f"*Goal:* {escape_mrkdwn(brief.goal)}",
        f"*Audience:* {escape_mrkdwn(brief.audience)}",
        f"*Deliverable:* {escape_mrkdwn(brief.deliverable)}",
    ]
    blocks: list[Block] = [_section("\n".join(lines))]
    for label, items in (
        ("Constraints", brief.constraints),
        ("Assumptions", brief.assumptions),
        ("Open questions", brief.open_questions),
    ):
        if label == "Assumptions":
            blocks += assumption_blocks(
                brief.assumptions, request_id=request_id, version=version, confirmed=confirmed
            )
        elif label == "Open questions" and questions is not None:
            blocks += questions
        elif items:
            blocks.append(_section(f"*{label}*\n{_bullets(items)}"))
        if label == "Constraints":
            blocks += rules or []
    blocks += files or []
    status = f"Confidence: {brief.confidence}"
    if brief.confidence_reason:
        status += f" ({escape_mrkdwn(brief.confidence_reason)})"
    if drafting:
        status += " · :pencil2: writing below in this thread"
    blocks.append(_context(status))
    blocks.append(
        {
            "type": "actions",
            "block_id": "brief_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_EDIT_BRIEF,
                    "text": {"type": "plain_text", "text": "Edit brief"},
                    "value": str(request_id),
                },
                # Options A, B, C for this brief, to choose from (bot/usecases/options.py).
                *(
                    [
                        {
                            "type": "button",
                            "action_id": ACTION_OPTIONS,
                            "text": {"type": "plain_text", "text": "Options"},
                            "value": str(request_id),
                        }
                    ]
                    if brief.actionable
                    else []
                ),
            ],
        }
    )
    return blocks


def assumption_blocks(
    assumptions: list[str],
    *,
    request_id: int,
    version: int,
    confirmed: Mapping[str, str] | None,
) -> list[Block]:
    """The brief's assumptions: confirmed ones say by whom; the rest are questions."""
    if not assumptions:
        return []
    confirmed = confirmed or {}
    refs = open_refs(assumptions, request_id=request_id, version=version, confirmed=confirmed)
    lines = []
    for item in assumptions:
        who = confirmed.get(item)
        mark = f" · ✓ confirmed by <@{who}>" if who and who.isalnum() else ""
        lines.append(f"• {escape_mrkdwn(item)}{mark}")
    title = "*Assumptions*" + (" · right or wrong? Tell me with the buttons" if refs else "")
    return [_section(title + "\n" + "\n".join(lines)), *assumption_rows(refs)]


def questions_blocks(brief: Brief, *, requester_id: str) -> list[Block]:
    """Ask the open questions instead of guessing; the answers come as thread replies."""
    numbered = "\n".join(
        f"{index}. {escape_mrkdwn(question)}"
        for index, question in enumerate(brief.open_questions, start=1)
    )
    return [
        _section(f"<@{requester_id}>, before I draft I need to know:\n{numbered}"),
        _context("Reply in this thread and I'll draft from your answers."),
    ]


@dataclass(frozen=True)
class DraftFooter:
    """The honest note under a draft: how sure Baton is, what it rests on, how to steer."""

    confidence: str
    confidence_reason: str
    assumptions: tuple[str, ...]
    adaptation: str | None
    word_limit: int | None
    words: int
    truncated: bool = False
    # Right / Wrong buttons for the assumptions listed, and the draft Finalise edits.
    assumption_refs: tuple[AssumptionRef, ...] = ()
    draft_id: int | None = None


def footer_lines(footer: DraftFooter) -> list[str]:
    """The footer as short context lines."""
    sure = f"Confidence: {footer.confidence}"
    if footer.confidence_reason:
        sure += f" ({escape_mrkdwn(footer.confidence_reason)})"
    lines = [sure]
    if footer.truncated:
        lines.append(":warning: Claude stopped at its length cap: the end may be missing.")
    if footer.assumptions:
        shown = "; ".join(escape_mrkdwn(item) for item in footer.assumptions[:FOOTER_ASSUMPTIONS])
        more = len(footer.assumptions) - FOOTER_ASSUMPTIONS
        lines.append(f"Rests on: {shown}" + (f" (+{more} more in the brief)" if more > 0 else ""))
    if footer.word_limit is not None:
        verdict = "within" if footer.words <= footer.word_limit else "over"
        lines.append(f"{footer.words} words, {verdict} the {footer.word_limit}-word limit")
    if footer.adaptation:
        lines.append(f"Adapted to you: {escape_mrkdwn(footer.adaptation)}")
    lines.append(STEERING_HINT)
    return lines


def draft_blocks(
    text: str,
    *,
    version: int,
    part: int,
    parts: int | None,
    footer: DraftFooter | None,
    status: str | None = None,
) -> list[Block]:
    """One message of a draft: its label, the text so far, and the footer on the last part."""
    label = f"*Draft v{version}*"
    if parts is not None and parts > 1:
        label += f" · part {part + 1} of {parts}"
    elif parts is None and part > 0:
        label += f" · part {part + 1}"
    blocks: list[Block] = [_context(label)]
    if text.strip():
        blocks.append({"type": "markdown", "text": text[:DRAFT_PART_LIMIT]})
    if status:
        blocks.append(_context(status))
    if footer is not None:
        blocks.append({"type": "divider"})
        blocks.append(_context(*footer_lines(footer)))
        blocks += assumption_rows(footer.assumption_refs[:FOOTER_ASSUMPTIONS])
        if footer.draft_id is not None:
            blocks.append(finalise_row(footer.draft_id))
    return blocks


def finalise_row(draft_id: int) -> Block:
    """The Finalise button under a finished draft: the person edits it into the final."""
    return {
        "type": "actions",
        "block_id": "draft_finalise",
        "elements": [
            {
                "type": "button",
                "action_id": ACTION_FINALISE,
                "text": {"type": "plain_text", "text": "Finalise"},
                "value": str(draft_id),
            }
        ],
    }


def split_text(text: str, limit: int = DRAFT_PART_LIMIT) -> list[str]:
    """Cut text into pieces of at most `limit` characters, at the gentlest boundary available."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for pattern in (r"\n\s*\n", r"\n", r"(?<=[.!?])\s", r"\s"):
            matches = [m.end() for m in re.finditer(pattern, window)]
            good = [end for end in matches if end > limit // 2]
            if good:
                cut = good[-1]
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    pieces.append(rest)
    return [piece for piece in pieces if piece.strip()] or [""]


def notice_blocks(text: str) -> list[Block]:
    """A plain one-section message."""
    return [_section(text)]


def failure_blocks(message: str, *, request_id: int) -> list[Block]:
    """Say what failed and offer a Retry button; the request stays stored."""
    return [
        _section(f":warning: {message}"),
        {
            "type": "actions",
            "block_id": "retry_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_RETRY,
                    "text": {"type": "plain_text", "text": "Retry"},
                    "style": "primary",
                    "value": str(request_id),
                }
            ],
        },
    ]


NO_MODEL_MESSAGE = (
    ":information_source: No model is configured, so I can't write a brief or a draft yet. "
    "An admin can set `ANTHROPIC_API_KEY` (and optionally `BATON_MODEL`) where Baton runs and "
    "restart it; then press Retry. Your request is saved."
)
