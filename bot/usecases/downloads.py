"""Files' bytes, fetched from Slack for model calls and kept only briefly in memory (never
stored), so the brief call and the draft call seconds later download each file once."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.adapters.file_fetch import FETCH_TIMEOUT, FetchFailed, download
from bot.adapters.slack_io import SlackIO, WorkspaceUnavailable
from bot.domain.files.reading import Attachment, Unreadable, byte_cap, kind_of, read_content
from bot.domain.inbound import SlackFile

# Fetched files are kept in memory this long, and at most this many bytes across all requests.
CACHE_SECONDS = 600.0
CACHE_BYTES = 40_000_000


@dataclass
class _Cached:
    at: float
    file: SlackFile
    data: bytes
    content_type: str


@dataclass
class Downloads:
    """A short-lived, size-capped cache in front of Slack's file downloads."""

    slack: SlackIO
    fetch_timeout: float = FETCH_TIMEOUT
    monotonic: Callable[[], float] = time.monotonic
    _cache: OrderedDict[tuple[str, str], _Cached] = field(default_factory=OrderedDict)
    _cached_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, team_id: str, file: SlackFile) -> Attachment | Unreadable:
        """The file's bytes (from the short-lived cache, else downloaded) made an Attachment."""
        key = (team_id, file.id)
        now = self.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached.at > CACHE_SECONDS:
                self._evict(key)
                cached = None
        if cached is None:
            try:
                client = self.slack.client  # the workspace's bot token, as for any Slack call
            except WorkspaceUnavailable:
                raise FetchFailed("I am no longer installed in this workspace") from None
            got = download(
                client,
                file.url_private_download or file.url_private,
                max_bytes=byte_cap(kind_of(file)),
                timeout=self.fetch_timeout,
            )
            cached = _Cached(now, file, got.data, got.content_type)
            self._keep(key, cached)
        return read_content(file, cached.data, content_type=cached.content_type)

    def cached_file(self, team_id: str, file_id: str) -> SlackFile | None:
        """The file's details as of its cached download, if that is recent."""
        with self._lock:
            cached = self._cache.get((team_id, file_id))
        if cached is None or self.monotonic() - cached.at > CACHE_SECONDS:
            return None
        return cached.file

    def _keep(self, key: tuple[str, str], entry: _Cached) -> None:
        with self._lock:
            self._evict(key)
            self._cache[key] = entry
            self._cached_bytes += len(entry.data)
            while self._cached_bytes > CACHE_BYTES and self._cache:
                self._evict(next(iter(self._cache)))

    def _evict(self, key: tuple[str, str]) -> None:
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cached_bytes -= len(entry.data)
