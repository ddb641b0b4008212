"""The offline drafter answers Baton's real prompts through the real anthropic SDK, labelled."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import pytest

from bot.domain.brief import Brief, count_words
from bot.domain.digest import DigestItem, summary_prompt
from bot.domain.prompts import (
    BRIEF_TOOL_NAME,
    Revision,
    brief_prompt,
    brief_tool_schema,
    draft_prompt,
)
from sandbox.claude import FakeClaude
from sandbox.offline import BRIEF_LABEL, LABEL_LINE, OFFLINE_LABEL, OfflineDrafter

KEY = "test-anthropic-key"
MODEL = "claude-test-model"
LAUNCH = "Write a launch note for customers about the new search, under 150 words, no jargon"
BULLETS = "Use bullet points for lists of points rather than paragraphs."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeClaude]:
    # One server for the file: the drafter is stateless, and unpaced so the tests stay fast.
    with FakeClaude(api_key=KEY) as fake:
        OfflineDrafter(tokens_per_second=None).install(fake)
        yield fake


@pytest.fixture(scope="module")
def client(fake: FakeClaude) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(api_key=KEY, base_url=fake.url, max_retries=0) as client:
        yield client


def ask_brief(client: anthropic.Anthropic, text: str, answers: list[str] | None = None) -> Brief:
    """The brief as Baton asks for it: a forced record_brief call, validated."""
    prompt = brief_prompt(text, answers)
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        system=prompt.system,
        messages=prompt.messages,  # type: ignore[arg-type]
        tools=[brief_tool_schema()],  # type: ignore[list-item]
        tool_choice={"type": "tool", "name": BRIEF_TOOL_NAME},
    )
    [block] = message.content
    assert block.type == "tool_use"
    return Brief.model_validate(block.input)


def draft(
    client: anthropic.Anthropic,
    brief: Brief,
    *,
    style: list[str] | None = None,
    revision: Revision = Revision.FIRST,
    previous: str | None = None,
    reply: str | None = None,
) -> str:
    """A draft streamed as Baton streams it (raw events, stream=True)."""
    prompt = draft_prompt(
        brief, style=style or [], revision=revision, previous_draft=previous, reply=reply
    )
    parts: list[str] = []
    with client.messages.create(
        model=MODEL,
        max_tokens=8192,
        system=prompt.system,
        messages=prompt.messages,  # type: ignore[arg-type]
        stream=True,
    ) as stream:
        for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                parts.append(event.delta.text)
    return "".join(parts)


def body_words(text: str) -> int:
    """Words of a draft without its label line."""
    assert text.startswith(LABEL_LINE + "\n\n")
    return count_words(text.removeprefix(LABEL_LINE))


@pytest.fixture(scope="module")
def launch(client: anthropic.Anthropic) -> Brief:
    return ask_brief(client, LAUNCH)


@pytest.fixture(scope="module")
def first(client: anthropic.Anthropic, launch: Brief) -> str:
    return draft(client, launch)


# -- briefs ----------------------------------------------------------------------------------


def test_brief_is_built_from_the_request_and_labelled(launch: Brief) -> None:
    assert launch.actionable is True
    assert launch.goal == "Write a launch note for customers about the new search."
    assert launch.audience == "customers"
    assert launch.deliverable == "a launch note"
    assert "At most 150 words" in launch.constraints
    assert "No jargon" in launch.constraints
    assert launch.assumptions[0] == BRIEF_LABEL
    assert "not Claude" in BRIEF_LABEL
    assert launch.open_questions == []
    assert launch.confidence == "low"
    assert launch.confidence_reason == "offline drafter: built from your words only"


def test_brief_states_what_it_assumed(client: anthropic.Anthropic) -> None:
    brief = ask_brief(client, "<@U123> could you draft an email about the office move by Friday?")

    assert brief.deliverable == "an email"
    assert brief.audience == "not stated — assumed: your team"
    assert "Due by Friday" in brief.constraints
    assert any(a.startswith("Audience: your team") for a in brief.assumptions[1:])
    assert any(a.startswith("Length:") for a in brief.assumptions)
    assert "<@" not in brief.goal  # mentions are not carried into the brief


def test_vague_request_gets_questions_not_a_brief(client: anthropic.Anthropic) -> None:
    brief = ask_brief(client, "can you help with this?")

    assert brief.actionable is False
    assert len(brief.open_questions) >= 2
    assert brief.assumptions == [BRIEF_LABEL]


def test_answers_make_a_vague_request_actionable(client: anthropic.Anthropic) -> None:
    brief = ask_brief(client, "help me with this", ["An email to partners about the price rise"])

    assert brief.actionable is True
    assert brief.goal == "An email to partners about the price rise."
    assert brief.deliverable == "an email"
    assert brief.audience == "partners"


# -- drafts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revision", "reply", "style"),
    [
        (Revision.FIRST, None, []),
        (Revision.MORE_DETAIL, None, []),
        (Revision.REPLY, "make it warmer and add the pricing tiers", []),
        (Revision.FIRST, None, ["Go into detail: include specifics, figures and caveats."]),
    ],
    ids=["first", "more-detail", "reply", "thorough-style"],
)
def test_draft_obeys_a_word_limit(
    client: anthropic.Anthropic, revision: Revision, reply: str | None, style: list[str]
) -> None:
    brief = ask_brief(client, "Draft release notes for the v2.3 sync fixes, 50 words max")
    previous = draft(client, brief) if revision is not Revision.FIRST else None

    text = draft(client, brief, style=style, revision=revision, previous=previous, reply=reply)

    assert "At most 50 words" in brief.constraints
    assert 10 <= body_words(text) <= 50
    assert count_words(text) <= 50  # Baton's own count sees the label too
    if reply:
        assert "pricing tiers" in text  # what the reply asked for outlives the trimming


def test_first_draft_is_shaped_like_a_launch_note(first: str) -> None:
    lines = first.removeprefix(LABEL_LINE + "\n\n").split("\n\n")

    assert lines[0] == "*Introducing the new search*"
    assert 2 <= len(lines[1:]) <= 3
    assert "customers" in lines[1]
    assert body_words(first) <= 150


def test_every_reply_is_labelled_as_the_offline_drafter(
    client: anthropic.Anthropic, launch: Brief, first: str
) -> None:
    texts = [
        first,
        draft(client, launch, revision=Revision.SHORTER, previous=first),
        draft(client, launch, revision=Revision.MORE_DETAIL, previous=first),
        draft(client, launch, revision=Revision.REDO, previous=first),
        draft(client, launch, revision=Revision.REPLY, previous=first, reply="more formal"),
        draft(client, launch, revision=Revision.RETRY),
        draft(client, launch, revision=Revision.EDITED, previous=first),
    ]

    for text in texts:
        assert text.startswith(LABEL_LINE + "\n\n")
        assert text.count(OFFLINE_LABEL) == 1  # a revision does not stack old labels


def test_shorter_is_about_half(client: anthropic.Anthropic, launch: Brief, first: str) -> None:
    shorter = draft(client, launch, revision=Revision.SHORTER, previous=first)

    assert body_words(shorter) <= body_words(first) // 2
    assert "new search" in shorter  # keeps what matters most: the opening


def test_more_detail_adds_specifics(client: anthropic.Anthropic, launch: Brief, first: str) -> None:
    detailed = draft(client, launch, revision=Revision.MORE_DETAIL, previous=first)

    assert body_words(detailed) > body_words(first)
    assert "*Specifics:*" in detailed
    assert "no jargon" in detailed  # drawn from the brief's constraints


def test_another_take_has_a_different_structure(
    client: anthropic.Anthropic, launch: Brief, first: str
) -> None:
    take = draft(client, launch, revision=Revision.REDO, previous=first)
    third = draft(client, launch, revision=Revision.REDO, previous=take)

    openings = [t.removeprefix(LABEL_LINE).split()[:3] for t in (first, take, third)]
    assert openings[0] != openings[1] != openings[2] != openings[0]


def test_replies_change_the_draft_as_asked(
    client: anthropic.Anthropic, launch: Brief, first: str
) -> None:
    warmer = draft(client, launch, revision=Revision.REPLY, previous=first, reply="make it warmer")
    formal = draft(client, launch, revision=Revision.REPLY, previous=first, reply="more formal")
    added = draft(client, launch, revision=Revision.REPLY, previous=first, reply="add the pricing")

    assert warmer != first
    assert "thank you" in warmer.lower()
    assert "We're" in first and "We're" not in formal and "We are" in formal
    assert "pricing" in added and "pricing" not in first


def test_a_reply_it_cannot_act_on_is_quoted_not_ignored(
    client: anthropic.Anthropic, launch: Brief, first: str
) -> None:
    reply = "hmm, the angle feels off <@U999>"

    text = draft(client, launch, revision=Revision.REPLY, previous=first, reply=reply)

    assert text != first
    assert "cannot rewrite freely" in text
    assert "the angle feels off" in text
    assert "<@" not in text  # no @-mention nobody asked for


def test_bullets_style_gives_bullet_lines(client: anthropic.Anthropic, launch: Brief) -> None:
    text = draft(client, launch, style=[BULLETS])

    assert sum(line.startswith("- ") for line in text.splitlines()) >= 3


def test_short_and_formal_style(client: anthropic.Anthropic, launch: Brief, first: str) -> None:
    style = ["Keep it short: about half the length.", "Use a formal, professional tone."]

    text = draft(client, launch, style=style)

    assert body_words(text) < body_words(first)
    assert "'" not in text.removeprefix(LABEL_LINE)  # no contractions


def test_another_language_is_declined_openly(client: anthropic.Anthropic, launch: Brief) -> None:
    style = ["Write in French, whatever language the request is in."]

    text = draft(client, launch, style=style)

    assert "writes only English" in text
    assert "French" in text


# -- digest summaries ------------------------------------------------------------------------


def test_summary_counts_the_items(client: anthropic.Anthropic) -> None:
    kinds = ["draft", "draft", "questions", "draft"]
    items = [DigestItem(k, "C1", f"Item {i}", "https://x", 1, None) for i, k in enumerate(kinds)]
    prompt = summary_prompt(items)

    message = client.messages.create(
        model=MODEL,
        max_tokens=300,
        system=prompt.system,
        messages=prompt.messages,  # type: ignore[arg-type]
    )

    assert message.content[0].type == "text"
    assert message.content[0].text == (
        "3 drafts wait for your judgement and 1 brief has questions for you "
        "(offline drafter summary, not Claude)."
    )


# -- wiring ----------------------------------------------------------------------------------


def test_drafts_are_paced_but_summaries_are_not() -> None:
    drafter = OfflineDrafter()
    brief = Brief(goal="Share the roadmap.", audience="team", deliverable="a post", actionable=True)
    draft_body = draft_prompt(brief, style=[])
    summary_body = summary_prompt([])

    paced = drafter.reply({"system": draft_body.system, "messages": draft_body.messages})
    unpaced = drafter.reply({"system": summary_body.system, "messages": summary_body.messages})

    assert paced.tokens_per_second == 40
    assert paced.text.startswith(LABEL_LINE)
    assert unpaced.tokens_per_second is None
