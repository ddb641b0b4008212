"""The `baton` command."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.settings import SettingsError, load_database_settings, load_settings

if TYPE_CHECKING:
    pass

logger = logging.getLogger("baton")

_TOKEN = re.compile(r"\b(xox[abpre]-|xapp-)[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+")


class RedactTokens(logging.Filter):
    """Masks anything shaped like a Slack or Anthropic token before it reaches a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN.sub("[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class DropBoltTokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN (which it reads itself) is unused when given a client:
    true, expected, and alarming to an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def configure_logging(level: str) -> None:
    """Log to stderr with tokens masked; Bolt's own request logging kept quiet."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactTokens())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # Bolt logs whole request bodies when verification fails; keep people's text out of logs.
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    # Alembic narrates every step at INFO; `baton db` prints what happened in a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    handler.addFilter(DropBoltTokenNotice())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: `baton run [--port N]`, `baton sandbox`, `baton db upgrade|status`."""
    parser = argparse.ArgumentParser(
        prog="baton", description="Baton, a Slack bot for directing AI work."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="start the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)"
    )
    run.add_argument("--port", type=int, default=None, help="HTTP port (default $PORT, else 3000)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP interface (default 0.0.0.0)")
    sandbox = commands.add_parser(
        "sandbox", help="try Baton in a browser with a local Slack-like workspace; no tokens needed"
    )
    sandbox.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    sandbox.add_argument("--no-browser", action="store_true", help="print the URL, open nothing")
    db = commands.add_parser("db", help="the database schema at DATABASE_URL")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate it to this version's schema (safe to repeat)")
    db_commands.add_parser(
        "status", help="show its revision and this version's (exit 1 unless they match)"
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args.host, args.port)
    if args.command == "sandbox":
        return _sandbox(args.port, open_browser=not args.no_browser)
    if args.command == "db":
        return _db(args.db_command)
    return 2


def _db(command: str) -> int:
    try:
        url = load_database_settings().database_url
    except SettingsError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    configure_logging(os.environ.get("BATON_LOG_LEVEL", "WARNING"))

    from storage.db import make_engine
    from storage.migrate import schema_status, upgrade_to_head

    try:
        engine = make_engine(url)
        try:
            if command == "upgrade":
                before = upgrade_to_head(engine)
            status = schema_status(engine)
        finally:
            engine.dispose()
    except Exception as exc:  # one line, never a trace: the URL may carry a password
        print(f"baton: database {command} failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    if command == "upgrade":
        if before == status.head:
            print(f"The database is up to date (at {status.head}).")
        else:
            print(f"Migrated the database from {before or 'nothing'} to {status.head}.")
        return 0
    print(f"database: {status.current or 'none'}")
    print(f"code:     {status.head}  ({status.state})")
    return 0 if status.up_to_date else 1


def _sandbox(port: int, *, open_browser: bool) -> int:
    configure_logging(os.environ.get("BATON_LOG_LEVEL", "WARNING"))
    from sandbox.run import start_sandbox

    try:
        sandbox = start_sandbox(port=port)
    except OSError as exc:
        print(
            f"baton: could not start the sandbox on port {port}: {exc.strerror}; try --port 3001",
            file=sys.stderr,
        )
        return 1
    model = "an offline drafter (no ANTHROPIC_API_KEY)" if sandbox.offline else "Claude"
    print(f"Baton sandbox: {sandbox.url}  (drafting with {model}; Ctrl-C stops)", flush=True)
    if open_browser and not os.environ.get("CI"):
        import webbrowser

        webbrowser.open(sandbox.url)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    sandbox.stop()
    return 0


def _run(host: str, port: int | None) -> int:
    try:
        settings = load_settings()
        if port is None:
            port = _port_from_env()
    except SettingsError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.baton_log_level)

    # Imported late: nothing connects before settings are valid.
    from bot.bootstrap import SchemaNotCurrent, create_app, start_timetable

    try:
        app = create_app(settings)
    except SchemaNotCurrent as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # startup must end in one line, never a trace with secrets
        print(f"baton: could not start: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1
    scheduler = start_timetable(app)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack_app_token is not None
        # The client notices a dropped connection at its next ping: ping often enough that a
        # drop costs seconds, not tens of seconds.
        handler = SocketModeHandler(
            app.bolt, settings.slack_app_token.get_secret_value(), ping_interval=5
        )
        stopped = threading.Event()

        def stop_socket(_signum: int, _frame: object) -> None:
            logger.info("stopping: disconnecting; finishing drafts in flight")
            stopped.set()

        signal.signal(signal.SIGTERM, stop_socket)
        signal.signal(signal.SIGINT, stop_socket)
        logger.info("Baton is connecting to Slack in Socket Mode")
        try:
            handler.connect()
            stopped.wait()
        finally:
            handler.close()
            scheduler.shutdown(wait=True)
            app.close()
        return 0

    from bot.entrypoints.web import make_server, stop_server

    server = make_server(app, host=host, port=port)

    def stop(_signum: int, _frame: object) -> None:
        logger.info("stopping: no new requests; finishing drafts in flight")
        # The loop runs on this (main) thread; stopping it must happen from another.
        threading.Thread(target=stop_server, args=(server,), daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("Baton is listening on http://%s:%s/slack/events", host, server.effective_port)
    try:
        server.run()
    finally:
        scheduler.shutdown(wait=True)
        app.close()
    return 0


def _port_from_env() -> int:
    raw = os.environ.get("PORT", "3000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"PORT is not a port number ({raw!r}): set it to e.g. 3000.")
    return int(raw)


def _one_line(exc: Exception) -> str:
    return _TOKEN.sub("[redacted]", str(exc)).splitlines()[0][:300] if str(exc) else ""


if __name__ == "__main__":
    sys.exit(main())
