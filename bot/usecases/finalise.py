"""Learning from the human's edit: Finalise opens a draft in a form; the person's final is
posted in the thread (labelled as theirs, not a new draft version) and what they changed is
stored as feedback, the strongest style signal Baton gets."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack_io import SlackCallFailed
from bot.domain.finalise import (
    diff_texts,
    final_fallback,
    final_from_form,
    final_message_blocks,
    finalise_modal,
    part_block_id,
)
from bot.domain.render import DRAFT_PART_LIMIT, defuse_broadcasts, notice_blocks, split_text
from bot.domain.states import DraftState
from bot.usecases.deps import Deps
from bot.usecases.people import People
from storage import drafts as draft_store
from storage import finalise as final_store
from storage import requests as request_store
from storage.models import Draft
from storage.retention import EXPIRED_TEXT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Final:
    """A checked final, ready to post."""

    team_id: str
    user_id: str
    draft_id: int
    text: str


@dataclass
class Finalise:
    """Use cases behind the Finalise button and its form."""

    deps: Deps
    people: People

    def _draft(self, team_id: str, value: object) -> Draft | str:
        text = str(value or "")
        if not text.isdigit():
            return "That button is out of date."
        with self.deps.db.session() as session:
            draft = draft_store.get_draft(session, team_id=team_id, draft_id=int(text))
        if draft is None or draft.state != DraftState.COMPLETE:
            return "That draft is no longer here."
        if not draft.text.strip() or draft.text == EXPIRED_TEXT:
            return "I no longer keep that draft's text, so there is nothing to finalise."
        return draft

    def open_form(self, *, team_id: str, value: object, trigger_id: str) -> str | None:
        """Open the draft's text in a form; returns what to tell the person if it can't."""
        draft = self._draft(team_id, value)
        if isinstance(draft, str):
            return draft
        view = finalise_modal(draft.text, draft_id=draft.id or 0, version=draft.version)
        try:
            self.deps.slack.open_view(trigger_id=trigger_id, view=view)
        except SlackCallFailed as exc:
            return f"Slack would not open the form ({exc.error}); please try again."
        return None

    def check(
        self, *, team_id: str, user_id: str, metadata: object, values: dict[str, Any]
    ) -> Final | dict[str, str]:
        """The final ready to post, or the errors to show in the form by block id."""
        draft = self._draft(team_id, metadata)
        if isinstance(draft, str):
            return {part_block_id(0): draft}
        text, errors = final_from_form(values)
        if text is None:
            return errors
        return Final(team_id=team_id, user_id=user_id, draft_id=draft.id or 0, text=text)

    def post(self, final: Final) -> None:
        """Post the final in the thread and record what it changed (off the listener's
        thread: the diff of a long draft takes a moment)."""
        self.deps.work.submit(("final", final.draft_id), lambda: self._post(final))

    def _post(self, final: Final) -> None:
        with self.deps.db.session() as session:
            draft = draft_store.get_draft(session, team_id=final.team_id, draft_id=final.draft_id)
            request = (
                request_store.get_request(
                    session, team_id=final.team_id, request_id=draft.request_id
                )
                if draft is not None
                else None
            )
        if draft is None or request is None:
            return
        diff = diff_texts(draft.text, final.text)
        # The person's own words may not ping a channel through Baton either.
        shown = defuse_broadcasts(final.text, allowed=request.text)
        pieces = split_text(shown, DRAFT_PART_LIMIT)
        first_ts: str | None = None
        try:
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                ts = self.deps.slack.post(
                    channel=request.channel_id,
                    thread_ts=request.thread_ts,
                    blocks=final_message_blocks(
                        piece,
                        editor_id=final.user_id,
                        version=draft.version,
                        part=index,
                        parts=len(pieces),
                        summary=diff.summary() if last else None,
                    ),
                    text=final_fallback(piece, editor_id=final.user_id),
                )
                first_ts = first_ts or ts
        except SlackCallFailed as exc:
            logger.warning("could not post the final of draft %s: %s", draft.id, exc.error)
            self._send_back(final, exc.error)
        with self.deps.db.session() as session:
            stored = draft_store.get_draft(session, team_id=final.team_id, draft_id=draft.id or 0)
            if stored is None:
                return
            final_store.record_final_edit(
                session,
                team_id=final.team_id,
                user_id=final.user_id,
                draft=stored,
                diff=diff.as_dict(),
                message_ts=first_ts,
                at=self.deps.now(),
            )
        logger.info("final of draft %s recorded: %s", draft.id, diff.summary())
        self.people.remember(final.team_id, final.user_id)

    def _send_back(self, final: Final, error: str) -> None:
        """The thread refused the final: the person gets their words back by DM."""
        text = (
            f":warning: I couldn't post your final in the thread (`{error}`). Here it is, so "
            "your edit is not lost:"
        )
        try:
            self.deps.slack.post(
                channel=final.user_id,
                thread_ts=None,
                blocks=[
                    *notice_blocks(text),
                    {"type": "markdown", "text": final.text[:DRAFT_PART_LIMIT]},
                ],
                text=text,
            )
        except SlackCallFailed as exc:
            logger.warning("could not send the final back by DM either: %s", exc.error)
