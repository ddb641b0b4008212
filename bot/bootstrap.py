"""The composition root: settings in, a wired Bolt app and Baton's use cases out. The only
place that builds adapters and use cases and registers job handlers. Nothing happens at
import."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from slack_bolt import App
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse

from bot.adapters.claude import Claude
from bot.adapters.members import MemberCache
from bot.adapters.slack_client import UpdateBudget, make_web_client
from bot.adapters.slack_io import OneWorkspace, SlackIO
from bot.adapters.workspaces import (
    TOKEN_REFRESH_MINUTES,
    InstallationAuthorize,
    InstalledWorkspaces,
    remember_workspace,
    skip_uninstalled,
)
from bot.domain.states import JobKind, SchemaState
from bot.runtime.degraded import Degraded
from bot.runtime.housekeeping import Housekeeper
from bot.runtime.jobs import JobRunner
from bot.runtime.work import ContextExecutor, CountingExecutor, WorkPool
from bot.settings import Settings
from bot.usecases.assumptions import AssumptionChecks
from bot.usecases.brief_message import BriefMessage
from bot.usecases.briefing import Briefing
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.choosing import Choosing
from bot.usecases.container import UseCases
from bot.usecases.deps import Deps
from bot.usecases.digests import DigestRunner
from bot.usecases.downloads import Downloads
from bot.usecases.drafting import Drafting
from bot.usecases.feedback import Feedback
from bot.usecases.files import FilesAsContext
from bot.usecases.finalise import Finalise
from bot.usecases.handoffs import Handoffs
from bot.usecases.intake import Intake
from bot.usecases.options import Options
from bot.usecases.people import People
from bot.usecases.preferences import Preferences
from bot.usecases.privacy import Privacy
from bot.usecases.reasons import Reasons
from bot.usecases.retry import ModelRetry
from bot.usecases.revision import Revisions
from bot.usecases.thread import Thread
from bot.usecases.usage import UsageLimits
from handlers import register_all
from handlers.context import provide
from storage.db import Database
from storage.installations import EncryptedInstallationStore, OAuthStateStore, TokenCipher
from storage.migrate import SchemaStatus, schema_status

logger = logging.getLogger(__name__)

# Bolt's listeners only parse, store and hand off; this pool is for them, not for drafting.
LISTENER_THREADS = 16


@dataclass
class BatonApp:
    """Everything `baton run` and the tests need: the Bolt app and what it stands on."""

    settings: Settings
    bolt: App
    usecases: UseCases
    preferences: Preferences
    digests: DigestRunner
    db: Database
    work: WorkPool
    listeners: CountingExecutor
    claude: Claude | None
    degraded: Degraded
    jobs: JobRunner
    housekeeper: Housekeeper
    # Distribution mode: the workspaces that installed Baton (None with one SLACK_BOT_TOKEN).
    installations: InstalledWorkspaces | None = None

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
        self.jobs.stop()
        self.degraded.stop()
        if self.claude is not None:
            self.claude.close()
        self.db.dispose()


class SchemaNotCurrent(Exception):
    """The database's schema is not the one this code needs; the message says what to run."""

    def __init__(self, status: SchemaStatus) -> None:
        if status.state == SchemaState.BEHIND:
            where = f"the database is behind (at {status.current}, code needs {status.head})"
        elif status.state == SchemaState.UNVERSIONED:
            where = f"the database predates migrations (code needs {status.head})"
        else:
            where = f"the database has no schema yet (code needs {status.head})"
        super().__init__(f'{where}: run "baton db upgrade" first')
        self.status = status


def open_database(url: str) -> Database:
    """Connect to `url`, refusing a database that is not migrated to this code's head."""
    database = Database.from_url(url)
    try:
        status = schema_status(database.engine)
    except Exception:
        database.dispose()
        raise
    if status.state == SchemaState.UNKNOWN:
        # Newer code has migrated it, as during a rolling deploy: run, and leave it be.
        logger.warning(
            "the database is at revision %s, which this code does not know (it needs %s)",
            status.current,
            status.head,
        )
    elif not status.up_to_date:
        database.dispose()
        raise SchemaNotCurrent(status)
    return database


