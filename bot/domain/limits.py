"""How much work one person and one workspace may ask of Baton, and how much text one model
call may carry. Pure: storage counts, this decides, the use cases say so in Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A request or revision counts as "in flight" while it is being briefed or drafted; one that
# has not moved for this long belongs to a process that died and no longer holds a slot.
IN_FLIGHT_WINDOW = timedelta(minutes=15)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Limits:
    """Caps on model work; 0 turns a cap off."""

    person_per_hour: int = 30
    person_in_flight: int = 3
    workspace_per_hour: int = 600
    workspace_in_flight: int = 40


@dataclass(frozen=True)
class Usage:
    """Model work started recently, counted from storage."""

    person_last_hour: int
    person_in_flight: int
    workspace_last_hour: int
    workspace_in_flight: int
    # When the oldest of the person's (or workspace's) work in the last hour was started:
    # the hourly slot frees an hour after it.
    person_oldest: datetime | None = None
    workspace_oldest: datetime | None = None


@dataclass(frozen=True)
class Refusal:
    """Why Baton will not start more work now, in words for the person."""

    message: str


def check(usage: Usage, limits: Limits) -> Refusal | None:
    """None when one more piece of work may start, else what to tell the person."""
    if limits.person_in_flight and usage.person_in_flight >= limits.person_in_flight:
        return Refusal(
            f"You already have {usage.person_in_flight} drafts in the works, the most I take "
            "from one person at a time. I'll be free for this as soon as one of them is done."
        )
    if limits.person_per_hour and usage.person_last_hour >= limits.person_per_hour:
        return Refusal(
            f"You've asked for {usage.person_last_hour} drafts in the last hour, the most I "
            f"take from one person per hour. {_frees(usage.person_oldest)}"
        )
    if limits.workspace_in_flight and usage.workspace_in_flight >= limits.workspace_in_flight:
        return Refusal(
            f"This workspace has {usage.workspace_in_flight} drafts in the works, the most I "
            "run at once. Try again in a minute or two."
        )
    if limits.workspace_per_hour and usage.workspace_last_hour >= limits.workspace_per_hour:
        return Refusal(
            f"This workspace has asked for {usage.workspace_last_hour} drafts in the last "
            f"hour, the most I take per hour. {_frees(usage.workspace_oldest)}"
        )
    return None


def _frees(oldest: datetime | None) -> str:
    if oldest is None:
        return "Try again later."
    return f"The next slot frees at {(oldest + HOUR):%H:%M} UTC."


# ---- input size -----------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """A cautious token count without a network call: about four ASCII characters a token,
    and a token for every other character (CJK, emoji and the like cost more per character).
    It errs high, so a request it lets through fits the real count too."""
    ascii_chars = sum(1 for char in text if char < "\x80")
    return ascii_chars // 4 + (len(text) - ascii_chars) + 1


@dataclass(frozen=True)
class FittedThread:
    """A request and its thread replies cut to fit a token budget, oldest replies first."""

    request_text: str
    answers: list[str]
    dropped_answers: int = 0
    answer_cut: bool = False
    request_cut: bool = False

    @property
    def trimmed(self) -> bool:
        """True when anything was left out."""
        return self.dropped_answers > 0 or self.answer_cut or self.request_cut

    def note(self) -> str | None:
        """What was left out, in words for the person (None when nothing was)."""
        parts = []
        if self.request_cut:
            parts.append("the end of the request")
        if self.dropped_answers:
            plural = "replies" if self.dropped_answers > 1 else "reply"
            parts.append(f"the {self.dropped_answers} oldest {plural} in this thread")
        if self.answer_cut:
            parts.append("the end of the newest reply")
        if not parts:
            return None
        return f"This thread is too long to send whole, so I left out {' and '.join(parts)}."


def fit_thread(request_text: str, answers: list[str], *, budget: int) -> FittedThread:
    """Keep what fits `budget` tokens: the request (losing its end only to leave replies up to
    half the budget), then the newest replies; older replies go first, and a reply too long
    to fit whole is cut only when it is the newest."""
    costs = [estimate_tokens(answer) for answer in answers]
    request_cost = estimate_tokens(request_text)
    if request_cost + sum(costs) <= budget:
        return FittedThread(request_text, list(answers))
    # Replies may take up to half the budget from the request, no more.
    request_budget = budget - min(sum(costs), budget // 2)
    request_cut = request_cost > request_budget
    if request_cut:
        request_text = cut_to_tokens(request_text, request_budget)
    left = budget - estimate_tokens(request_text)
    kept: list[str] = []
    answer_cut = False
    for answer, cost in zip(reversed(answers), reversed(costs), strict=True):
        if cost <= left:
            kept.append(answer)
            left -= cost
            continue
        if not kept and left > 0:
            kept.append(cut_to_tokens(answer, left))
            answer_cut = True
        break
    kept.reverse()
    return FittedThread(
        request_text,
        kept,
        dropped_answers=len(answers) - len(kept),
        answer_cut=answer_cut,
        request_cut=request_cut,
    )


def cut_to_tokens(text: str, budget: int) -> str:
    """The longest start of `text` whose estimate is within `budget`."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if estimate_tokens(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return text[:low]
