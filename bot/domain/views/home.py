"""What waits for a person, on their Home tab (with what Baton learned about them) and in
their digest."""

from __future__ import annotations

from dataclasses import dataclass

from bot.constants import ACTION_OPEN_PREFS, ACTION_RESET_ALL, ACTION_RESET_VALUE
from bot.domain.handoff import DECISION_KIND, decision_blocks
from bot.domain.render import Block, escape_mrkdwn
from bot.domain.style.profile import StyleProfile
from bot.domain.views.blocks import button, context, plain, section
from bot.domain.views.preferences import TimingView, value_note


@dataclass(frozen=True)
class WaitingLink:
    """One thing that waits for the person, with a link to its thread."""

    kind: str
    title: str
    url: str
    version: int


def _waiting_lines(items: list[WaitingLink]) -> str:
    lines = []
    for item in items:
        label = {"questions": "answer questions", "options": "choose an option"}.get(
            item.kind, f"judge draft v{item.version}"
        )
        lines.append(f"• <{item.url}|{escape_mrkdwn(item.title)}>: {label}")
    return "\n".join(lines)


def digest_blocks(items: list[WaitingLink]) -> list[Block]:
    """The person's digest: what waits for them, oldest first."""
    if not items:
        return [section("Nothing waits for you right now. :sparkles:")]
    rest = [item for item in items if item.kind != DECISION_KIND]
    return [
        {"type": "header", "text": plain("Waiting for you")},
        *decision_blocks([(i.title, i.url) for i in items if i.kind == DECISION_KIND]),
        *([section(_waiting_lines(rest))] if rest else []),
    ]


def home_view(
    profile: StyleProfile,
    timing: TimingView,
    items: list[WaitingLink],
    *,
    accepted: int,
    average_revisions: float | None,
) -> Block:
    """The Home tab: what waits, what Baton learned (and why), and the partnership record."""
    blocks: list[Block] = [{"type": "header", "text": plain("Baton")}]
    blocks += decision_blocks([(i.title, i.url) for i in items if i.kind == DECISION_KIND])
    rest = [item for item in items if item.kind != DECISION_KIND]
    blocks.append(section("*Waiting for you*\n" + (_waiting_lines(rest) or "Nothing right now.")))
    blocks.append({"type": "divider"})
    blocks.append(section("*Your style*"))
    for value in profile.values():
        line = f"*{value.dimension.value.capitalize()}:* {value.value}. {value_note(value)}"
        block = section(line)
        if value.source in ("set", "learned"):
            block["accessory"] = button("Reset", ACTION_RESET_VALUE, value.dimension.value)
        blocks.append(block)
    quiet = timing.quiet_hours or "none"
    blocks.append(
        section(
            f"*Your timing*\nTime zone: {timing.timezone} ({timing.timezone_note})\n"
            f"Digest: {timing.digest_time.strftime('%H:%M')} ({timing.digest_time_note}), "
            f"{timing.digest_days}\nQuiet hours: {quiet}"
        )
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": "home_actions",
            "elements": [
                button("Change preferences", ACTION_OPEN_PREFS, "open", "primary"),
                button("Reset all to learned", ACTION_RESET_ALL, "all"),
            ],
        }
    )
    blocks.append({"type": "divider"})
    revisions = "—" if average_revisions is None else f"{average_revisions:.1f}"
    blocks.append(
        context(
            f"Last 30 days: {accepted} draft{'s' if accepted != 1 else ''} accepted · "
            f"average revisions to acceptance: {revisions}"
        )
    )
    return {"type": "home", "blocks": blocks}
