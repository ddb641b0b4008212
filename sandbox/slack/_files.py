"""Files in the fake workspace: what people upload and share on their messages, files.info,
and the bytes behind ``url_private`` / ``url_private_download``, served only to a request that
carries a valid bot token, as Slack does (anything else is redirected to the sign-in page).

    spec = slack.upload_file("UALICE", "spec.pdf", pdf_bytes)
    slack.post_user_message("UALICE", "CGEN", "<@UBATON> draft from this", files=[spec])
    slack.file_downloads  # who fetched what, with which token

Sharing a file on a message adds that conversation to the file's ``channels`` / ``groups`` /
``ims`` and ``shares`` (as files.info shows them); ``share_files=False`` on
``post_user_message`` carries a file on a message without sharing it there, as a forwarded or
Slack Connect message can, so files.info lists only where it really is.
"""

from __future__ import annotations

import copy
import mimetypes
import threading
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.slack._models import RequestHeaders
from sandbox.slack._web_api import ApiError, Channel

# Slack's filetype and pretty_type by extension, for the kinds tests use.
_TYPES = {
    "txt": ("text", "Plain Text", "text/plain"),
    "md": ("markdown", "Markdown (raw)", "text/markdown"),
    "csv": ("csv", "CSV", "text/csv"),
    "pdf": ("pdf", "PDF", "application/pdf"),
    "png": ("png", "PNG", "image/png"),
    "jpg": ("jpg", "JPEG", "image/jpeg"),
    "jpeg": ("jpg", "JPEG", "image/jpeg"),
    "gif": ("gif", "GIF", "image/gif"),
    "webp": ("webp", "WebP", "image/webp"),
    "sketch": ("sketch", "Sketch", "application/octet-stream"),
    "mp4": ("mp4", "MPEG 4 Video", "video/mp4"),
    "zip": ("zip", "Zip", "application/zip"),
    "html": ("html", "HTML", "text/html"),
}
FILES_PATH = "/files-pri/"


@dataclass
class FakeFile:
    """A file uploaded to the workspace, and where it is shared."""

    id: str
    name: str
    user: str
    content: bytes
    mimetype: str
    filetype: str
    pretty_type: str
    mode: str = "hosted"
    is_external: bool = False
    deleted: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    # channel id -> the messages that shared it there (ts, thread_ts)
    shares: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class FileDownload:
    """One request for a file's bytes, as the fake answered it."""

    file_id: str | None
    path: str
    token: str | None
    status: int
    at: float


@dataclass
class _DownloadFault:
    file_id: str | None
    status: int
    delay: float