def create_app(settings: Settings, *, db: Database | None = None) -> BatonApp:
    """Build Baton from its settings: database, Slack and Claude clients, listeners. A `db`
    passed in is used as it is; one opened here must be migrated to this code's schema."""
    database = db or open_database(settings.database_url)
    listeners = ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="baton-listener")
    side = (
        _distribution(settings, database, listeners)
        if settings.distribution
        else _one_workspace(settings, listeners)
    )
    bolt, bot_user_id, team_url = side.bolt, side.bot_user_id, side.team_url
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
    jobs = JobRunner(
        db=database, work=work, lease=timedelta(seconds=settings.baton_job_lease_seconds)
    ).start()
    deps = Deps(
        db=database,
        slack=side.slack,
        claude=claude,
        work=work,
        jobs=jobs,
        max_input_tokens=settings.baton_max_input_tokens,
    )
    degraded = Degraded.start(database, side.slack, bot_user_id=bot_user_id)
    usecases = build_usecases(
        deps, settings, team_url=team_url, degraded=degraded, installations=side.installations
    )
    register_jobs(jobs, usecases)
    # Listeners find the use cases in Bolt's context (handlers/context.py).
    bolt.use(provide(usecases))
    register_all(bolt)
    return BatonApp(
        settings=settings,
        bolt=bolt,
        usecases=usecases,
        preferences=usecases.preferences,
        digests=usecases.digests,
        db=database,
        work=work,
        listeners=listeners,
        claude=claude,
        degraded=degraded,
        jobs=jobs,
        housekeeper=Housekeeper(database, settings.baton_retention_days),
        installations=side.installations,
    )


def build_usecases(
    deps: Deps,
    settings: Settings,
    *,
    team_url: str,
    degraded: Degraded,
    installations: InstalledWorkspaces | None,
) -> UseCases:
    """Every use case, each given the adapters and the other use cases it calls."""
    db, slack = deps.db, deps.slack
    retry = ModelRetry()
    usage = UsageLimits(deps, settings.limits)
    people = People(deps)
    thread = Thread(deps)
    brief_message = BriefMessage(deps, thread)
    downloads = Downloads(slack)
    files = FilesAsContext(
        db=db,
        slack=slack,
        members=MemberCache(slack),
        downloads=downloads,
        clock=deps.now,
        refresh_brief=brief_message.reshow,
    )
    handoffs = Handoffs(
        db=db, slack=slack, work=deps.work, render=brief_message.current, clock=deps.now
    )
    reasons = Reasons(deps)
    drafting = Drafting(deps, thread, files, reasons, retry, UpdateBudget())
    options = Options(deps, thread, usage, people, retry)
    choosing = Choosing(deps, thread, usage, people, options, drafting)
    briefing = Briefing(deps, thread, brief_message, files, drafting, options, retry)
    revisions = Revisions(deps, thread, handoffs, choosing, briefing, drafting)
    # Preferences (the Home tab) and digests share one cache of channel members.
    members = MemberCache(slack)
    preferences = Preferences(db=db, slack=slack, team_url=team_url, members=members)
    digests = DigestRunner(
        db=db, slack=slack, claude=deps.claude, team_url=team_url, members=members
    )
    return UseCases(
        deps=deps,
        retry=retry,
        usage=usage,
        people=people,
        thread=thread,
        brief_message=brief_message,
        downloads=downloads,
        files=files,
        handoffs=handoffs,
        channel_rules=ChannelRulesKeeper(db=db, slack=slack, clock=deps.now),
        reasons=reasons,
        drafting=drafting,
        options=options,
        choosing=choosing,
        briefing=briefing,
        revisions=revisions,
        feedback=Feedback(deps, thread, usage, reasons, people),
        intake=Intake(deps, thread, usage, people, files, revisions),
        assumptions=AssumptionChecks(deps, usage, brief_message),
        finalise=Finalise(deps, people),
        preferences=preferences,
        digests=digests,
        privacy=Privacy(deps, preferences, people),
        degraded=degraded,
        installations=installations,
    )


