"""A person's explicit settings, and erasing everything Baton holds about a person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage import channel_rules as rules_store
from storage import files as file_store
from storage import handoffs as handoff_store
from storage import options as option_store
from storage.models import (
    AssumptionCheck,
    BriefVersion,
    Draft,
    DraftMessage,
    Feedback,
    Job,
    Person,
    Request,
    utcnow,
)


def get_person(session: Session, *, team_id: str, user_id: str) -> Person | None:
    """The person's stored settings, if they have any."""
    return session.get(Person, (team_id, user_id))


def save_person(session: Session, *, team_id: str, user_id: str, **changes: Any) -> Person:
    """Create or change a person's settings."""
    person = get_person(session, team_id=team_id, user_id=user_id)
    if person is None:
        # Two replicas may meet a new person at once: insert-if-missing, then change the row
        # whoever made it (a plain INSERT would fail one of them on the primary key).
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.exec(
            insert(Person)
            .values(team_id=team_id, user_id=user_id, style={}, style_reset={}, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        person = session.get(Person, (team_id, user_id), populate_existing=True)
        assert person is not None
    for name, value in changes.items():
        setattr(person, name, value)
    person.updated_at = utcnow()
    session.add(person)
    return person


@dataclass(frozen=True)
class Erased:
    """What forget-me removed, to tell the person."""

    feedback: int
    requests_deleted: int
    requests_anonymised: int
    settings: bool


ERASED_TEXT = "[erased at the requester's request]"
ERASED_USER = "erased"


def forget_person(session: Session, *, team_id: str, user_id: str) -> Erased:
    """Erase a person: their feedback, settings and request text. Requests others worked on
    stay (their drafts and the others' feedback) with the person's identity and words removed."""
    theirs = (col(Feedback.team_id) == team_id, col(Feedback.user_id) == user_id)
    feedback = session.exec(select(func.count()).select_from(Feedback).where(*theirs)).one()
    session.exec(delete(Feedback).where(*theirs))
    # Confirming or correcting an assumption is feedback too.
    session.exec(
        delete(AssumptionCheck).where(
            col(AssumptionCheck.team_id) == team_id, col(AssumptionCheck.user_id) == user_id
        )
    )
    mine = list(
        session.exec(
            select(Request).where(Request.team_id == team_id, Request.requester_id == user_id)
        ).all()
    )
    others_worked = set()
    if mine:
        ids = [r.id for r in mine]
        others_worked = set(
            session.exec(
                select(Feedback.request_id)
                .where(col(Feedback.team_id) == team_id, col(Feedback.request_id).in_(ids))
                .group_by(col(Feedback.request_id))
                .having(func.count() > 0)
            ).all()
        )
    deleted = anonymised = 0
    # The names of files attached to their requests go, whether the request goes or stays.
    file_store.delete_for_requests(
        session, team_id=team_id, request_ids=[r.id for r in mine if r.id is not None]
    )
    for request in mine:
        if request.id in others_worked:
            request.text = ERASED_TEXT
            request.requester_id = ERASED_USER
            session.add(request)
            anonymised += 1
        else:
            _delete_request(session, request)
            deleted += 1
    # Their replies that asked for a version live on in drafts as instructions.
    session.exec(
        update(Draft)
        .where(col(Draft.team_id) == team_id, col(Draft.asked_by) == user_id)
        .values(asked_by=None, instruction=None)
    )
    session.exec(
        update(BriefVersion)
        .where(col(BriefVersion.team_id) == team_id, col(BriefVersion.author_id) == user_id)
        .values(author_id=None)
    )
    option_store.forget_person(session, team_id=team_id, user_id=user_id)
    # Questions they held go back to nobody; channel rules they wrote stay, without their name.
    handoff_store.forget_person(session, team_id=team_id, user_id=user_id)
    rules_store.forget_person(session, team_id=team_id, user_id=user_id)
    person = get_person(session, team_id=team_id, user_id=user_id)
    if person is not None:
        session.delete(person)
    return Erased(
        feedback=int(feedback or 0),
        requests_deleted=deleted,
        requests_anonymised=anonymised,
        settings=person is not None,
    )


def _delete_request(session: Session, request: Request) -> None:
    team = request.team_id
    drafts_of = (col(Draft.team_id) == team, col(Draft.request_id) == request.id)
    session.exec(delete(Job).where(col(Job.team_id) == team, col(Job.request_id) == request.id))
    # Options point at the request's drafts, and feedback at the options: they go first.
    option_store.delete_for_request(session, team_id=team, request_id=request.id or 0)
    handoff_store.forget_request(session, team_id=team, request_id=request.id or 0)
    draft_ids = list(session.exec(select(Draft.id).where(*drafts_of)).all())
    if draft_ids:
        session.exec(
            delete(DraftMessage).where(
                col(DraftMessage.team_id) == team, col(DraftMessage.draft_id).in_(draft_ids)
            )
        )
        session.exec(
            delete(Feedback).where(
                col(Feedback.team_id) == team, col(Feedback.draft_id).in_(draft_ids)
            )
        )
        # Children point at parents: clear the links before deleting.
        session.exec(update(Draft).where(*drafts_of).values(parent_id=None))
        session.exec(delete(Draft).where(*drafts_of))
    session.exec(
        delete(Feedback).where(
            col(Feedback.team_id) == team, col(Feedback.request_id) == request.id
        )
    )
    session.exec(
        delete(BriefVersion).where(
            col(BriefVersion.team_id) == team, col(BriefVersion.request_id) == request.id
        )
    )
    session.exec(
        delete(AssumptionCheck).where(
            col(AssumptionCheck.team_id) == team, col(AssumptionCheck.request_id) == request.id
        )
    )
    session.delete(request)


@dataclass(frozen=True)
class Partnership:
    """A small record of working together over a period."""

    drafts_accepted: int
    average_revisions: float | None


def partnership(session: Session, *, team_id: str, user_id: str, since: Any) -> Partnership:
    """Drafts the person accepted since `since`, and how many revisions those took."""
    versions = session.exec(
        select(Draft.version)
        .join(Feedback, col(Feedback.draft_id) == col(Draft.id))
        .where(
            Draft.team_id == team_id,
            Feedback.team_id == team_id,
            Feedback.user_id == user_id,
            Feedback.kind == "accept",
            col(Feedback.retracted_at).is_(None),
            col(Feedback.created_at) >= since,
        )
    ).all()
    if not versions:
        return Partnership(0, None)
    return Partnership(len(versions), sum(v - 1 for v in versions) / len(versions))
