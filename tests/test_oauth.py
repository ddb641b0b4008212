"""Distribution mode: workspaces install Baton through OAuth, each is answered with its own bot
token (never another's), tokens are encrypted at rest, refreshed before they expire, and
deleted on uninstall. Through the real Bolt app and the fake Slack over HTTP, on each backend."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import create_engine, text

from bot.adapters.slack_io import WorkspaceUnknown
from bot.adapters.workspaces import in_workspace
from bot.entrypoints.cli import RedactTokens
from bot.settings import SettingsError, load_settings
from sandbox.claude import FakeClaude
from sandbox.slack import FakeSlack
from storage.db import Database
from storage.installations import (
    EncryptedInstallationStore,
    EncryptionKeyError,
    OAuthStateStore,
    TokenCipher,
)
from tests.listening import read_port
from tests.test_cli_and_manifest import _health, baton
from tests.test_database_down import DEAD_DATABASE
from tests.world import ALICE, CHANNEL, World, block_texts

TEAM_A = "T0001"
TEAM_B = "T0002"
KEY = Fernet.generate_key().decode()
LAUNCH = "write a launch note for the new export feature, for customers, under 150 words"
WED_0900 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def start(database: Database, slack: FakeSlack, claude: FakeClaude) -> World:
    """Baton in distribution mode: no SLACK_BOT_TOKEN, the app's client id and secret."""
    world = World.start(
        database=database,
        slack=slack,
        claude=claude,
        slack_bot_token=None,
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        baton_encryption_key=KEY,
    )
    # The app's Redirect URL, as configured in its OAuth settings on Slack.
    slack.oauth_redirect_url = base_url(world) + "/slack/oauth_redirect"
    return world


def base_url(world: World) -> str:
    return world.events_url.removesuffix("/slack/events")


def install(world: World, team_id: str) -> str:
    """Someone in `team_id` clicks Add to Slack and consents; returns the token Baton got."""
    result = world.slack.browse_install(f"{base_url(world)}/slack/install?team={team_id}")
    assert result.status == 200, (result.status, result.body[:300])
    token = world.slack.installed_token(team_id)
    assert token is not None
    return token


@pytest.fixture
def distribution(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> Iterator[World]:
    """Baton in distribution mode, installed in no workspace yet."""
    world = start(database, fake_slack, fake_claude)
    try:
        yield world
    finally:
        world.stop()


def calls_since(world: World, before: int) -> list[Any]:
    return world.slack.calls[before:]


def raw_rows(world: World, table: str) -> list[dict[str, Any]]:
    """Rows exactly as stored, read with plain SQL."""
    with world.database.engine.connect() as connection:
        return [dict(row) for row in connection.execute(text(f"SELECT * FROM {table}")).mappings()]


def store(world: World, key: str = KEY) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id=world.slack.client_id, engine=world.database.engine, cipher=TokenCipher(key)
    )


# ---- installing ----------------------------------------------------------------------


def test_two_workspaces_install_and_each_is_answered_with_its_own_token(
    distribution: World,
) -> None:
    """A and B install; B's mention is answered (brief, draft, DM digest) only with B's token,
    then A's only with A's: never the other workspace's."""
    world = distribution
    token_a, token_b = install(world, TEAM_A), install(world, TEAM_B)
    assert token_a != token_b
    [exchange_a, exchange_b] = world.slack.calls_to("oauth.v2.access")
    assert exchange_a.ok and exchange_b.ok
    assert exchange_b.params["code"] and "client_secret" not in exchange_b.params

    before = len(world.slack.calls)
    with world.slack.as_team(TEAM_B):
        ts_b = world.mention(LAUNCH)
    [draft] = world.wait_for_drafts(ts_b, 1)
    assert "Export is here" in block_texts(draft)
    made = calls_since(world, before)
    assert made, "Baton made no Slack call for B's mention"
    assert {c.token for c in made} == {token_b}
    assert {c.team_id for c in made} == {TEAM_B}

    before = len(world.slack.calls)
    ts_a = world.mention(LAUNCH)
    world.wait_for_drafts(ts_a, 1)
    made = calls_since(world, before)
    assert made and {c.token for c in made} == {token_a}


