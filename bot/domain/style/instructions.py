"""A style profile in words: imperative lines for Claude, and a short note for the person."""

from __future__ import annotations

from bot.domain.style.profile import Dimension, StyleProfile

_L, _D, _F, _FMT = Dimension.LENGTH, Dimension.DETAIL, Dimension.FORMALITY, Dimension.FORMAT

# --- rendering ----------------------------------------------------------------------------------

_INSTRUCTIONS: dict[tuple[Dimension, str], str] = {
    (_L, "short"): "Keep it short: about half the length you would otherwise write, no preamble.",
    (_L, "long"): "Write a fuller response: develop each point rather than summarising it.",
    (_D, "light"): "Stay high-level: give the key points and conclusions, skip background detail.",
    (_D, "thorough"): "Go into detail: include specifics, figures, examples and caveats.",
    (_F, "formal"): "Use a formal, professional tone: no slang, emoji or contractions.",
    (_F, "casual"): "Use a casual, friendly tone, as a colleague would in chat.",
    (_FMT, "bullets"): "Use bullet points for lists of points rather than paragraphs.",
    (_FMT, "prose"): "Write in short paragraphs of prose; avoid bullet points.",
}
_NOTE_LABEL: dict[tuple[Dimension, str], str] = {
    (_L, "short"): "kept short",
    (_L, "long"): "went longer",
    (_D, "light"): "kept it high-level",
    (_D, "thorough"): "added detail",
    (_F, "formal"): "formal",
    (_F, "casual"): "casual",
    (_FMT, "bullets"): "used bullets",
    (_FMT, "prose"): "wrote prose",
}


def style_instructions(profile: StyleProfile) -> list[str]:
    """One imperative line for Claude per non-default value; [] when everything is default."""
    return [_INSTRUCTIONS[(v.dimension, v.value)] for v in profile.values() if not v.is_neutral]


def adaptation_note(profile: StyleProfile) -> str | None:
    """A few words on the most confident non-default value and why, or None."""
    candidates = [v for v in profile.values() if not v.is_neutral and v.reason]
    if not candidates:
        return None
    # A setting is certain (score +-1) so it ranks above any learned lean; ties keep field order.
    best = max(candidates, key=lambda v: abs(v.score))
    return f"{_NOTE_LABEL[(best.dimension, best.value)]}: {best.reason}"
