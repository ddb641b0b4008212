"""The Slack side of the composition root: the Bolt app and Baton's Slack client, in
single-workspace mode (one SLACK_BOT_TOKEN) or distribution mode (installs through OAuth)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from slack_bolt import App
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse

from bot.adapters.slack_client import make_web_client
from bot.adapters.slack_io import OneWorkspace, SlackIO
from bot.adapters.workspaces import (
    TOKEN_REFRESH_MINUTES,
    InstallationAuthorize,
    InstalledWorkspaces,
    remember_workspace,
    skip_uninstalled,
)
from bot.runtime.work import CountingExecutor
from bot.settings import Settings
from storage.db import Database
from storage.installations import EncryptedInstallationStore, OAuthStateStore, TokenCipher

logger = logging.getLogger(__name__)


@dataclass
class SlackSide:
    """Bolt and the Slack client side of Baton, in one mode or the other."""

    slack: SlackIO
    bolt: App
    bot_user_id: str  # single-workspace mode's; per workspace in distribution mode
    team_url: str  # likewise: links fall back to it when a workspace's URL is unknown
    installations: InstalledWorkspaces | None


def _signing_secret(settings: Settings) -> str | None:
    secret = settings.slack_signing_secret
    return secret.get_secret_value() if secret else None


def one_workspace(settings: Settings, listeners: CountingExecutor) -> SlackSide:
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
    return SlackSide(slack, bolt, bot_user_id, team_url, None)


def distribution(settings: Settings, database: Database, listeners: CountingExecutor) -> SlackSide:
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
    return SlackSide(SlackIO(installations), bolt, "", "https://slack.com/", installations)
