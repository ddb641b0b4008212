"""Durable jobs on a real database: one claimant wins, leases expire into takeovers, work on
one request runs in order across processes, and the runner resumes a started draft."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.runtime.jobs import JobRunner
from bot.runtime.work import WorkPool
from storage import jobs as job_store
from storage import requests as request_store
from storage.db import Database
from storage.models import Job, utcnow

LEASE = timedelta(seconds=30)


def _request(db: Database, ts: str = "1700000000.000100") -> int:
    with db.session() as session:
        request = request_store.create_request(
            session,
            team_id="T1",
            channel_id="C1",
            channel_type="channel",
            message_ts=ts,
            thread_ts=ts,
            requester_id="U1",
            text="a launch note",
            state="briefing",
        )
        assert request is not None and request.id is not None
        return request.id


def _enqueue(db: Database, request_id: int, kind: str = "brief_and_draft") -> int:
    with db.session() as session:
        job = job_store.enqueue_job(
            session, team_id="T1", request_id=request_id, kind=kind, now=utcnow()
        )
        assert job.id is not None
        return job.id


def _claim(db: Database, job_id: int, owner: str, *, at=None) -> Job | None:
    with db.session() as session:
        return job_store.claim_job(
            session, job_id=job_id, owner=owner, now=at or utcnow(), lease=LEASE
        )


def test_only_one_process_wins_a_job(database: Database) -> None:
    """Two claims of one pending job: the first wins, the second gets nothing."""
    job_id = _enqueue(database, _request(database))
    first = _claim(database, job_id, "A")
    assert first is not None and first.owner == "A" and first.state == "running"
    assert first.attempts == 1
    assert _claim(database, job_id, "B") is None


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_finish(
    database: Database,
) -> None:
    """While A's lease lives B cannot take the job; once it runs out B can, and A's late
    finish is refused."""
    job_id = _enqueue(database, _request(database))
    assert _claim(database, job_id, "A") is not None
    assert _claim(database, job_id, "B", at=utcnow() + LEASE / 2) is None
    taken = _claim(database, job_id, "B", at=utcnow() + LEASE * 2)
    assert taken is not None and taken.owner == "B" and taken.attempts == 2
    with database.session() as session:
        assert not job_store.finish_job(session, job_id=job_id, owner="A", now=utcnow())
        assert job_store.finish_job(session, job_id=job_id, owner="B", now=utcnow())
    assert _claim(database, job_id, "C", at=utcnow() + LEASE * 10) is None  # done stays done


def test_renewing_keeps_a_lease_alive(database: Database) -> None:
    """A renewed lease is not taken over at the time the first one would have run out."""
    job_id = _enqueue(database, _request(database))
    start = utcnow()
    assert _claim(database, job_id, "A", at=start) is not None
    with database.session() as session:
        kept = job_store.renew_leases(
            session, job_ids=[job_id], owner="A", now=start + LEASE * 0.9, lease=LEASE
        )
        assert kept == {job_id}
        assert not job_store.renew_leases(
            session, job_ids=[job_id], owner="B", now=start, lease=LEASE
        )
    assert _claim(database, job_id, "B", at=start + LEASE * 1.5) is None
    assert _claim(database, job_id, "B", at=start + LEASE * 2) is not None


def test_work_on_one_request_runs_in_order(database: Database) -> None:
    """A later job of a request waits while an earlier one is pending or running; another
    request's job does not wait."""
    request_id = _request(database)
    other_request = _request(database, ts="1700000000.000200")
    first = _enqueue(database, request_id)
    second = _enqueue(database, request_id, kind="reply")
    unrelated = _enqueue(database, other_request)
    assert _claim(database, second, "B") is None
    assert _claim(database, unrelated, "B") is not None
    assert _claim(database, first, "A") is not None
    assert _claim(database, second, "B") is None
    with database.session() as session:
        job_store.finish_job(session, job_id=first, owner="A", now=utcnow())
        assert job_store.next_pending_job(session, team_id="T1", request_id=request_id) == second
    assert _claim(database, second, "B") is not None


def test_the_sweep_takes_orphans_but_not_fresh_or_live_work(database: Database) -> None:
    """Due: running with a dead lease, or pending past the grace. Not due: fresh pending
    work (its own process is about to run it) or a live lease."""
    now = utcnow()
    orphaned = _enqueue(database, _request(database, "1.1"))
    live = _enqueue(database, _request(database, "1.2"))
    fresh = _enqueue(database, _request(database, "1.3"))
    assert _claim(database, orphaned, "dead", at=now - LEASE * 2) is not None
    assert _claim(database, live, "alive", at=now) is not None
    with database.session() as session:
        due = job_store.claim_due_jobs(
            session, owner="sweeper", now=now, lease=LEASE, pending_for=timedelta(seconds=10)
        )
    assert [job.id for job in due] == [orphaned]
    with database.session() as session:
        later = job_store.claim_due_jobs(
            session,
            owner="sweeper",
            now=now + timedelta(seconds=11),
            lease=LEASE,
            pending_for=timedelta(seconds=10),
        )
    assert [job.id for job in later] == [fresh]


def test_many_sweepers_at_once_claim_each_job_exactly_once(database: Database) -> None:
    """Eight threads sweeping forty orphaned jobs together: every job is claimed once."""
    ids = [_enqueue(database, _request(database, f"2.{n}")) for n in range(40)]
    later = utcnow() + timedelta(minutes=5)
    won: dict[str, list[int]] = {}
    barrier = threading.Barrier(8)

    def sweep(owner: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while True:
            with database.session() as session:
                jobs = job_store.claim_due_jobs(
                    session,
                    owner=owner,
                    now=later,
                    lease=LEASE,
                    pending_for=timedelta(seconds=1),
                    limit=5,
                )
            if not jobs:
                break
            mine.extend(job.id for job in jobs if job.id is not None)
        won[owner] = mine

    threads = [threading.Thread(target=sweep, args=(f"P{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    claimed = [job_id for mine in won.values() for job_id in mine]
    assert sorted(claimed) == sorted(ids)


def test_the_runner_runs_the_handler_finishes_the_job_and_starts_the_next(
    database: Database,
) -> None:
    """JobRunner: a job runs once, is marked done, and the request's next job follows; a
    handler that raises leaves the job failed with the reason, not retried forever."""
    pool = WorkPool(max_workers=2)
    runner = JobRunner(db=database, work=pool, owner="me")
    ran: list[tuple[str, int]] = []
    runner.on("brief_and_draft", lambda job: ran.append((job.kind, job.id or 0)))

    def broken(job: Job) -> None:
        ran.append((job.kind, job.id or 0))
        raise RuntimeError("a bug")

    runner.on("reply", broken)
    request_id = _request(database)
    first = _enqueue(database, request_id)
    second = _enqueue(database, request_id, kind="reply")
    runner.run(second)  # waits behind the first: nothing runs
    assert pool.wait_idle(10) and ran == []
    runner.run(first)
    assert pool.wait_idle(10)
    assert ran == [("brief_and_draft", first), ("reply", second)]
    with database.session() as session:
        states = {
            job_id: (job.state, job.error)
            for job_id in (first, second)
            if (job := job_store.get_job(session, job_id=job_id)) is not None
        }
    assert states[first] == ("done", None)
    assert states[second][0] == "failed" and "a bug" in (states[second][1] or "")
    pool.shutdown()
