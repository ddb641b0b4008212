"""Slack installations in distribution mode: one row per workspace that added Baton (and its
bot), plus the OAuth `state` values of installs in progress, in Baton's own database.

slack-sdk's SQLAlchemy stores do the reading and writing; this module gives them Baton's
tables (registered on SQLModel.metadata, so migrations and create_tables see them) with every
token column encrypted at rest. Nothing here talks to Slack.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    desc,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

logger = logging.getLogger(__name__)

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
# Columns that hold a credential: stored only as ciphertext.
SECRET_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)


class EncryptionKeyError(ValueError):
    """BATON_ENCRYPTION_KEY is not a usable key; the message says why."""


class TokenCipher:
    """Encrypts tokens with BATON_ENCRYPTION_KEY (Fernet: AES-128-CBC with an HMAC-SHA256).

    The setting holds one key, or several separated by commas: the first encrypts, every one
    decrypts, so a key can be rotated by putting the new one first.
    """

    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise EncryptionKeyError("is empty")
        self._fernet = MultiFernet([Fernet(_fernet_key(part)) for part in parts])

    def encrypt(self, value: str) -> str:
        """Ciphertext (URL-safe text) for `value`."""
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, value: str) -> str:
        """The plaintext of a value `encrypt` made with any of the keys."""
        try:
            return self._fernet.decrypt(value.encode("ascii")).decode()
        except (InvalidToken, UnicodeEncodeError):
            # Never echo the value: it may be a token stored before encryption was on.
            raise EncryptionKeyError(
                "cannot decrypt a stored token: was BATON_ENCRYPTION_KEY changed?"
            ) from None


def _fernet_key(text: str) -> bytes:
    """A Fernet key from a Fernet key, or from any 32 random bytes in base64 or hex."""
    raw: bytes | None = None
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionKeyError("must be a Fernet key or 32 random bytes in base64") from None
    if len(raw) != 32:
        raise EncryptionKeyError(f"must hold 32 bytes of key, not {len(raw)}")
    return base64.urlsafe_b64encode(raw)


def check_key(keys: str) -> None:
    """Raise EncryptionKeyError if `keys` (BATON_ENCRYPTION_KEY) cannot be used."""
    TokenCipher(keys)


class EncryptedText(TypeDecorator[str]):
    """Text that is encrypted on the way into the database and decrypted on the way out."""

    impl = Text
    cache_ok = True

    def __init__(self, cipher: TokenCipher) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.decrypt(value)


def installations_table(metadata: MetaData, secret: TypeEngine[Any]) -> Table:
    """slack-sdk's installations table, with `secret` as the type of every token column."""
    return Table(
        INSTALLATIONS_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("enterprise_url", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", secret),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", secret),
        Column("bot_token_expires_at", DateTime),
        Column("user_id", String(32), nullable=False),
        Column("user_token", secret),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", secret),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", secret),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False, default=sqlalchemy.func.now()),
        Index(
            f"{INSTALLATIONS_TABLE}_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
        # Baton's rows know a workspace by team_id alone (find_for_team).
        Index(f"{INSTALLATIONS_TABLE}_team_idx", "team_id", "installed_at"),
    )


