"""`baton sandbox`: Baton and a local Slack-like workspace in one process, in a browser.

The workspace is the same fake Slack the tests use: a Web API server Baton reaches through
SLACK_API_URL, sending signed Events API requests to Baton's own /slack/events. So Baton
runs exactly its production code. Without ANTHROPIC_API_KEY the model is an offline drafter,
labelled as such on every message, behind the same fake Claude API the tests use.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.bootstrap import BatonApp, create_app, start_timetable
from bot.entrypoints.web import make_server, stop_server
from bot.settings import Settings
from sandbox.claude import FakeClaude
from sandbox.offline import OfflineDrafter
from sandbox.slack import FakeSlack
from storage.db import Database
from storage.migrate import upgrade_to_head

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

PEOPLE = (
    ("UALICE", "alice", "Alice Example", "Europe/London"),
    ("UBOB", "bob", "Bob Example", "America/New_York"),
    ("UCAROL", "carol", "Carol Example", "Asia/Kolkata"),
)
CHANNELS = (
    ("CGENERAL", "general", False, ("UALICE", "UBOB", "UCAROL")),
    ("CLAUNCHES", "launches", False, ("UALICE", "UBOB")),
    ("CLEADERSHIP", "leadership", True, ("UALICE", "UCAROL")),
)


@dataclass
class Sandbox:
    """A running sandbox: the workspace's URL, and what to stop."""

    url: str
    slack: FakeSlack
    app: BatonApp
    offline: bool
    _stops: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        """Stop Baton, its scheduler, the fake model and the workspace."""
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception:  # stopping must go on whatever one part says
                logger.exception("while stopping the sandbox")


def start_sandbox(
    *, port: int = 3000, database_url: str | None = None, use_claude: bool | None = None
) -> Sandbox:
    """Start the workspace on `port` (0 picks one), Baton behind it, and the model."""
    slack = FakeSlack(port=port).start()
    stops: list[Any] = [slack.stop]
    for user_id, name, real_name, tz in PEOPLE:
        slack.add_user(user_id, name=name, real_name=real_name, tz=tz)
    for channel_id, name, private, members in CHANNELS:
        slack.add_channel(
            channel_id, name=name, is_private=private, members=[*members, slack.bot_user_id]
        )
    api_key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    offline = not api_key if use_claude is None else not use_claude
    base_url: str | None = os.environ.get("ANTHROPIC_BASE_URL") or None
    if offline:
        model = FakeClaude().start()
        stops.append(model.stop)
        OfflineDrafter().install(model)
        api_key, base_url = model.api_key, model.url
    # Settings' own default model unless BATON_MODEL names one.
    chosen_model: dict[str, Any] = (
        {"baton_model": os.environ["BATON_MODEL"]} if os.environ.get("BATON_MODEL") else {}
    )
    settings = Settings(
        _env_file=None,
        slack_bot_token=slack.bot_token,
        slack_signing_secret=slack.signing_secret,
        slack_api_url=slack.api_url,
        anthropic_api_key=api_key,
        anthropic_base_url=base_url,
        database_url=database_url or os.environ.get("DATABASE_URL") or "sqlite:///baton-sandbox.db",
        **chosen_model,
    )
    # The sandbox's own database migrates itself, so it runs the same revisions production does.
    database = Database.from_url(settings.database_url)
    upgrade_to_head(database.engine)
    app = create_app(settings, db=database)
    stops.append(app.close)
    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, name="baton-http", daemon=True)
    thread.start()

    def stop_http() -> None:
        stop_server(server)
        thread.join(timeout=10)

    stops.append(stop_http)
    slack.events_url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    scheduler = start_timetable(app)
    stops.append(lambda: scheduler.shutdown(wait=True))
    return Sandbox(url=slack.url, slack=slack, app=app, offline=offline, _stops=stops)