def test_a_scheduled_digest_goes_out_with_its_workspaces_token(distribution: World) -> None:
    """Digests are sent per workspace: Alice of B gets hers through B's token."""
    world = distribution
    install(world, TEAM_A)
    token_b = install(world, TEAM_B)
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    before = len(world.slack.calls)
    report = world.app.digests.tick(WED_0900)
    assert report.sent == 1
    posts = [c for c in calls_since(world, before) if c.method == "chat.postMessage"]
    assert [c.token for c in posts] == [token_b]
    assert posts[0].params["channel"] == ALICE
    members = [c for c in calls_since(world, before) if c.method == "conversations.members"]
    assert members and {c.token for c in members} == {token_b}


def test_a_slash_command_and_home_tab_use_the_workspaces_token(distribution: World) -> None:
    """Interactivity too: /baton digest and the Home tab in B go out with B's token."""
    world = distribution
    install(world, TEAM_A)
    token_b = install(world, TEAM_B)
    before = len(world.slack.calls)
    with world.slack.as_team(TEAM_B):
        world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "digest")
        world.slack.send_event(
            {"type": "app_home_opened", "user": ALICE, "channel": "D1", "tab": "home"}
        )
    world.slack.wait_for(
        lambda: world.slack.calls_to("views.publish"), message="the Home tab published"
    )
    world.idle()
    made = calls_since(world, before)
    assert {c.method for c in made} >= {"chat.postMessage", "views.publish"}
    assert {c.token for c in made} == {token_b}


def test_the_install_link_redirects_to_slack_with_the_scopes_and_a_state(
    distribution: World,
) -> None:
    """/slack/install sends the browser to the consent page, with the manifest's scopes and a
    state that is also set as a cookie; the callback refuses a state it did not issue."""
    world = distribution
    result = world.slack.browse_install(f"{base_url(world)}/slack/install?team={TEAM_B}")
    authorize = result.visited[1]
    assert authorize.startswith(world.slack.url + "/oauth/v2/authorize?")
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["scope"] == [",".join(world.app.settings.scopes)]
    assert asked["client_id"] == [world.slack.client_id] and asked["team"] == [TEAM_B]
    assert asked["state"][0]
    forged = world.slack.browse_install(
        f"{base_url(world)}/slack/oauth_redirect?code=x&state=not-issued"
    )
    assert forged.status == 400
    assert world.slack.installed_token(TEAM_A) is None


def test_a_cancelled_install_stores_nothing(distribution: World) -> None:
    """The person presses Cancel on Slack's page: a failure page, and no installation."""
    world = distribution
    world.slack.deny_next_install = True
    result = world.slack.browse_install(f"{base_url(world)}/slack/install?team={TEAM_B}")
    assert result.status == 200 and "access_denied" in result.body
    assert raw_rows(world, "slack_installations") == []
    assert world.slack.calls_to("oauth.v2.access") == []


# ---- tokens at rest -------------------------------------------------------------------


def test_tokens_are_encrypted_at_rest(distribution: World) -> None:
    """Raw rows hold no xoxb-/xoxe- text; the store with the key reads the tokens back, a store
    with another key cannot."""
    world = distribution
    world.slack.token_rotation = True  # so refresh tokens (xoxe-) are stored too
    token_a, token_b = install(world, TEAM_A), install(world, TEAM_B)
    rows = raw_rows(world, "slack_installations") + raw_rows(world, "slack_bots")
    assert len(rows) == 4
    dumped = repr(rows)
    for secret in ("xoxb-", "xoxe-", "xoxe.", token_a, token_b):
        assert secret not in dumped
    assert all(row["bot_refresh_token"] for row in rows)
    found = store(world).find_for_team(TEAM_B)
    assert found is not None and found.bot_token == token_b
    assert found.bot_refresh_token is not None and found.bot_refresh_token.startswith("xoxe-")
    with pytest.raises(EncryptionKeyError):
        store(world, Fernet.generate_key().decode()).find_for_team(TEAM_B)


