"""HTTP mode: Slack's Request URL (/slack/events) and a health check, served by waitress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.app import BatonApp

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are small; a 40,000-character message is well under this.
MAX_BODY_BYTES = 1_000_000

StartResponse = Callable[..., Any]


class BatonWSGI:
    """Routes Slack's requests to Bolt and answers the health check."""

    def __init__(self, app: BatonApp) -> None:
        self.app = app
        self.slack = SlackRequestHandler(app.bolt, path=EVENTS_PATH)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            return self.slack(environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy = self.app.db.ping()
            body = {"ok": healthy, "database": "ok" if healthy else "unreachable"}
            return _json(start_response, "200 OK" if healthy else "503 Service Unavailable", body)
        if path == EVENTS_PATH:
            return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
        return _json(start_response, "404 Not Found", {"error": "not found"})


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
