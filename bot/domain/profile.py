"""A person's whole profile: learned style and timing, with their own settings on top."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.style.learning import learn_style
from bot.domain.style.profile import Dimension, FeedbackSignal, StyleProfile


def person_style(
    signals: Sequence[FeedbackSignal],
    *,
    now: datetime,
    explicit: Mapping[str, str],
    resets: Mapping[str, datetime],
) -> StyleProfile:
    """Learned style with explicit settings winning; a reset dimension learns only from
    feedback given after its reset."""
    known = {dimension.value for dimension in Dimension}
    chosen = {Dimension(key): value for key, value in explicit.items() if key in known}
    profile = learn_style(signals, now=now, explicit=chosen)
    for key, since in resets.items():
        if key not in known or Dimension(key) in chosen:
            continue
        dimension = Dimension(key)
        fresh = learn_style([s for s in signals if s.at > since], now=now)
        profile = dataclasses.replace(profile, **{dimension.value: fresh.get(dimension)})
    return profile
