"""Hand-offs of open questions: who holds which, and the answers given in the thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.handoff import question_key
from bot.domain.states import HandoffState
from storage.models import Handoff, Request, utcnow

OPEN, ANSWERED = HandoffState.OPEN, HandoffState.ANSWERED
REASSIGNED = "reassigned"
ERASED_USER = "erased"


@dataclass(frozen=True)
class Assignment:
    """What handing a question to someone did."""

    handoff: Handoff | None  # the new open hand-off; None when nothing changed
    previous: Handoff | None  # the hand-off it replaced (a re-assignment)
    already: bool = False  # the same person held it already
    raced: bool = False  # someone else handed it on at the same moment


def open_handoffs(session: Session, *, team_id: str, request_id: int) -> list[Handoff]:
    """The request's open hand-offs, oldest first."""
    return list(
        session.exec(
            select(Handoff)
            .where(
                Handoff.team_id == team_id,
                Handoff.request_id == request_id,
                Handoff.state == OPEN,
            )
            .order_by(col(Handoff.id))
        ).all()
    )


def answered_handoffs(session: Session, *, team_id: str, request_id: int) -> list[Handoff]:
    """The request's answered hand-offs, oldest first."""
    return list(
        session.exec(
            select(Handoff)
            .where(
                Handoff.team_id == team_id,
                Handoff.request_id == request_id,
                Handoff.state == ANSWERED,
            )
            .order_by(col(Handoff.answered_at), col(Handoff.id))
        ).all()
    )


def assign(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    question: str,
    question_key: str,
    holder_id: str,
    assigned_by: str,
    now: datetime | None = None,
) -> Assignment:
    """Hand a question to `holder_id`; the earlier holder, if any, is recorded as replaced."""
    rows = list(
        session.exec(
            select(Handoff)
            .where(
                Handoff.team_id == team_id,
                Handoff.request_id == request_id,
                Handoff.question_key == question_key,
            )
            .order_by(col(Handoff.turn).desc())
        ).all()
    )
    current = next((row for row in rows if row.state == OPEN), None)
    if current is not None and current.holder_id == holder_id:
        return Assignment(handoff=None, previous=current, already=True)
    turn = (rows[0].turn if rows else 0) + 1
    handoff = Handoff(
        team_id=team_id,
        request_id=request_id,
        question_key=question_key,
        turn=turn,
        question=question,
        holder_id=holder_id,
        assigned_by=assigned_by,
        created_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            if current is not None:
                current.state = REASSIGNED
                session.add(current)
            session.add(handoff)
    except IntegrityError:
        return Assignment(handoff=None, previous=None, raced=True)
    return Assignment(handoff=handoff, previous=current)


def record_asked(session: Session, *, team_id: str, handoff_id: int, ts: str) -> None:
    """Remember Baton's message that asked the holder (the digest links to it)."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is not None and handoff.team_id == team_id:
        handoff.asked_ts = ts
        session.add(handoff)


def record_answer(
    session: Session, *, handoff: Handoff, answer: str, answer_ts: str, at: datetime
) -> None:
    """Close a hand-off with the holder's reply."""
    handoff.state = ANSWERED
    handoff.answer = answer
    handoff.answer_ts = answer_ts
    handoff.answered_at = at
    session.add(handoff)


def open_handoffs_held(session: Session, *, people: set[tuple[str, str]]) -> list[Handoff]:
    """Open hand-offs held by any of `people` ((team, user) pairs), oldest first: few rows,
    so the workspaces are filtered in SQL and the pairs here."""
    if not people:
        return []
    teams = sorted({team for team, _ in people})
    statement = select(Handoff).where(col(Handoff.team_id).in_(teams), Handoff.state == OPEN)
    if len(people) == 1:
        ((_, user),) = people
        statement = statement.where(Handoff.holder_id == user)
    rows = session.exec(statement.order_by(col(Handoff.id))).all()
    return [row for row in rows if (row.team_id, row.holder_id) in people]


def requests_by_id(session: Session, *, ids: set[tuple[str, int]]) -> dict[int, Request]:
    """Requests by id, each checked against its workspace."""
    if not ids:
        return {}
    rows = session.exec(select(Request).where(col(Request.id).in_({i for _, i in ids}))).all()
    return {r.id or 0: r for r in rows if (r.team_id, r.id) in ids}


def forget_message_text(session: Session, *, team_id: str, ts: str) -> int:
    """Drop the stored answer whose Slack message was deleted."""
    rows = session.exec(
        select(Handoff).where(Handoff.team_id == team_id, Handoff.answer_ts == ts)
    ).all()
    for row in rows:
        row.answer = None
        session.add(row)
    return len(rows)


def forget_request(session: Session, *, team_id: str, request_id: int) -> None:
    """Delete a request's hand-offs (the request itself is being deleted)."""
    session.exec(
        delete(Handoff).where(
            col(Handoff.team_id) == team_id, col(Handoff.request_id) == request_id
        )
    )


def forget_person(session: Session, *, team_id: str, user_id: str) -> int:
    """Erase a person from hand-offs: questions they held and had not answered go back to
    nobody; their answers lose their words; their name goes from the rest."""
    theirs = or_(col(Handoff.holder_id) == user_id, col(Handoff.assigned_by) == user_id)
    count = session.exec(
        select(func.count()).select_from(Handoff).where(col(Handoff.team_id) == team_id, theirs)
    ).one()
    session.exec(
        delete(Handoff).where(
            col(Handoff.team_id) == team_id,
            col(Handoff.holder_id) == user_id,
            col(Handoff.state) != ANSWERED,
        )
    )
    session.exec(
        update(Handoff)
        .where(col(Handoff.team_id) == team_id, col(Handoff.holder_id) == user_id)
        .values(holder_id=ERASED_USER, answer=None)
    )
    session.exec(
        update(Handoff)
        .where(col(Handoff.team_id) == team_id, col(Handoff.assigned_by) == user_id)
        .values(assigned_by=ERASED_USER)
    )
    return int(count or 0)


def expire_text(session: Session, *, before: datetime, placeholder: str) -> int:
    """Blank the questions and answers of hand-offs made before `before`."""
    rows = session.exec(
        update(Handoff)
        .where(col(Handoff.created_at) < before, col(Handoff.question) != placeholder)
        .values(question=placeholder, answer=None)
        .returning(col(Handoff.id))
    ).all()
    return len(rows)


def live_decisions(
    session: Session, *, people: set[tuple[str, str]]
) -> list[tuple[Handoff, Request]]:
    """Open hand-offs held by `people` whose question the request's brief still asks (an
    edited or redone brief may have dropped it), each with its request."""
    held = open_handoffs_held(session, people=people)
    requests = requests_by_id(session, ids={(h.team_id, h.request_id) for h in held})
    live = []
    for handoff in held:
        request = requests.get(handoff.request_id)
        questions = (request.brief or {}).get("open_questions") if request is not None else None
        if request is None or not isinstance(questions, list):
            continue
        if handoff.question_key in {question_key(str(q)) for q in questions}:
            live.append((handoff, request))
    return live
