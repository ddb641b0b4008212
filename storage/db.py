"""Engine and session handling for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

# Both register their tables on SQLModel.metadata (models: Baton's; installations: Slack OAuth).
from storage import installations, models  # noqa: F401


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine tuned per backend; `schema` pins PostgreSQL's search_path (tests use it)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, say when transactions begin (so SAVEPOINT works).
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the one writer; busy_timeout makes writers queue, not fail.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        # Connections opening a new database together race to switch it, and SQLite refuses
        # the losers at once (a busy wait could deadlock). WAL, once set, stays with the file,
        # and these connections take it up on their next read.
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that reads, then writes after
    # another writer committed, fails at once with "database is locked" instead of waiting.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The one handle the rest of Baton uses: short transactions, never across a network call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """Connect to `url`; nothing is created (see storage.migrate, or `create_tables`)."""
        return cls(make_engine(url, **kwargs))

    def create_tables(self) -> None:
        """Create missing tables from the models (tests); `baton db upgrade` migrates real ones."""
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
