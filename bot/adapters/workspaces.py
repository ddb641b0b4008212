"""Which Slack workspace a piece of work belongs to, and (in distribution mode) that
workspace's bot token from the installation store, refreshed shortly before it expires.

The workspace at hand lives in a ContextVar. It is set where work enters Baton: a Bolt
middleware for every request, `in_workspace` around each team's digests and durable jobs,
and it travels with the work onto other threads (`ContextExecutor`, the work pool, held
work), because `contextvars.copy_context()` is taken where work is handed over. SlackIO asks
`InstalledWorkspaces` for a client on every call, so a call can only ever carry the token of
the workspace the work belongs to, and with no workspace at hand it refuses (WorkspaceUnknown).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.slack_client import make_web_client
from bot.adapters.slack_io import WorkspaceUnavailable, WorkspaceUnknown
from storage.installations import EncryptedInstallationStore

logger = logging.getLogger(__name__)

# A bot token this close to expiry is refreshed before it is used (Slack's last 12 hours).
TOKEN_REFRESH_MINUTES = 10
# How long an installation read from the database is reused without asking again.
INSTALLATION_CACHE_SECONDS = 10.0
# Events that arrive for a workspace that has (just) removed Baton, and must still be heard.
REVOCATION_EVENTS = ("app_uninstalled", "tokens_revoked")


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace (or, for an org-wide install, an Enterprise Grid org)."""

    team_id: str | None
    enterprise_id: str | None = None
    is_enterprise_install: bool = False

    @property
    def key(self) -> str:
        """One string per workspace, for caches and locks."""
        if self.team_id and not self.is_enterprise_install:
            return self.team_id
        return f"org:{self.enterprise_id}"


_current: ContextVar[Workspace | None] = ContextVar("baton_workspace", default=None)


def current_workspace() -> Workspace | None:
    """The workspace the work on this thread belongs to, if any."""
    return _current.get()


def current_team_id() -> str | None:
    """The team id of the workspace at hand, if any."""
    workspace = _current.get()
    return workspace.team_id if workspace is not None else None


