"""A local fake of Slack's Web API and Events API delivery, on real HTTP.

    with FakeSlack(events_url="http://127.0.0.1:3000/slack/events") as slack:
        slack.add_user("UALICE", name="alice")
        slack.add_channel("CGEN", name="general", members=["UALICE"])
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ts = slack.post_user_message("UALICE", "CGEN", "<@UBATON> draft the launch note")
        slack.wait_for(lambda: slack.messages("CGEN", thread_ts=ts)[1:], message="a reply")

A second workspace: inside ``with slack.as_team("T0002"):`` what people do (messages,
reactions, slash commands, clicks, view submissions, ``send_event``) arrives with that team id,
with the same people and channel ids, as Enterprise Grid and shared channels deliver it.

Socket Mode: ``FakeSlack(socket_mode=True)`` sends the same deliveries as envelopes over a
WebSocket that the app opens with ``apps.connections.open`` (app token ``fake.app_token``);
``drop_socket()``, ``send_disconnect()`` and ``socket_connections`` test reconnection.

In a browser, ``fake.url`` shows a small Slack-like page where you act as any person: post,
mention, react, click buttons, fill modals, run slash commands, open Home (``_ui`` and ``ui/``).

Modules: ``_fake`` (FakeSlack: lifecycle, people's actions, inspection, fault switches,
delivery), ``_web_api`` (the Web API methods), ``_blocks`` (Block Kit limits), ``_http``
(server and request plumbing), ``_socket`` (Socket Mode: WebSocket server, envelopes, acks),
``_ui`` (the browser page's endpoints), ``_files`` (uploads, files.info and file downloads
that need the bot token), ``_models`` (Call, Message, Delivery).
"""

from sandbox.slack._blocks import validate_blocks, validate_view
from sandbox.slack._fake import FakeSlack
from sandbox.slack._models import Call, Delivery, Message

__all__ = ["Call", "Delivery", "FakeSlack", "Message", "validate_blocks", "validate_view"]
