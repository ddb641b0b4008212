"""Baton's settings, read from the environment or a `.env` file (shared/INTERFACE.md)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.limits import Limits

DEFAULT_MODEL = "claude-sonnet-5-5"
# The bot scopes of manifest.yml: what an install asks for in distribution mode.
DEFAULT_SCOPES = (
    "app_mentions:read,channels:history,groups:history,im:history,chat:write,"
    "reactions:read,commands,users:read,assistant:write,channels:read,groups:read,mpim:read,"
    "im:read,files:read"
)
_SCOPE = re.compile(r"[a-z][a-z_.-]*(:[a-z_.-]+)*")

# What to tell a person who got a setting wrong, by field name.
_HOW_TO_FIX = {
    "slack_bot_token": "set it to the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, "
    "or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install Baton in many workspaces",
    "slack_client_id": "set it to the Client ID from Basic Information, or unset both it and "
    "SLACK_CLIENT_SECRET for one workspace with SLACK_BOT_TOKEN",
    "slack_client_secret": "set it to the Client Secret from Basic Information, or unset both it "
    "and SLACK_CLIENT_ID for one workspace with SLACK_BOT_TOKEN",
    "slack_scopes": "set it to bot scopes separated by commas, such as chat:write,commands",
    "slack_redirect_uri": "set it to https://<your host>/slack/oauth_redirect, or unset it",
    "baton_encryption_key": "set it to a key made by python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
    "slack_signing_secret": "set it to the Signing Secret from Basic Information, "
    "or set SLACK_APP_TOKEN to use Socket Mode",
    "slack_app_token": "set it to an app-level token (xapp-…) with connections:write, or unset it",
    "slack_api_url": "set it to an http(s) URL such as https://slack.com/api/",
    "database_url": "set it to sqlite:///baton.db or postgresql+psycopg://user@host/db",
    "baton_draft_workers": "set it to a whole number from 1 to 1000",
    "baton_retention_days": "set it to a number of days (1 or more), or unset it to keep text",
    "baton_max_input_tokens": "set it to a whole number from 1000 to 1000000",
    "baton_job_lease_seconds": "set it to a number of seconds from 1 to 3600",
}


class SettingsError(Exception):
    """A missing or malformed setting, with a one-line message that says what to do."""


class Settings(BaseSettings):
    """Everything Baton reads from its environment; nothing reads os.environ elsewhere."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # Single-workspace mode: one bot token. Distribution mode (client id and secret set)
    # replaces it with a token per installed workspace, stored encrypted with the key below.
    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = DEFAULT_SCOPES
    slack_redirect_uri: str | None = None
    baton_encryption_key: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    baton_model: str = DEFAULT_MODEL
    database_url: str = "sqlite:///baton.db"
    # Model work runs on its own pool so Slack acks never wait behind drafts.
    baton_draft_workers: int = Field(default=64, ge=1, le=1000)
    baton_log_level: str = "INFO"
    # Request and draft text older than this many days is removed; unset keeps it.
    baton_retention_days: int | None = Field(default=None, ge=1, le=36_500)
    # Caps on model work (0 turns one off), and on what one model call may carry.
    baton_limit_person_per_hour: int = Field(default=30, ge=0)
    baton_limit_person_in_flight: int = Field(default=3, ge=0)
    baton_limit_workspace_per_hour: int = Field(default=600, ge=0)
    baton_limit_workspace_in_flight: int = Field(default=40, ge=0)
    baton_max_input_tokens: int = Field(default=40_000, ge=1_000, le=1_000_000)
    # How long a process may go silent before another takes over its draft (it renews the
    # lease every third of this while alive).
    baton_job_lease_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @field_validator("slack_signing_secret", "anthropic_api_key", "slack_client_secret")
    @classmethod
    def _empty_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("slack_client_id")
    @classmethod
    def _client_id_shape(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not re.fullmatch(r"[0-9]+\.[0-9]+", value):
            raise ValueError("must look like 1234567890.1234567890")
        return value or None

    @field_validator("slack_scopes")
    @classmethod
    def _scopes_shape(cls, value: str) -> str:
        scopes = [scope for scope in re.split(r"[\s,]+", value) if scope]
        if not scopes:
            return DEFAULT_SCOPES
        bad = [scope for scope in scopes if not _SCOPE.fullmatch(scope)]
        if bad:
            raise ValueError(f"has a malformed scope {bad[0][:40]!r}")
        return ",".join(dict.fromkeys(scopes))

    @field_validator("slack_redirect_uri")
    @classmethod
    def _redirect_uri_shape(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        return value.strip()

    @field_validator("baton_encryption_key")
    @classmethod
    def _encryption_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from storage.installations import EncryptionKeyError, check_key

        try:
            check_key(value.get_secret_value())
        except EncryptionKeyError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        # slack_sdk joins method names onto base_url, so it must end in a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return _database_url_shape(value)

    @model_validator(mode="after")
    def _modes(self) -> Settings:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            missing = (
                "slack_client_secret" if self.slack_client_secret is None else "slack_client_id"
            )
            raise ValueError(f"{missing}: is missing (distribution mode needs both)")
        if not self.distribution and self.slack_bot_token is None:
            raise ValueError("slack_bot_token: is missing")
        if self.distribution and self.baton_encryption_key is None:
            raise ValueError("baton_encryption_key: is required in distribution mode")
        if self.distribution and self.slack_app_token is not None:
            # Installs need /slack/install and /slack/oauth_redirect, which HTTP mode serves.
            raise ValueError("slack_app_token: cannot be used in distribution mode")
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError("slack_signing_secret: is required in HTTP mode")
        return self

    @property
    def distribution(self) -> bool:
        """True when Baton installs into many workspaces through OAuth (client id and secret
        set), with a token per workspace instead of SLACK_BOT_TOKEN."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    @property
    def scopes(self) -> list[str]:
        """The bot scopes an install asks for."""
        return self.slack_scopes.split(",")

    @property
    def socket_mode(self) -> bool:
        """True when Baton connects out to Slack instead of serving HTTP."""
        return self.slack_app_token is not None

    @property
    def limits(self) -> Limits:
        """The caps on model work per person and per workspace."""
        return Limits(
            person_per_hour=self.baton_limit_person_per_hour,
            person_in_flight=self.baton_limit_person_in_flight,
            workspace_per_hour=self.baton_limit_workspace_per_hour,
            workspace_in_flight=self.baton_limit_workspace_in_flight,
        )

    @property
    def model_configured(self) -> bool:
        """True when a Claude API key is set."""
        return self.anthropic_api_key is not None


class DatabaseSettings(BaseSettings):
    """What `baton db` reads: only where the database is, so it runs without Slack tokens."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///baton.db"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return _database_url_shape(value)


def _database_url_shape(value: str) -> str:
    if not value.startswith(("sqlite:", "postgresql")):
        raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
    if value.startswith("postgresql://"):
        # SQLAlchemy's bare postgresql:// means psycopg2, which we do not ship.
        value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
    return value


def load_database_settings() -> DatabaseSettings:
    """Read DATABASE_URL alone, with the same one-line errors as `load_settings`."""
    try:
        return DatabaseSettings()
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one line that names the setting and the fix."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "is invalid"))
    field = location[0] if location else ""
    if not field and ":" in message:
        # Errors from the model validator carry the field name in the message.
        field, _, message = message.removeprefix("Value error, ").partition(":")
        message = message.strip()
    env_name = field.upper() or "a setting"
    if error.get("type") == "missing":
        problem = "is missing"
    else:
        problem = message.removeprefix("Value error, ")
    default_fix = (
        "set it to a whole number, or 0 to turn the limit off"
        if field.startswith("baton_limit_")
        else "check its value"
    )
    fix = _HOW_TO_FIX.get(field, default_fix)
    return f"{env_name} {problem}: {fix}."
