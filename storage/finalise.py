"""Recording a person's final of a draft (Finalise) as feedback with what it changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import feedback as feedback_store
from storage.models import Draft, Feedback

FINAL_EDIT = "final_edit"


def record_final_edit(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    draft: Draft,
    diff: dict[str, Any],
    message_ts: str | None,
    at: datetime,
) -> Feedback:
    """Store the final as feedback on its draft: the measured changes, not the words (the
    final is in the thread, and stored text here would read as a revision request)."""
    feedback = feedback_store.record_feedback(
        session,
        team_id=team_id,
        user_id=user_id,
        request_id=draft.request_id,
        kind=FINAL_EDIT,
        draft=draft,
        message_ts=message_ts,
        at=at,
    )
    feedback.edit_diff = diff
    session.add(feedback)
    return feedback
