"""Files attached to requests and what Baton decided about each: names, kinds, sizes and
reasons, never contents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.domain.states import FileState
from storage.models import RequestFile

PENDING, USED, SKIPPED, FAILED = (
    FileState.PENDING,
    FileState.USED,
    FileState.SKIPPED,
    FileState.FAILED,
)
# Sizes are stored as 32-bit integers; Slack's largest upload is 1 GB, well under.
_MAX_SIZE = 2**31 - 1


def note_file(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    file_id: str,
    message_ts: str,
    name: str,
    size: int | None,
    now: datetime,
) -> bool:
    """Record a file attached in a request's thread, to be decided; True if it is new (or
    could not be fetched before, and is tried again now it was attached again)."""
    found = session.exec(
        select(RequestFile).where(
            RequestFile.team_id == team_id,
            RequestFile.request_id == request_id,
            RequestFile.file_id == file_id,
        )
    ).first()
    if found is not None:
        if found.state != FAILED:
            return False
        found.state, found.reason, found.decided_at = PENDING, None, None
        found.message_ts = message_ts
        session.add(found)
        return True
    session.add(
        RequestFile(
            team_id=team_id,
            request_id=request_id,
            file_id=file_id,
            message_ts=message_ts,
            name=name[:255],
            size=min(size, _MAX_SIZE) if size is not None else None,
            created_at=now,
        )
    )
    session.flush()
    return True


def request_files(session: Session, *, team_id: str, request_id: int) -> list[RequestFile]:
    """The request's files, in the order they were attached."""
    return list(
        session.exec(
            select(RequestFile)
            .where(RequestFile.team_id == team_id, RequestFile.request_id == request_id)
            .order_by(col(RequestFile.id))
        ).all()
    )


def decide(
    session: Session,
    *,
    team_id: str,
    row_id: int,
    state: str,
    name: str,
    kind: str,
    size: int | None,
    reason: str | None,
    now: datetime,
    from_states: Sequence[str] = (PENDING,),
) -> bool:
    """Record the decision on a file still in one of `from_states`; False when another
    worker decided it first (its decision stands)."""
    changed = session.exec(
        update(RequestFile)
        .where(
            col(RequestFile.team_id) == team_id,
            col(RequestFile.id) == row_id,
            col(RequestFile.state).in_(from_states),
        )
        .values(
            state=state,
            name=name[:255],
            kind=kind[:16],
            size=min(size, _MAX_SIZE) if size is not None else None,
            reason=reason[:300] if reason else None,
            decided_at=now,
        )
        .returning(col(RequestFile.id))
    ).all()
    return bool(changed)


def delete_for_requests(session: Session, *, team_id: str, request_ids: Sequence[int]) -> int:
    """Forget the files of these requests (the requests are being erased)."""
    if not request_ids:
        return 0
    gone = session.exec(
        delete(RequestFile)
        .where(
            col(RequestFile.team_id) == team_id,
            col(RequestFile.request_id).in_(list(request_ids)),
        )
        .returning(col(RequestFile.id))
    ).all()
    return len(gone)


def expire_names(session: Session, *, before: datetime, placeholder: str) -> int:
    """Blank the names of files attached before `before` (the retention period)."""
    changed = session.exec(
        update(RequestFile)
        .where(col(RequestFile.created_at) < before, col(RequestFile.name) != placeholder)
        .values(name=placeholder[:255], reason=None)
        .returning(col(RequestFile.id))
    ).all()
    return len(changed)
