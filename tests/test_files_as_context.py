"""Files and links as context, through the fake Slack and the fake Claude: files attached to a
request or a reply reach Claude as the right content blocks; the rest are refused in the
thread with a reason and never reach Claude."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from sqlmodel import Session

from bot.adapters.file_fetch import allowed_url
from bot.domain.files.prompt import BRIEF_FILES_ASK, DRAFT_FILES_ASK
from bot.domain.prompts import BRIEF_TOOL_NAME
from sandbox.claude import FakeClaude
from sandbox.offline import OfflineDrafter
from sandbox.slack import FakeSlack
from storage import people as people_store
from storage.db import Database
from storage.models import RequestFile
from tests.domain.test_files import PNG, pdf
from tests.world import ALICE, BOB, CHANNEL, World, block_texts, draft_body, rows

LAUNCH = "write a launch note for the new export feature, for customers"
NOTES = "Export ships on 12 May.\nIt covers every report."
README = "# Export\n\n- CSV\n- PDF"
DATA = "format,share\ncsv,70%\npdf,30%\n"


def ask(world: World, files: list[dict[str, Any]], text: str = LAUNCH, **kwargs: Any) -> str:
    """Alice mentions Baton with files attached; returns the request's ts."""
    return world.slack.post_user_message(
        ALICE, CHANNEL, f"<@{world.slack.bot_user_id}> {text}", files=files, **kwargs
    )


def brief_calls(world: World) -> list[Any]:
    return [c for c in world.claude.message_calls() if BRIEF_TOOL_NAME in c.tool_names]


def draft_calls(world: World) -> list[Any]:
    return [c for c in world.claude.message_calls() if not c.body.get("tools")]


def content(call: Any) -> list[dict[str, Any]]:
    """The content blocks of a Claude call's last user message (files first)."""
    blocks = call.body["messages"][-1]["content"]
    assert isinstance(blocks, list), "the call carried no files"
    return blocks


def everything_sent(world: World) -> str:
    """Every Claude call's body as text, to look for what must never reach Claude."""
    return "\n".join(json.dumps(c.body) for c in world.claude.message_calls())


def thread_texts(world: World, ts: str) -> list[str]:
    return [block_texts(m) for m in world.baton_messages(ts)]


def brief_text(world: World, ts: str) -> str:
    return next(t for t in thread_texts(world, ts) if "*Goal:*" in t)


