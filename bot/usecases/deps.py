"""What the use cases stand on: the store, Slack, the model, the pools and the clock. One
shared instance, built by the composition root (bot/bootstrap/); tests may swap its clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.adapters.claude import Claude
from bot.adapters.slack_io import SlackIO
from bot.runtime.jobs import JobRunner
from bot.runtime.work import WorkPool
from storage import jobs as job_store
from storage.db import Database
from storage.models import Job, Request, utcnow


@dataclass
class Deps:
    """The adapters every use case shares."""

    db: Database
    slack: SlackIO
    claude: Claude | None
    work: WorkPool
    jobs: JobRunner
    # What one model call may carry: the request and as many recent replies as fit.
    max_input_tokens: int = 40_000
    clock: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        """The current time, by the clock in use."""
        return self.clock()

    def enqueue(self, session: Session, request: Request, kind: str, **args: Any) -> Job:
        """Record slow work for `request` in the caller's transaction; submit it after commit."""
        assert request.id is not None
        return job_store.enqueue_job(
            session,
            team_id=request.team_id,
            request_id=request.id,
            kind=kind,
            args=args,
            now=self.clock(),
        )
