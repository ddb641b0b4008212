"""Block Kit builders stay within Slack's limits, checked by the fake Slack's own validator."""

from __future__ import annotations

import pytest

from bot.domain.brief import Brief
from bot.domain.render import (
    DRAFT_PART_LIMIT,
    DraftFooter,
    brief_blocks,
    draft_blocks,
    escape_mrkdwn,
    failure_blocks,
    fallback_text,
    questions_blocks,
    split_text,
)
from sandbox.slack import validate_blocks


def huge_brief() -> Brief:
    return Brief(
        goal="g" * 1000,
        audience="a" * 1000,
        deliverable="d" * 1000,
        constraints=["c" * 500] * 15,
        assumptions=["<@U1> & <#C1>" * 30] * 15,
        open_questions=["q" * 500] * 15,
        actionable=True,
        confidence="low",
        confidence_reason="r" * 1000,
    )


def test_the_largest_brief_is_valid_block_kit() -> None:
    """Even a brief at every cap renders to blocks Slack accepts."""
    assert validate_blocks(brief_blocks(huge_brief(), request_id=1, version=3, drafting=True)) == []
    assert validate_blocks(questions_blocks(huge_brief(), requester_id="U1")) == []


def test_a_full_draft_part_with_footer_is_valid_block_kit() -> None:
    """A draft part at the size limit, with its footer, is accepted."""
    footer = DraftFooter(
        confidence="high",
        confidence_reason="x" * 900,
        assumptions=("a" * 900,) * 6,
        adaptation="kept short: " + "y" * 400,
        word_limit=150,
        words=151,
    )
    blocks = draft_blocks(
        "w " * (DRAFT_PART_LIMIT // 2), version=12, part=1, parts=2, footer=footer, status="writing"
    )
    assert validate_blocks(blocks) == []
    assert "over the 150-word limit" in str(blocks)


def test_user_text_cannot_inject_mentions_into_mrkdwn() -> None:
    """Angle brackets in people's text are escaped, so `<!channel>` cannot ping anyone."""
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    brief = huge_brief().model_copy(update={"goal": "<!channel> now"})
    assert "<!channel>" not in str(brief_blocks(brief, request_id=1, version=1, drafting=False))


@pytest.mark.parametrize("size", [0, 10, DRAFT_PART_LIMIT, DRAFT_PART_LIMIT + 1, 50_000])
def test_split_text_keeps_every_character_within_the_limit(size: int) -> None:
    """Pieces respect the limit and, joined, hold all the text's words."""
    words = [f"w{i}" for i in range(size // 4)]
    text = " ".join(words)
    pieces = split_text(text, DRAFT_PART_LIMIT)
    assert all(len(piece) <= DRAFT_PART_LIMIT for piece in pieces)
    assert " ".join(pieces).split() == words


def test_split_text_prefers_paragraph_boundaries() -> None:
    """A long text is cut between paragraphs when one is near the limit."""
    paragraph = "word " * 400
    text = "\n\n".join([paragraph.strip()] * 10)
    pieces = split_text(text, 5_000)
    assert all(piece.endswith("word") for piece in pieces)


def test_failure_blocks_offer_retry() -> None:
    """A failure message carries a Retry button bound to the request."""
    blocks = failure_blocks("Claude is overloaded", request_id=42)
    assert validate_blocks(blocks) == []
    assert blocks[1]["elements"][0]["value"] == "42"


def test_fallback_text_is_one_short_line() -> None:
    """Notification text is single-line and capped."""
    text = fallback_text("line one\nline two " + "x" * 1000)
    assert "\n" not in text and len(text) <= 300


@pytest.mark.parametrize(
    ("text", "allowed", "expected"),
    [
        ("<!channel> hi", "", "@channel hi"),
        ("<!here|here> hi", "", "@here hi"),
        ("<!subteam^S1|@design> hi", "", "@design hi"),
        ("<!here> hi", "please tell <!here>", "<!here> hi"),
        ("<@U123> stays", "", "<@U123> stays"),
    ],
)
def test_defuse_broadcasts(text: str, allowed: str, expected: str) -> None:
    """Broadcasts become plain text unless the requester wrote the same one."""
    from bot.domain.render import defuse_broadcasts

    assert defuse_broadcasts(text, allowed=allowed) == expected
