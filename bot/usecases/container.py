"""Every use case Baton has, built once by the composition root (bot/bootstrap/) and handed
to the Slack listeners through Bolt's context (handlers/context.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.workspaces import InstalledWorkspaces
from bot.runtime.degraded import Degraded
from bot.usecases.assumptions import AssumptionChecks
from bot.usecases.brief_message import BriefMessage
from bot.usecases.briefing import Briefing
from bot.usecases.channel_rules import ChannelRulesKeeper
from bot.usecases.choosing import Choosing
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


@dataclass
class UseCases:
    """The use cases, and the shared pieces tests tune (the clock, limits, retries)."""

    deps: Deps
    retry: ModelRetry
    usage: UsageLimits
    people: People
    thread: Thread
    brief_message: BriefMessage
    downloads: Downloads
    files: FilesAsContext
    handoffs: Handoffs
    channel_rules: ChannelRulesKeeper
    reasons: Reasons
    drafting: Drafting
    options: Options
    choosing: Choosing
    briefing: Briefing
    revisions: Revisions
    feedback: Feedback
    intake: Intake
    assumptions: AssumptionChecks
    finalise: Finalise
    preferences: Preferences
    digests: DigestRunner
    privacy: Privacy
    # Not use cases, but what some listeners need besides: the degraded mode's event runner,
    # and (in distribution mode) the installed workspaces.
    degraded: Degraded
    installations: InstalledWorkspaces | None = None
