"""Text Slack allows, end to end: emoji and ZWJ sequences, right-to-left scripts, zero-width
characters, code with backticks, Slack's own markup and a message near Slack's 40,000-character
limit reach Claude's brief prompt and storage unchanged, and come back in posts Slack accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.domain.prompts import BRIEF_TOOL_NAME
from bot.domain.render import escape_mrkdwn
from sandbox.claude import FakeReply
from sandbox.slack import validate_blocks
from storage.models import Request
from tests.world import World, block_texts, draft_body, rows

MARKUP = (
    "<@UBOB>",
    "<@U0123ABC|someone>",
    "<#C0456DEF|launches>",
    "<https://example.com/export?a=1&amp;b=2|the export docs>",
    "<mailto:team@example.com|mail us>",
    "<!date^1700000000^{date_short}|Nov 14>",
)

# The cases are deliberately full of characters that look like others (Arabic-Indic digits,
# Hebrew letters, full-width Latin): that is what they test, hence the RUF001 exceptions.
CASES = {
    "emoji-and-zwj": (
        "write a launch note 🚀 for the 👩‍👩‍👧‍👦 family plan: flags 🇺🇦🇯🇵🏳️‍🌈, "
        "skin tones 👋🏽👍🏿, keycaps 1️⃣#️⃣, a coder 👩🏻‍💻 and 🫠 for the SVG export"
    ),
    "right-to-left": (
        "اكتب ملاحظة إطلاق لميزة التصدير الجديدة للعملاء، أقل من ١٥٠ كلمة\n"  # noqa: RUF001
        "כתוב הודעת השקה ללקוחות על ייצוא CSV ו-PDF\n"  # noqa: RUF001
        "mixed: the \u202bטבלה\u202c and \u2067عربي\u2069 with \u200fRLM\u200f and \u200eLRM\u200e"  # noqa: RUF001
    ),
    "zero-width": (
        "write\u200b a note\u200c for\u200d the\u2060 team\ufeff about export: "
        "cafe\u0301 vs café, ﬁ ligature, Ａｂｃ full width, \u00ad soft hyphen, e\u034fx"  # noqa: RUF001
    ),
    "code-blocks": (
        "write docs for this snippet:\n"
        "```\n"
        "const path = `${root}/export.csv`;\n"
        "if (a &amp;&amp; b &lt; c) { run(); }\n"
        "```\n"
        "and explain `inline` code, ``double `tick` code`` and a lone ` backtick"
    ),
    "slack-markup": (
        f"write a note for {MARKUP[0]} and {MARKUP[1]} in {MARKUP[2]}, linking {MARKUP[3]} "
        f"and {MARKUP[4]}, sent on {MARKUP[5]}"
    ),
}


def _between(text: str, tag: str) -> str | None:
    match = re.search(rf"<{tag}>\n(.*)\n</{tag}>", text, re.S)
    return match.group(1) if match else None


class EchoModel:
    """A model that takes the request at its word: the brief's goal is the request's exact
    text, and the draft echoes the goal it reads back from the draft prompt's brief (or, with
    `echo_request`, the first characters of the request it was asked to brief)."""

    def __init__(self, *, echo_request: int | None = None) -> None:
        self.echo_request = echo_request
        self.requests: list[str] = []

    def install(self, world: World) -> None:
        world.claude.on_tool(BRIEF_TOOL_NAME, self.brief)
        world.claude.responder = self.draft

    def brief(self, request: dict[str, Any]) -> dict[str, Any]:
        asked = _between(request["messages"][-1]["content"], "request") or ""
        self.requests.append(asked)
        return {
            "goal": asked,
            "audience": "customers",
            "deliverable": "a short note",
            "constraints": [],
            "assumptions": ["The feature ships this week"],
            "open_questions": [],
            "actionable": True,
            "confidence": "high",
            "confidence_reason": "the request says it all",
        }

    def draft(self, request: dict[str, Any]) -> FakeReply:
        if self.echo_request is not None:
            return FakeReply(text=self.requests[-1][: self.echo_request])
        brief = json.loads(_between(request["messages"][-1]["content"], "brief") or "{}")
        return FakeReply(text=brief["goal"])


def brief_prompt_text(world: World) -> str:
    """What the brief call asked Claude (its one user message)."""
    [call] = [c for c in world.claude.message_calls() if c.body.get("tools")]
    content = call.body["messages"][0]["content"]
    assert isinstance(content, str)
    return content


def assert_slack_accepted_everything(world: World) -> None:
    """Every call Baton made was accepted, and every message it shows has valid blocks."""
    refused = [(c.method, c.error) for c in world.slack.calls if not c.ok]
    assert refused == []
    for call in world.slack.calls_to("chat.postMessage") + world.slack.calls_to("chat.update"):
        assert validate_blocks(call.params.get("blocks") or []) == [], call.method
        assert len(str(call.params.get("text") or "")) <= 40_000


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_text_reaches_claude_storage_and_the_thread_intact(world: World, text: str) -> None:
    """The request is quoted into the brief prompt exactly, stored exactly, and the brief and
    the draft that echo it are posted unchanged (the brief escaped for mrkdwn)."""
    EchoModel().install(world)
    ts = world.mention(text)
    [draft] = world.wait_for_drafts(ts, 1)

    assert f"<request>\n{text}\n</request>" in brief_prompt_text(world)
    [request] = rows(world, Request)
    assert request.text == text
    brief, *_ = world.baton_messages(ts)
    assert f"*Goal:* {escape_mrkdwn(text)}" in block_texts(brief)
    assert draft_body(draft) == text
    # The notification text is the draft on one line (these are all under its 300 characters).
    assert draft.text == " ".join(text.split())
    assert_slack_accepted_everything(world)


def test_slack_markup_comes_back_as_live_markup_in_the_draft(world: World) -> None:
    """Mentions, channel links, URLs with labels and dates the model echoes stay Slack markup
    in the draft (so they render as links), and only as text in the brief."""
    EchoModel().install(world)
    ts = world.mention(CASES["slack-markup"])
    [draft] = world.wait_for_drafts(ts, 1)
    body = draft_body(draft)
    brief_shown = block_texts(world.baton_messages(ts)[0])
    for token in MARKUP:
        assert token in body
        assert token not in brief_shown and escape_mrkdwn(token) in brief_shown
    assert_slack_accepted_everything(world)


def _long_request() -> str:
    lines = []
    for i in range(300):
        lines.append(
            f"{i:03d} 🚀 مرحبا بالعالم שלום עולם 👩‍👩‍👧‍👦 <@U0123ABC|ana> "
            f"<https://example.com/n/{i}|step {i}> `x{i}` \u200bzero\u200dwidth done."
        )
    text = "write a guide from these notes:\n" + "\n".join(lines)
    # Pad to 39,000 characters, just under Slack's 40,000 limit for one message.
    return text + "\n" + " ".join(["ok 👍🏽"] * ((39_000 - len(text)) // 6))


def test_a_39000_character_message_is_quoted_whole_and_split_cleanly(world: World) -> None:
    """A request near Slack's limit reaches the brief prompt whole and is stored whole; a long
    draft that echoes it is split at line ends into parts Slack accepts, and no line (with its
    emoji, right-to-left words, markup and zero-width characters) is cut in two."""
    text = _long_request()
    assert 38_990 <= len(text) <= 39_000
    EchoModel(echo_request=30_000).install(world)
    ts = world.mention(text)
    world.wait_for_drafts(ts, 1, timeout=60)

    assert f"<request>\n{text}\n</request>" in brief_prompt_text(world)
    [request] = rows(world, Request)
    assert request.text == text
    brief, *_ = world.baton_messages(ts)
    assert f"*Goal:* {escape_mrkdwn(text[:1000].strip())}" in block_texts(brief)

    parts = world.drafts(ts)
    assert len(parts) == 3
    assert [f"part {n} of 3" in block_texts(part) for n, part in enumerate(parts, 1)] == [
        True,
        True,
        True,
    ]
    bodies = [draft_body(part) for part in parts]
    echoed = text[:30_000]
    assert "".join("".join(bodies).split()) == "".join(echoed.split())
    shown_lines = {line for body in bodies for line in body.splitlines()}
    whole_lines = echoed.splitlines()[:-1]  # the last line is where the echo stops
    assert whole_lines and all(line in shown_lines for line in whole_lines)
    assert_slack_accepted_everything(world)


def test_indentation_in_a_code_block_survives(world: World) -> None:
    """Indented code keeps its indentation in storage and in the brief prompt."""
    EchoModel().install(world)
    text = "review this:\n```\ndef export(rows):\n    for row in rows:\n        yield row\n```"
    ts = world.mention(text)
    world.wait_for_drafts(ts, 1)
    [request] = rows(world, Request)
    assert request.text == text
    assert f"<request>\n{text}\n</request>" in brief_prompt_text(world)


def test_a_long_drafts_notification_text_does_not_cut_markup_in_two(world: World) -> None:
    """The one-line notification text of each part of a long draft ends at a whole token."""
    EchoModel(echo_request=30_000).install(world)
    ts = world.mention(_long_request())
    world.wait_for_drafts(ts, 1, timeout=60)
    for part in world.drafts(ts):
        assert not re.search(r"<[^>]*$", part.text), part.text[-80:]
