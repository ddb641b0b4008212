"""The composition root: settings in, a wired Bolt app and Baton's use cases out. The only
place that builds adapters and use cases and registers job handlers. Nothing happens at
import."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App

from bot.adapters.claude import Claude
from bot.adapters.members import MemberCache
from bot.adapters.slack_client import UpdateBudget
from bot.adapters.workspaces import InstalledWorkspaces
from bot.bootstrap.slack import distribution, one_workspace
from bot.domain.states import JobKind, SchemaState
from bot.runtime.degraded import Degraded
from bot.runtime.housekeeping import Housekeeper, schedule_housekeeping
from bot.runtime.jobs import JobRunner, schedule_job_sweep
from bot.runtime.work import ContextExecutor, CountingExecutor, WorkPool
from bot.settings import Settings
from bot.usecases.assumptions import AssumptionChecks
from bot.usecases.brief_message import BriefMessage
from bot.usecases.briefing import Briefing
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.choosing import Choosing
from bot.usecases.container import UseCases
from bot.usecases.deps import Deps
from bot.usecases.digests import DigestRunner, schedule_digests
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
from storage.migrate import SchemaStatus, schema_status
from storage.models import utcnow

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
        distribution(settings, database, listeners)
        if settings.distribution
        else one_workspace(settings, listeners)
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


def start_timetable(app: BatonApp) -> BaseScheduler:
    """Baton's background timetable, on one scheduler: digests every minute, the job sweep
    every few seconds, the retention sweep hourly; each first at once. Shut it down on exit."""
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_digests(scheduler, app.digests, clock=utcnow)
    schedule_job_sweep(scheduler, app.jobs)
    schedule_housekeeping(scheduler, app.housekeeper, clock=utcnow)
    scheduler.start()
    return scheduler
