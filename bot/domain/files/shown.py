"""How the thread and the brief name attached files: what was read, skipped, or lost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Names longer than this are shortened where Baton shows or quotes them.
NAME_LIMIT = 80
PAPERCLIP = ":paperclip:"


def shown_name(name: str) -> str:
    """A file name safe inside `code` in Slack mrkdwn, and short."""
    cleaned = " ".join(name.split()).replace("`", "'")
    cleaned = cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(cleaned) > NAME_LIMIT:
        cleaned = cleaned[: NAME_LIMIT - 1] + "…"
    return f"`{cleaned or 'unnamed file'}`"


def joined(items: Sequence[str]) -> str:
    """Items as a sentence lists them: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


SHOWN_SKIPS = 8  # a skipped-files line names this many; more are counted


def skipped_line(skips: Sequence[tuple[str, str]]) -> str:
    """One line for the thread: which files were skipped, each with why."""
    parts = [f"{shown_name(name)} ({reason})" for name, reason in skips[:SHOWN_SKIPS]]
    if len(skips) > SHOWN_SKIPS:
        parts.append(f"{len(skips) - SHOWN_SKIPS} more files")
    return f"{PAPERCLIP} I skipped {joined(parts)}."


def lost_line(lost: Sequence[tuple[str, str]]) -> str:
    """One line for the thread: files used before that could not be read again this time."""
    parts = [f"{shown_name(name)} ({reason})" for name, reason in lost[:SHOWN_SKIPS]]
    return f"{PAPERCLIP} I couldn't read {joined(parts)} again, so this version does without it."


def context_blocks(used: Sequence[str], skipped: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The brief's "Context:" line: the files it rests on, and those skipped (with why)."""
    if not used and not skipped:
        return []
    parts = []
    if used:
        parts.append(f"{PAPERCLIP} *Context:* {', '.join(shown_name(n) for n in used)}")
    if skipped:
        listed = [f"{shown_name(n)} ({reason})" for n, reason in skipped[:SHOWN_SKIPS]]
        if len(skipped) > SHOWN_SKIPS:
            listed.append(f"{len(skipped) - SHOWN_SKIPS} more")
        lead = "skipped: " if used else f"{PAPERCLIP} *Skipped files:* "
        parts.append(lead + "; ".join(listed))
    text = " · ".join(parts)
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2_000]}]}]
