"""People's rows on a real database, as several replicas write them."""

from __future__ import annotations

import threading

from sqlmodel import select

from storage import people as people_store
from storage.db import Database
from storage.models import Person


def test_replicas_meeting_a_new_person_at_once_both_save(database: Database) -> None:
    """Eight writers saving the same new person together: none fails, one row holds."""
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def save(n: int) -> None:
        barrier.wait()
        try:
            with database.session() as session:
                people_store.save_person(
                    session, team_id="T1", user_id="U1", slack_timezone=f"Etc/GMT+{n}"
                )
        except BaseException as exc:  # collected: a failure in a thread must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    with database.session() as session:
        rows = session.exec(select(Person)).all()
    assert [(p.team_id, p.user_id) for p in rows] == [("T1", "U1")]
    assert rows[0].slack_timezone and rows[0].slack_timezone.startswith("Etc/GMT+")
