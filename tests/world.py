"""A running Baton between the fake Slack and the fake Claude, with a scripted model.

Tests read like conversations: people post, react and reply through the fake Slack; Baton
answers over real HTTP; assertions look at what Slack received and what Claude was asked.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.bootstrap import BatonApp, create_app
from bot.domain.options.prompt import OPTIONS_TOOL_NAME, count_of_prompt
from bot.domain.prompts import BRIEF_TOOL_NAME
from bot.entrypoints.web import make_server, stop_server
from bot.settings import Settings
from sandbox.claude import FakeClaude, FakeReply
from sandbox.slack import FakeSlack
from storage.db import Database

CHANNEL = "CGENERAL"
ALICE = "UALICE"
BOB = "UBOB"


def scripted_brief(request: dict[str, Any]) -> dict[str, Any]:
    """The brief a sensible model would record: the request's goal, with stated limits kept."""
    content = request["messages"][-1]["content"]
    text = content if isinstance(content, str) else _text_blocks(content)
    asked = re.search(r"<request>\n(.*?)\n</request>", text, re.S)
    goal = (asked.group(1) if asked else text).strip().splitlines()[0][:120]
    constraints = []
    if "150 words" in text:
        constraints.append("Under 150 words")
    return {
        "goal": goal,
        "audience": "customers" if "customers" in text else "the team",
        "deliverable": "a short announcement",
        "constraints": constraints,
        "assumptions": ["The feature ships this week"],
        "open_questions": [],
        "actionable": True,
        "confidence": "medium",
        "confidence_reason": "audience and length stated",
    }


def _text_blocks(content: list[dict[str, Any]]) -> str:
    """A message's text blocks joined (attached files come as blocks before the prompt)."""
    return "\n".join(str(b.get("text", "")) for b in content if b.get("type") == "text")


SCRIPTED_OPTIONS = (
    ("Casual and quick", "Hey folks! Export is here and it's awesome: grab any report. Cheers!"),
    (
        "Formal announcement",
        "We are pleased to announce that reports may now be exported. Furthermore, each "
        "export is available in CSV and PDF formats, in accordance with your settings.",
    ),
    ("Scannable list", "Export is here:\n- CSV for spreadsheets\n- PDF for sharing\n- One click"),
    ("One line", "Export: any report, as CSV or PDF, from the new button."),
)


def scripted_options(request: dict[str, Any]) -> dict[str, Any]:
    """Options as a sensible model would record them: casual, formal, a list (and a line)."""
    content = request["messages"][-1]["content"]
    count = count_of_prompt(content if isinstance(content, str) else json.dumps(content))
    chosen = SCRIPTED_OPTIONS[:count]
    return {
        "varies": "tone and structure",
        "options": [{"approach": approach, "text": text} for approach, text in chosen],
    }


def scripted_draft(request: dict[str, Any]) -> str:
    """A draft whose words show which kind of version was asked for."""
    asked = request["messages"][-1]["content"]
    asked = asked if isinstance(asked, str) else json.dumps(asked)
    if "noticeably shorter" in asked:
        return "Export is here. Try it today."
    if "more detailed" in asked:
        return "Export is here.\n\n" + " ".join(["Details on formats and limits."] * 20)
    if "another take" in asked:
        return "A different angle: your data, your way. Export now lives in Settings."
    if "<reply>" in asked:
        return "Revised per your reply: Export is here, warmer and clearer."
    return "Export is here: download any report as CSV or PDF from the new Export button."


