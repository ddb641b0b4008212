"""FakeSlack's browser UI over real HTTP: the page and its assets, the per-person state the page
polls, and each action endpoint turned into the deliveries a Slack client would cause. The
page's own renderers are checked under node (when this machine has it) for HTML escaping."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from sandbox.slack import FakeSlack
from sandbox.slack._ui import REQUIRED
from tests.sandbox.test_fake_slack import Receiver

APP_JS = Path(__file__).parents[2] / "sandbox" / "slack" / "ui" / "app.js"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def fake(receiver: Receiver) -> Iterator[FakeSlack]:
    with FakeSlack(events_url=receiver.url, ack_timeout=1.0) as f:
        f.add_user("UALICE", name="alice", real_name="Alice Adams")
        f.add_user("UBOB", name="bob", real_name="Bob Brown")
        f.add_channel("CGEN", name="general", members=["UALICE", "UBOB"])
        f.add_channel("GSECRET", name="secret", is_private=True, members=["UALICE"])
        yield f


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def get(fake: FakeSlack, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET."""
    try:
        with _OPENER.open(fake.url + path, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers["Content-Type"], e.read()


def post(
    fake: FakeSlack, path: str, body: Any, *, content_type: str = "application/json"
) -> tuple[int, dict[str, Any]]:
    """(status, JSON answer) of a POST, as the page sends it."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        fake.url + path, data=data, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            assert e.headers["Content-Type"].startswith("application/json")
            return e.code, json.loads(e.read())


def ok(fake: FakeSlack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = post(fake, path, body)
    assert (status, answer["ok"]) == (200, True), answer
    return answer


def state(fake: FakeSlack, user: str = "UALICE", since: int | None = None) -> dict[str, Any]:
    query = f"?user={user}" + (f"&since={since}" if since is not None else "")
    status, _, body = get(fake, "/ui/state" + query)
    assert status == 200, body
    return json.loads(body)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def actions(*buttons: tuple[str, str], block_id: str = "acts") -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [
            {
                "type": "button",
                "action_id": action_id,
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
            }
            for action_id, value in buttons
        ],
    }


# ------------------------------------------------------------------------ page and state


def test_the_page_and_its_assets_are_served(fake: FakeSlack) -> None:
    status, ctype, page = get(fake, "/")
    assert (status, ctype) == (200, "text/html; charset=utf-8")
    for piece in (b'id="as-user"', b'id="composer"', b'id="modal"', b'src="/ui/app.js"'):
        assert piece in page
    status, ctype, script = get(fake, "/ui/app.js")
    assert status == 200 and ctype.startswith("text/javascript") and b"renderMrkdwn" in script
    status, ctype, css = get(fake, "/ui/app.css")
    assert status == 200 and ctype.startswith("text/css") and b"#modal" in css
    status, ctype, body = get(fake, "/ui/nothing-here")
    assert (status, json.loads(body)["ok"]) == (404, False)


def test_host_and_port_choose_where_it_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeSlack(host="127.0.0.1", port=port) as fake:
        assert fake.url == f"http://127.0.0.1:{port}"
        assert get(fake, "/")[0] == 200


def test_state_shows_each_person_their_own_workspace(fake: FakeSlack) -> None:
    ts = fake.post_user_message("UALICE", "CGEN", "hello *all*")
    fake.post_user_message("UBOB", "CGEN", "hi back", thread_ts=ts)
    fake.add_reaction("UBOB", "CGEN", ts, "+1")
    alice_dm = fake.open_dm("UALICE")

    alice = state(fake, "UALICE")
    assert alice["team"]["name"] == fake.team_name and alice["user"] == "UALICE"
    assert alice["bot"] == {"user_id": "UBATON", "bot_id": "BBATON", "name": "Baton"}
    assert {u["id"]: u["real_name"] for u in alice["users"]}["UALICE"] == "Alice Adams"
    channels = {c["id"]: c for c in alice["channels"]}
    assert set(channels) == {"CGEN", "GSECRET", alice_dm}
    assert channels["GSECRET"]["is_private"] and channels[alice_dm]["is_im"]
    assert channels["CGEN"]["members"] == ["UBATON", "UALICE", "UBOB"]
    parent, reply = alice["messages"]["CGEN"]
    assert (parent["ts"], parent["text"], parent["user_name"]) == (ts, "hello *all*", "Alice Adams")
    assert parent["reply_count"] == 1 and parent["reactions"] == {"+1": ["UBOB"]}
    assert (reply["thread_ts"], reply["user"], reply["edited"]) == (ts, "UBOB", False)
    assert alice["view"] is None and alice["home"] is None and alice["ephemerals"] == []

    bob = state(fake, "UBOB")
    assert [c["id"] for c in bob["channels"]] == ["CGEN"]  # no private channel, no one's DM
    assert set(bob["messages"]) == {"CGEN"}
    assert state(fake)["user"] == "UALICE"  # no user named: the first person


def test_since_answers_only_the_version_until_something_changes(
    fake: FakeSlack, client: WebClient
) -> None:
    version = state(fake)["version"]
    assert state(fake, since=version) == {"version": version}
    ts = client.chat_postMessage(channel="CGEN", text="draft")["ts"]
    changed = state(fake, since=version)
    assert changed["version"] > version and changed["messages"]["CGEN"][0]["ts"] == ts
    client.chat_update(channel="CGEN", ts=ts, text="draft, longer")  # streaming-style edit
    again = state(fake, since=changed["version"])
    assert again["messages"]["CGEN"][0]["text"] == "draft, longer"
    assert again["messages"]["CGEN"][0]["edited"]


# ------------------------------------------------------------------------------ actions


def test_a_message_is_stored_and_a_mention_brings_app_mention(
    fake: FakeSlack, receiver: Receiver
) -> None:
    ts = ok(fake, "/ui/message", {"user": "UALICE", "channel": "CGEN", "text": "<@UBATON> go"})[
        "ts"
    ]
    stored = fake.message("CGEN", ts)
    assert stored is not None and (stored.user, stored.text) == ("UALICE", "<@UBATON> go")
    kinds = fake.wait_for(
        lambda: sorted(e["type"] for e in receiver.events()) == ["app_mention", "message"],
        message="message and app_mention",
    )
    assert kinds
    reply = {"user": "UBOB", "channel": "CGEN", "text": "me too", "thread_ts": ts}
    reply_ts = ok(fake, "/ui/message", reply)["ts"]
    event = fake.wait_for(
        lambda: next((e for e in receiver.events("message") if e["ts"] == reply_ts), None),
        message="the reply's event",
    )
    assert event["thread_ts"] == ts
    assert state(fake)["messages"]["CGEN"][0]["reply_count"] == 1


def test_a_slash_command_goes_to_the_app_and_its_ack_shows_as_an_ephemeral(
    fake: FakeSlack, receiver: Receiver
) -> None:
    app = App(
        client=WebClient(token=fake.bot_token, base_url=fake.api_url),
        signing_secret=fake.signing_secret,
    )

    @app.command("/baton")
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        help_blocks = [section(f"*Help* for `{command['text']}`"), actions(("again", "1"))]
        ack(blocks=help_blocks, text="Baton help", response_type="ephemeral")

    @app.action("again")
    def on_again(ack: Ack, respond: Any) -> None:
        ack()
        respond(text="Done again.", replace_original=True, response_type="ephemeral")

    def dispatch(record: dict[str, Any]) -> tuple[int, str]:
        response = app.dispatch(BoltRequest(body=record["raw"].decode(), headers=record["headers"]))
        return response.status, response.body

    receiver.answer = dispatch
    answer = ok(fake, "/ui/message", {"user": "UALICE", "channel": "CGEN", "text": "/baton help"})
    assert answer["command"] == "/baton"
    (shown,) = fake.wait_for(lambda: state(fake)["ephemerals"], message="the ack's ephemeral")
    assert (shown["channel"], shown["text"], shown["source"]) == ("CGEN", "Baton help", "command")
    assert shown["blocks"][0]["text"]["text"] == "*Help* for `help`"
    form = receiver.requests[0]["body"]
    assert (form["command"], form["text"], form["user_id"]) == ("/baton", "help", "UALICE")
    assert fake.messages("CGEN") == []  # a command is not a message
    assert state(fake, "UBOB")["ephemerals"] == []

    click = {"user": "UALICE", "action_id": "again", "ephemeral_index": shown["index"]}
    ok(fake, "/ui/click", click)
    replaced = fake.wait_for(
        lambda: [e for e in state(fake)["ephemerals"] if e["text"] == "Done again."],
        message="the ephemeral replaced in place",
    )
    assert replaced[0]["index"] == shown["index"] and len(state(fake)["ephemerals"]) == 1
    assert receiver.payloads("block_actions")[0]["container"]["is_ephemeral"]


def test_an_ephemeral_deleted_through_its_response_url_disappears(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    blocks = [section("Erase your data?"), actions(("confirm", "yes"))]
    client.chat_postEphemeral(channel="CGEN", user="UBOB", text="Erase?", blocks=blocks)
    (shown,) = state(fake, "UBOB")["ephemerals"]
    assert (shown["source"], shown["text"]) == ("chat.postEphemeral", "Erase?")
    ok(fake, "/ui/click", {"user": "UBOB", "action_id": "confirm", "ephemeral_index": 0})
    (payload,) = fake.wait_for(lambda: receiver.payloads("block_actions"), message="the click")
    assert payload["container"]["message_ts"] == shown["ts"]
    WebhookClient(payload["response_url"]).send_dict({"delete_original": True})
    assert state(fake, "UBOB")["ephemerals"] == [] and fake.ephemerals(user="UBOB") == []


def test_reactions_are_added_and_taken_back(fake: FakeSlack, receiver: Receiver) -> None:
    ts = fake.post_user_message("UBOB", "CGEN", "draft")
    reaction = {"user": "UALICE", "channel": "CGEN", "ts": ts, "name": "scissors", "add": True}
    ok(fake, "/ui/reaction", reaction)
    assert state(fake)["messages"]["CGEN"][0]["reactions"] == {"scissors": ["UALICE"]}
    fake.wait_for(lambda: receiver.events("reaction_added"), message="reaction_added")
    ok(fake, "/ui/reaction", {**reaction, "add": False})
    message = fake.message("CGEN", ts)
    assert message is not None and message.reactions == {}
    removed = fake.wait_for(lambda: receiver.events("reaction_removed"), message="removed")
    assert (removed[0]["user"], removed[0]["reaction"]) == ("UALICE", "scissors")


def test_clicks_on_a_message_button_and_on_a_home_button(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    blocks = [section("Draft v1"), actions(("retry", "7"))]
    ts = client.chat_postMessage(channel="CGEN", text="Draft v1", blocks=blocks)["ts"]
    ok(
        fake,
        "/ui/click",
        {"user": "UBOB", "channel": "CGEN", "message_ts": ts, "action_id": "retry"},
    )
    (payload,) = fake.wait_for(lambda: receiver.payloads("block_actions"), message="the click")
    assert payload["container"]["message_ts"] == ts and payload["user"]["id"] == "UBOB"
    assert payload["actions"][0]["value"] == "7"

    # Two Reset buttons share an action_id, as on Baton's Home: block_id says which one.
    home = {
        "type": "home",
        "blocks": [
            actions(("reset", "length"), block_id="a"),
            actions(("reset", "tone"), block_id="b"),
        ],
    }
    view_id = client.views_publish(user_id="UALICE", view=home)["view"]["id"]
    assert state(fake)["home"]["id"] == view_id and state(fake, "UBOB")["home"] is None
    click = {"user": "UALICE", "view_id": view_id, "action_id": "reset", "block_id": "b"}
    ok(fake, "/ui/click", click)
    clicks = fake.wait_for(lambda: receiver.payloads("block_actions")[1:], message="home click")
    assert clicks[0]["view"]["id"] == view_id and clicks[0]["actions"][0]["value"] == "tone"
    status, answer = post(fake, "/ui/click", {**click, "user": "UBOB"})
    assert status == 404 and "no open view" in answer["error"]  # not Bob's Home


MODAL = {
    "type": "modal",
    "callback_id": "prefs",
    "title": {"type": "plain_text", "text": "Preferences"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "goal",
            "label": {"type": "plain_text", "text": "Goal"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "length",
            "label": {"type": "plain_text", "text": "Length"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": t}, "value": t}
                    for t in ("short", "long")
                ],
                "initial_option": {
                    "text": {"type": "plain_text", "text": "short"},
                    "value": "short",
                },
            },
        },
        {
            "type": "input",
            "block_id": "at",
            "optional": True,
            "label": {"type": "plain_text", "text": "Digest time"},
            "element": {"type": "timepicker", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "days",
            "optional": True,
            "label": {"type": "plain_text", "text": "Days"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": d}, "value": v}
                    for v, d in (("0", "Mon"), ("1", "Tue"))
                ],
            },
        },
    ],
}


def _open_modal(fake: FakeSlack, client: WebClient) -> str:
    trigger = fake.send_slash_command("UALICE", "CGEN", "/baton", "prefs").payload["trigger_id"]
    return client.views_open(trigger_id=trigger, view=MODAL)["view"]["id"]


def test_submit_keeps_the_modal_open_with_errors_then_closes(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    view_id = _open_modal(fake, client)
    shown = state(fake)["view"]
    assert (shown["id"], shown["errors"]) == (view_id, {}) and state(fake, "UBOB")["view"] is None

    # An empty required field never reaches the app, as in Slack's client.
    answer = ok(fake, "/ui/submit", {"user": "UALICE", "view_id": view_id, "values": {}})
    assert answer["errors"] == {"goal": REQUIRED} and receiver.payloads("view_submission") == []
    assert state(fake)["view"]["errors"] == {"goal": REQUIRED}

    receiver.answer = lambda record: (
        200,
        json.dumps({"response_action": "errors", "errors": {"goal": "Say more."}}),
    )
    values = {"goal": "Ship it", "length": "long", "at": "09:30", "days": ["1"]}
    ok(fake, "/ui/submit", {"user": "UALICE", "view_id": view_id, "values": values})
    errors = fake.wait_for(
        lambda: state(fake)["view"]["errors"] == {"goal": "Say more."}, message="the app's errors"
    )
    assert errors and state(fake)["view"]["id"] == view_id
    submitted = receiver.payloads("view_submission")[0]["view"]["state"]["values"]
    assert submitted["goal"]["value"] == {"type": "plain_text_input", "value": "Ship it"}
    assert submitted["length"]["value"]["selected_option"]["value"] == "long"
    assert submitted["at"]["value"]["selected_time"] == "09:30"
    assert [o["value"] for o in submitted["days"]["value"]["selected_options"]] == ["1"]

    receiver.answer = None  # an empty ack: Slack closes the modal
    ok(fake, "/ui/submit", {"user": "UALICE", "view_id": view_id, "values": values})
    fake.wait_for(lambda: state(fake)["view"] is None, message="the modal to close")


def test_cancel_closes_the_modal_and_home_sends_app_home_opened(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    view_id = _open_modal(fake, client)
    ok(fake, "/ui/close", {"user": "UALICE", "view_id": view_id})
    assert state(fake)["view"] is None and not fake.views()[view_id]["is_open"]

    dm = ok(fake, "/ui/home", {"user": "UBOB"})["channel"]
    (event,) = fake.wait_for(lambda: receiver.events("app_home_opened"), message="home opened")
    assert (event["user"], event["channel"], event["tab"]) == ("UBOB", dm, "home")
    assert ok(fake, "/ui/open-dm", {"user": "UBOB"})["channel"] == dm
    assert [c["id"] for c in state(fake, "UBOB")["channels"] if c["is_im"]] == [dm]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/ui/message", {"user": "UNOPE", "channel": "CGEN", "text": "hi"}, 404),
        ("/ui/message", {"user": "UBATON", "channel": "CGEN", "text": "hi"}, 400),
        ("/ui/message", {"user": "UALICE", "channel": "CGEN"}, 400),
        ("/ui/message", {"user": "UBOB", "channel": "GSECRET", "text": "hi"}, 404),
        ("/ui/message", {"user": "UALICE", "channel": "CGEN", "text": 5}, 400),
        (
            "/ui/message",
            {"user": "UALICE", "channel": "CGEN", "text": "x", "thread_ts": "1.2"},
            404,
        ),
        ("/ui/reaction", {"user": "UALICE", "channel": "CGEN", "ts": "1.2", "name": "+1"}, 400),
        ("/ui/reaction", {"user": "UALICE", "channel": "CGEN", "ts": "1.2", "name": "a b"}, 400),
        ("/ui/click", {"user": "UALICE", "action_id": "go"}, 400),
        ("/ui/click", {"user": "UALICE", "action_id": "go", "ephemeral_index": 0}, 404),
        ("/ui/submit", {"user": "UALICE", "view_id": "VNOPE", "values": {}}, 404),
        ("/ui/close", {"user": "UALICE", "view_id": "VNOPE"}, 404),
        ("/ui/nothing", {}, 404),
        ("/ui/message", b"{not json", 400),
        ("/ui/message", b"[]", 400),
    ],
)
def test_bad_requests_get_a_json_4xx(fake: FakeSlack, path: str, body: Any, status: int) -> None:
    got, answer = post(fake, path, body)
    assert (got, answer["ok"]) == (status, False) and answer["error"]


def test_only_json_posts_and_sane_state_queries_are_accepted(fake: FakeSlack) -> None:
    form = b"user=UALICE&channel=CGEN&text=hi"
    status, answer = post(
        fake, "/ui/message", form, content_type="application/x-www-form-urlencoded"
    )
    assert (status, answer["ok"]) == (415, False) and fake.messages("CGEN") == []
    for query, expected in (("?user=UNOPE", 404), ("?user=UALICE&since=soon", 400)):
        got, ctype, body = get(fake, "/ui/state" + query)
        assert (got, ctype, json.loads(body)["ok"]) == (
            expected,
            "application/json; charset=utf-8",
            False,
        )


def test_stop_waits_for_deliveries_started_from_the_page(receiver: Receiver) -> None:
    fake = FakeSlack(events_url=receiver.url, ack_timeout=1.0).start()
    fake.add_user("UALICE", name="alice")
    fake.add_channel("CGEN", name="general", members=["UALICE"])
    ok(fake, "/ui/message", {"user": "UALICE", "channel": "CGEN", "text": "/baton help"})
    fake.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("FakeSlack-ui")]


# ------------------------------------------------------------------------- the page's JS


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_escapes_html_before_formatting() -> None:
    script = """
    const ui = require(process.argv[1]);
    const ctx = {users: {UBATON: {name: "baton", real_name: "Baton"}}, channels: {}, me: "UA"};
    const button = {type: "button", action_id: 'x"><img src=x>', text: {type: "plain_text",
      text: "<b>Go</b>"}};
    console.log(JSON.stringify({
      script: ui.renderMrkdwn("<script>alert(1)</script>", ctx),
      formatted: ui.renderMrkdwn("*<b>bold</b>* <@UBATON> <https://x.io|x> :scissors:", ctx),
      jsLink: ui.renderMrkdwn("<javascript:alert(1)|click>", ctx),
      markdown: ui.renderMarkdown("# <i>T</i>\\n\\n- **<img src=x onerror=alert(1)>**", ctx),
      blocks: ui.renderBlocks([{type: "actions", elements: [button]}], {ctx}),
      encoded: ui.encodeMessage("@Baton <b> & co", [{id: "UBATON", name: "baton",
        real_name: "Baton"}]),
    }));
    """
    run = subprocess.run(
        ["node", "-e", script, str(APP_JS)], capture_output=True, text=True, timeout=30, check=True
    )
    out = json.loads(run.stdout)
    assert out["script"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert out["formatted"].startswith("<b>&lt;b&gt;bold&lt;/b&gt;</b>")
    assert '<span class="mention">@Baton</span>' in out["formatted"]
    assert '<a href="https://x.io"' in out["formatted"] and "✂️" in out["formatted"]
    assert "<a" not in out["jsLink"] and "href" not in out["jsLink"]
    assert out["markdown"].startswith("<h1>&lt;i&gt;T&lt;/i&gt;</h1><ul><li")
    assert "<img" not in out["markdown"] and "<strong>&lt;img" in out["markdown"]
    assert "<img" not in out["blocks"] and "&lt;b&gt;Go&lt;/b&gt;" in out["blocks"]
    assert 'data-action-id="x&quot;&gt;&lt;img src=x&gt;"' in out["blocks"]
    assert out["encoded"] == "<@UBATON> &lt;b&gt; &amp; co"


def test_a_person_picker_on_a_message_sends_the_pick(
    fake: FakeSlack, client: WebClient, receiver: Receiver
) -> None:
    """A users_select in a section's accessory: picking someone on the page delivers the
    block action Slack sends (selected_user, block_id); a picker that is not there is a 404."""
    picker = {
        "type": "section",
        "block_id": "q1",
        "text": {"type": "mrkdwn", "text": "Which markets?"},
        "accessory": {
            "type": "users_select",
            "action_id": "hand_off",
            "placeholder": {"type": "plain_text", "text": "Hand off to…"},
            "initial_user": "UBOB",
        },
    }
    ts = client.chat_postMessage(channel="CGEN", text="Brief", blocks=[picker])["ts"]
    pick = {
        "user": "UALICE",
        "channel": "CGEN",
        "message_ts": ts,
        "action_id": "hand_off",
        "block_id": "q1",
        "selected": "UBOB",
    }
    ok(fake, "/ui/select", pick)
    (payload,) = fake.wait_for(lambda: receiver.payloads("block_actions"), message="the pick")
    [action] = payload["actions"]
    assert (action["type"], action["selected_user"], action["block_id"]) == (
        "users_select",
        "UBOB",
        "q1",
    )
    assert payload["container"]["message_ts"] == ts and payload["user"]["id"] == "UALICE"
    assert payload["state"]["values"]["q1"]["hand_off"]["selected_user"] == "UBOB"
    assert post(fake, "/ui/select", {**pick, "action_id": "nope"})[0] == 404
    assert post(fake, "/ui/select", {**pick, "selected": "UNOBODY"})[0] == 404


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_renders_a_person_picker_escaped() -> None:
    script = """
    const ui = require(process.argv[1]);
    const el = {type: "users_select", action_id: 'h"><b>', initial_user: "UB",
      placeholder: {type: "plain_text", text: "<i>Pick</i>"}};
    console.log(JSON.stringify(ui.renderBlocks(
      [{type: "section", block_id: "q", text: {type: "mrkdwn", text: "Q"}, accessory: el}],
      {ctx: {users: {}, channels: {}, me: "UA"}})));
    """
    run = subprocess.run(
        ["node", "-e", script, str(APP_JS)], capture_output=True, text=True, timeout=30, check=True
    )
    html = json.loads(run.stdout)
    assert '<select class="block-users-select"' in html
    assert 'data-action-id="h&quot;&gt;&lt;b&gt;"' in html and "&lt;i&gt;Pick&lt;/i&gt;" in html
