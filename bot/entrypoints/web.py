"""HTTP mode: Slack's Request URL (/slack/events) and a health check, served by waitress."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore
from waitress.server import create_server

from bot.adapters.workspaces import in_workspace
from bot.bootstrap import BatonApp
from bot.runtime.degraded import COMMAND_DEGRADED

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Distribution mode: the Add to Slack link, and where Slack sends the installer back.
INSTALL_PATH = "/slack/install"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"
# Slack's payloads are small; a 40,000-character message is well under this.
MAX_BODY_BYTES = 1_000_000

StartResponse = Callable[..., Any]


class BatonWSGI:
    """Routes Slack's requests to Bolt and answers the health check."""

    def __init__(self, app: BatonApp) -> None:
        self.app = app
        self.slack = SlackRequestHandler(app.bolt, path=EVENTS_PATH)
        secret = app.settings.slack_signing_secret
        self.secret = secret.get_secret_value().encode() if secret else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # A fresh context per request: the workspace one request records (see
        # bot.adapters.workspaces) can never linger on this server thread into the next.
        return contextvars.Context().run(self._serve, environ, start_response)

    def _serve(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in (INSTALL_PATH, OAUTH_REDIRECT_PATH) and self.app.installations is not None:
            if method != "GET":
                return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
            # Bolt's OAuth flow: the state cookie, Slack's consent page, the code exchange.
            return self.slack(environ, start_response)
        if path == EVENTS_PATH and method == "POST":
            body = _read_body(environ)
            if self.secret is not None and not signature_ok(
                self.secret,
                body,
                timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
                signature=environ.get("HTTP_X_SLACK_SIGNATURE", ""),
            ):
                # Refused before anything reads the body (Bolt would log it whole).
                return _json(start_response, "401 Unauthorized", {"error": "invalid signature"})
            problem = malformed(body, environ.get("CONTENT_TYPE", ""))
            if problem is not None:
                # Bolt would answer some of these with a 500 and a logged trace.
                return _json(start_response, "400 Bad Request", {"error": problem})
            if not self.app.degraded.watch.healthy:
                content_type = environ.get("CONTENT_TYPE", "")
                with in_workspace(request_team(body, content_type)):
                    return self._degraded(body, content_type, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            return self.slack(environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = self.app.db.ping()
            health = {"ok": healthy, "database": "ok" if healthy else "unreachable"}
            return _json(start_response, "200 OK" if healthy else "503 Service Unavailable", health)
        if path == EVENTS_PATH:
            return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
        return _json(start_response, "404 Not Found", {"error": "not found"})

    def _degraded(
        self, body: bytes, content_type: str, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The database is not answering: answer Slack at once, and never take an event that
        could not be stored. Events get a 503, so Slack delivers them again later; people who
        asked for something are told (once) why nothing happens yet."""
        if "application/json" in content_type:
            envelope = json.loads(body)
            if envelope.get("type") == "url_verification":
                return _json(start_response, "200 OK", {"challenge": envelope.get("challenge")})
            tell = self.app.degraded.notice.about_event(envelope)
            if tell is not None:
                self.app.work.submit(("degraded", id(tell)), tell)
            return _json(start_response, "503 Service Unavailable", {"error": "degraded"})
        form = parse_qs(body.decode("utf-8"))
        if "command" in form:
            # Slack shows a slash command's answer to the person; it never retries one.
            answer: dict[str, Any] = {"response_type": "ephemeral", "text": COMMAND_DEGRADED}
            return _json(start_response, "200 OK", answer)
        payload = _object(json.loads(form.get("payload", ["{}"])[0]))
        if payload.get("type") == "view_submission":
            fields = list(_object(_object(_object(payload.get("view")).get("state")).get("values")))
            if fields:
                errors = {fields[0]: "Baton's database is not answering; try again in a minute."}
                answer = {"response_action": "errors", "errors": errors}
                return _json(start_response, "200 OK", answer)
        user = _object(payload.get("user")).get("id")
        channel = _object(payload.get("channel")).get("id")
        if isinstance(user, str) and isinstance(channel, str):
            notice = self.app.degraded.notice
            self.app.work.submit(
                ("degraded", user), lambda: notice.tell(channel, user, None, COMMAND_DEGRADED)
            )
        return _json(start_response, "200 OK", {})


def request_team(body: bytes, content_type: str) -> str | None:
    """The workspace a (well-formed) Slack request comes from, read without Bolt."""
    try:
        if "application/json" in content_type:
            envelope = _object(json.loads(body))
            return str(envelope.get("team_id") or "") or None
        form = parse_qs(body.decode("utf-8"))
        if "team_id" in form:
            return form["team_id"][0] or None
        payload = _object(json.loads(form.get("payload", ["{}"])[0]))
        team = payload.get("team")
        user = _object(payload.get("user"))
        return str((_object(team).get("id") if team else None) or user.get("team_id") or "") or None
    except (ValueError, RecursionError):
        return None


def _object(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (payload fields can be anything)."""
    return value if isinstance(value, dict) else {}


def signature_ok(secret: bytes, body: bytes, *, timestamp: str, signature: str) -> bool:
    """Slack's v0 signature over the raw bytes, from the last five minutes."""
    # slack-sdk's verifier does the HMAC and the five-minute window, but raises on headers and
    # bodies no Slack request has: refuse those here. ASCII digits only: int() refuses "²"
    # (which isdigit() allows) and more than 4,300 digits.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 20):
        return False
    if not signature.isascii():
        return False
    try:
        verifier = SignatureVerifier(secret.decode("utf-8"))
        return verifier.is_valid(body.decode("utf-8"), timestamp=timestamp, signature=signature)
    except (UnicodeDecodeError, ValueError):  # Slack's secrets and bodies are UTF-8 text
        return False


def _read_body(environ: dict[str, Any]) -> bytes:
    raw_length = environ.get("CONTENT_LENGTH") or "0"
    length = int(raw_length) if raw_length.isdigit() else 0
    return environ["wsgi.input"].read(min(length, MAX_BODY_BYTES)) if length else b""


def malformed(body: bytes, content_type: str) -> str | None:
    """Why a body cannot be a Slack request (None if it may be one); signatures are Bolt's."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if "application/json" in content_type:
        try:
            envelope = json.loads(text)
        # RecursionError: arrays nested thousands deep, which no Slack payload is.
        except (ValueError, RecursionError):
            return "body is not JSON"
        if not isinstance(envelope, dict):
            return "body is not a JSON object"
        event = envelope.get("event", {})
        if not isinstance(event, dict):
            return "event is not an object"
        # Bolt's assistant middleware fails with a 500 on these without their thread object.
        if str(event.get("type", "")).startswith("assistant_thread_") and not isinstance(
            event.get("assistant_thread"), dict
        ):
            return "assistant event without assistant_thread"
        return None
    payload = parse_qs(text).get("payload")
    if payload:
        try:
            interaction = json.loads(payload[0])
        except (ValueError, RecursionError):
            return "payload is not JSON"
        if not isinstance(interaction, dict):
            return "payload is not a JSON object"
    return None


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def make_server(app: BatonApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16):
    """A waitress server for Baton (not yet serving: call `.run()`); port 0 picks a free one."""
    return create_server(
        BatonWSGI(app),
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES,
        ident="baton",
        clear_untrusted_proxy_headers=True,
    )


def stop_server(server: Any, *, timeout: float = 10.0) -> None:
    """Stop a running waitress server from another thread: let requests in progress finish,
    then close every socket from inside its own loop, which then returns."""
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
    except OSError:
        # The loop already closed its trigger (seen once in a long suite): nothing can wake
        # it, so close the sockets from here; the loop ends once its map is empty.
        logger.warning("waitress trigger already closed; closing its sockets directly")
        wasyncore.close_all(server._map, ignore_all=True)
