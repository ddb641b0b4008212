"""A bounded pool for slow work (model calls, streaming), apart from Bolt's listener threads.

Bolt acks on its own small pool; if drafts ran there, five slow drafts would starve the next
slash command's ack. Work for one key (a request) runs in order, one piece at a time, so a
reply that arrives mid-draft revises the finished draft instead of racing it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that can tell when it is idle (Bolt's listeners run on it)."""

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._count_lock = threading.Condition()
        self._running = 0

    def submit(self, fn, /, *args, **kwargs):
        """Submit as usual, counting the task until it ends."""
        with self._count_lock:
            self._running += 1

        def counted():
            try:
                return fn(*args, **kwargs)
            finally:
                with self._count_lock:
                    self._running -= 1
                    self._count_lock.notify_all()

        return super().submit(counted)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no task is queued or running; False if `timeout` passed first."""
        with self._count_lock:
            return self._count_lock.wait_for(lambda: self._running == 0, timeout=timeout)


class WorkPool:
    """Runs callables on a bounded thread pool, serialised per key."""

    def __init__(self, *, max_workers: int, name: str = "baton-work") -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._waiting: dict[Hashable, deque[Callable[[], None]]] = {}
        self._pending = 0
        self._closed = False

    def submit(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Queue `job` after any earlier job with the same key; False once shut down."""
        job = functools.partial(contextvars.copy_context().run, job)  # keeps its workspace
        with self._lock:
            if self._closed:
                return False
            self._pending += 1
            queue = self._waiting.get(key)
            if queue is not None:
                queue.append(job)
                return True
            self._waiting[key] = deque()
        self._executor.submit(self._run, key, job)
        return True

    def _run(self, key: Hashable, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            logger.exception("background work failed")
        finally:
            with self._lock:
                self._pending -= 1
                queue = self._waiting[key]
                following = queue.popleft() if queue else None
                if following is None:
                    del self._waiting[key]
                if self._pending == 0:
                    self._idle.notify_all()
            if following is not None:
                self._executor.submit(self._run, key, following)

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return self._pending

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False if `timeout` passed first."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Take no more work; with `wait`, let queued work finish."""
        with self._lock:
            self._closed = True
        if wait:
            self.wait_idle()
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


class ContextExecutor(CountingExecutor):
    """Bolt's listener pool: each listener runs in the context of the request that started
    it, so it sees the workspace the middleware recorded."""

    def submit(self, fn, /, *args, **kwargs):
        """Submit `fn` to run inside a copy of the caller's context."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
