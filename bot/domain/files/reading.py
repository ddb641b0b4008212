"""Which attached files Baton reads: the kind of each, which are skipped before downloading and
why, and checking that the bytes downloaded are what the file claims to be."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.inbound import SlackFile
from bot.domain.limits import estimate_tokens

KB = 1_000
MB = 1_000_000
# At most this many files are read for one request (the request and its thread together);
# more would crowd the request out of Claude's attention and run up cost.
MAX_FILES = 5
# A text, Markdown or CSV file larger than this is skipped, not cut: half a table misleads.
MAX_TEXT_BYTES = 200 * KB
MAX_PDF_BYTES = 5 * MB
# Claude refuses an image whose base64 passes 5 MiB (5,242,880 characters): 3.75 MB raw is
# under it with room to spare.
MAX_IMAGE_BYTES = 3_750_000
# What one model call may carry in files, raw: base64 grows it by a third, and Claude takes
# at most 32 MB a request, prompt included.
MAX_TOTAL_BYTES = 15 * MB
# Claude reads at most 100 PDF pages a request; a longer PDF would fail the whole call.
MAX_PDF_PAGES = 100

READABLE = "text, Markdown, CSV, PDF and images"


class FileKind(StrEnum):
    """What Baton makes of a file."""

    TEXT = "text"
    MARKDOWN = "markdown"
    CSV = "csv"
    PDF = "pdf"
    IMAGE = "image"
    UNSUPPORTED = "unsupported"

    @property
    def is_text(self) -> bool:
        """True for the kinds Claude gets as quoted text."""
        return self in (FileKind.TEXT, FileKind.MARKDOWN, FileKind.CSV)


IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_IMAGE_FILETYPES = ("png", "jpg", "jpeg", "gif", "webp")


def kind_of(file: SlackFile) -> FileKind:
    """The kind of a file, from Slack's mimetype and filetype (the name's extension last)."""
    mimetype, filetype = file.mimetype, file.filetype
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    if mimetype == "application/pdf" or filetype == "pdf":
        return FileKind.PDF
    if mimetype in IMAGE_TYPES or filetype in _IMAGE_FILETYPES:
        return FileKind.IMAGE
    if filetype == "markdown" or mimetype in ("text/markdown", "text/x-markdown"):
        return FileKind.MARKDOWN
    if filetype == "csv" or mimetype == "text/csv":
        return FileKind.CSV
    # A snippet of code is text/plain with its language as filetype: text to Claude.
    if filetype == "text" or mimetype == "text/plain":
        return FileKind.TEXT
    if not mimetype and not filetype:
        by_extension = {"md": FileKind.MARKDOWN, "csv": FileKind.CSV, "txt": FileKind.TEXT}
        return by_extension.get(extension, FileKind.UNSUPPORTED)
    return FileKind.UNSUPPORTED


def byte_cap(kind: FileKind) -> int:
    """The largest file of `kind` Baton reads."""
    if kind is FileKind.PDF:
        return MAX_PDF_BYTES
    if kind is FileKind.IMAGE:
        return MAX_IMAGE_BYTES
    return MAX_TEXT_BYTES


def size_text(size: int) -> str:
    """A size as people read it: 48 MB, 230 kB, 512 bytes."""
    if size >= MB:
        return f"{size / MB:.3g} MB"
    if size >= KB:
        return f"{size / KB:.3g} kB"
    return f"{size} bytes"


def _a_kind(file: SlackFile) -> str:
    """'a Sketch file', 'an MPEG 4 Video file': how Slack names the type, with an article."""
    name = file.pretty_type or file.filetype.upper() or "an unknown type of"
    if name.startswith("an unknown"):
        return "an unknown type of file"
    name = re.sub(r"[`<>&*_~]", "", name)[:40]
    if not name.lower().endswith("file"):
        name += " file"
    first = name.split()[0]
    # An acronym is spelt out: "an MP4", "an SVG"; a word goes by its first letter.
    sounds_vowel = first[0] in "AEFHILMNORSX" if first.isupper() else first[0] in "aeiouAEIOU"
    return f"{'an' if sounds_vowel else 'a'} {name}"


def precheck(file: SlackFile, *, used: int, used_bytes: int) -> str | None:
    """Why a file is skipped before it is downloaded (None: fetch it). `used` and
    `used_bytes` are the files the request already reads."""
    kind = kind_of(file)
    if file.mode == "hidden_by_limit":
        return "Slack hides it: the workspace is over its file history limit"
    if file.mode == "tombstone":
        return "it was deleted"
    if file.is_external or file.mode == "external":
        return "it is a link to a file kept outside Slack: I can only read files uploaded to Slack"
    if kind is FileKind.UNSUPPORTED:
        return f"{_a_kind(file)}: I can read {READABLE}"
    cap = byte_cap(kind)
    if file.size is not None and file.size > cap:
        return f"{size_text(file.size)}; the limit is {size_text(cap)}"
    if used >= MAX_FILES:
        return f"I read at most {MAX_FILES} files per request"
    if file.size is not None and used_bytes + file.size > MAX_TOTAL_BYTES:
        return (
            f"with the other files it would pass {size_text(MAX_TOTAL_BYTES)}, "
            "the most I send at once"
        )
    return None


@dataclass(frozen=True)
class Attachment:
    """A file Baton read, ready for Claude: text for text kinds, bytes for PDFs and images."""

    name: str
    kind: FileKind
    media_type: str
    data: bytes = b""
    text: str = ""
    cut: bool = False  # only the start of the text fits the input cap

    @property
    def size(self) -> int:
        """Bytes it adds to a request (text as UTF-8)."""
        return len(self.data) if self.data else len(self.text.encode())

    @property
    def tokens(self) -> int:
        """What its text costs of the input cap (PDFs and images are capped by size instead)."""
        return estimate_tokens(self.text) if self.kind.is_text else 0


@dataclass(frozen=True)
class Unreadable:
    """Why a downloaded file cannot be used."""

    reason: str


_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def read_content(
    file: SlackFile, data: bytes, *, content_type: str = ""
) -> Attachment | Unreadable:
    """Check that the bytes are what the file claims to be, and make them an Attachment."""
    kind = kind_of(file)
    name = file.name or file.id
    if content_type.split(";")[0].strip().lower() == "text/html" and "html" not in file.filetype:
        # Slack's sign-in page, not the file: a missing files:read scope looks like this.
        return Unreadable("Slack sent a sign-in page instead of the file")
    if kind is FileKind.PDF:
        if b"%PDF-" not in data[:1024]:
            return Unreadable("it is not a readable PDF")
        if b"/Encrypt" in data:
            return Unreadable("it is password-protected")
        pages = len(_PDF_PAGE.findall(data))
        if pages > MAX_PDF_PAGES:
            return Unreadable(f"{pages} pages; Claude reads at most {MAX_PDF_PAGES}")
        return Attachment(name, kind, "application/pdf", data=data)
    if kind is FileKind.IMAGE:
        media_type = sniff_image(data)
        if media_type is None:
            return Unreadable("it is not a PNG, JPEG, GIF or WebP image")
        return Attachment(name, kind, media_type, data=data)
    if kind.is_text:
        text = decode_text(data)
        if text is None:
            return Unreadable("it is not UTF-8 text")
        return Attachment(name, kind, "text/plain", text=text)
    return Unreadable(f"{_a_kind(file)}: I can read {READABLE}")


def sniff_image(data: bytes) -> str | None:
    """The image type its first bytes show (Claude checks it against the stated type)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def decode_text(data: bytes) -> str | None:
    """UTF-8 (a byte-order mark allowed, and UTF-16 with one); None for anything else."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None  # a binary file with a text name
    return text.replace("\r\n", "\n")
