"""How a listener reaches Baton's use cases: the composition root (bot/bootstrap/) adds one
Bolt global middleware that puts them in each request's context, and a listener that takes
`context` reads them back with `usecases(context)`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from slack_bolt import BoltContext

from bot.usecases.container import UseCases

KEY = "usecases"

Middleware = Callable[[BoltContext, Callable[[], None]], None]


def provide(usecases: UseCases) -> Middleware:
    """A Bolt global middleware that hands `usecases` to every listener."""

    def with_usecases(context: BoltContext, next: Callable[[], None]) -> None:
        # Bolt injects middleware arguments by name: `next` is what it calls the next step.
        context[KEY] = usecases
        next()

    return with_usecases


def usecases(context: Mapping[str, Any]) -> UseCases:
    """The use cases in a listener's context."""
    return cast(UseCases, context[KEY])
