"""`baton run` as a person starts it, settings errors, and manifest.yml agreeing with the code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot import constants
from bot.constants import BOT_EVENTS, SLASH_COMMAND
from sandbox.slack import FakeSlack
from tests.listening import read_port

ALL_ACTIONS = [value for name, value in vars(constants).items() if name.startswith("ACTION_")]

ROOT = Path(__file__).resolve().parent.parent


def baton(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "ANTHROPIC_", "BATON_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN is missing"),
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN must start with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is required in HTTP mode"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "x"},
            "SLACK_APP_TOKEN must start with xapp-",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "mysql://x"},
            "DATABASE_URL must be a sqlite",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PORT": "http"},
            "PORT is not a port number",
        ),
    ],
)
def test_a_bad_setting_stops_baton_with_one_line(
    env: dict[str, str], named: str, tmp_path: Path
) -> None:
    """Each missing or malformed setting ends `baton run` at once with one line naming it."""
    result = baton(["run"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_baton_run_serves_health_and_never_logs_the_token(tmp_path: Path) -> None:
    """`baton run` starts against a Slack API URL, answers /healthz, and stops on SIGTERM."""
    with FakeSlack() as slack:
        env = {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
            "BATON_LOG_LEVEL": "INFO",
        }
        migrated = baton(["db", "upgrade"], env, tmp_path)
        assert migrated.returncode == 0, migrated.stderr
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
            env={**os.environ, **env},
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        head = ""
        try:
            port, head = read_port(process.stderr)
            assert port is not None, head
            body = slack.wait_for(lambda: _health(port), timeout=20, message="/healthz")
            assert body == {"ok": True, "database": "ok"}
        finally:
            process.terminate()
            _, rest = process.communicate(timeout=20)
            stderr = head + rest
        assert process.returncode == 0, stderr
        assert "No model" not in stderr and "ANTHROPIC_API_KEY is not set" in stderr
        assert slack.bot_token not in stderr


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return json.loads(response.read())
    except OSError:
        return None


def test_manifest_matches_what_baton_listens_to() -> None:
    """manifest.yml subscribes to the events, command and interactivity Baton registers."""
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    settings = manifest["settings"]
    assert tuple(settings["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == SLASH_COMMAND
    urls = {
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    }
    assert len(urls) == 1 and next(iter(urls)).endswith("/slack/events")
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "reactions:read", "im:history"} <= scopes


def test_every_subscribed_event_and_button_has_a_listener(world) -> None:
    """Bolt answers 404 to what nothing listens to (and Slack then retries): nothing may be."""
    for event in sorted({e.split(".")[0] for e in BOT_EVENTS}):
        delivery = world.slack.send_event(
            {
                "type": event,
                "user": "UALICE",
                "channel": "CGENERAL",
                "ts": "1.1",
                "event_ts": "1.1",
                "tab": "home",
                "text": "hello",
                "assistant_thread": {"user_id": "UALICE", "channel_id": "D1", "thread_ts": "1.1"},
            }
        )
        assert delivery.status == 200, (event, delivery.response_body)
    for action in ALL_ACTIONS:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": "UALICE"},
            "api_app_id": "A0001",
            "token": "verif",
            "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": "CGENERAL"},
            "channel": {"id": "CGENERAL"},
            "response_url": world.slack.url + "/response/x",
            "actions": [
                {
                    "action_id": action,
                    "block_id": "b",
                    "value": "999",
                    "type": "button",
                    "action_ts": "1.2",
                }
            ],
        }
        from urllib.parse import urlencode

        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = world.slack.signed_headers(body, content_type="application/x-www-form-urlencoded")
        delivery = world.slack.post_raw(body, headers)
        assert delivery.status == 200, (action, delivery.response_body)