def test_abandoned_install_states_are_cleared(database: Database) -> None:
    """A state from an install nobody finished is gone once it expires and another begins."""
    abandoned = OAuthStateStore(engine=database.engine, expiration_seconds=-1).issue()
    states = OAuthStateStore(engine=database.engine)
    fresh = states.issue()
    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT state FROM slack_oauth_states")).scalars().all()
    assert kept == [fresh]
    assert not states.consume(abandoned)
    assert states.consume(fresh) and not states.consume(fresh)


def test_a_key_can_be_rotated() -> None:
    """BATON_ENCRYPTION_KEY=new,old: new tokens use the new key, old ones still decrypt."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = TokenCipher(old).encrypt("xoxb-1-old")
    both = TokenCipher(f"{new},{old}")
    assert both.decrypt(stored) == "xoxb-1-old"
    assert TokenCipher(new).decrypt(both.encrypt("xoxb-1-new")) == "xoxb-1-new"
    with pytest.raises(EncryptionKeyError):
        TokenCipher(new).decrypt(stored)


def test_each_workspace_has_its_own_bot_user(distribution: World) -> None:
    """The bot user id (for stripping @Baton and ignoring its own echoes) is per workspace."""
    world = distribution
    installations = store(world)
    for team, bot_user in ((TEAM_A, "UBOTA"), (TEAM_B, "UBOTB")):
        installations.save(
            Installation(
                app_id="A0001",
                team_id=team,
                bot_token=f"xoxb-{team}-x",
                bot_id="B1",
                bot_user_id=bot_user,
                user_id="UINSTALLER",
            )
        )
    slack = world.app.usecases.deps.slack
    with in_workspace(TEAM_A):
        assert slack.bot_user_id == "UBOTA"
    with in_workspace(TEAM_B):
        assert slack.bot_user_id == "UBOTB"


def test_a_slack_call_with_no_workspace_at_hand_is_refused(distribution: World) -> None:
    """Outside any workspace, no token is guessed: the call raises instead."""
    world = distribution
    install(world, TEAM_A)
    with pytest.raises(WorkspaceUnknown):
        world.app.usecases.deps.slack.post(channel=CHANNEL, thread_ts=None, blocks=[], text="hello")
    assert world.slack.calls_to("chat.postMessage") == []


# ---- rotation ---------------------------------------------------------------------------


def test_an_expiring_token_is_refreshed_once_and_the_new_one_stored(distribution: World) -> None:
    """B's token expires in two minutes: the next mention refreshes it once (however many
    calls the answer needs), answers with the new token, and stores it encrypted."""
    world = distribution
    world.slack.token_rotation = True
    world.slack.token_lifetime = 120  # inside Baton's refresh window
    install(world, TEAM_A)
    old = install(world, TEAM_B)
    world.slack.token_lifetime = 43_200
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    refreshes = [c for c in world.slack.calls_to("oauth.v2.access") if c.params.get("grant_type")]
    assert len(refreshes) == 1 and refreshes[0].ok
    assert refreshes[0].params["grant_type"] == "refresh_token"
    new = refreshes[0].response["access_token"]
    assert new != old
    answered = [c for c in world.slack.calls if c.method == "chat.postMessage"]
    assert answered and {c.token for c in answered} == {new}
    found = store(world).find_for_team(TEAM_B)
    assert found is not None and found.bot_token == new
    assert found.bot_refresh_token == refreshes[0].response["refresh_token"]
    assert new not in repr(raw_rows(world, "slack_installations") + raw_rows(world, "slack_bots"))


def test_a_failed_refresh_fails_the_call_not_the_process(
    distribution: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack refuses the refresh: B's request is not answered, nothing crashes, no token is
    logged, and A is unaffected."""
    world = distribution
    world.slack.token_rotation = True
    token_a = install(world, TEAM_A)
    world.slack.token_lifetime = 60
    install(world, TEAM_B)
    world.slack.fail_next("oauth.v2.access", error="invalid_refresh_token")
    with world.slack.as_team(TEAM_B):
        delivery = world.slack.send_event(
            {"type": "app_mention", "user": ALICE, "channel": CHANNEL, "text": "hi", "ts": "1.5"}
        )
    assert delivery.status == 200
    world.idle()
    before = len(world.slack.calls)
    ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    assert {c.token for c in calls_since(world, before)} == {token_a}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "xoxe" not in logged and "xoxb" not in logged


