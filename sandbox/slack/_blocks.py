"""Block Kit validation with Slack's limits and Slack-style error strings.

Slack answers an invalid payload with strings such as
``"must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``; we produce the same
shape so code that logs or parses them can be exercised. Only the limits Baton can hit are
checked; unknown element types are let through (Slack has dozens and they change).
"""

from __future__ import annotations

from typing import Any

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MARKDOWN_TOTAL_LIMIT = 12_000
INPUT_LIMIT = 3_000  # a plain_text_input holds at most this many characters

BLOCK_TYPES = frozenset(
    {
        "section",
        "header",
        "context",
        "divider",
        "actions",
        "image",
        "rich_text",
        "markdown",
        "input",
        "video",
        "file",
    }
)
TEXT_TYPES = ("plain_text", "mrkdwn")
BUTTON_STYLES = ("primary", "danger")


def _at(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.markdown_total = 0

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(_at(message, pointer))

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def text_object(
        self, obj: Any, pointer: str, *, limit: int, types: tuple[str, ...] = TEXT_TYPES
    ) -> None:
        if not isinstance(obj, dict):
            self.fail("must be an object", pointer)
            return
        if obj.get("type") not in types:
            self.fail(f"must be one of [{', '.join(types)}]", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str):
            self.fail("missing required field: text", pointer)
        elif not text:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        else:
            self.max_len(text, limit, f"{pointer}/text")

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict):
            self.fail("must be an object", pointer)
            return
        if "type" not in element:
            self.fail("missing required field: type", pointer)
            return
        self.max_len(element.get("action_id"), 255, f"{pointer}/action_id")
        if element["type"] == "button":
            self.text_object(
                element.get("text"), f"{pointer}/text", limit=75, types=("plain_text",)
            )
            self.max_len(element.get("value"), 2000, f"{pointer}/value")
            self.max_len(element.get("url"), 3000, f"{pointer}/url")
            if "style" in element and element["style"] not in BUTTON_STYLES:
                self.fail(f"must be one of [{', '.join(BUTTON_STYLES)}]", f"{pointer}/style")
        elif element["type"] == "plain_text_input":
            self.text_input(element, pointer)
        elif element["type"] == "users_select":
            self.users_select(element, pointer)

    def users_select(self, element: dict[str, Any], pointer: str) -> None:
        if "placeholder" in element:
            self.text_object(
                element["placeholder"], f"{pointer}/placeholder", limit=150, types=("plain_text",)
            )
        initial = element.get("initial_user")
        if initial is not None and (not isinstance(initial, str) or not initial):
            self.fail("must be a non-empty string", f"{pointer}/initial_user")

    def text_input(self, element: dict[str, Any], pointer: str) -> None:
        most = element.get("max_length", INPUT_LIMIT)
        for key in ("max_length", "min_length"):
            value = element.get(key)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= INPUT_LIMIT):
                self.fail(f"must be less than or equal to {INPUT_LIMIT}", f"{pointer}/{key}")
        if isinstance(most, int):
            self.max_len(element.get("initial_value"), most, f"{pointer}/initial_value")
        if "placeholder" in element:
            self.text_object(
                element["placeholder"], f"{pointer}/placeholder", limit=150, types=("plain_text",)
            )

    def elements(self, block: dict[str, Any], pointer: str, *, most: int) -> list[Any]:
        items = block.get("elements")
        if not isinstance(items, list):
            self.fail("missing required field: elements", pointer)
            return []
        if not items:
            self.fail("must provide at least 1 items", f"{pointer}/elements")
        if len(items) > most:
            self.fail(f"no more than {most} items allowed", f"{pointer}/elements")
        return items

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.fail("must be an object", pointer)
            return
        kind = block.get("type")
        if kind is None:
            self.fail("missing required field: type", pointer)
            return
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return
        getattr(self, f"block_{kind}", lambda _b, _p: None)(block, pointer)

    def block_section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must define either `text` or `fields`", f"{pointer}/type")
        if "text" in block:
            self.text_object(block["text"], f"{pointer}/text", limit=3000)
        if "fields" in block:
            fields = block["fields"]
            if not isinstance(fields, list):
                self.fail("must be an array", f"{pointer}/fields")
            else:
                if len(fields) > 10:
                    self.fail("no more than 10 items allowed", f"{pointer}/fields")
                for i, obj in enumerate(fields):
                    self.text_object(obj, f"{pointer}/fields/{i}", limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text_object(block.get("text"), f"{pointer}/text", limit=150, types=("plain_text",))

    def block_context(self, block: dict[str, Any], pointer: str) -> None:
        for i, item in enumerate(self.elements(block, pointer, most=10)):
            where = f"{pointer}/elements/{i}"
            if isinstance(item, dict) and item.get("type") == "image":
                self.image_fields(item, where)
            else:
                self.text_object(item, where, limit=3000)

    def block_actions(self, block: dict[str, Any], pointer: str) -> None:
        for i, item in enumerate(self.elements(block, pointer, most=25)):
            self.element(item, f"{pointer}/elements/{i}")

    def image_fields(self, obj: dict[str, Any], pointer: str) -> None:
        if "image_url" not in obj and "slack_file" not in obj:
            self.fail("missing required field: image_url", pointer)
        if "alt_text" not in obj:
            self.fail("missing required field: alt_text", pointer)
        self.max_len(obj.get("image_url"), 3000, f"{pointer}/image_url")
        self.max_len(obj.get("alt_text"), 2000, f"{pointer}/alt_text")

    def block_image(self, block: dict[str, Any], pointer: str) -> None:
        self.image_fields(block, pointer)
        if "title" in block:
            self.text_object(block["title"], f"{pointer}/title", limit=2000, types=("plain_text",))

    def block_rich_text(self, block: dict[str, Any], pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.fail("missing required field: elements", pointer)

    def block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        text = block.get("text")
        if not isinstance(text, str):
            self.fail("missing required field: text", pointer)
            return
        if not text:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        # The 12,000 limit is shared by all markdown blocks of one payload.
        self.markdown_total += len(text)
        if self.markdown_total > MARKDOWN_TOTAL_LIMIT:
            self.fail(
                f"total markdown text must be less than {MARKDOWN_TOTAL_LIMIT + 1} characters",
                f"{pointer}/text",
            )

    def block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text_object(block.get("label"), f"{pointer}/label", limit=2000, types=("plain_text",))
        if "element" not in block:
            self.fail("missing required field: element", pointer)
        else:
            self.element(block["element"], f"{pointer}/element")

    def block_video(self, block: dict[str, Any], pointer: str) -> None:
        for name in ("alt_text", "title", "video_url", "thumbnail_url"):
            if name not in block:
                self.fail(f"missing required field: {name}", pointer)

    def block_file(self, block: dict[str, Any], pointer: str) -> None:
        for name in ("external_id", "source"):
            if name not in block:
                self.fail(f"missing required field: {name}", pointer)


def validate_blocks(
    blocks: list[Any], *, limit: int = MESSAGE_BLOCK_LIMIT, pointer: str = "/blocks"
) -> list[str]:
    """Slack-style error strings for a list of blocks; empty when the blocks are valid."""
    check = _Validator()
    if len(blocks) > limit:
        check.fail(f"no more than {limit} items allowed", pointer)
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        check.block(block, where)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is None:
            continue
        if not isinstance(block_id, str):
            check.fail("must be a string", f"{where}/block_id")
            continue
        check.max_len(block_id, 255, f"{where}/block_id")
        if block_id in seen:
            check.fail(f"duplicate block_id: {block_id}", f"{where}/block_id")
        seen.add(block_id)
    return check.errors


def validate_view(view: dict[str, Any], *, kinds: tuple[str, ...]) -> list[str]:
    """Slack-style error strings for a modal or Home tab view payload."""
    check = _Validator()
    kind = view.get("type")
    if kind not in kinds:
        check.fail(f"must be one of [{', '.join(kinds)}]", "/view/type")
        return check.errors
    if kind == "modal":
        if "title" not in view:
            check.fail("missing required field: title", "/view")
        for key in ("title", "submit", "close"):
            if key in view:
                check.text_object(view[key], f"/view/{key}", limit=24, types=("plain_text",))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        check.fail("missing required field: blocks", "/view")
    else:
        check.errors += validate_blocks(blocks, limit=VIEW_BLOCK_LIMIT, pointer="/view/blocks")
    check.max_len(view.get("callback_id"), 255, "/view/callback_id")
    check.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    check.max_len(view.get("external_id"), 255, "/view/external_id")
    return check.errors


def find_button(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (block, button) a click on ``action_id`` (in ``block_id``, if given) lands on."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        candidates = [*(block.get("elements") or []), block.get("accessory") or {}]
        for element in candidates:
            if (
                isinstance(element, dict)
                and element.get("type") == "button"
                and element.get("action_id") == action_id
            ):
                return block, element
    return None


def find_element(
    blocks: list[dict[str, Any]], action_id: str, kind: str, block_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (block, element) of type ``kind`` with ``action_id`` (in ``block_id``, if given):
    in an actions block, or a section's accessory."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        candidates = [*(block.get("elements") or []), block.get("accessory") or {}]
        for element in candidates:
            if (
                isinstance(element, dict)
                and element.get("type") == kind
                and element.get("action_id") == action_id
            ):
                return block, element
    return None
