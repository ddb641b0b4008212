"""Slack's limits are kept, and failures end in a clear message, never a lost request."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.domain.render import DRAFT_PART_LIMIT
from sandbox.claude import FakeReply
from storage.models import Draft, Feedback, Request
from tests.world import ALICE, CHANNEL, World, block_texts, draft_body, is_finished

ASK = "write the full FAQ for the export feature, for customers"


def test_a_draft_longer_than_one_message_continues_in_the_thread(world: World) -> None:
    """A 25,000-character draft is split into valid messages, all text kept; a reaction on
    the last part counts for the draft."""
    paragraphs = [f"Paragraph {i}: " + "export works with every report. " * 12 for i in range(60)]
    long_text = "\n\n".join(paragraphs)
    assert len(long_text) > 2 * DRAFT_PART_LIMIT
    world.claude.responder = lambda request: FakeReply(text=long_text, tokens_per_second=4000)
    ts = world.mention(ASK)
    world.slack.wait_for(
        lambda: any(is_finished(m) for m in world.drafts(ts)), message="the finished draft"
    )
    world.idle()
    parts = world.drafts(ts)
    assert len(parts) == 3
    assert "part 1 of 3" in block_texts(parts[0]) and "part 3 of 3" in block_texts(parts[2])
    shown = "\n\n".join(draft_body(part) for part in parts)
    assert shown.split() == long_text.split()
    assert all(call.ok for call in world.slack.calls if call.method.startswith("chat."))
    world.slack.add_reaction(ALICE, CHANNEL, parts[2].ts, "+1")
    world.idle()
    with Session(world.database.engine) as session:
        [feedback] = session.exec(select(Feedback)).all()
    assert feedback.kind == "accept"


def test_a_refused_api_key_is_reported_without_retrying(world: World) -> None:
    """Claude refusing the key is said plainly in the thread; Baton does not hammer Claude."""
    world.claude.api_key = "a-different-key"
    ts = world.mention(ASK)
    world.idle()
    [message] = world.baton_messages(ts)
    assert "refused the API key" in block_texts(message)
    assert len(world.claude.message_calls()) == 1


def test_slack_refusing_to_post_leaves_the_request_stored_as_failed(world: World) -> None:
    """If Slack will not take Baton's posts (e.g. the channel was archived), nothing crashes
    and the request is kept, marked failed, with the reason."""
    world.slack.fail_next("chat.update", error="is_archived", times=50)
    world.slack.fail_next("chat.postMessage", error="is_archived", times=50)
    ts = world.mention(ASK)
    world.idle()
    assert world.baton_messages(ts) == []
    with Session(world.database.engine) as session:
        [request] = session.exec(select(Request)).all()
    assert request.state == "failed" and "is_archived" in (request.error or "")


def test_a_draft_cut_at_the_output_cap_says_so(world: World) -> None:
    """When Claude stops at max_tokens the footer warns that the end may be missing."""
    world.claude.responder = lambda request: FakeReply(
        text="The first half of a long answer", stop_reason="max_tokens"
    )
    ts = world.mention(ASK)
    [draft] = world.wait_for_drafts(ts, 1)
    assert "stopped at its length cap" in block_texts(draft)


def test_model_output_cannot_ping_a_channel_or_a_group(world: World) -> None:
    """`<!channel>`, `<!everyone>` and user groups from Claude are shown as plain text;
    a `<!here>` the requester wrote themselves may stay."""
    world.claude.responder = lambda request: FakeReply(
        text="<!channel> Export is here. <!everyone> <!subteam^S0123|@design> <!here>"
    )
    ts = world.mention(ASK + " <!here>")
    [draft] = world.wait_for_drafts(ts, 1)
    body = draft_body(draft)
    assert "<!channel>" not in body and "<!everyone>" not in body and "<!subteam" not in body
    assert "@channel Export is here" in body and "@design" in body
    assert "<!here>" in body
    with Session(world.database.engine) as session:
        [stored] = session.exec(select(Draft)).all()
    assert "<!channel>" not in stored.text


def test_a_channel_archived_mid_draft_ends_in_a_dm_to_the_requester(world: World) -> None:
    """Slack's is_archived stops the work; the thread is out of reach, so the requester hears
    why by DM, and the request is kept as failed."""
    world.claude.responder = lambda request: FakeReply(text="Export is here.", ttft=1.0)
    ts = world.mention(ASK)
    world.slack.wait_for(lambda: world.baton_messages(ts), message="the placeholder")
    world.slack.archive_channel(CHANNEL)
    world.idle()
    dm = world.slack.open_dm(ALICE)
    [told] = [m for m in world.slack.messages(dm) if m.user == world.slack.bot_user_id]
    assert "was archived" in block_texts(told) and "It is saved" in block_texts(told)
    with Session(world.database.engine) as session:
        [request] = session.exec(select(Request)).all()
    assert request.state == "failed" and request.error == "slack: is_archived"