def test_what_baton_run_would_log_holds_no_token_secret_or_key(
    distribution: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Install, refresh, answer and uninstall at DEBUG: no bot or refresh token, client secret
    or encryption key reaches a log line, before or after the CLI's filter."""
    world = distribution
    caplog.set_level(logging.DEBUG)
    world.slack.token_rotation = True
    world.slack.token_lifetime = 60
    install(world, TEAM_B)
    world.slack.token_lifetime = 43_200
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.slack.uninstall(TEAM_B)
    world.idle()
    raw = "\n".join(record.getMessage() for record in caplog.records)
    filtered = []
    for record in caplog.records:
        RedactTokens().filter(record)
        filtered.append(record.getMessage())
    secrets = [*world.slack.issued_tokens(TEAM_B), world.slack.client_secret, KEY]
    assert len(secrets) >= 6
    for secret in secrets:
        # Not even slack_sdk's DEBUG lines carry one: the filter is a second net.
        assert secret not in raw
        assert secret not in "\n".join(filtered)


# ---- uninstalling -----------------------------------------------------------------------


def test_uninstall_deletes_the_workspaces_tokens_and_later_events_are_ignored(
    distribution: World, caplog: pytest.LogCaptureFixture
) -> None:
    """B removes Baton: tokens_revoked and app_uninstalled are acknowledged, B's rows are
    deleted (A's stay), and a later event from B is acknowledged and dropped without error."""
    world = distribution
    install(world, TEAM_A)
    install(world, TEAM_B)
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    caplog.set_level(logging.INFO)
    deliveries = world.slack.uninstall(TEAM_B)
    assert [d.status for d in deliveries] == [200, 200]
    world.idle()
    for table in ("slack_installations", "slack_bots"):
        assert {row["team_id"] for row in raw_rows(world, table)} == {TEAM_A}
    before = len(world.slack.calls)
    with world.slack.as_team(TEAM_B):
        late = world.mention("one more for the road")
        delivery = world.slack.send_slash_command(ALICE, CHANNEL, "/baton", "help")
    assert delivery.status == 200
    world.idle()
    assert world.baton_messages(late) == []
    assert calls_since(world, before) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # A carries on.
    ts_a = world.mention(LAUNCH)
    world.wait_for_drafts(ts_a, 1)


def test_a_revoked_user_token_leaves_the_bot_installed(distribution: World) -> None:
    """tokens_revoked naming only a person (the installer) keeps the workspace's bot token."""
    world = distribution
    token_b = install(world, TEAM_B)
    with world.slack.as_team(TEAM_B):
        delivery = world.slack.send_event(
            {"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": []}}
        )
    assert delivery.status == 200
    world.idle()
    assert {row["team_id"] for row in raw_rows(world, "slack_bots")} == {TEAM_B}
    before = len(world.slack.calls)
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    assert {c.token for c in calls_since(world, before)} == {token_b}


def test_work_in_flight_at_uninstall_stops_quietly(distribution: World) -> None:
    """A digest due for a workspace that has just uninstalled is dropped, not retried."""
    world = distribution
    install(world, TEAM_B)
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    world.slack.uninstall(TEAM_B)
    world.idle()
    report = world.app.digests.tick(WED_0900)
    assert report.failed == 0 and report.sent == 0


def test_with_the_database_down_the_notice_goes_out_with_the_workspaces_last_token(
    distribution: World,
) -> None:
    """The database (and with it the installation store) stops answering: B's mention gets a
    503 and the degraded notice, sent with the token B last used, not A's and not none."""
    world = distribution
    install(world, TEAM_A)
    token_b = install(world, TEAM_B)
    with world.slack.as_team(TEAM_B):
        ts = world.mention(LAUNCH)
    world.wait_for_drafts(ts, 1)
    installations = world.app.installations
    assert installations is not None
    installations.cache_seconds = 0  # every lookup asks the (dead) database
    dead = create_engine(DEAD_DATABASE, connect_args={"connect_timeout": 1})
    live = world.app.db.engine
    world.app.db.engine = installations.store.engine = dead
    try:
        watch = world.app.degraded.watch
        world.slack.wait_for(lambda: not watch.healthy, message="the watch to see it down")
        before = len(world.slack.calls)
        with world.slack.as_team(TEAM_B):
            world.mention("and a short version for the newsletter")
        world.slack.wait_for(
            lambda: world.slack.calls_to("chat.postEphemeral"), message="the degraded notice"
        )
        world.idle()
    finally:
        world.app.db.engine = installations.store.engine = live
        dead.dispose()
    [notice] = [c for c in calls_since(world, before) if c.method == "chat.postEphemeral"]
    assert notice.token == token_b and "degraded" in notice.params["text"]


