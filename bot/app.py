"""Assembly: settings in, a wired Bolt app and Baton's services out. Nothing happens at import."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_bolt import App

from bot.claude import Claude
from bot.degraded import Degraded
from bot.digests import DigestRunner
from bot.members import MemberCache
from bot.preferences import Preferences
from bot.services import Baton
from bot.settings import Settings
from bot.slack_io import SlackIO, UpdateBudget, make_web_client
from bot.work import CountingExecutor, WorkPool
from handlers import register_all
from storage.db import Database

logger = logging.getLogger(__name__)

# Bolt's listeners only parse, store and hand off; this pool is for them, not for drafting.
LISTENER_THREADS = 16


@dataclass
class BatonApp:
    """Everything `baton run` and the tests need: the Bolt app and what it stands on."""

    settings: Settings
    bolt: App
    baton: Baton
    preferences: Preferences
    digests: DigestRunner
    db: Database
    work: WorkPool
    listeners: CountingExecutor
    claude: Claude | None
    degraded: Degraded

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no listener and no background work is running (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = deadline - time.monotonic()
            # Listeners hand work to the pool, so check them first, then the pool, then again.
            if (
                self.listeners.wait_idle(left)
                and self.work.wait_idle(max(0.0, deadline - time.monotonic()))
                and self.listeners.wait_idle(0)
                and self.work.pending == 0
            ):
                return True
        return False

    def close(self, *, wait: bool = True) -> None:
        """Finish queued work (with `wait`), then release connections."""
        self.listeners.shutdown(wait=wait)
        self.work.shutdown(wait=wait)
        self.degraded.stop()
        if self.claude is not None:
            self.claude.close()
        self.db.dispose()


def create_app(settings: Settings, *, db: Database | None = None) -> BatonApp:
    """Build Baton from its settings: database, Slack and Claude clients, listeners."""
    database = db or Database.from_url(settings.database_url)
    database.create_tables()
    token = settings.slack_bot_token.get_secret_value()
    client = make_web_client(token, settings.slack_api_url)
    auth = client.auth_test()
    bot_user_id = str(auth["user_id"])
    claude = None
    if settings.anthropic_api_key is not None:
        claude = Claude(
            api_key=settings.anthropic_api_key.get_secret_value(),
            model=settings.baton_model,
            base_url=settings.anthropic_base_url,
        )
    else:
        logger.warning("ANTHROPIC_API_KEY is not set: Baton will say so instead of drafting")
    work = WorkPool(max_workers=settings.baton_draft_workers)
    baton = Baton(
        db=database,
        slack=SlackIO(client),
        claude=claude,
        work=work,
        updates=UpdateBudget(),
        bot_user_id=bot_user_id,
        limits=settings.limits,
        max_input_tokens=settings.baton_max_input_tokens,
    )
    signing_secret = settings.slack_signing_secret
    listeners = CountingExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="baton-listener")
    bolt = App(
        client=client,
        signing_secret=signing_secret.get_secret_value() if signing_secret else None,
        # auth.test already ran above; Bolt need not repeat it.
        token_verification_enabled=False,
        listener_executor=listeners,
    )
    team_url = str(auth.get("url") or "https://slack.com/")
    members = MemberCache(baton.slack)
    preferences = Preferences(db=database, slack=baton.slack, team_url=team_url, members=members)
    digests = DigestRunner(
        db=database, slack=baton.slack, claude=claude, team_url=team_url, members=members
    )
    degraded = Degraded.start(database, baton.slack, bot_user_id=bot_user_id)
    register_all(bolt, baton, preferences, digests, degraded)
    return BatonApp(
        settings=settings,
        bolt=bolt,
        baton=baton,
        preferences=preferences,
        digests=digests,
        db=database,
        work=work,
        listeners=listeners,
        claude=claude,
        degraded=degraded,
    )
