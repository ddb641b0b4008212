"""Usage limits and fitting a thread into the input cap: pure decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.limits import Limits, Usage, check, estimate_tokens, fit_thread

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def usage(**counts: int) -> Usage:
    values = {
        "person_last_hour": 0,
        "person_in_flight": 0,
        "workspace_last_hour": 0,
        "workspace_in_flight": 0,
    }
    values.update(counts)
    return Usage(**values, person_oldest=NOW, workspace_oldest=NOW)


def test_work_under_every_limit_may_start() -> None:
    assert check(usage(person_last_hour=29, person_in_flight=2), Limits()) is None


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ({"person_in_flight": 3}, "3 drafts in the works"),
        ({"person_last_hour": 30}, "30 drafts in the last hour"),
        ({"workspace_in_flight": 40}, "This workspace has 40 drafts in the works"),
        ({"workspace_last_hour": 600}, "This workspace has asked for 600"),
    ],
)
def test_each_limit_refuses_with_its_own_reason(counts: dict[str, int], words: str) -> None:
    refusal = check(usage(**counts), Limits())
    assert refusal is not None and words in refusal.message


def test_an_hourly_refusal_says_when_the_next_slot_frees() -> None:
    refusal = check(usage(person_last_hour=30), Limits())
    assert refusal is not None and "15:00 UTC" in refusal.message


def test_zero_turns_a_limit_off() -> None:
    off = Limits(person_per_hour=0, person_in_flight=0, workspace_per_hour=0, workspace_in_flight=0)
    assert check(usage(person_last_hour=10**6, workspace_in_flight=10**6), off) is None


def test_token_estimate_errs_high_for_text_that_costs_more_per_character() -> None:
    assert estimate_tokens("word " * 400) == 501
    assert estimate_tokens("漢字" * 100) > 200  # every CJK character counted as a token
    assert estimate_tokens("") == 1


def test_a_thread_that_fits_is_sent_whole() -> None:
    fitted = fit_thread("a launch note", ["for customers", "short"], budget=1_000)
    assert fitted.answers == ["for customers", "short"] and not fitted.trimmed
    assert fitted.note() is None


def test_oldest_replies_go_first_and_the_note_says_how_many() -> None:
    replies = [f"reply {i}: " + "x" * 396 for i in range(5)]  # about 100 tokens each
    fitted = fit_thread("the request", replies, budget=320)
    assert fitted.answers == replies[-3:]
    assert fitted.dropped_answers == 2 and fitted.request_text == "the request"
    assert fitted.note() is not None and "2 oldest replies" in (fitted.note() or "")


def test_a_newest_reply_too_long_for_the_budget_is_cut_not_dropped() -> None:
    fitted = fit_thread("the request", ["old", "n" * 8_000], budget=1_000)
    [newest] = fitted.answers
    assert newest and set(newest) == {"n"} and len(newest) < 8_000
    assert fitted.answer_cut and fitted.dropped_answers == 1
    assert estimate_tokens(fitted.request_text) + estimate_tokens(newest) <= 1_000


def test_a_request_alone_over_the_budget_loses_its_end() -> None:
    request = "start " + "word " * 10_000 + "END"
    fitted = fit_thread(request, [], budget=1_000)
    assert fitted.request_cut and fitted.request_text.startswith("start ")
    assert "END" not in fitted.request_text
    assert estimate_tokens(fitted.request_text) <= 1_000
    assert "the end of the request" in (fitted.note() or "")


def test_replies_take_at_most_half_the_budget_from_a_long_request() -> None:
    request = "r" * 3_600  # about 900 tokens
    fitted = fit_thread(request, ["a" * 1_900], budget=1_000)  # reply about 475 tokens
    assert fitted.request_cut
    assert estimate_tokens(fitted.request_text) + estimate_tokens("a" * 1_900) <= 1_000
    assert estimate_tokens(fitted.request_text) >= 500  # it kept the rest of the budget
    assert fitted.answers == ["a" * 1_900] and not fitted.answer_cut