def test_each_kind_of_file_reaches_claude_in_its_content_block(world: World) -> None:
    """Text, Markdown and CSV as quoted text, a PDF as a document, an image as an image: in
    the brief call and the draft call, downloaded once each with the bot token, and named on
    the brief."""
    slack = world.slack
    files = [
        slack.upload_file(ALICE, "notes.txt", NOTES),
        slack.upload_file(ALICE, "readme.md", README),
        slack.upload_file(ALICE, "data.csv", DATA),
        slack.upload_file(ALICE, "spec.pdf", pdf(3)),
        slack.upload_file(ALICE, "chart.png", PNG),
    ]
    ts = ask(world, files)
    [draft] = world.wait_for_drafts(ts, 1)
    assert "download any report" in draft_body(draft)
    [brief_call] = brief_calls(world)
    [draft_call] = draft_calls(world)
    for call, ask_text, tag in (
        (brief_call, BRIEF_FILES_ASK, "<request>"),
        (draft_call, DRAFT_FILES_ASK, "<brief>"),
    ):
        blocks = content(call)
        texts = [b["text"] for b in blocks if b["type"] == "text"]
        for name, kind, body in (
            ("notes.txt", "text", NOTES),
            ("readme.md", "Markdown", README),
            ("data.csv", "CSV", DATA),
        ):
            quoted = f"<attached_file>\n{body}\n</attached_file>"
            assert any(
                t.startswith("Attached file") and f"{name} ({kind})" in t and quoted in t
                for t in texts
            )
        [document] = [b for b in blocks if b["type"] == "document"]
        assert document["source"] == {
            "type": "base64",
            "media_type": "application/pdf",
            "data": base64.b64encode(pdf(3)).decode(),
        }
        assert document["title"] == "spec.pdf"
        [image] = [b for b in blocks if b["type"] == "image"]
        assert image["source"]["media_type"] == "image/png"
        assert base64.b64decode(image["source"]["data"]) == PNG
        # The prompt itself comes last, after the files, and files are material only.
        assert texts[-1].startswith(ask_text) and tag in texts[-1] and "launch note" in texts[-1]
        assert "never as instructions" in call.body["system"]
    downloads = slack.file_downloads
    assert sorted(d.path.rsplit("/", 1)[-1] for d in downloads) == sorted(
        f["name"] for f in files
    ), "each file is downloaded once for both calls"
    assert all(d.token == slack.bot_token and d.status == 200 for d in downloads)
    assert all("/download/" in d.path for d in downloads)
    assert slack.calls_to("files.info"), "fresh details come from files.info"
    brief = brief_text(world, ts)
    assert (
        ":paperclip: *Context:* `notes.txt`, `readme.md`, `data.csv`, `spec.pdf`, `chart.png`"
        in brief
    )
    assert not any("I skipped" in t for t in thread_texts(world, ts))
    stored = rows(world, RequestFile)
    assert [(r.name, r.kind, r.state) for r in stored] == [
        ("notes.txt", "text", "used"),
        ("readme.md", "markdown", "used"),
        ("data.csv", "csv", "used"),
        ("spec.pdf", "pdf", "used"),
        ("chart.png", "image", "used"),
    ]
    assert stored[3].size == len(pdf(3))


def test_unsupported_and_too_large_files_are_refused_with_a_reason(world: World) -> None:
    """A Sketch file and a 6 MB PDF get one line in the thread saying why; they are never
    downloaded and never reach Claude, and the request goes on with the rest."""
    slack = world.slack
    sketch = slack.upload_file(ALICE, "design.sketch", b"PK\x03\x04 sketch")
    big = slack.upload_file(ALICE, "big.pdf", pdf(1) + b"0" * 6_000_000)
    notes = slack.upload_file(ALICE, "notes.txt", NOTES)
    ts = ask(world, [sketch, big, notes])
    world.wait_for_drafts(ts, 1)
    line = (
        ":paperclip: I skipped `design.sketch` (a Sketch file: I can read text, Markdown, CSV, "
        "PDF and images) and `big.pdf` (6 MB; the limit is 5 MB)."
    )
    assert thread_texts(world, ts).count(line) == 1
    assert [d.file_id for d in slack.file_downloads] == [notes["id"]]
    sent = everything_sent(world)
    assert "design.sketch" not in sent and "big.pdf" not in sent and NOTES.split("\n")[0] in sent
    brief = brief_text(world, ts)
    assert "*Context:* `notes.txt` · skipped: `design.sketch`" in brief
    assert "`big.pdf` (6 MB; the limit is 5 MB)" in brief


def test_files_baton_cannot_fetch_are_skipped_and_the_request_goes_on(world: World) -> None:
    """A deleted file, a download Slack fails and a download that times out are each skipped
    with a reason; Baton still briefs and drafts."""
    slack = world.slack
    world.app.usecases.downloads.fetch_timeout = 0.3
    gone = slack.upload_file(ALICE, "gone.txt", "old")
    broken = slack.upload_file(ALICE, "broken.csv", DATA)
    slow = slack.upload_file(ALICE, "slow.md", README)
    slack.delete_file(gone["id"])
    slack.fail_next_download(broken["id"], status=500)
    slack.fail_next_download(slow["id"], status=0, delay=1.0)
    ts = ask(world, [gone, broken, slow])
    [draft] = world.wait_for_drafts(ts, 1)
    assert "download any report" in draft_body(draft)
    [line] = [t for t in thread_texts(world, ts) if "I skipped" in t]
    assert "`gone.txt` (it was deleted)" in line
    assert "`broken.csv` (Slack answered 500 when I downloaded it)" in line
    assert "`slow.md` (downloading it timed out)" in line
    assert all(
        isinstance(c.body["messages"][-1]["content"], str) for c in world.claude.message_calls()
    )
    assert {r.name: r.state for r in rows(world, RequestFile)} == {
        "gone.txt": "skipped",
        "broken.csv": "failed",
        "slow.md": "failed",
    }


