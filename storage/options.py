"""Option sets (A, B, C…) offered for a request, the choice made, and its feedback."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from bot.domain.states import OptionSetState
from storage.feedback import record_feedback
from storage.models import Draft, DraftOption, Feedback, OptionSet

PENDING, SHOWN, CHOSEN, FAILED = (
    OptionSetState.PENDING,
    OptionSetState.SHOWN,
    OptionSetState.CHOSEN,
    OptionSetState.FAILED,
)


def create_option_set(
    session: Session,
    *,
    team_id: str,
    request_id: int,
    source: str,
    count: int,
    asked_by: str | None,
    varies: str | None,
    note: str | None,
    now: datetime,
) -> OptionSet:
    """Record that options are to be written for a request."""
    option_set = OptionSet(
        team_id=team_id,
        request_id=request_id,
        source=source,
        count=count,
        asked_by=asked_by,
        varies=varies,
        note=note[:300] if note else None,
        state=PENDING,
        created_at=now,
        updated_at=now,
    )
    session.add(option_set)
    session.flush()
    return option_set


def get_option_set(session: Session, *, team_id: str, set_id: int) -> OptionSet | None:
    """The option set with this id in this workspace."""
    found = session.get(OptionSet, set_id)
    return found if found is not None and found.team_id == team_id else None


def latest_option_set(
    session: Session, *, team_id: str, request_id: int, states: Sequence[str]
) -> OptionSet | None:
    """The request's newest option set in one of `states`."""
    return session.exec(
        select(OptionSet)
        .where(
            OptionSet.team_id == team_id,
            OptionSet.request_id == request_id,
            col(OptionSet.state).in_(states),
        )
        .order_by(col(OptionSet.id).desc())
        .limit(1)
    ).first()


def save_options(
    session: Session,
    *,
    option_set: OptionSet,
    varies: str | None,
    options: Sequence[tuple[str, str, str]],
    now: datetime,
) -> list[DraftOption]:
    """Store the options Claude wrote, as (label, approach, text), replacing any earlier try."""
    assert option_set.id is not None
    session.exec(delete(DraftOption).where(col(DraftOption.set_id) == option_set.id))
    rows = [
        DraftOption(
            team_id=option_set.team_id,
            set_id=option_set.id,
            label=label,
            approach=approach[:100],
            text=text,
            created_at=now,
        )
        for label, approach, text in options
    ]
    session.add_all(rows)
    option_set.varies = varies[:100] if varies is not None else None
    option_set.updated_at = now
    session.add(option_set)
    session.flush()
    return rows


def options_of(session: Session, *, team_id: str, set_id: int) -> list[DraftOption]:
    """A set's options, A first."""
    return list(
        session.exec(
            select(DraftOption)
            .where(DraftOption.team_id == team_id, DraftOption.set_id == set_id)
            .order_by(col(DraftOption.label))
        ).all()
    )


def set_state(
    session: Session, *, option_set: OptionSet, state: str, now: datetime, **changes: object
) -> None:
    """Move a set to `state`, with any other changes (its message ts once shown)."""
    option_set.state = state
    option_set.updated_at = now
    for name, value in changes.items():
        setattr(option_set, name, value)
    session.add(option_set)


def claim_choice(
    session: Session, *, team_id: str, set_id: int, label: str, user_id: str, now: datetime
) -> bool:
    """Make `label` the set's choice, if nobody chose yet: one UPDATE, so two people clicking
    at once (on two replicas) cannot both win."""
    won = session.exec(
        update(OptionSet)
        .where(
            col(OptionSet.id) == set_id,
            col(OptionSet.team_id) == team_id,
            col(OptionSet.state) == SHOWN,
        )
        .values(state=CHOSEN, chosen_label=label, chosen_by=user_id, chosen_at=now, updated_at=now)
        .returning(col(OptionSet.id))
    ).first()
    if won is not None:
        found = session.get(OptionSet, set_id)
        if found is not None:
            session.refresh(found)
    return won is not None


def link_draft(session: Session, *, option: DraftOption, draft: Draft) -> None:
    """Remember the draft a chosen option became."""
    option.draft_id = draft.id
    session.add(option)


def record_option_feedback(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    request_id: int,
    kind: str,
    option: DraftOption | None = None,
    draft: Draft | None = None,
    at: datetime,
) -> Feedback:
    """Store an options ask, a choice or an option passed over, for the person's style."""
    feedback = record_feedback(
        session,
        team_id=team_id,
        user_id=user_id,
        request_id=request_id,
        kind=kind,
        draft=draft,
        at=at,
    )
    if option is not None:
        feedback.option_id = option.id
        session.add(feedback)
    return feedback


def option_texts(session: Session, *, team_id: str, option_ids: Sequence[int]) -> dict[int, str]:
    """The text of each option, by id (for measuring what a person picked or passed over)."""
    if not option_ids:
        return {}
    rows = session.exec(
        select(DraftOption.id, DraftOption.text).where(
            DraftOption.team_id == team_id, col(DraftOption.id).in_(list(option_ids))
        )
    ).all()
    return {int(option_id): text for option_id, text in rows if option_id is not None}


def delete_for_request(session: Session, *, team_id: str, request_id: int) -> None:
    """Drop a request's option sets, their options and the feedback about them."""
    set_ids = list(
        session.exec(
            select(OptionSet.id).where(
                OptionSet.team_id == team_id, OptionSet.request_id == request_id
            )
        ).all()
    )
    if not set_ids:
        return
    option_ids = select(DraftOption.id).where(col(DraftOption.set_id).in_(set_ids))
    session.exec(delete(Feedback).where(col(Feedback.option_id).in_(option_ids)))
    session.exec(delete(DraftOption).where(col(DraftOption.set_id).in_(set_ids)))
    session.exec(delete(OptionSet).where(col(OptionSet.id).in_(set_ids)))


def forget_person(session: Session, *, team_id: str, user_id: str) -> None:
    """Take a person's name off the option sets they asked for or chose from."""
    for column, values in (
        (OptionSet.asked_by, {"asked_by": None}),
        (OptionSet.chosen_by, {"chosen_by": None}),
    ):
        session.exec(
            update(OptionSet)
            .where(col(OptionSet.team_id) == team_id, col(column) == user_id)
            .values(**values)
        )


def expire_text(session: Session, *, before: datetime, placeholder: str) -> int:
    """Blank the words of options written before `before` (the retention period)."""
    expired = session.exec(
        update(DraftOption)
        .where(col(DraftOption.created_at) < before, col(DraftOption.text) != placeholder)
        .values(text=placeholder)
        .returning(col(DraftOption.id))
    ).all()
    return len(expired)