@dataclass
class World:
    """Baton served over HTTP, wired to the fakes; stop() shuts everything down."""

    app: BatonApp
    slack: FakeSlack
    claude: FakeClaude
    database: Database
    server: Any
    thread: threading.Thread
    events_url: str
    stopped: bool = field(default=False)

    @classmethod
    def start(
        cls,
        *,
        database: Database,
        slack: FakeSlack,
        claude: FakeClaude,
        with_model: bool = True,
        script: bool = True,
        **overrides: Any,
    ) -> World:
        """Start Baton on a free port and point the fake Slack at it."""
        if script:
            claude.on_tool(BRIEF_TOOL_NAME, scripted_brief)
            claude.on_tool(OPTIONS_TOOL_NAME, scripted_options)
            claude.responder = lambda request: FakeReply(text=scripted_draft(request))
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            **{
                "slack_bot_token": slack.bot_token,  # distribution mode overrides it with None
                "slack_signing_secret": slack.signing_secret,
                "slack_api_url": slack.api_url,
                "anthropic_api_key": claude.api_key if with_model else None,
                "anthropic_base_url": claude.url,
                "database_url": "sqlite://",  # unused: the fixture's database is passed in
                **overrides,
            },
        )
        app = create_app(settings, db=database)
        # Tests should not wait seconds between Baton's own model retries.
        app.usecases.retry.backoff = (0.01, 0.02)
        app.usecases.drafting.stream_interval = 0.05
        server = make_server(app, host="127.0.0.1", port=0, threads=8)
        thread = threading.Thread(target=server.run, name="baton-http", daemon=True)
        thread.start()
        events_url = f"http://127.0.0.1:{server.effective_port}/slack/events"
        slack.events_url = events_url
        return cls(
            app=app,
            slack=slack,
            claude=claude,
            database=database,
            server=server,
            thread=thread,
            events_url=events_url,
        )

    def stop(self) -> None:
        """Stop serving, let queued work finish, close clients (not the test's database)."""
        if self.stopped:
            return
        self.stopped = True
        self.app.wait_idle(timeout=30)
        stop_server(self.server)
        self.thread.join(timeout=5)
        self.app.listeners.shutdown(wait=True)
        self.app.work.shutdown(wait=True)
        self.app.jobs.stop()
        self.app.degraded.stop()
        if self.app.claude is not None:
            self.app.claude.close()

    # ---- people doing things ----------------------------------------------------------

    def mention(self, text: str, *, user: str = ALICE, channel: str = CHANNEL) -> str:
        """`@Baton <text>` in a channel; returns the request's ts."""
        return self.slack.post_user_message(user, channel, f"<@{self.slack.bot_user_id}> {text}")

    def reply(self, thread_ts: str, text: str, *, user: str = ALICE, channel: str = CHANNEL) -> str:
        """A reply in a thread."""
        return self.slack.post_user_message(user, channel, text, thread_ts=thread_ts)

    def idle(self, timeout: float = 20) -> None:
        """Wait until Baton has no work queued or running."""
        assert self.app.wait_idle(timeout=timeout), "Baton's work did not finish in time"

    # ---- what Baton showed ------------------------------------------------------------

    def baton_messages(self, thread_ts: str, *, channel: str = CHANNEL) -> list[Any]:
        """Baton's messages in a thread, oldest first."""
        return [
            message
            for message in self.slack.messages(channel, thread_ts=thread_ts)
            if message.user == self.slack.bot_user_id
        ]

    def drafts(self, thread_ts: str, *, channel: str = CHANNEL) -> list[Any]:
        """Baton's draft messages in a thread (finished or not), oldest first."""
        return [m for m in self.baton_messages(thread_ts, channel=channel) if is_draft(m)]

    def wait_for_drafts(
        self, thread_ts: str, count: int, *, channel: str = CHANNEL, timeout: float = 20
    ) -> list[Any]:
        """Wait until `count` finished drafts are in the thread; return them."""

        def finished() -> list[Any] | None:
            done = [m for m in self.drafts(thread_ts, channel=channel) if is_finished(m)]
            return done if len(done) >= count else None

        done = self.slack.wait_for(finished, timeout=timeout, message=f"{count} finished drafts")
        # The thread shows the draft a moment before Baton's bookkeeping ends; let it end.
        self.idle(timeout)
        return done


def block_texts(message: Any) -> str:
    """All text a message's blocks show, joined (what a person would read)."""
    parts: list[str] = []
    for block in message.blocks or []:
        if block.get("type") == "markdown":
            parts.append(block.get("text", ""))
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict):
                inner = element.get("text")
                parts.append(inner.get("text", "") if isinstance(inner, dict) else str(inner or ""))
    return "\n".join(parts)


def is_draft(message: Any) -> bool:
    """True for a message that shows a draft."""
    return "*Draft v" in block_texts(message)


def is_finished(message: Any) -> bool:
    """True once a draft message carries its footer (the steering hint)."""
    return "reply in this thread to revise" in block_texts(message)


def draft_body(message: Any) -> str:
    """The draft's own text (its markdown block)."""
    return "\n".join(b.get("text", "") for b in message.blocks or [] if b.get("type") == "markdown")


def buttons(message: Any) -> list[str]:
    """The action ids of a message's buttons."""
    return [
        element.get("action_id")
        for block in message.blocks or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    ]


def form_state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Slack's view.state.values for a modal, as if a person filled `answers` by block id
    (text, an option value, "HH:MM", or a list of checked values); other inputs left as shown."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        answer = answers.get(block["block_id"], _initial(element))
        if kind == "static_select":
            option = next((o for o in element["options"] if o["value"] == answer), None)
            value = {"type": kind, "selected_option": option}
        elif kind == "timepicker":
            value = {"type": kind, "selected_time": answer}
        elif kind == "checkboxes":
            chosen = [o for o in element["options"] if o["value"] in (answer or [])]
            value = {"type": kind, "selected_options": chosen}
        else:
            value = {"type": kind, "value": answer}
        state[block["block_id"]] = {action_id: value}
    return state


def _initial(element: dict[str, Any]) -> Any:
    if element["type"] == "static_select":
        return (element.get("initial_option") or {}).get("value")
    if element["type"] == "timepicker":
        return element.get("initial_time")
    if element["type"] == "checkboxes":
        return [o["value"] for o in element.get("initial_options", [])]
    return element.get("initial_value")


def rows(world: World, model: type) -> list[Any]:
    """Every stored row of a table, as the test's assertions read them."""
    from sqlmodel import Session, select

    with Session(world.database.engine) as session:
        return list(session.exec(select(model)).all())
