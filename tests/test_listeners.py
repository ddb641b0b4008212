"""Listeners are plain module-level functions: each can be called alone with stand-ins for
Bolt's ack, respond and context, and every one Bolt runs finds the use cases in its context."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

from slack_bolt import BoltContext

from handlers import register_all
from handlers.actions.briefs import on_retry
from handlers.context import KEY, provide, usecases


def _button(value: str) -> dict[str, Any]:
    return {
        "team": {"id": "T1"},
        "user": {"id": "UALICE"},
        "actions": [{"action_id": "retry", "value": value}],
    }


def test_a_listener_runs_alone_with_stand_ins() -> None:
    """Retry acks, hands the request to intake, and says what intake answered."""
    asked: list[dict[str, Any]] = []
    said: list[dict[str, Any]] = []
    acks: list[dict[str, Any]] = []

    def retry(**kwargs: Any) -> str:
        asked.append(kwargs)
        return "Trying again…"

    context = {KEY: SimpleNamespace(intake=SimpleNamespace(on_retry=retry))}
    on_retry(
        ack=lambda **kw: acks.append(kw),
        body=_button("42"),
        respond=lambda **kw: said.append(kw),
        context=context,  # type: ignore[arg-type]
    )
    assert acks == [{}]
    assert asked == [{"team_id": "T1", "request_id": 42, "user_id": "UALICE"}]
    assert said == [
        {"text": "Trying again…", "response_type": "ephemeral", "replace_original": False}
    ]


def test_a_stale_button_never_reaches_a_use_case() -> None:
    """A button value that is not a request id is answered in the listener."""
    said: list[dict[str, Any]] = []
    on_retry(
        ack=lambda **kw: None,
        body=_button("not-a-number"),
        respond=lambda **kw: said.append(kw),
        context={KEY: SimpleNamespace()},  # type: ignore[arg-type]
    )
    assert said[0]["text"] == "That button is out of date."


def test_the_middleware_puts_the_use_cases_in_every_context() -> None:
    """The composition root's one middleware hands the use cases on, then calls the next step."""
    marker = SimpleNamespace(name="use cases")
    context = BoltContext()
    went_on: list[bool] = []
    provide(marker)(context, lambda: went_on.append(True))  # type: ignore[arg-type]
    assert usecases(context) is marker and went_on == [True]


class _Wiring:
    """Stands in for Bolt's app: records what each `register` attaches."""

    def __init__(self) -> None:
        self.listeners: list[Any] = []

    def _attach(self, *_: Any) -> Any:
        def wire(function: Any) -> Any:
            self.listeners.append(function)
            return function

        return wire

    action = view = event = command = _attach


def test_every_listener_is_a_module_level_function() -> None:
    """No closures: each registered listener can be imported from its module by name."""
    wiring = _Wiring()
    register_all(wiring)  # type: ignore[arg-type]
    assert len(wiring.listeners) >= 20
    for function in wiring.listeners:
        assert "<locals>" not in function.__qualname__, function.__qualname__
        module = importlib.import_module(function.__module__)
        assert getattr(module, function.__name__) is function
