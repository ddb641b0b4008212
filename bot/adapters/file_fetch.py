"""Downloading a Slack file with the workspace's bot token: only from Slack's own hosts, with a
deadline and a size cap, and never following a redirect (Slack answers a request without a
good token with a redirect to its sign-in page, and a redirect must not carry the token on)."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

logger = logging.getLogger(__name__)

# Seconds a whole download may take (each read also waits at most this long).
FETCH_TIMEOUT = 20.0
_CHUNK = 64 * 1024
# Hosts Slack serves files from (files.slack.com; GovSlack's own domain). The host of
# SLACK_API_URL is trusted too: a gateway or a test server serves files where it serves the API.
SLACK_FILE_DOMAINS = ("slack.com", "slack-gov.com")


class FetchFailed(Exception):
    """A file could not be downloaded; `reason` says why, for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Downloaded:
    """A file's bytes and the content type Slack served them with."""

    data: bytes
    content_type: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


def allowed_url(url: str, *, api_url: str) -> bool:
    """True for a URL the bot token may be sent to: a Slack file host over HTTPS, or the
    Slack API's own host (scheme and port included)."""
    parts, api = urlsplit(url), urlsplit(api_url)
    if parts.scheme == api.scheme and parts.netloc.lower() == api.netloc.lower():
        return True
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and any(
        host == domain or host.endswith("." + domain) for domain in SLACK_FILE_DOMAINS
    )


def download(
    client: WebClient, url: str, *, max_bytes: int, timeout: float = FETCH_TIMEOUT
) -> Downloaded:
    """The file at `url` (a url_private_download), fetched with `client`'s bot token through
    the same proxy and TLS settings as its API calls; raises FetchFailed."""
    if not url:
        raise FetchFailed("Slack gave no download link for it")
    if not allowed_url(url, api_url=client.base_url):
        # Never send the token anywhere but Slack, whatever a file object says.
        raise FetchFailed("its download link is not on Slack")
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler(
            {"http": client.proxy, "https": client.proxy} if client.proxy else {}
        ),
        _NoRedirects(),
    ]
    if client.ssl is not None:
        handlers.append(urllib.request.HTTPSHandler(context=client.ssl))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url,
        headers={"Authorization": f"Bearer {client.token}", "User-Agent": "Baton (Slack app)"},
    )
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            content_type = str(response.headers.get("Content-Type") or "")
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchFailed("downloading it took too long")
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise FetchFailed(f"it is larger than Slack said (over {max_bytes:,} bytes)")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            # Slack's answer to a missing or refused token: a redirect to its sign-in page.
            raise FetchFailed(
                "Slack sent me to its sign-in page: I may lack the files:read permission"
            ) from None
        if exc.code in (401, 403):
            raise FetchFailed(f"Slack refused me the file ({exc.code})") from None
        if exc.code == 404:
            raise FetchFailed("Slack no longer has it") from None
        raise FetchFailed(f"Slack answered {exc.code} when I downloaded it") from None
    except TimeoutError:
        raise FetchFailed("downloading it timed out") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FetchFailed("downloading it timed out") from None
        logger.warning("file download failed: %s", type(exc.reason).__name__)
        raise FetchFailed("I could not reach Slack to download it") from None
    except (OSError, HTTPException) as exc:
        logger.warning("file download broke off: %s", type(exc).__name__)
        raise FetchFailed("the download broke off") from None
    return Downloaded(b"".join(chunks), content_type)
