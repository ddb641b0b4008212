"""The Claude client: the only module that imports anthropic."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anthropic
from anthropic.types import Message, MessageParam, ToolParam
from pydantic import BaseModel, ValidationError

from bot.domain.brief import Brief
from bot.domain.options.prompt import OPTIONS_MAX_TOKENS, OptionsAnswer, options_tool_schema
from bot.domain.prompts import (
    BRIEF_MAX_TOKENS,
    DRAFT_MAX_TOKENS,
    Prompt,
    brief_tool_schema,
)

logger = logging.getLogger(__name__)
_Answer = TypeVar("_Answer", bound=BaseModel)

# Seconds Baton waits on Claude; httpx's read timeout bounds each wait for bytes, not a whole
# call. Connecting is quick or the network is down. A non-streamed answer (a brief, a digest
# summary) arrives whole once written, so REPLY_TIMEOUT bounds the wait for all of it. In a
# stream STREAM_TIMEOUT bounds each silence between events: deltas come many times a second,
# so a silence that long means the stream is stuck, not slow.
CONNECT_TIMEOUT = 5.0
REPLY_TIMEOUT = 60.0
STREAM_TIMEOUT = 30.0
WRITE_TIMEOUT = 30.0  # sending the request; prompts are at most a few hundred kilobytes
POOL_TIMEOUT = 10.0  # waiting for a free connection in the SDK's pool
# The SDK's own retries of 408/409/429/5xx and connection errors, before a response starts;
# Baton's one retry policy (bot/usecases/retry.py) adds its own around whole calls.
MAX_RETRIES = 2
# The longest retry-after the SDK may wait out. It honours any value, however long, which
# would pin a worker; beyond this the call fails at once and Baton's own backoff decides.
MAX_RETRY_AFTER = 60.0


class ModelError(Exception):
    """Claude could not answer; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class DraftOutcome:
    """How a streamed draft ended."""

    stop_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """True when Claude stopped at the output cap, not because it was done."""
        return self.stop_reason == "max_tokens"


class Claude:
    """Brief extraction (tool use, validated) and streamed drafting through the anthropic SDK."""

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        reply_timeout: float = REPLY_TIMEOUT,
        stream_timeout: float = STREAM_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        max_retry_after: float = MAX_RETRY_AFTER,
    ) -> None:
        self.model = model
        self.reply_timeout = anthropic.Timeout(
            connect=connect_timeout, read=reply_timeout, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
        )
        self.stream_timeout = anthropic.Timeout(
            connect=connect_timeout, read=stream_timeout, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
        )

        def refuse_long_waits(response: Any) -> None:
            # Runs before the SDK decides whether to retry; x-should-retry is its own switch.
            if _retry_after(response.headers) > max_retry_after:
                response.headers["x-should-retry"] = "false"

        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=self.reply_timeout,
            http_client=anthropic.DefaultHttpxClient(
                timeout=self.reply_timeout, event_hooks={"response": [refuse_long_waits]}
            ),
        )

    def extract_brief(self, prompt: Prompt) -> Brief:
        """Ask for the brief through a forced tool call and validate it; one repair attempt."""
        return self._forced_tool(
            prompt,
            tool=brief_tool_schema(),
            max_tokens=BRIEF_MAX_TOKENS,
            model_type=Brief,
            what="brief",
        )

    def write_options(self, prompt: Prompt) -> OptionsAnswer:
        """Ask for labelled options through a forced tool call and validate them; one repair
        attempt, as for the brief."""
        return self._forced_tool(
            prompt,
            tool=options_tool_schema(),
            max_tokens=OPTIONS_MAX_TOKENS,
            model_type=OptionsAnswer,
            what="options",
        )

    def _forced_tool(
        self,
        prompt: Prompt,
        *,
        tool: dict[str, Any],
        max_tokens: int,
        model_type: type[_Answer],
        what: str,
    ) -> _Answer:
        """Make Claude call `tool`, validate its input as `model_type`, and when it does not
        validate, show Claude the problem and ask once more."""
        name = tool["name"]

        def ask(messages: list[MessageParam]) -> Message:
            return self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=prompt.system,
                messages=messages,
                tools=[_sdk_tool(tool)],
                tool_choice={"type": "tool", "name": name},
            )

        messages = _sdk_messages(prompt.messages)
        for attempt in range(2):
            response = self._call(functools.partial(ask, messages))
            tool_input = next(
                (block.input for block in response.content if block.type == "tool_use"), None
            )
            try:
                if not isinstance(tool_input, dict):
                    raise ValueError(f"the model did not call the {what} tool")
                return model_type.model_validate(tool_input)
            except (ValidationError, ValueError) as exc:
                if attempt == 1:
                    raise ModelError(
                        f"Claude returned {'a ' if what == 'brief' else ''}{what} I could not read",
                        retryable=True,
                    ) from None
                logger.info("%s failed validation, asking again: %s", what, _short(exc))
                messages = [
                    *_sdk_messages(prompt.messages),
                    {"role": "assistant", "content": f"(invalid {what}: {_short(exc)})"},
                    {"role": "user", "content": f"Call {name} again with every field valid."},
                ]
        raise AssertionError("unreachable")

    def complete_text(self, prompt: Prompt, *, max_tokens: int) -> str:
        """A short, non-streamed text answer (e.g. a digest summary)."""
        response = self._call(
            lambda: self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=prompt.system,
                messages=_sdk_messages(prompt.messages),
            )
        )
        text = "".join(block.text for block in response.content if block.type == "text").strip()
        if not text:
            raise ModelError("Claude returned no text", retryable=True)
        return text

    def stream_draft(self, prompt: Prompt, outcome: DraftOutcome | None = None) -> Iterator[str]:
        """Yield the draft's text as Claude writes it; raises ModelError if it breaks.

        `outcome`, if given, learns whether Claude stopped because it hit the length cap.
        """
        opened = False
        try:
            # Raw events, not messages.stream(): its helper rebuilds the whole message on every
            # delta, which is most of Baton's CPU when many drafts stream at once.
            with self._client.messages.create(
                model=self.model,
                max_tokens=DRAFT_MAX_TOKENS,
                system=prompt.system,
                messages=_sdk_messages(prompt.messages),
                stream=True,
                timeout=self.stream_timeout,
            ) as stream:
                opened = True
                for event in stream:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield event.delta.text
                    elif event.type == "message_delta" and outcome is not None:
                        outcome.stop_reason = event.delta.stop_reason
        except anthropic.APIConnectionError as exc:
            if not opened:
                raise _as_model_error(exc) from None
            # Newer SDKs wrap a stream cut mid-body; it is a broken stream, not an unreachable API.
            raise ModelError(
                f"the connection to Claude broke ({type(exc.__cause__ or exc).__name__})",
                retryable=True,
            ) from None
        except anthropic.APIError as exc:
            raise _as_model_error(exc) from None
        except Exception as exc:
            # Older SDKs let a stream cut mid-body surface as the HTTP library's own error.
            raise ModelError(
                f"the connection to Claude broke ({type(exc).__name__})", retryable=True
            ) from None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _call(self, fn: Callable[[], Message]) -> Message:
        try:
            return fn()
        except anthropic.APIError as exc:
            raise _as_model_error(exc) from None


