"""Who is in a conversation, asked of Slack and cached briefly: never assumed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.adapters.slack_io import SlackCallFailed, SlackIO
from bot.adapters.workspaces import current_team_id

logger = logging.getLogger(__name__)

MEMBERS_TTL = 300.0  # seconds a channel's member list is trusted


@dataclass
class MemberCache:
    """conversations.members, cached briefly: membership is checked, never assumed."""

    slack: SlackIO
    ttl: float = MEMBERS_TTL
    clock: Callable[[], float] = time.monotonic
    # By workspace and channel: two workspaces may use the same channel id.
    _cache: dict[tuple[str | None, str], tuple[float, frozenset[str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def members(self, channel_id: str) -> frozenset[str]:
        """Who is in the conversation (empty if Slack will not say: show nothing from it)."""
        now = self.clock()
        key = (current_team_id(), channel_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < self.ttl:
                return cached[1]
        try:
            members = frozenset(self.slack.conversation_members(channel_id))
        except SlackCallFailed as exc:
            logger.warning("no member list for %s (%s): leaving it out", channel_id, exc.error)
            if not exc.permanent:
                return frozenset()  # a passing failure: ask again next time, do not cache it
            members = frozenset()
        with self._lock:
            self._cache[key] = (now, members)
        return members