def bots_table(metadata: MetaData, secret: TypeEngine[Any]) -> Table:
    """slack-sdk's bots table (the latest bot token per workspace), tokens typed `secret`."""
    return Table(
        BOTS_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", secret),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", secret),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=sqlalchemy.func.now()),
        Index(f"{BOTS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )


def oauth_states_table(metadata: MetaData) -> Table:
    """slack-sdk's OAuth state table: one row per install begun and not yet finished."""
    return Table(
        OAUTH_STATES_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
        Index(f"{OAUTH_STATES_TABLE}_state_idx", "state"),
    )


# The schema as migrations and create_tables see it: ciphertext is plain text to them.
INSTALLATIONS = installations_table(SQLModel.metadata, Text())
BOTS = bots_table(SQLModel.metadata, Text())
OAUTH_STATES = oauth_states_table(SQLModel.metadata)


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy installation store on Baton's tables, every token encrypted.

    The same tables as INSTALLATIONS and BOTS, on a MetaData of its own whose token columns
    encrypt and decrypt with `cipher`: every read and write slack-sdk (and Bolt) makes goes
    through them, so no code path can store a token in the clear.
    """

    def __init__(
        self,
        *,
        client_id: str,
        engine: Engine,
        cipher: TokenCipher,
        logger: logging.Logger = logger,
    ) -> None:
        # Not super().__init__(): it would build unencrypted tables on a MetaData of its own.
        self.client_id = client_id
        self.engine = engine
        self._logger = logger
        self.metadata = MetaData()
        secret = EncryptedText(cipher)
        self.installations = installations_table(self.metadata, secret)
        self.bots = bots_table(self.metadata, secret)

    def create_tables(self) -> None:
        """Create the tables if missing (Baton's migrations normally do)."""
        self.metadata.create_all(self.engine)

    def find_for_team(self, team_id: str) -> Installation | None:
        """The latest installation in a workspace, by team id alone (Baton's rows carry no
        enterprise id), with the latest bot token for it."""
        c = self.installations.c
        query = (
            self.installations.select()
            .where(and_(c.client_id == self.client_id, c.team_id == team_id))
            .order_by(desc(c.installed_at), desc(c.id))
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        installation = self.build_installation_entity(row)
        bot = self.find_bot(
            enterprise_id=installation.enterprise_id,
            team_id=team_id,
            is_enterprise_install=installation.is_enterprise_install,
        )
        if bot is not None and bot.bot_token != installation.bot_token:
            # A bot token rotated by find_bot/save_bot alone is newer than the row's.
            installation.bot_token = bot.bot_token
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
            installation.bot_user_id = bot.bot_user_id
        return installation

    def delete_workspace(self, *, team_id: str | None, enterprise_id: str | None) -> None:
        """Delete every installation and bot row of a workspace (by team id alone, as
        find_for_team finds them), or of an org-wide install when there is no team."""
        if not team_id:
            self.delete_all(enterprise_id=enterprise_id, team_id=None)
            return
        with self.engine.begin() as conn:
            for table in (self.installations, self.bots):
                conn.execute(
                    table.delete().where(
                        and_(table.c.client_id == self.client_id, table.c.team_id == team_id)
                    )
                )

    def clear_user_tokens(self, *, team_id: str | None, user_id: str) -> None:
        """Forget one person's user token in a workspace, keeping the bot's."""
        c = self.installations.c
        with self.engine.begin() as conn:
            conn.execute(
                self.installations.update()
                .where(
                    and_(c.client_id == self.client_id, c.team_id == team_id, c.user_id == user_id)
                )
                .values(user_token=None, user_refresh_token=None, user_token_expires_at=None)
            )

    def teams(self) -> list[str]:
        """Every workspace with an installation (for operators and tests)."""
        c = self.installations.c
        query = (
            sqlalchemy.select(c.team_id)
            .where(and_(c.client_id == self.client_id, c.team_id.is_not(None)))
            .distinct()
        )
        with self.engine.connect() as conn:
            return sorted(str(team) for team in conn.execute(query).scalars())


class OAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack-sdk's SQLAlchemy OAuth state store on Baton's slack_oauth_states table."""

    def __init__(self, *, engine: Engine, expiration_seconds: int = 600) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=logger)
        self.metadata = SQLModel.metadata
        self.oauth_states = OAUTH_STATES

    def create_tables(self) -> None:
        """Create the table if missing (Baton's migrations normally do)."""
        OAUTH_STATES.create(self.engine, checkfirst=True)

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state; states of installs abandoned earlier are cleared on the way."""
        self.purge_expired(now=datetime.now(UTC))
        return super().issue(*args, **kwargs)

    def purge_expired(self, *, now: datetime) -> int:
        """Delete states of installs abandoned before they finished; returns how many."""
        naive = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now
        with self.engine.begin() as conn:
            result = conn.execute(OAUTH_STATES.delete().where(OAUTH_STATES.c.expire_at < naive))
        return int(result.rowcount or 0)
