"""One retry policy for model calls: after the SDK's own retries, Baton waits and tries a
retryable failure again a few times before it says what failed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.adapters.claude import ModelError

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class ModelRetry:
    """Seconds to wait before each further attempt; the last failure is raised."""

    backoff: tuple[float, ...] = (2.0, 8.0)
    sleep: Callable[[float], None] = time.sleep

    def call(
        self,
        attempt: Callable[[], T],
        *,
        before_retry: Callable[[ModelError], None] | None = None,
    ) -> T:
        """Run `attempt`, again after a retryable ModelError while attempts are left.
        `before_retry` runs before each wait (a streaming draft says it is starting again)."""
        for number in range(len(self.backoff) + 1):
            try:
                return attempt()
            except ModelError as exc:
                if not exc.retryable or number == len(self.backoff):
                    raise
                logger.info("model call failed (%s); retrying", exc)
                if before_retry is not None:
                    before_retry(exc)
                self.sleep(self.backoff[number])
        raise AssertionError("unreachable")
