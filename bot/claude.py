"""The Claude client: the only module that imports anthropic."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anthropic
from pydantic import ValidationError

from bot.domain.brief import Brief
from bot.domain.prompts import (
    BRIEF_MAX_TOKENS,
    BRIEF_TOOL_NAME,
    DRAFT_MAX_TOKENS,
    Prompt,
    brief_tool_schema,
)

logger = logging.getLogger(__name__)


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
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        self.model = model
        # The SDK retries 408/409/429/5xx before a response starts, honouring retry-after.
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
        )

    def extract_brief(self, prompt: Prompt) -> Brief:
        """Ask for the brief through a forced tool call and validate it; one repair attempt."""
        messages: list[dict[str, Any]] = list(prompt.messages)
        for attempt in range(2):
            response = self._call(
                lambda msgs=messages: self._client.messages.create(
                    model=self.model,
                    max_tokens=BRIEF_MAX_TOKENS,
                    system=prompt.system,
                    messages=msgs,
                    tools=[brief_tool_schema()],
                    tool_choice={"type": "tool", "name": BRIEF_TOOL_NAME},
                )
            )
            tool_input = next(
                (block.input for block in response.content if block.type == "tool_use"), None
            )
            try:
                if not isinstance(tool_input, dict):
                    raise ValueError("the model did not call the brief tool")
                return Brief.model_validate(tool_input)
            except (ValidationError, ValueError) as exc:
                if attempt == 1:
                    raise ModelError(
                        "Claude returned a brief I could not read", retryable=True
                    ) from None
                logger.info("brief failed validation, asking again: %s", _short(exc))
                messages = [
                    *prompt.messages,
                    {"role": "assistant", "content": f"(invalid brief: {_short(exc)})"},
                    {"role": "user", "content": "Call record_brief again with every field valid."},
                ]
        raise AssertionError("unreachable")

    def complete_text(self, prompt: Prompt, *, max_tokens: int) -> str:
        """A short, non-streamed text answer (e.g. a digest summary)."""
        response = self._call(
            lambda: self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=prompt.system,
                messages=prompt.messages,  # type: ignore[arg-type]
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
        try:
            # Raw events, not messages.stream(): its helper rebuilds the whole message on every
            # delta, which is most of Baton's CPU when many drafts stream at once.
            with self._client.messages.create(
                model=self.model,
                max_tokens=DRAFT_MAX_TOKENS,
                system=prompt.system,
                messages=prompt.messages,  # type: ignore[arg-type]
                stream=True,
            ) as stream:
                for event in stream:
                    if event.type == "content_block_delta" and event.delta.type == "text_delta":
                        yield event.delta.text
                    elif event.type == "message_delta" and outcome is not None:
                        outcome.stop_reason = event.delta.stop_reason
        except anthropic.APIError as exc:
            raise _as_model_error(exc) from None
        except Exception as exc:
            # A stream cut mid-body surfaces as the HTTP library's own error, not the SDK's.
            raise ModelError(
                f"the connection to Claude broke ({type(exc).__name__})", retryable=True
            ) from None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except anthropic.APIError as exc:
            raise _as_model_error(exc) from None


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


def _short(exc: Exception) -> str:
    return str(exc).replace("\n", " ")[:300]