class FileStore:
    """The files part of FakeSlack (a mixin over its state)."""

    team_id: str
    team_domain: str
    bot_user_id: str
    _lock: threading.RLock
    _channels: dict[str, Channel]
    _users: dict[str, dict[str, Any]]

    # Provided by FakeSlack.
    @property
    def url(self) -> str:
        raise NotImplementedError

    def _refuse_bot_token(self, token: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _init_files(self) -> None:
        self._files: dict[str, FakeFile] = {}
        self._downloads: list[FileDownload] = []
        self._download_faults: deque[_DownloadFault] = deque()

    # ---------------------------------------------------------------- people

    def upload_file(
        self,
        user: str,
        name: str,
        content: bytes | str,
        *,
        mimetype: str | None = None,
        filetype: str | None = None,
        pretty_type: str | None = None,
        mode: str = "hosted",
        is_external: bool = False,
    ) -> dict[str, Any]:
        """A person uploads a file (shared nowhere yet); returns the file object a message
        event carries, for ``post_user_message(..., files=[...])``."""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        known = _TYPES.get(extension)
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        data = content.encode() if isinstance(content, str) else bytes(content)
        with self._lock:
            if user not in self._users:
                raise LookupError(f"unknown user {user!r}: add_user() first")
            file = FakeFile(
                id=f"F{uuid.uuid4().hex[:10].upper()}",
                name=name,
                user=user,
                content=data,
                mimetype=mimetype or (known[2] if known else guessed),
                filetype=filetype or (known[0] if known else extension or "binary"),
                pretty_type=pretty_type or (known[1] if known else extension.upper() or "Binary"),
                mode=mode,
                is_external=is_external,
            )
            self._files[file.id] = file
            return self._file_object(file)

    def delete_file(self, file_id: str) -> None:
        """The file's owner deletes it: files.info says file_deleted, downloads get 404."""
        with self._lock:
            self._known_file(file_id).deleted = True

    def fail_next_download(
        self, file_id: str | None = None, *, status: int = 500, delay: float = 0.0, times: int = 1
    ) -> None:
        """Make the next ``times`` downloads (of ``file_id``, or of any file) answer ``status``
        after ``delay`` seconds (status 0: hold ``delay`` seconds, then serve the file)."""
        with self._lock:
            self._download_faults.extend(
                _DownloadFault(file_id, status, delay) for _ in range(times)
            )

    @property
    def file_downloads(self) -> list[FileDownload]:
        """Every request for a file's bytes, oldest first."""
        with self._lock:
            return list(self._downloads)

    def file(self, file_id: str) -> dict[str, Any]:
        """The file as files.info shows it (for assertions)."""
        with self._lock:
            return self._info_object(self._known_file(file_id))

    # ---------------------------------------------------------------- sharing

    def _share_files(
        self, ch: Channel, ts: str, thread_ts: str | None, files: list[dict[str, Any]]
    ) -> None:
        """Files on a person's message are shared in its conversation (lock held)."""
        for obj in files:
            file = self._files.get(str(obj.get("id"))) if isinstance(obj, dict) else None
            if file is not None:
                file.shares.setdefault(ch.id, []).append({"ts": ts, "thread_ts": thread_ts})

    def _known_file(self, file_id: str) -> FakeFile:
        if file_id not in self._files:
            raise LookupError(f"no file {file_id!r}: upload_file() first")
        return self._files[file_id]

    def _visible_to_bot(self, file: FakeFile) -> bool:
        """Baton sees a file shared in a public channel or in a conversation it is in."""
        for channel_id in file.shares:
            ch = self._channels.get(channel_id)
            if ch is not None and (
                not (ch.is_private or ch.is_im) or self.bot_user_id in ch.members
            ):
                return True
        return False

    # ---------------------------------------------------------------- shapes

    def _urls(self, file: FakeFile) -> dict[str, str]:
        quoted = urllib.parse.quote(file.name)
        base = f"{self.url}{FILES_PATH}{self.team_id}-{file.id}"
        return {
            "url_private": f"{base}/{quoted}",
            "url_private_download": f"{base}/download/{quoted}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{file.user}/{file.id}/"
            f"{quoted}",
            "permalink_public": f"https://slack-files.com/{self.team_id}-{file.id}-0000",
        }

    def _file_object(self, file: FakeFile) -> dict[str, Any]:
        """The file as a message event carries it."""
        public = any(
            (ch := self._channels.get(c)) is not None and not (ch.is_private or ch.is_im)
            for c in file.shares
        )
        obj: dict[str, Any] = {
            "id": file.id,
            "created": file.created,
            "timestamp": file.created,
            "name": file.name,
            "title": file.name,
            "mimetype": file.mimetype,
            "filetype": file.filetype,
            "pretty_type": file.pretty_type,
            "user": file.user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(file.content),
            "mode": file.mode,
            "is_external": file.is_external,
            "external_type": "gdrive" if file.is_external else "",
            "is_public": public,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if not file.is_external:
            obj.update(self._urls(file))
        return obj

    def _info_object(self, file: FakeFile) -> dict[str, Any]:
        """The file as files.info shows it to Baton: where it is shared, that Baton can see."""
        obj = self._file_object(file)
        channels: list[str] = []
        groups: list[str] = []
        ims: list[str] = []
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for channel_id, shared in file.shares.items():
            ch = self._channels.get(channel_id)
            if ch is None:
                continue
            if ch.is_im or ch.is_private:
                if self.bot_user_id not in ch.members:
                    continue  # a private share Baton is not part of is not shown to it
                (ims if ch.is_im else groups).append(ch.id)
                scope = "private"
            else:
                channels.append(ch.id)
                scope = "public"
            shares.setdefault(scope, {})[ch.id] = [
                {
                    "reply_users": [],
                    "reply_users_count": 0,
                    "reply_count": 0,
                    "ts": share["ts"],
                    "channel_name": ch.name,
                    "team_id": self.team_id,
                    **({"thread_ts": share["thread_ts"]} if share.get("thread_ts") else {}),
                }
                for share in shared
            ]
        obj.update(channels=channels, groups=groups, ims=ims, shares=shares, comments_count=0)
        return obj

    # ---------------------------------------------------------------- Web API

    def _api_files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        file = self._files.get(str(p.get("file") or ""))
        if file is None or not self._visible_to_bot(file):
            raise ApiError("file_not_found")
        if file.deleted:
            raise ApiError("file_deleted")
        return {
            "ok": True,
            "file": self._info_object(file),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    # ---------------------------------------------------------------- bytes

    def _serve_file(
        self, path: str, headers: RequestHeaders
    ) -> tuple[int, bytes, str, dict[str, str]]:
        """GET /files-pri/T-F/name or /files-pri/T-F/download/name."""
        auth = headers.get("Authorization") or ""
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
        head = path[len(FILES_PATH) :].split("/", 1)[0]
        file_id = head.split("-", 1)[1] if "-" in head else None
        with self._lock:
            file = self._files.get(file_id or "")
            fault = next((f for f in self._download_faults if f.file_id in (None, file_id)), None)
            if fault is not None:
                self._download_faults.remove(fault)
            authorised = token is not None and self._refuse_bot_token(token) is None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if not authorised:
            # What Slack does without a good token: off to the sign-in page.
            status = 302
            login = f"https://{self.team_domain}.slack.com/?redir={urllib.parse.quote(path)}"
            body = f'<html><body><a href="{login}">Sign in</a></body></html>'.encode()
            answer = (status, body, "text/html; charset=utf-8", {"Location": login})
        elif fault is not None and fault.status:
            status = fault.status
            answer = (status, b"<html>Slack is having trouble</html>", "text/html", {})
        elif file is None or file.deleted or file.is_external:
            status = 404
            answer = (status, b"<html>File not found</html>", "text/html", {})
        else:
            status = 200
            disposition = "attachment" if "/download/" in path else "inline"
            answer = (
                status,
                file.content,
                file.mimetype,
                {"Content-Disposition": f'{disposition}; filename="{file.name}"'},
            )
        with self._lock:
            self._downloads.append(FileDownload(file_id, path, token, status, time.monotonic()))
        return answer

    def _file_copies(self, files: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        """The file objects a message stores (fresh from the store when known)."""
        if not files:
            return None
        out = []
        for obj in files:
            known = self._files.get(str(obj.get("id"))) if isinstance(obj, dict) else None
            out.append(self._file_object(known) if known is not None else copy.deepcopy(obj))
        return out