# ---- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"slack_client_id": "1.2"}, "SLACK_CLIENT_SECRET is missing"),
        ({"slack_client_secret": "s"}, "SLACK_CLIENT_ID is missing"),
        (
            {"slack_client_id": "1.2", "slack_client_secret": "s"},
            "BATON_ENCRYPTION_KEY is required in distribution mode",
        ),
        (
            {"slack_client_id": "1.2", "slack_client_secret": "s", "baton_encryption_key": "x"},
            "BATON_ENCRYPTION_KEY must",
        ),
        ({"slack_client_id": "my-app"}, "SLACK_CLIENT_ID must look like"),
        (
            {
                "slack_client_id": "1.2",
                "slack_client_secret": "s",
                "baton_encryption_key": KEY,
                "slack_app_token": "xapp-1",
            },
            "SLACK_APP_TOKEN cannot be used in distribution mode",
        ),
        ({"slack_bot_token": "xoxb-1", "slack_scopes": "chat:write,,Bad Scope"}, "SLACK_SCOPES"),
    ],
)
def test_distribution_settings_are_checked(env: dict[str, str], named: str) -> None:
    """Each distribution setting that is missing or malformed is named in one line."""
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, slack_signing_secret="s", **env)
    message = str(caught.value)
    assert named in message and "\n" not in message


@pytest.mark.slow
def test_baton_run_in_distribution_mode_serves_the_install_link(tmp_path: Path) -> None:
    """`baton run` with client id, secret and key (no bot token) starts, and its install link
    leads to Slack's consent page; stderr carries neither secret nor key."""
    with FakeSlack() as slack:
        env = {
            "SLACK_CLIENT_ID": slack.client_id,
            "SLACK_CLIENT_SECRET": slack.client_secret,
            "BATON_ENCRYPTION_KEY": KEY,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
            "BATON_LOG_LEVEL": "INFO",
        }
        migrated = baton(["db", "upgrade"], env, tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.entrypoints.cli",
                "run",
                "--port",
                "0",
                "--host",
                "127.0.0.1",
            ],
            env={**clean, **env},
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        head = ""
        try:
            port, head = read_port(process.stderr)
            assert port is not None, head
            slack.wait_for(lambda: _health(port), timeout=20, message="/healthz")
            slack.oauth_redirect_url = f"http://127.0.0.1:{port}/slack/oauth_redirect"
            result = slack.browse_install(f"http://127.0.0.1:{port}/slack/install")
            assert result.status == 200, result.body[:300]
            assert result.visited[1].startswith(slack.url + "/oauth/v2/authorize?")
            assert slack.installed_token(slack.team_id) is not None
        finally:
            process.terminate()
            _, rest = process.communicate(timeout=20)
            stderr = head + rest
        assert process.returncode == 0, stderr
        for secret in (slack.client_secret, KEY, slack.installed_token(slack.team_id)):
            assert str(secret) not in stderr


def test_distribution_mode_needs_no_bot_token_and_defaults_to_the_manifests_scopes() -> None:
    """Client id, secret and key are enough; the scopes asked for are manifest.yml's."""
    import yaml

    from tests.test_cli_and_manifest import ROOT

    settings = load_settings(
        _env_file=None,
        slack_signing_secret="s",
        slack_client_id="1.2",
        slack_client_secret="s",
        baton_encryption_key=KEY,
    )
    assert settings.distribution and settings.slack_bot_token is None
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert settings.scopes == manifest["oauth_config"]["scopes"]["bot"]
