"""The retention sweep: people's words older than BATON_RETENTION_DAYS go, and claims that no
retry can meet again go, on every replica (the sweep is idempotent, so doubling is harmless)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage.db import Database
from storage.retention import Swept, expire_claims, expire_text

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

logger = logging.getLogger(__name__)

SWEEP_MINUTES = 60


@dataclass
class Housekeeper:
    """Runs the retention sweep against one database."""

    db: Database
    retention_days: int | None

    def sweep(self, now: datetime) -> Swept:
        """Expire old text (when a retention period is set) and old claims."""
        swept = Swept()
        with self.db.session() as session:
            if self.retention_days is not None:
                swept = expire_text(session, before=now - timedelta(days=self.retention_days))
            claims = expire_claims(session, now=now)
        return Swept(
            requests=swept.requests,
            briefs=swept.briefs,
            drafts=swept.drafts,
            replies=swept.replies,
            claims=claims,
        )


def schedule_housekeeping(
    scheduler: BaseScheduler, housekeeper: Housekeeper, *, clock: Callable[[], datetime]
) -> None:
    """Sweep hourly on `scheduler` (an APScheduler BackgroundScheduler), first at once."""

    def sweep() -> None:
        try:
            swept = housekeeper.sweep(clock())
            if swept.total:
                logger.info("retention sweep: %s", swept)
        except Exception:
            logger.exception("retention sweep failed; the next one will try again")

    scheduler.add_job(
        sweep,
        "interval",
        minutes=SWEEP_MINUTES,
        max_instances=1,
        coalesce=True,
        next_run_time=clock(),
    )