@contextmanager
def in_workspace(
    team_id: str | None,
    *,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> Iterator[Workspace | None]:
    """Run the block as work of `team_id` (nothing at hand when it is empty)."""
    workspace = (
        Workspace(team_id or None, enterprise_id or None, is_enterprise_install)
        if team_id or enterprise_id
        else None
    )
    token = _current.set(workspace)
    try:
        yield workspace
    finally:
        _current.reset(token)


def remember_workspace(context: BoltContext, next: Callable[[], None]) -> None:
    """Bolt global middleware: record the request's workspace for the listener's Slack calls."""
    _current.set(
        Workspace(
            context.team_id,
            context.enterprise_id,
            bool(context.is_enterprise_install),
        )
        if context.team_id or context.enterprise_id
        else None
    )
    next()


class InstalledWorkspaces:
    """Distribution mode: per-workspace bot tokens from the installation store.

    Every lookup is by the workspace at hand. Installations are cached briefly (a token is
    used many times a second while a draft streams), refreshed under a per-workspace lock when
    close to expiry, and forgotten at once on uninstall. If the database stops answering, the
    last token seen keeps working: Slack says so if it was revoked meanwhile.
    """

    def __init__(
        self,
        *,
        store: EncryptedInstallationStore,
        client_id: str,
        client_secret: str,
        api_url: str,
        refresh_minutes: int = TOKEN_REFRESH_MINUTES,
        cache_seconds: float = INSTALLATION_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.api_url = api_url
        self.refresh_minutes = refresh_minutes
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._now = now
        # oauth.v2.access (grant_type=refresh_token) goes where every other call goes.
        self._rotator = TokenRotator(
            client_id=client_id,
            client_secret=client_secret,
            client=make_web_client(None, api_url, log_bodies=False),
        )
        self._lock = threading.Lock()
        self._team_locks: dict[str, threading.Lock] = {}
        self._seen: dict[str, tuple[float, Installation]] = {}
        self._clients: dict[str, tuple[str, WebClient]] = {}
        self._urls: dict[str, str] = {}

    # ---- SlackIO's questions (the Workspaces protocol) --------------------------------

    def client(self) -> WebClient:
        """A client with the bot token of the workspace at hand."""
        workspace = self._at_hand()
        installation = self.installation(workspace)
        token = str(installation.bot_token)
        with self._lock:
            cached = self._clients.get(workspace.key)
            if cached is not None and cached[0] == token:
                return cached[1]
            client = make_web_client(token, self.api_url)
            self._clients[workspace.key] = (token, client)
            return client

    def bot_user_id(self) -> str | None:
        """Baton's user id in the workspace at hand (stored with its installation)."""
        return self.installation(self._at_hand()).bot_user_id

    def team_url(self) -> str | None:
        """The workspace at hand's URL, asked of auth.test once per process."""
        workspace = self._at_hand()
        with self._lock:
            if workspace.key in self._urls:
                return self._urls[workspace.key]
        try:
            url = self.client().auth_test().get("url")
        except (SlackApiError, OSError) as exc:
            logger.warning("auth.test for the workspace URL failed: %s", type(exc).__name__)
            return None
        if not isinstance(url, str) or not url:
            return None
        with self._lock:
            self._urls[workspace.key] = url
        return url

    # ---- installations ----------------------------------------------------------------

    def installation(self, workspace: Workspace) -> Installation:
        """The workspace's installation with a bot token good for a while yet."""
        installation = self._lookup(workspace)
        if installation is None or not installation.bot_token:
            raise WorkspaceUnavailable("not_installed", workspace.team_id)
        if self._expiring(installation):
            installation = self._refresh(workspace)
        return installation

    def installed(self, workspace: Workspace) -> bool:
        """True if the workspace has Baton installed with a bot token."""
        installation = self._lookup(workspace)
        return installation is not None and bool(installation.bot_token)

    def installed_now(self, installation: Installation) -> None:
        """A workspace (re)installed Baton: drop anything remembered about its old install."""
        self._forget_team(installation.team_id, installation.enterprise_id)
        logger.info(
            "Baton was installed in team %s (enterprise %s)",
            installation.team_id,
            installation.enterprise_id,
        )

    def uninstalled(self, *, team_id: str | None, enterprise_id: str | None) -> None:
        """The workspace removed Baton: delete every token stored for it."""
        self.store.delete_workspace(team_id=team_id, enterprise_id=enterprise_id)
        self._forget_team(team_id, enterprise_id)
        logger.info("Baton was uninstalled from team %s: its tokens are deleted", team_id)

    def tokens_revoked(
        self,
        *,
        team_id: str | None,
        enterprise_id: str | None,
        bot: bool,
        user_ids: list[str],
    ) -> None:
        """Slack revoked some of the workspace's tokens: delete those."""
        for user_id in user_ids:
            # The installer's row also carries the bot token: only the user's token goes.
            self.store.clear_user_tokens(team_id=team_id, user_id=user_id)
        if bot:
            # The installation rows hold the bot token too: they go with the bot.
            self.store.delete_workspace(team_id=team_id, enterprise_id=enterprise_id)
        self._forget_team(team_id, enterprise_id)
        logger.info("tokens of team %s were revoked: deleted (bot: %s)", team_id, bot)

    # ---- internals ----------------------------------------------------------------------

    def _at_hand(self) -> Workspace:
        workspace = current_workspace()
        if workspace is None:
            raise WorkspaceUnknown(
                "a Slack call with no workspace at hand: wrap the work in in_workspace(team_id)"
            )
        return workspace

    def _lookup(self, workspace: Workspace, *, fresh: bool = False) -> Installation | None:
        key = workspace.key
        now = self._clock()
        with self._lock:
            seen = self._seen.get(key)
        if not fresh and seen is not None and now - seen[0] < self.cache_seconds:
            return seen[1]
        try:
            found = self._find(workspace)
        except SQLAlchemyError:
            if seen is None:
                raise
            logger.warning("installation store unreachable: using team %s's last token", key)
            return seen[1]
        with self._lock:
            if found is None:
                self._seen.pop(key, None)
            else:
                self._seen[key] = (now, found)
        return found

    def _find(self, workspace: Workspace) -> Installation | None:
        found = None
        if workspace.team_id and not workspace.is_enterprise_install:
            found = self.store.find_for_team(workspace.team_id)
        if found is None and workspace.enterprise_id:
            # Org-wide installs are stored under the org, with no team.
            found = self.store.find_installation(
                enterprise_id=workspace.enterprise_id, team_id=None, is_enterprise_install=True
            )
        return found

    def _expiring(self, installation: Installation) -> bool:
        expires_at = installation.bot_token_expires_at
        return (
            installation.bot_refresh_token is not None
            and expires_at is not None
            and expires_at <= self._now() + self.refresh_minutes * 60
        )

    def _refresh(self, workspace: Workspace) -> Installation:
        """Refresh the bot token once per process, however many threads find it expiring."""
        with self._lock:
            team_lock = self._team_locks.setdefault(workspace.key, threading.Lock())
        with team_lock:
            # Another thread, or another replica, may have refreshed it while we waited.
            installation = self._lookup(workspace, fresh=True)
            if installation is None or not installation.bot_token:
                raise WorkspaceUnavailable("not_installed", workspace.team_id)
            if not self._expiring(installation):
                return installation
            try:
                refreshed = self._rotator.perform_token_rotation(
                    installation=installation, minutes_before_expiration=self.refresh_minutes
                )
            except SlackTokenRotationError as exc:
                error = exc.api_error.response.get("error") if exc.api_error.response else None
                logger.error(
                    "could not refresh the bot token of team %s: %s", workspace.team_id, error
                )
                raise WorkspaceUnavailable("token_rotation_failed", workspace.team_id) from None
            if refreshed is None:
                return installation
            self.store.save(refreshed)
            with self._lock:
                self._seen[workspace.key] = (self._clock(), refreshed)
            logger.info("refreshed the bot token of team %s", workspace.team_id)
            return refreshed

    def _drop(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)
            self._clients.pop(key, None)
            self._urls.pop(key, None)

    def _forget_team(self, team_id: str | None, enterprise_id: str | None) -> None:
        self._drop(Workspace(team_id, enterprise_id).key)
        self._drop(Workspace(team_id, enterprise_id, True).key)


class InstallationAuthorize(Authorize):
    """Bolt's authorize step in distribution mode: the request's workspace's bot token, from
    the same lookup (and the same refresh) SlackIO uses, without an auth.test per request."""

    def __init__(self, workspaces: InstalledWorkspaces) -> None:
        super().__init__()
        self.workspaces = workspaces

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        workspace = Workspace(team_id, enterprise_id, bool(context.is_enterprise_install))
        try:
            installation = self.workspaces.installation(workspace)
        except WorkspaceUnavailable:
            return None
        return AuthorizeResult(
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            team=installation.team_name,
            bot_user_id=installation.bot_user_id,
            bot_id=installation.bot_id,
            bot_token=installation.bot_token,
            bot_scopes=installation.bot_scopes,
            user_id=user_id,
        )


def skip_uninstalled(
    workspaces: InstalledWorkspaces,
) -> Callable[[BoltContext, dict[str, Any], Callable[[], None]], BoltResponse | None]:
    """Bolt before_authorize middleware: a request from a workspace without Baton installed
    (a retry that was in flight at uninstall, say) is acknowledged and dropped, quietly."""

    def middleware(
        context: BoltContext, body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        event = body.get("event") if isinstance(body, dict) else None
        kind = event.get("type") if isinstance(event, dict) else None
        if kind in REVOCATION_EVENTS or not (context.team_id or context.enterprise_id):
            next()
            return None
        workspace = Workspace(
            context.team_id, context.enterprise_id, bool(context.is_enterprise_install)
        )
        if workspaces.installed(workspace):
            next()
            return None
        logger.info("ignoring a request from team %s: Baton is not installed there", workspace.key)
        return BoltResponse(status=200, body="")

    return middleware
