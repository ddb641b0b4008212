"""HTTP plumbing: the fake's server, request decoding, and outgoing POSTs to the app."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any, Protocol

from sandbox.slack._models import Delivery, RequestHeaders
from sandbox.slack._web_api import ApiError

# Arguments Slack accepts as JSON-encoded strings in form bodies.
JSON_ARGS = ("blocks", "attachments", "metadata", "view", "prompts", "chunks", "loading_messages")


class Backend(Protocol):
    """What the server needs from FakeSlack."""

    def _serve_api(
        self, method: str, query: str, headers: RequestHeaders, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]: ...

    def _serve_response_url(self, response_id: str, body: bytes) -> tuple[int, bytes, str]: ...

    def _serve_ui(
        self, command: str, path: str, query: str, content_type: str, body: bytes
    ) -> tuple[int, bytes, str]: ...

    def _serve_authorize(self, query: str) -> tuple[int, bytes, str, dict[str, str]]: ...

    def _serve_file(
        self, path: str, headers: RequestHeaders
    ) -> tuple[int, bytes, str, dict[str, str]]: ...


class Server(ThreadingHTTPServer):
    # Non-daemon request threads, so server_close() joins them: stop() leaves none behind.
    daemon_threads = False
    block_on_close = True
    # socketserver's default backlog of 5 drops bursts of concurrent clients (1 s SYN retry).
    request_queue_size = 128

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        super().__init__((host, port), Handler)

    def process_request_thread(
        self, request: socket | tuple[bytes, socket], client_address: Any
    ) -> None:
        # Named so leak checks can tell the fake's threads from everyone else's.
        threading.current_thread().name = f"FakeSlack-request-{self.server_address[1]}"
        super().process_request_thread(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: Server
    # An idle client must not pin a request thread (and with it stop()) forever.
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests should not be drowned in access logs

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length) if length else b"")

    def _route(self, body: bytes) -> None:
        url = urllib.parse.urlsplit(self.path)
        backend = self.server.backend
        if url.path.startswith("/api/"):
            status, answer, headers = backend._serve_api(
                url.path[5:], url.query, self.headers, body
            )
            data = json.dumps(answer).encode()
            self._send(status, data, "application/json; charset=utf-8", headers)
        elif url.path.startswith("/response/") and self.command == "POST":
            status, data, ctype = backend._serve_response_url(url.path[10:], body)
            self._send(status, data, ctype)
        elif url.path.startswith("/files-pri/") and self.command == "GET":
            # A file's bytes, for a bot token only (see _files).
            status, data, ctype, headers = backend._serve_file(url.path, self.headers)
            # The downloader may have given up waiting (a slow download is a test's doing).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(status, data, ctype, headers)
        elif url.path == "/oauth/v2/authorize" and self.command == "GET":
            # The consent page an install link leads to (see _oauth).
            status, data, ctype, headers = backend._serve_authorize(url.query)
            self._send(status, data, ctype, headers)
        elif url.path in ("/", "/index.html") or url.path.startswith("/ui/"):
            # The browser UI (see _ui): the page, its assets and its JSON endpoints.
            status, data, ctype = backend._serve_ui(
                self.command, url.path, url.query, self.headers.get("Content-Type") or "", body
            )
            self._send(status, data, ctype, {"Cache-Control": "no-store"})
        else:
            self._send(404, b"not_found", "text/plain")

    def _send(
        self, status: int, data: bytes, ctype: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Web API arguments from the query string plus a form or JSON body, as Slack reads them."""
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if body:
        if ctype == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(data, dict):
                raise ApiError("json_not_object")
            params.update(data)
        elif ctype == "application/x-www-form-urlencoded":
            try:
                params.update(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            except UnicodeDecodeError:
                raise ApiError("invalid_charset") from None
        elif not ctype:
            raise ApiError("missing_post_type")
        else:
            raise ApiError("invalid_post_type")
    for key in JSON_ARGS:
        if isinstance(params.get(key), str) and params[key]:
            # A malformed value stays a string; the method reports it (invalid_blocks_format).
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def pop_token(headers: RequestHeaders, params: dict[str, Any]) -> str | None:
    """The bearer token, else the legacy ``token`` argument (always removed from params)."""
    form_token = params.pop("token", None)
    auth = headers.get("Authorization") or ""
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :].strip() or None
    return str(form_token) if form_token else None


def post(
    opener: urllib.request.OpenerDirector,
    url: str,
    delivery: Delivery,
    headers: dict[str, str],
    timeout: float,
) -> None:
    """POST ``delivery.body`` and fill in status, answer, duration and timeout/error."""
    d = delivery
    d.headers = headers
    request = urllib.request.Request(url, data=d.body, headers=headers, method="POST")
    started = time.monotonic()
    d.sent_at = started
    try:
        with opener.open(request, timeout=timeout) as response:
            d.status = response.status
            d.response_body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        d.status = e.code
        d.response_body = e.read().decode("utf-8", "replace")
        e.close()
    except TimeoutError:
        d.timed_out = True
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            d.timed_out = True
        else:
            d.error = str(e.reason)
    except OSError as e:  # e.g. the app reset the connection mid-answer
        d.error = str(e)
    d.seconds = time.monotonic() - started
    # Slack counts an answer after the timeout as a failure even if one eventually arrives.
    d.timed_out = d.timed_out or d.seconds > timeout