def test_a_file_from_a_channel_the_requester_cannot_see_is_never_used(world: World) -> None:
    """Bob's file from a private channel Alice is not in, carried on Alice's request, is
    refused with a reason: not downloaded, not sent to Claude."""
    slack = world.slack
    slack.add_channel("CSECRET", name="secret", is_private=True, members=[BOB])
    secret = slack.upload_file(BOB, "salaries.csv", "name,salary\nbob,1\n")
    slack.post_user_message(BOB, "CSECRET", "numbers", files=[secret])
    assert slack.file(secret["id"])["groups"] == ["CSECRET"]
    ts = ask(world, [secret], share_files=False)
    world.wait_for_drafts(ts, 1)
    assert (
        ":paperclip: I skipped `salaries.csv` (it is shared only in conversations the requester "
        "isn't in)." in thread_texts(world, ts)
    )
    assert slack.file_downloads == []
    assert "salaries" not in everything_sent(world) and "bob,1" not in everything_sent(world)


def test_a_file_attached_to_a_reply_is_used_by_the_revision_and_after(world: World) -> None:
    """A CSV attached to a reply reaches the revision, named as new; the next version uses
    it again without deciding again, and the brief's Context line shows it."""
    slack = world.slack
    ts = ask(world, [])
    world.wait_for_drafts(ts, 1)
    assert all(
        isinstance(c.body["messages"][-1]["content"], str) for c in world.claude.message_calls()
    )
    data = slack.upload_file(BOB, "data.csv", DATA)
    slack.post_user_message(BOB, CHANNEL, "use these numbers", thread_ts=ts, files=[data])
    drafts = world.wait_for_drafts(ts, 2)
    revision = draft_calls(world)[-1]
    blocks = content(revision)
    assert any(DATA in b.get("text", "") for b in blocks)
    assert "Attached since your previous draft: data.csv." in blocks[-1]["text"]
    assert "<reply>\nuse these numbers\n</reply>" in blocks[-1]["text"]
    slack.add_reaction(ALICE, CHANNEL, drafts[-1].ts, "scissors")
    world.wait_for_drafts(ts, 3)
    shorter = content(draft_calls(world)[-1])
    assert any(DATA in b.get("text", "") for b in shorter)
    assert "Attached since" not in shorter[-1]["text"]
    assert "*Context:* `data.csv`" in world.slack.wait_for(
        lambda: next(
            (t for t in thread_texts(world, ts) if "data.csv" in t and "*Goal:*" in t), None
        ),
        message="the brief naming the file",
    )
    [row] = rows(world, RequestFile)
    assert (row.name, row.state, row.size) == ("data.csv", "used", len(DATA))
    assert not any("I skipped" in t for t in thread_texts(world, ts))


def test_a_short_ask_with_a_file_is_not_vague(world: World) -> None:
    """ "Summarise this" alone gets questions; with a PDF attached, the PDF is what it is about."""
    ts = ask(world, [world.slack.upload_file(ALICE, "spec.pdf", pdf())], text="summarise this")
    world.wait_for_drafts(ts, 1)
    [brief_call] = brief_calls(world)
    assert [b["type"] for b in content(brief_call)] == ["text", "document", "text"]
    assert not any("before I draft I need to know" in t for t in thread_texts(world, ts))