def _sdk_messages(messages: Sequence[dict[str, Any]]) -> list[MessageParam]:
    """A prompt's messages as the SDK types them (the domain builds the same dicts untyped)."""
    return [{"role": message["role"], "content": message["content"]} for message in messages]


def _sdk_tool(tool: Mapping[str, Any]) -> ToolParam:
    """A tool definition from the domain (name, description, input_schema) as the SDK types it."""
    return {
        "name": tool["name"],
        "description": tool["description"],
        "input_schema": tool["input_schema"],
    }


def _as_model_error(exc: anthropic.APIError) -> ModelError:
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return ModelError("Claude refused the API key (check ANTHROPIC_API_KEY)", retryable=False)
    if isinstance(exc, anthropic.NotFoundError):
        return ModelError("Claude does not know the model set in BATON_MODEL", retryable=False)
    if isinstance(exc, anthropic.BadRequestError):
        return ModelError("Claude rejected the request as malformed", retryable=False)
    if isinstance(exc, anthropic.RateLimitError):
        return ModelError("Claude is rate-limiting us", retryable=True)
    if isinstance(exc, anthropic.APITimeoutError):
        return ModelError("Claude timed out", retryable=True)
    if isinstance(exc, anthropic.APIConnectionError):
        return ModelError("Baton could not reach Claude", retryable=True)
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    kind = body.get("error", {}).get("type") if isinstance(body, dict) else None
    if status == 529 or kind == "overloaded_error":
        return ModelError("Claude is overloaded", retryable=True)
    return ModelError(f"Claude failed ({kind or status or type(exc).__name__})", retryable=True)


def _retry_after(headers: Any) -> float:
    """Seconds a response asks us to wait before retrying, as the SDK reads them (0 if none)."""
    try:
        return float(headers.get("retry-after-ms")) / 1000
    except (TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return 0.0
    try:
        return float(value)
    except ValueError:
        return math.inf  # an HTTP date: Claude's API sends seconds, so treat it as too long


def _short(exc: Exception) -> str:
    return str(exc).replace("\n", " ")[:300]
