"""Installing the app in more workspaces, as Slack's OAuth v2 does it: the consent page
(``/oauth/v2/authorize``, which here consents at once and redirects back with a code),
``oauth.v2.access`` (code exchange and token refresh), a bot token per workspace that the
Web API checks on every call, and uninstalling (tokens revoked, ``tokens_revoked`` and
``app_uninstalled`` delivered).

    slack.token_rotation = True               # tokens expire; oauth.v2.access refreshes them
    result = slack.browse_install("http://127.0.0.1:3000/slack/install?team=T0002")
    assert result.status == 200
    token = slack.installed_token("T0002")    # what Baton was given for T0002
    [call] = [c for c in slack.calls_to("chat.postMessage") if c.team_id == "T0002"]
    slack.uninstall("T0002")

Response shapes follow Slack's oauth.v2.access (shared/slack-web-api-spec), with
``refresh_token`` and ``expires_in`` when token rotation is on.
"""

from __future__ import annotations

import base64
import http.cookiejar
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.slack._models import Delivery, RequestHeaders
from sandbox.slack._web_api import ApiError

OAUTH_METHOD = "oauth.v2.access"
AUTHORIZE_PATH = "/oauth/v2/authorize"
CODE_TTL = 600.0  # seconds a code may wait to be exchanged, as on Slack
DEFAULT_TOKEN_LIFETIME = 43_200  # rotating tokens last 12 hours on Slack


@dataclass
class IssuedToken:
    """A token the fake handed out through OAuth."""

    team_id: str
    kind: str  # bot | refresh
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class _Code:
    team_id: str
    redirect_uri: str | None
    scope: str
    issued_at: float
    used: bool = False


@dataclass
class InstallResult:
    """Where a browser ended up after an install: the last page's status, URL and text."""

    status: int
    url: str
    body: str
    visited: list[str] = field(default_factory=list)


