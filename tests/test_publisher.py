"""Streaming into Slack under a shared per-workspace update budget (real HTTP, fake clock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.adapters.publisher import DraftPublisher
from bot.adapters.slack_client import UpdateBudget, make_web_client
from bot.adapters.slack_io import SlackIO
from bot.domain.render import DraftFooter
from sandbox.slack import FakeSlack
from tests.world import draft_body

FOOTER = DraftFooter(
    confidence="high",
    confidence_reason="",
    assumptions=(),
    adaptation=None,
    word_limit=None,
    words=0,
)


class Clock:
    """A clock the test moves by hand, so cadence is exact and no test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("UALICE", name="alice")
        fake.add_channel("CGENERAL", name="general", members=["UALICE", fake.bot_user_id])
        yield fake


def publishers(slack: FakeSlack, count: int, budget: UpdateBudget, clock: Clock):
    io = SlackIO(make_web_client(slack.bot_token, slack.api_url))
    result = []
    for index in range(count):
        parent = slack.post_user_message("UALICE", "CGENERAL", f"request {index}")
        result.append(
            DraftPublisher(
                slack=io,
                budget=budget,
                team_id=slack.team_id,
                channel_id="CGENERAL",
                thread_ts=parent,
                version=1,
                on_posted=lambda ts, part: None,
                clock=clock,
            )
        )
    return result


def stream(pubs: list[DraftPublisher], clock: Clock, seconds: int) -> None:
    for second in range(seconds):
        clock.now += 1.0
        for pub in pubs:
            pub.feed(f"word{second} ")


def test_one_draft_streams_about_once_a_second(slack: FakeSlack) -> None:
    """Alone in a workspace, a draft is updated at the cadence, never faster."""
    clock = Clock()
    [pub] = publishers(slack, 1, UpdateBudget(per_minute=45, burst=10, clock=clock), clock)
    stream([pub], clock, 8)
    updates = len(slack.calls_to("chat.update"))
    assert 5 <= updates <= 8  # once a second, as the budget's burst allows


def test_a_busy_workspace_gets_fewer_larger_updates_and_no_lost_text(slack: FakeSlack) -> None:
    """Ten drafts at once share the budget: far fewer updates than ten alone would make,
    every update is accepted, and every final message holds all its text."""
    clock = Clock()
    budget = UpdateBudget(per_minute=60, burst=2, clock=clock)  # one a second, shared
    pubs = publishers(slack, 10, budget, clock)
    stream(pubs, clock, 30)
    intermediate = len(slack.calls_to("chat.update"))
    assert 20 <= intermediate <= 2 + 30  # the budget, not 10 drafts x 30 seconds
    for pub in pubs:
        pub.finish(FOOTER)
    calls = slack.calls
    assert all(call.ok for call in calls)
    for pub in pubs:
        [ts] = [part.ts for part in pub.parts]
        message = slack.message("CGENERAL", ts)
        assert message is not None
        assert draft_body(message) == pub.text.strip() or draft_body(message) == pub.text
        assert "word29" in draft_body(message)


def test_finish_goes_out_even_with_the_budget_spent(slack: FakeSlack) -> None:
    """Final updates overdraw the budget rather than wait or drop text."""
    clock = Clock()
    budget = UpdateBudget(per_minute=1, burst=0, clock=clock)
    [pub] = publishers(slack, 1, budget, clock)
    stream([pub], clock, 5)
    assert slack.calls_to("chat.update") == []  # no budget: nothing between first and last
    pub.finish(FOOTER)
    [final] = slack.calls_to("chat.update")
    assert "word4" in str(final.params["blocks"])
    assert not budget.try_take(slack.team_id)  # the final update was charged
