"""Runs durable jobs (storage/jobs.py): claim, keep the lease alive while working, finish,
then start whatever waits next for the same request. A sweep, run every few seconds by the
scheduler, takes over jobs whose process died and jobs nobody started."""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.adapters.workspaces import in_workspace
from bot.runtime.work import WorkPool
from storage import jobs as job_store
from storage.db import Database
from storage.models import Job, utcnow

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

logger = logging.getLogger(__name__)

JobHandler = Callable[[Job], None]

# A lease must outlive the slowest step between renewals (a model call that is streaming
# renews through the keeper thread, not the step itself, so a few renewals' worth is ample).
DEFAULT_LEASE = timedelta(seconds=30)
# A job still pending this long was lost by its process before it started (or is queued
# behind a full pool): any replica may take it.
DEFAULT_PENDING_GRACE = timedelta(seconds=30)
SWEEP_SECONDS = 5


def process_identity() -> str:
    """Who holds a lease: host, pid and a random part (pids repeat across containers)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class JobRunner:
    """Claims and runs jobs on the work pool; one per process."""

    db: Database
    work: WorkPool
    owner: str = field(default_factory=process_identity)
    lease: timedelta = DEFAULT_LEASE
    pending_grace: timedelta = DEFAULT_PENDING_GRACE
    clock: Callable[[], datetime] = utcnow
    handlers: dict[str, JobHandler] = field(default_factory=dict)
    _held: set[int] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _keeper: threading.Thread | None = field(default=None, init=False)

    def on(self, kind: str, handler: JobHandler) -> None:
        """Run `handler` for jobs of `kind`."""
        self.handlers[kind] = handler

    def start(self) -> JobRunner:
        """Start renewing the leases this process holds."""
        self._keeper = threading.Thread(target=self._keep_leases, name="baton-leases", daemon=True)
        self._keeper.start()
        return self

    def stop(self) -> None:
        """Stop renewing (jobs still held will be taken over once their leases run out)."""
        self._stop.set()
        if self._keeper is not None and self._keeper.is_alive():
            self._keeper.join(timeout=5)

    def submit(self, job: Job) -> None:
        """Run a job recorded in a transaction that has committed, here, as soon as there is
        room (in order after earlier work on the same request)."""
        job_id, request_id = job.id, job.request_id
        assert job_id is not None
        self.work.submit(request_id, lambda: self.run(job_id))

    def run(self, job_id: int) -> None:
        """Claim and run one job; do nothing if another process holds it or it is done."""
        with self.db.session() as session:
            job = job_store.claim_job(
                session, job_id=job_id, owner=self.owner, now=self.clock(), lease=self.lease
            )
        if job is not None:
            self._execute(job)

    def sweep(self) -> int:
        """Take over jobs nobody is working on and run them here; returns how many."""
        with self.db.session() as session:
            jobs = job_store.claim_due_jobs(
                session,
                owner=self.owner,
                now=self.clock(),
                lease=self.lease,
                pending_for=self.pending_grace,
            )
        for job in jobs:
            logger.info(
                "taking over %s job %s of request %s (attempt %s)",
                job.kind,
                job.id,
                job.request_id,
                job.attempts,
            )
            self.work.submit(job.request_id, functools.partial(self._execute, job))
        return len(jobs)

    def _execute(self, job: Job) -> None:
        assert job.id is not None
        with self._lock:
            self._held.add(job.id)
        state, error = job_store.DONE, None
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            # Its Slack calls use its own workspace's token, on whichever thread or replica.
            with in_workspace(job.team_id):
                handler(job)
        except Exception as exc:
            # Handlers turn Slack and Claude failures into messages themselves; what gets
            # here is a bug or a database outage. Failed jobs are not retried in a loop.
            logger.exception("%s job %s failed", job.kind, job.id)
            state, error = job_store.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        finally:
            with self._lock:
                self._held.discard(job.id)
        with self.db.session() as session:
            if not job_store.finish_job(
                session, job_id=job.id, owner=self.owner, now=self.clock(), state=state, error=error
            ):
                logger.warning("job %s finished after its lease passed to another process", job.id)
            following = job_store.next_pending_job(
                session, team_id=job.team_id, request_id=job.request_id
            )
        if following is not None:
            self.work.submit(job.request_id, lambda: self.run(following))

    def _keep_leases(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            with self._lock:
                held = sorted(self._held)
            if not held:
                continue
            try:
                with self.db.session() as session:
                    kept = job_store.renew_leases(
                        session, job_ids=held, owner=self.owner, now=self.clock(), lease=self.lease
                    )
            except Exception as exc:  # the database may be down: try again next round
                logger.warning("could not renew job leases: %s", type(exc).__name__)
                continue
            lost = set(held) - kept
            if lost:
                logger.warning("lost the lease on jobs %s to another process", sorted(lost))


def schedule_job_sweep(scheduler: BaseScheduler, runner: JobRunner) -> None:
    """Sweep for orphaned jobs every few seconds on `scheduler` (APScheduler), first at once:
    after a restart, what the previous process left unfinished is taken up straight away."""

    def sweep() -> None:
        try:
            runner.sweep()
        except Exception as exc:  # the database may be down; the next sweep tries again
            logger.warning("job sweep failed: %s", type(exc).__name__)

    scheduler.add_job(
        sweep,
        "interval",
        seconds=SWEEP_SECONDS,
        max_instances=1,
        coalesce=True,
        next_run_time=runner.clock(),
    )