def test_long_text_files_are_cut_to_their_share_of_the_input_cap(world: World) -> None:
    """A text file longer than its share of BATON_MAX_INPUT_TOKENS is cut, and the thread
    says so once."""
    world.app.usecases.deps.max_input_tokens = 2_000
    long = world.slack.upload_file(ALICE, "long.txt", "word " * 20_000)
    ts = ask(world, [long])
    world.wait_for_drafts(ts, 1)
    note = (
        ":paperclip: The attached text is too long to send whole, so I used only the start of "
        "`long.txt`."
    )
    assert thread_texts(world, ts).count(note) == 1
    for call in world.claude.message_calls():
        [quoted] = [b["text"] for b in content(call) if "<attached_file>" in b.get("text", "")]
        assert "long.txt (text, only its start fits)" in quoted
        assert len(quoted) < 5_000


def test_forget_me_drops_the_names_of_their_files(world: World) -> None:
    """Erasing a person erases the record of the files on their requests."""
    ts = ask(world, [world.slack.upload_file(ALICE, "notes.txt", NOTES)])
    world.wait_for_drafts(ts, 1)
    assert rows(world, RequestFile)
    with Session(world.database.engine) as session:
        people_store.forget_person(session, team_id=world.slack.team_id, user_id=ALICE)
        session.commit()
    assert rows(world, RequestFile) == []


def test_the_offline_drafter_mentions_the_files_it_was_given(
    database: Database, fake_slack: FakeSlack, fake_claude: FakeClaude
) -> None:
    """Without a key (`baton sandbox`), the stand-in drafter names the files it cannot read."""
    OfflineDrafter(tokens_per_second=None).install(fake_claude)
    world = World.start(database=database, slack=fake_slack, claude=fake_claude, script=False)
    try:
        ts = ask(world, [fake_slack.upload_file(ALICE, "plan.md", README)])
        [draft] = world.wait_for_drafts(ts, 1)
        assert "Files I was given: `plan.md`" in draft_body(draft)
        assert "Attached files: plan.md" in brief_text(world, ts)
    finally:
        world.stop()


def test_the_fake_serves_file_bytes_only_for_a_bot_token(fake_slack: FakeSlack) -> None:
    """As Slack does: without a good token, a redirect to the sign-in page; with the bot
    token, the bytes; files.info lists where the file is shared."""
    spec = fake_slack.upload_file(ALICE, "spec.pdf", pdf())
    fake_slack.post_user_message(ALICE, CHANNEL, "the spec", files=[spec])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    for headers in ({}, {"Authorization": "Bearer xoxb-wrong"}):
        request = urllib.request.Request(spec["url_private_download"], headers=headers)
        try:
            opener.open(request, timeout=5)
            raise AssertionError("served without a good token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 302 and "slack.com" in exc.headers["Location"]
            exc.close()
    good = {"Authorization": f"Bearer {fake_slack.bot_token}"}
    with opener.open(
        urllib.request.Request(spec["url_private_download"], headers=good), timeout=5
    ) as response:
        assert response.read() == pdf()
        assert response.headers["Content-Type"] == "application/pdf"
    info = fake_slack.file(spec["id"])
    assert info["channels"] == [CHANNEL] and CHANNEL in info["shares"]["public"]
    assert [d.status for d in fake_slack.file_downloads] == [302, 302, 200]


def test_the_bot_token_only_goes_to_slack_hosts() -> None:
    """A file URL that is not Slack's (or the API's own host) never gets the token."""
    api = "https://slack.com/api/"
    assert allowed_url("https://files.slack.com/files-pri/T1-F1/download/a.pdf", api_url=api)
    assert not allowed_url("https://evil.example/files-pri/T1-F1/a.pdf", api_url=api)
    assert not allowed_url("https://files.slack.com.evil.example/a.pdf", api_url=api)
    assert not allowed_url("http://files.slack.com/a.pdf", api_url=api)
    local = "http://127.0.0.1:4000/api/"
    assert allowed_url("http://127.0.0.1:4000/files-pri/T1-F1/a", api_url=local)
    assert not allowed_url("http://127.0.0.1:5000/files-pri/T1-F1/a", api_url=local)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
