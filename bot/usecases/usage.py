"""Usage limits: whether a person (and their workspace) may start more model work now."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.domain.limits import Limits, Refusal
from bot.domain.limits import check as check_limits
from bot.usecases.deps import Deps
from storage import limits as limit_store


@dataclass
class UsageLimits:
    """The limits in force, checked against what was used lately."""

    deps: Deps
    limits: Limits = field(default_factory=Limits)

    def refusal(self, session: Session, *, team_id: str, user_id: str) -> Refusal | None:
        """Why more work must wait (in the caller's transaction), or None when there is room."""
        usage = limit_store.usage(session, team_id=team_id, user_id=user_id, now=self.deps.now())
        return check_limits(usage, self.limits)