def register_jobs(jobs: JobRunner, usecases: UseCases) -> None:
    """Which use case runs each kind of durable job."""
    jobs.on(JobKind.BRIEF_AND_DRAFT, usecases.briefing.run_job)
    jobs.on(JobKind.REPLY, usecases.revisions.run_reply_job)
    jobs.on(JobKind.REVISE, usecases.revisions.run_revise_job)
    jobs.on(JobKind.OPTIONS, usecases.options.run_options_job)
    jobs.on(JobKind.OPTION_CHOSEN, usecases.choosing.run_chosen_job)


@dataclass
class _SlackSide:
    """Bolt and the Slack client side of Baton, in one mode or the other."""

    slack: SlackIO
    bolt: App
    bot_user_id: str  # single-workspace mode's; per workspace in distribution mode
    team_url: str  # likewise: links fall back to it when a workspace's URL is unknown
    installations: InstalledWorkspaces | None


def _signing_secret(settings: Settings) -> str | None:
    secret = settings.slack_signing_secret
    return secret.get_secret_value() if secret else None


def _one_workspace(settings: Settings, listeners: CountingExecutor) -> _SlackSide:
    """Single-workspace mode: SLACK_BOT_TOKEN for every call, checked once by auth.test."""
    assert settings.slack_bot_token is not None
    client = make_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    auth = client.auth_test()
    bot_user_id = str(auth["user_id"])
    team_url = str(auth.get("url") or "https://slack.com/")
    bolt = App(
        client=client,
        signing_secret=_signing_secret(settings),
        # auth.test already ran above; Bolt need not repeat it.
        token_verification_enabled=False,
        listener_executor=listeners,
    )
    bolt.use(remember_workspace)
    slack = SlackIO(OneWorkspace(client, bot_user_id=bot_user_id, team_url=team_url))
    return _SlackSide(slack, bolt, bot_user_id, team_url, None)


def _distribution(
    settings: Settings, database: Database, listeners: CountingExecutor
) -> _SlackSide:
    """Distribution mode: workspaces install Baton through OAuth (/slack/install), and each
    request and each Slack call uses its own workspace's token from the encrypted store."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    assert settings.baton_encryption_key is not None
    client_id = settings.slack_client_id
    client_secret = settings.slack_client_secret.get_secret_value()
    store = EncryptedInstallationStore(
        client_id=client_id,
        engine=database.engine,
        cipher=TokenCipher(settings.baton_encryption_key.get_secret_value()),
    )
    installations = InstalledWorkspaces(
        store=store,
        client_id=client_id,
        client_secret=client_secret,
        api_url=settings.slack_api_url,
    )

    def installed(args: SuccessArgs) -> BoltResponse:
        installations.installed_now(args.installation)
        return args.default.success(args)

    def not_installed(args: FailureArgs) -> BoltResponse:
        logger.warning("an install did not complete: %s", args.reason)
        return args.default.failure(args)

    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=settings.scopes,
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        # /slack/install sends the browser straight on to Slack's consent page.
        install_page_rendering_enabled=False,
        authorization_url=urljoin(settings.slack_api_url, "../oauth/v2/authorize"),
        installation_store=store,
        state_store=OAuthStateStore(engine=database.engine),
        token_rotation_expiration_minutes=TOKEN_REFRESH_MINUTES,
        callback_options=CallbackOptions(success=installed, failure=not_installed),
        logger=logger,
    )
    bolt = App(
        # No token: the authorize step gives each request its workspace's. The OAuth flow
        # (oauth.v2.access, auth.test) uses this client, so it talks to SLACK_API_URL too.
        client=make_web_client(None, settings.slack_api_url, log_bodies=False),
        signing_secret=_signing_secret(settings),
        oauth_settings=oauth,
        # Bolt's own Authorize classes return None for "not installed", as this one does; the
        # hint on App's parameter leaves the None out.
        authorize=InstallationAuthorize(installations),  # type: ignore[arg-type]
        before_authorize=skip_uninstalled(installations),
        listener_executor=listeners,
    )
    bolt.use(remember_workspace)
    return _SlackSide(SlackIO(installations), bolt, "", "https://slack.com/", installations)
