"""How Baton talks to Slack's Web API: the client factory with its timeout and retry policy
(slack_sdk's own retry handlers), and the budget that paces chat.update per workspace."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Seconds one attempt may wait to connect, and then for each read of the answer (slack_sdk
# hands it to urllib as the socket timeout).
SLACK_TIMEOUT = 10
# The longest Retry-After a call waits out. Slack's rate windows are a minute; a longer wait
# would pin a worker, so the call fails as "ratelimited" instead and its caller decides.
MAX_RETRY_AFTER = 60


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After, unless Slack asks for more than `max_wait` seconds.

    slack_sdk's own handler waits out any Retry-After, however long; this one keeps Baton's
    fail-fast on long waits (tests/test_leaks.py, "Slack rate limit longer than we wait")."""

    def __init__(self, *, max_retry_count: int, max_wait: float = MAX_RETRY_AFTER) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        return _retry_after(response) <= self.max_wait


def _retry_after(response: HttpResponse | None) -> float:
    """Seconds Slack asked us to wait: 0 if it did not say, infinite if slack_sdk can't read it."""
    for name, values in (response.headers if response is not None else {}).items():
        if name.lower() == "retry-after" and values:
            try:
                return int(values[0])  # as slack_sdk's handler reads it
            except ValueError:
                return math.inf
    return 0


# slack_sdk checks its logger's own level before logging bodies: this one never does.
_QUIET_HTTP_LOG = logging.getLogger("bot.adapters.slack_client.oauth_http")
_QUIET_HTTP_LOG.setLevel(logging.INFO)


def make_web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = SLACK_TIMEOUT,
    retry_interval: RetryIntervalCalculator = default_interval_calculator,
    log_bodies: bool = True,
) -> WebClient:
    """A WebClient with a timeout per attempt that retries connection errors, 5xx and 429.

    slack_sdk counts retries per call across all handlers, so a call makes at most four
    attempts. Waits between them follow `retry_interval` (0.5 s doubling, plus up to 1 s of
    jitter), except after a 429, which waits Retry-After (up to MAX_RETRY_AFTER) plus jitter.
    Without `log_bodies`, slack_sdk's DEBUG lines with request and response bodies are off:
    for oauth.v2.access, those bodies are tokens.
    """
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        logger=None if log_bodies else _QUIET_HTTP_LOG,
        # slack_sdk retries only connection errors by default; rate limits and 5xx need these.
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
            BoundedRateLimitRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
        ],
    )


class UpdateBudget:
    """Per-workspace token bucket for chat.update (Slack tier 3: about 50 a minute).

    Streaming drafts share it: when many are in flight each one updates less often and
    sends larger pieces. Final updates always go out (they may overdraw the bucket), so
    no text is ever lost to the budget.
    """

    def __init__(
        self,
        *,
        per_minute: float = 45.0,
        burst: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}

    def _refill(self, team_id: str) -> float:
        now = self._clock()
        tokens = self._tokens.get(team_id, self._burst)
        elapsed = now - self._stamp.get(team_id, now)
        tokens = min(self._burst, tokens + elapsed * self._rate)
        self._stamp[team_id] = now
        self._tokens[team_id] = tokens
        return tokens

    def try_take(self, team_id: str) -> bool:
        """Take one update if the workspace can spare it now."""
        with self._lock:
            if self._refill(team_id) >= 1.0:
                self._tokens[team_id] -= 1.0
                return True
            return False

    def take_anyway(self, team_id: str) -> None:
        """Record an update that must happen (a final one), overdrawing if need be."""
        with self._lock:
            self._refill(team_id)
            self._tokens[team_id] -= 1.0