class OAuthApps:
    """OAuth state and methods, as a mixin over FakeSlack."""

    team_id: str
    team_name: str
    team_domain: str
    api_app_id: str
    bot_user_id: str
    bot_id: str
    bot_token: str
    _lock: threading.RLock
    _users: dict[str, dict[str, Any]]

    if TYPE_CHECKING:  # FakeSlack's own, which this mixes into

        def as_team(self, team_id: str) -> AbstractContextManager[object]: ...

        def send_event(self, event: dict[str, Any]) -> Delivery: ...

    def _init_oauth(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        # The Redirect URL of the app's OAuth settings (used when the authorize URL has none).
        self.oauth_redirect_url: str | None = None
        # Token rotation (opt-in on Slack): tokens then expire and come with a refresh token.
        self.token_rotation = False
        self.token_lifetime = DEFAULT_TOKEN_LIFETIME
        # The next visit to the consent page is refused by the person ("Cancel").
        self.deny_next_install = False
        self._issued: dict[str, IssuedToken] = {}
        self._codes: dict[str, _Code] = {}
        self._default_revoked = False

    # ------------------------------------------------------------------ for tests

    def installed_token(self, team_id: str) -> str | None:
        """The newest live bot token issued for ``team_id`` (None if none)."""
        with self._lock:
            live = [
                token
                for token, issued in self._issued.items()
                if issued.team_id == team_id and issued.kind == "bot" and not issued.revoked
            ]
            return live[-1] if live else None

    def issued_tokens(self, team_id: str | None = None) -> dict[str, IssuedToken]:
        """Every token issued through OAuth (optionally for one workspace), oldest first."""
        with self._lock:
            return {
                token: IssuedToken(**vars(issued))
                for token, issued in self._issued.items()
                if team_id is None or issued.team_id == team_id
            }

    def expire_tokens(self, team_id: str, *, in_seconds: float = 0.0) -> None:
        """Make the workspace's rotating tokens expire ``in_seconds`` from now."""
        with self._lock:
            for issued in self._issued.values():
                if issued.team_id == team_id and issued.kind == "bot" and issued.expires_at:
                    issued.expires_at = time.time() + in_seconds

    def browse_install(self, install_url: str, *, max_hops: int = 5) -> InstallResult:
        """What a person's browser does with the app's install link: follow its redirects
        (with cookies) to this fake's consent page, which consents and sends the browser back
        to the app's redirect URL with a code; returns the last page."""
        jar = http.cookiejar.CookieJar(policy=_LoopbackIsSecure())
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(jar),
            _NoRedirects(),
        )
        url, visited = install_url, []
        for _ in range(max_hops):
            visited.append(url)
            try:
                with opener.open(url, timeout=10) as response:
                    status, headers = response.status, response.headers
                    body = response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                status, headers = e.code, e.headers
                body = e.read().decode("utf-8", "replace")
                e.close()
            location = headers.get("Location")
            if status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                continue
            return InstallResult(status=status, url=url, body=body, visited=visited)
        raise RuntimeError(f"more than {max_hops} redirects from {install_url}")

    def uninstall(self, team_id: str) -> list[Delivery]:
        """Someone removes the app from ``team_id``: its tokens stop working, and Slack sends
        ``tokens_revoked`` and then ``app_uninstalled``. Returns the two deliveries."""
        with self._lock:
            for issued in self._issued.values():
                if issued.team_id == team_id:
                    issued.revoked = True
            if team_id == self.team_id:
                self._default_revoked = True
        with self.as_team(team_id):
            revoked = self.send_event(
                {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [self.bot_user_id]}}
            )
            uninstalled = self.send_event({"type": "app_uninstalled"})
        return [revoked, uninstalled]

    # ------------------------------------------------------------- token checks

    def _token_team(self, token: str | None) -> str | None:
        """The workspace a bot token belongs to (None for anything else)."""
        if token is None:
            return None
        if token == self.bot_token:
            return self.team_id
        issued = self._issued.get(token)
        return issued.team_id if issued is not None and issued.kind == "bot" else None

    def _refuse_bot_token(self, token: str) -> dict[str, Any] | None:
        """Slack's answer to a call made with a token that cannot make it (None if it can)."""
        if token == self.bot_token:
            return {"ok": False, "error": "token_revoked"} if self._default_revoked else None
        issued = self._issued.get(token)
        if issued is None:
            return {"ok": False, "error": "invalid_auth"}
        if issued.kind != "bot":
            return {"ok": False, "error": "not_allowed_token_type"}
        if issued.revoked:
            return {"ok": False, "error": "token_revoked"}
        if issued.expires_at is not None and issued.expires_at <= time.time():
            return {"ok": False, "error": "token_expired"}
        return None

    def _team_answer(self, team_id: str) -> dict[str, Any]:
        """How auth.test and oauth.v2.access name a workspace."""
        if team_id == self.team_id:
            return {"id": team_id, "name": self.team_name, "domain": self.team_domain}
        return {"id": team_id, "name": f"Workspace {team_id}", "domain": team_id.lower()}

    # --------------------------------------------------------- oauth.v2.access

    def _oauth_access(self, headers: RequestHeaders, p: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: exchange a code, or a refresh token, for a bot token."""
        client_id, client_secret = _client_credentials(headers, p)
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        grant = str(p.get("grant_type") or "authorization_code")
        if grant == "refresh_token":
            refresh = self._issued.get(str(p.get("refresh_token") or ""))
            if refresh is None or refresh.kind != "refresh" or refresh.revoked:
                raise ApiError("invalid_refresh_token")
            return self._grant(refresh.team_id, scope=str(p.get("scope") or ""), installer=None)
        if grant != "authorization_code":
            raise ApiError("invalid_grant_type")
        code = self._codes.get(str(p.get("code") or ""))
        if code is None or code.used or time.time() - code.issued_at > CODE_TTL:
            raise ApiError("invalid_code")
        redirect_uri = p.get("redirect_uri") or None
        if code.redirect_uri is not None and redirect_uri != code.redirect_uri:
            raise ApiError("bad_redirect_uri")
        code.used = True
        return self._grant(code.team_id, scope=code.scope, installer=self._installer())

    def _grant(self, team_id: str, *, scope: str, installer: str | None) -> dict[str, Any]:
        team = self._team_answer(team_id)
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": self.api_app_id,
            "scope": scope,
            "token_type": "bot",
            "bot_user_id": self.bot_user_id,
            "team": {"id": team["id"], "name": team["name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if installer is not None:
            answer["authed_user"] = {"id": installer}
        if self.token_rotation:
            access = f"xoxe.xoxb-1-{secrets.token_hex(24)}"
            refresh = f"xoxe-1-{secrets.token_hex(48)}"
            expires_at = time.time() + self.token_lifetime
            self._issued[access] = IssuedToken(team_id, "bot", expires_at)
            self._issued[refresh] = IssuedToken(team_id, "refresh")
            answer.update(
                access_token=access, refresh_token=refresh, expires_in=self.token_lifetime
            )
        else:
            access = f"xoxb-{team_id}-{secrets.token_hex(24)}"
            self._issued[access] = IssuedToken(team_id, "bot")
            answer["access_token"] = access
        return answer

    def _installer(self) -> str:
        people = [u for u, info in self._users.items() if not info.get("is_bot")]
        return people[0] if people else "UINSTALLER"

    # ------------------------------------------------------------ consent page

    def _serve_authorize(self, query: str) -> tuple[int, bytes, str, dict[str, str]]:
        """GET /oauth/v2/authorize: the person consents at once (unless told to refuse) and
        the browser goes back to the app with a code and the app's state."""
        args = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        with self._lock:
            if args.get("client_id") != self.client_id:
                return 400, b"invalid_client_id", "text/plain", {}
            given = args.get("redirect_uri") or None
            if given is not None and self.oauth_redirect_url and given != self.oauth_redirect_url:
                return 400, b"redirect_uri did not match any configured URIs", "text/plain", {}
            target = given or self.oauth_redirect_url
            if not target:
                return 400, b"no redirect_uri: set FakeSlack.oauth_redirect_url", "text/plain", {}
            answer = {"state": args.get("state", "")}
            if self.deny_next_install:
                self.deny_next_install = False
                answer["error"] = "access_denied"
            else:
                code = f"{int(time.time())}.{secrets.token_hex(12)}"
                self._codes[code] = _Code(
                    team_id=args.get("team") or self.team_id,
                    redirect_uri=given,
                    scope=args.get("scope", ""),
                    issued_at=time.time(),
                )
                answer["code"] = code
        joiner = "&" if urllib.parse.urlsplit(target).query else "?"
        location = target + joiner + urllib.parse.urlencode(answer)
        return 302, b"", "text/plain", {"Location": location}


def _client_credentials(headers: RequestHeaders, p: dict[str, Any]) -> tuple[str, str]:
    """client_id and client_secret from HTTP Basic auth (slack_sdk's way) or the arguments."""
    auth = headers.get("Authorization") or ""
    if auth.startswith("Basic "):
        try:
            decoded = base64.b64decode(auth[len("Basic ") :]).decode()
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(p.get("client_id") or ""), str(p.get("client_secret") or "")


class _LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Browsers count http://127.0.0.1 and localhost as secure: Secure cookies go there."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        host = urllib.parse.urlsplit(request.get_full_url()).hostname
        return host in ("127.0.0.1", "localhost", "::1") or super().return_ok_secure(
            cookie, request
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand each redirect back, so browse_install can record every hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
