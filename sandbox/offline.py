"""An offline drafter: Baton's stand-in for Claude when no API key is configured.

`baton sandbox` starts a `FakeClaude` and plugs this drafter into it, so Baton still runs its real
code (the anthropic SDK, forced tool calls, streaming) over HTTP while a newcomer tries the loop
with no key.  Everything it writes is built deterministically from the person's own words: a brief
from the request, a draft shaped like the deliverable, revisions (shorter, more detail, another
take, replies) and digest summaries.

It must never pass for Claude: every draft starts with `LABEL_LINE`, every brief's first
assumption says who wrote it, and digest summaries say so in their sentence.

    drafter = OfflineDrafter()
    with FakeClaude() as fake:
        drafter.install(fake)
        ...  # point Baton's Claude client at fake.url

Standard library plus Baton's own domain helpers, like the fake it plugs into.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from bot.domain.brief import (
    Brief,
    count_words,
    stated_constraints,
    stated_limits,
    vague_request_questions,
    word_limit,
)
from bot.domain.files.prompt import attached_names
from bot.domain.options.prompt import OPTIONS_TOOL_NAME, count_of_prompt

# _REVISION_ASKS is read, not copied, so the drafter recognises exactly the asks Baton sends.
from bot.domain.prompts import _REVISION_ASKS, BRIEF_TOOL_NAME, Revision
from bot.domain.style.profile import Dimension
from bot.domain.style.reading import directives_from_reply
from sandbox.claude import FakeClaude, FakeReply

__all__ = ["BRIEF_LABEL", "LABEL_LINE", "OFFLINE_LABEL", "OfflineDrafter"]

OFFLINE_LABEL = "Offline drafter (not Claude)"
LABEL_LINE = f"_{OFFLINE_LABEL}: a stand-in so you can try the loop._"
BRIEF_LABEL = "Written by Baton's offline drafter, not Claude: no model is configured"
CONFIDENCE_REASON = "offline drafter: built from your words only"
ASSUMED_AUDIENCE = "your team"
DEFAULT_DELIVERABLE = "a short message"
# Slow enough that a newcomer watches the draft stream in, fast enough not to bore them.
DEFAULT_TOKENS_PER_SECOND = 40.0
# A "short" style asks for about half; the first draft is ~60-80 words, so ~40 is half-ish.
SHORT_STYLE_WORDS = 40
# Under this many words a draft is one line: no headline, greeting or paragraphs fit.
TINY_WORDS = 12
# What each offline option does differently (the three structures of `_compose`, then warmth).
_OPTION_APPROACHES = (
    "Straight paragraphs",
    "Three questions",
    "TL;DR and bullets",
    "Warmer paragraphs",
)
# Baton counts the label line too when it checks a word limit, so a draft leaves room for it.
_LABEL_WORDS = count_words(LABEL_LINE)

# -- reading the request ---------------------------------------------------------------------

_SLACK_TOKEN = re.compile(r"<([@#!][^>]*|[a-z][a-z0-9+.-]*:[^>|]*)(?:\|([^>]*))?>", re.I)
_FILLER = re.compile(
    r"^(?:(?:hey|hi|hello)(?:\s+baton)?\b[,!.]?\s*|baton\b[,:]?\s*|please\s+|pls\s+|kindly\s+"
    r"|(?:can|could|would|will)\s+(?:you|we)\s+(?:please\s+)?"
    r"|i\s+(?:need|want|would\s+like|'d\s+like)\s+(?:you\s+to\s+)?|we\s+need\s+(?:to\s+)?)",
    re.I,
)
_VERBS = (
    "write|draft|prepare|create|compose|make|give|send|put|need|want|summari[sz]e|announce|do"
    "|help|get|produce|build|craft|pen|whip|turn|share|post|update|recap|explain|introduce"
    "|email|reply|respond|list|outline|tell|let|inform|remind|notify|ask|thank|invite|welcome"
)
_SMALL_WORDS = "a|an|the|for|to|about|on|of|and|with|our|my|your|by|in|me|us|you|it|this|that|some"
_AUDIENCE_NOUNS = (
    "new hires|customers|clients|users|teams|team|engineers|engineering|developers|devs|execs"
    "|executives|leadership|leaders|management|managers|board|partners|investors|stakeholders"
    "|everyone|company|staff|employees|sales|marketing|support|designers|press|community"
    "|members|colleagues|students|parents|vendors|candidates|org|organi[sz]ation|audience"
)
_AUDIENCE = re.compile(
    rf"\b(?:for|to)\s+((?:(?:our|the|all|my|your|every|each)\s+)?"
    rf"(?:(?!(?:{_SMALL_WORDS})\b)[\w-]+\s+){{0,2}}?(?:{_AUDIENCE_NOUNS}))\b",
    re.I,
)
# "Tell everyone…", "Remind the team…": the addressee is the audience.
_ADDRESSEE = re.compile(
    rf"\b(?:tell|remind|inform|notify|ask|thank|invite|welcome|let)\s+((?:(?:our|the|all)\s+)?"
    rf"(?:(?!(?:{_SMALL_WORDS})\b)[\w-]+\s+){{0,2}}?(?:{_AUDIENCE_NOUNS}|all))\b",
    re.I,
)
# Limits inside the goal ("in 3 bullets") are constraints, not part of what it is about.
_LIMIT_PHRASE = re.compile(
    r"\b(?:(?:in|under|within|at most|max|no more than|below|less than)\s+){0,2}\d+[- ]?"
    r"(?:words?|sentences?|bullets?|bullet points?|paragraphs?|lines?|characters?)\b",
    re.I,
)
# Longest first, so "launch note" wins over "note" and "release notes" over "notes".
_DELIVERABLE_NOUNS = sorted(
    (
        "release notes", "launch note", "blog post", "press release", "status update",
        "slack message", "one-pager", "note", "email", "e-mail", "message", "announcement",
        "post", "update", "summary", "memo", "doc", "document", "plan", "proposal", "faq",
        "tweet", "newsletter", "agenda", "reply", "response", "report", "outline", "invite",
        "invitation", "pitch", "bio", "description", "list", "checklist", "intro",
        "introduction", "letter", "recap", "script", "speech", "toast", "changelog", "guide",
        "article", "tagline", "caption", "overview", "notes",
    ),
    key=len,
    reverse=True,
)  # fmt: skip
_DELIVERABLE = re.compile(
    r"\b(?:(a|an|the|some|our|my)\s+)?"
    rf"((?:(?!(?:{_SMALL_WORDS}|{_VERBS})\b)[\w-]+\s+){{0,2}}?)"
    rf"({'|'.join(re.escape(n) for n in _DELIVERABLE_NOUNS)})(s?)\b",
    re.I,
)
# A leading verb that names the deliverable by itself ("Summarise the incident for execs").
_VERB_DELIVERABLES = {
    "summarise": "a summary",
    "summarize": "a summary",
    "recap": "a recap",
    "announce": "an announcement",
    "email": "an email",
    "reply": "a reply",
    "respond": "a reply",
    "list": "a list",
    "outline": "an outline",
    "introduce": "an introduction",
    "explain": "a short explainer",
}
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DEADLINE = re.compile(
    r"\b(?:by|before|until|due)\s+(?:(?:next|this)\s+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|today|noon"
    r"|midnight|eod|eow|end of (?:the\s+)?(?:day|week|month|quarter|sprint)|next week"
    rf"|\d{{1,2}}(?::\d{{2}})?\s*(?:am|pm)|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS})(?=\W|$)",
    re.I,
)
_TONES = (
    "friendly|warm|formal|informal|casual|upbeat|professional|playful|serious|neutral"
    "|empathetic|enthusiastic|direct|humble|reassuring|light-hearted"
)
_TONE = re.compile(rf"(?:\b(not|no|less|without)\s+(?:too\s+|so\s+)?)?\b({_TONES})\b", re.I)
_BULLETS_ASKED = re.compile(
    r"\b(?:bullets?|bullet points?|bulleted|as a list|in a list|list of)\b", re.I
)
_NO_BULLETS = re.compile(r"\bno bullets?\b|\bno bullet points?\b|\bwithout bullets?\b", re.I)


def _content_text(content: Any) -> str:
    """A message's text: a string, or its text blocks joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def _user_texts(request: dict) -> list[str]:
    """Texts of the request's user messages, newest first."""
    messages = request.get("messages") or []
    return [
        _content_text(m.get("content"))
        for m in reversed(messages)
        if isinstance(m, dict) and m.get("role") == "user"
    ]


def _files_given(request: dict) -> list[str]:
    """Names of the files attached to the last user message (bot/domain/files/prompt.py)."""
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"]
    return attached_names(users[-1].get("content")) if users else []


def _files_note(names: list[str]) -> str:
    """What the drafter says of files it was given and cannot read."""
    listed = ", ".join(f"`{' '.join(n.split())[:80]}`" for n in names)
    return f"_Files I was given: {listed}. The offline drafter can't read them; Claude would._"


def _system_text(request: dict) -> str:
    system = request.get("system")
    if isinstance(system, list):
        return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    return system if isinstance(system, str) else ""


def _tag(text: str, tag: str) -> str | None:
    """The contents of a `quote()`d block, with its escaped closing tags restored."""
    match = re.search(rf"<{tag}>\n?(.*?)\n?</{tag}>", text, re.S)
    return match.group(1).replace(f"</ {tag}>", f"</{tag}>") if match else None


def _plain(text: str) -> str:
    """Slack markup out (mentions dropped, links by their label), whitespace collapsed."""

    def swap(match: re.Match[str]) -> str:
        if match.group(1)[0] in "@#!":
            return ""  # never carry an @-mention or @channel into a brief or a draft
        return match.group(2) or match.group(1)

    return " ".join(_SLACK_TOKEN.sub(swap, text).split())


def _strip_fillers(text: str) -> str:
    """Drop greetings and "could you please" openers, as many as there are."""
    while True:
        stripped = _FILLER.sub("", text, count=1).lstrip(" ,")
        if stripped == text:
            return text
        text = stripped


def _is_constraint_clause(clause: str) -> bool:
    """A short clause that only states a limit, deadline or tone ("under 150 words")."""
    short = count_words(clause) <= 6
    return short and bool(
        stated_constraints(clause)
        or _DEADLINE.search(clause)
        or _TONE.search(clause)
        or _NO_BULLETS.search(clause)
    )


def _goal(text: str) -> str:
    """The request's first sentence, without openers and trailing constraint clauses."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s+", _plain(first_line))[0]
    sentence = _strip_fillers(sentence)
    clauses = re.split(r"\s*[,;]\s*|\s+-\s+", sentence)
    kept = [clauses[0], *(c for c in clauses[1:] if not _is_constraint_clause(c))]
    goal = ", ".join(c for c in kept if c).strip(" .!?")
    goal = re.sub(r"\s+please$", "", goal, flags=re.I)
    if not goal:
        return "(not stated)"
    return goal[0].upper() + goal[1:] + "."


def _audience(text: str) -> str | None:
    plain = _plain(text)
    match = _AUDIENCE.search(plain) or _ADDRESSEE.search(plain)
    return match.group(1) if match else None


def _deliverable(goal: str) -> str | None:
    """ "a launch note", "an email", "release notes"… from the goal's verb and noun."""
    for match in _DELIVERABLE.finditer(goal):
        article, modifiers, noun, plural = match.groups()
        if match.start() == 0 and not article and not modifiers:
            continue  # the leading verb itself ("Post an update", "Update the FAQ")
        noun = {"e-mail": "email", "faq": "FAQ"}.get(noun.lower(), noun.lower())
        phrase = f"{modifiers.lower()}{noun}{plural}".strip()
        if plural or noun.endswith("notes"):
            return phrase
        return ("an " if phrase[0].lower() in "aeiou" else "a ") + phrase
    first = re.match(r"[a-z]+", goal.lower())
    return _VERB_DELIVERABLES.get(first.group(0)) if first else None


def _request_constraints(text: str) -> list[str]:
    """`stated_constraints` plus deadlines, tone words and an ask for bullets."""
    plain = _plain(text)
    found = stated_constraints(plain)
    for match in _DEADLINE.finditer(plain):
        phrase = match.group(0)
        phrase = "by" + phrase[3:] if phrase.lower().startswith("due") else phrase
        found.append(f"Due {phrase}")
    for match in _TONE.finditer(plain):
        negation, tone = match.groups()
        found.append(f"Tone: {'not ' if negation else ''}{tone.lower()}")
    if _BULLETS_ASKED.search(plain) and not _NO_BULLETS.search(plain):
        found.append("Use bullet points")
    unique: dict[str, str] = {}
    for item in found:
        unique.setdefault(item.lower(), item)
    return list(unique.values())


# -- shaping a draft -------------------------------------------------------------------------


@dataclass
class _Block:
    """One visual block of a draft; `parts` are the units that can be dropped to fit."""

    kind: str  # "head" (*bold line*) | "line" (verbatim) | "para" (sentences) | "bullets"
    parts: list[str]

    def render(self) -> str:
        if self.kind == "head":
            return f"*{self.parts[0]}*"
        if self.kind == "bullets":
            return "\n".join(f"- {p}" for p in self.parts)
        return (" " if self.kind == "para" else "\n").join(self.parts)


def _render(blocks: list[_Block]) -> str:
    return "\n\n".join(b.render() for b in blocks if b.parts)


@dataclass
class _Context:
    """What a draft is built from: the brief's words and the requester's style."""

    brief: Brief
    topic: str
    audience: str
    kind: str  # announce | email | summary | list | message
    deadline: str  # " by Friday" or ""
    short: bool = False
    detailed: bool = False
    light: bool = False
    formal: bool = False
    warm: bool = False
    bullets: bool = False
    prose: bool = False
    language: str | None = None
    limits: dict[str, int] = field(default_factory=dict)


# First match wins: "release notes" are an announcement, "meeting notes" a summary.
_KINDS = (
    ("email", r"email|memo|letter|invite|invitation|reply|response"),
    ("list", r"list|checklist|agenda|faq|outline"),
    ("announce", r"launch|announcement|release|post|newsletter|changelog|update|article|note"),
    ("summary", r"summary|recap|report|overview|notes|explainer"),
)
_TOPIC = re.compile(
    r"\b(?:about|on|regarding|announcing|introducing|covering|explaining|for the launch of"
    r"|to announce|to explain|to introduce)\s+(.+)",
    re.I,
)


def _kind(deliverable: str) -> str:
    for kind, pattern in _KINDS:
        if re.search(rf"\b(?:{pattern})\b", deliverable, re.I):
            return kind
    return "message"


def _topic(goal: str, deliverable: str) -> str:
    """What the draft is about, in the requester's words ("the new search")."""
    text = _LIMIT_PHRASE.sub("", _DEADLINE.sub("", goal.rstrip(".")))
    text = " ".join(_ADDRESSEE.sub("", text).split())
    match = _TOPIC.search(text)
    if match:
        topic = match.group(1)
    else:
        # "Give me a summary of the outage": drop the verb, "me" and the deliverable itself.
        topic = re.sub(rf"^(?:(?:{_VERBS})\s+)?(?:(?:me|us)\s+)?", "", text, flags=re.I)
        phrase = " ".join(_LIMIT_PHRASE.sub("", deliverable).split())
        phrase = phrase.removeprefix("a ").removeprefix("an ")
        topic = re.sub(rf"^(?:(?:a|an|the|some)\s+)?{re.escape(phrase)}\b", "", topic, flags=re.I)
    topic = _AUDIENCE.sub("", topic)
    topic = re.split(r"[,;:(]|\s+so that\s+", topic)[0]
    topic = re.sub(r"^(?:\s*(?:for|to|about|of|on|that)\b)+", "", topic.strip(), flags=re.I)
    words = topic.split()[:10]
    return " ".join(words) if words else "this"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _style(system: str) -> dict[str, Any]:
    """Flags from the style lines Baton adds to the system prompt (never from the base prompt)."""
    _, _, learned = system.partition("style, learned from their feedback:")
    lines = [line[2:] for line in learned.splitlines() if line.startswith("- ")]
    text = "\n".join(lines)
    language = None
    for line in lines:
        match = re.match(r"Write in ([A-Z][\w-]*(?:\s[A-Z][\w-]*)?)\b", line)
        if match and match.group(1).lower() != "english":
            language = match.group(1)
    return {
        "short": "Keep it short" in text,
        "detailed": "Go into detail" in text or "Write a fuller response" in text,
        "light": "Stay high-level" in text,
        "formal": "Use a formal" in text,
        "warm": "casual, friendly tone" in text,
        "bullets": "Use bullet points" in text,
        "prose": "avoid bullet points" in text,
        "language": language,
    }


def _context(brief: Brief, system: str) -> _Context:
    audience = brief.audience
    if "assumed:" in audience:
        audience = audience.split("assumed:", 1)[1]
    audience = audience.strip(" .") or ASSUMED_AUDIENCE
    if audience.lower().startswith(("(not stated", "not stated")):
        audience = ASSUMED_AUDIENCE
    constraints = " \n".join(brief.constraints)
    deadline = _DEADLINE.search(constraints)
    phrase = deadline.group(0) if deadline else ""
    if phrase.lower().startswith("due"):
        phrase = "by" + phrase[3:]
    tones = {tone.lower() for neg, tone in _TONE.findall(constraints) if not neg}
    style = _style(system)
    limits = stated_limits(constraints)
    limit = word_limit(brief)
    if limit is not None:
        limits["words"] = limit
    bullets_asked = bool(re.search(r"\bbullet", constraints, re.I)) and not _NO_BULLETS.search(
        constraints
    )
    return _Context(
        brief=brief,
        topic=_topic(brief.goal, brief.deliverable),
        audience=audience,
        kind=_kind(brief.deliverable),
        deadline=f" {phrase}" if phrase else "",
        short=style["short"],
        detailed=style["detailed"],
        light=style["light"],
        formal=style["formal"] or bool(tones & {"formal", "professional", "serious"}),
        warm=style["warm"] or bool(tones & {"friendly", "warm", "casual", "upbeat", "informal"}),
        bullets=style["bullets"] or bullets_asked,
        prose=style["prose"] or bool(_NO_BULLETS.search(constraints)),
        language=style["language"],
        limits=limits,
    )


def _frame(ctx: _Context, variant: int) -> tuple[list[_Block], list[_Block]]:
    """The deliverable's outer shape: a headline, or an email's subject, greeting and sign-off."""
    topic = _cap(ctx.topic)
    if ctx.kind == "email":
        subject = (f"Subject: {topic}", f"Subject: Quick note on {ctx.topic}", f"Subject: {topic}")
        greeting = "Hi team," if ctx.audience.endswith("team") else "Hi everyone,"
        top = [_Block("line", [subject[variant]]), _Block("line", [greeting])]
        return top, [_Block("line", ["Thanks,", "[your name]"])]
    heads = {
        "announce": (
            f"Update: {ctx.topic}"
            if "update" in ctx.brief.deliverable
            else f"Introducing {ctx.topic}",
            f"{topic}, in three questions",
            None,
        ),
        "summary": (f"Summary: {ctx.topic}", f"{topic}, in three questions", None),
        "list": (topic, f"{topic}, in three questions", None),
        "message": (None, None, None),
    }[ctx.kind]
    head = heads[variant]
    return ([_Block("head", [head])] if head else []), []


def _opening(ctx: _Context) -> str:
    return {
        "announce": f"We're sharing {ctx.topic} with {ctx.audience}.",
        "email": f"I'm writing to you about {ctx.topic}.",
        "summary": f"Here is where {ctx.topic} stands, for {ctx.audience}.",
        "list": f"What {ctx.audience} need to know about {ctx.topic}:",
        "message": f"A quick note for {ctx.audience}: {ctx.topic}.",
    }[ctx.kind]


def _compose(ctx: _Context, variant: int) -> list[_Block]:
    """A fresh draft in one of three visibly different structures (0: paragraphs, 1: Q&A, 2:
    TL;DR and bullets), in the deliverable's frame and the requester's style."""
    top, bottom = _frame(ctx, variant)
    if variant == 0:
        body = [
            _Block("para", [_opening(ctx), "[Say in one sentence what it is and what changes.]"]),
            _Block(
                "para",
                [
                    f"Why it matters: [the main benefit for {ctx.audience}].",
                    "[One concrete example or figure.]",
                ],
            ),
            _Block(
                "para",
                [
                    f"Next step: [what {ctx.audience} should do]{ctx.deadline}.",
                    "Questions are welcome in this thread.",
                ],
            ),
        ]
        if (ctx.kind == "list" or ctx.bullets) and not ctx.prose:
            items = [p for b in body[1:] for p in b.parts]
            body = [body[0], _Block("bullets", [i.rstrip(".") for i in items])]
    elif variant == 1:
        body = [
            _Block("para", [f"*What is it?* {_cap(ctx.topic)}: [one plain sentence on it]."]),
            _Block("para", [f"*Who is it for?* {_cap(ctx.audience)}, [and why they care]."]),
            _Block("para", [f"*What happens next?* [The one action to remember]{ctx.deadline}."]),
        ]
    else:
        body = [
            _Block("para", [f"*TL;DR:* {ctx.topic}, for {ctx.audience}{ctx.deadline}."]),
            _Block(
                "bullets",
                [
                    "[The first thing to know]",
                    "[The second thing to know]",
                    "[Where to ask questions]",
                ],
            ),
        ]
        if ctx.prose:
            body[1] = _Block("para", ["[The first thing to know.]", "[The second thing to know.]"])
    blocks = top + body + bottom
    if ctx.detailed and not ctx.light:
        blocks = _add_specifics(blocks, ctx)
    return _apply_tone(blocks, ctx)


def _specifics(ctx: _Context) -> list[str]:
    """Sentences drawn from the brief, for "more detail"."""
    brief = ctx.brief
    parts = [f"*Specifics:* this is for {ctx.audience}, about {ctx.topic}."]
    if brief.constraints:
        parts.append(f"It keeps to: {'; '.join(c[:1].lower() + c[1:] for c in brief.constraints)}.")
    # The offline brief explains each assumption in brackets; the draft needs only the gist.
    assumed = [re.sub(r"\s*\(.*\)$", "", a) for a in brief.assumptions if a != BRIEF_LABEL][:2]
    if assumed:
        parts.append(f"Assumed: {'; '.join(a[:1].lower() + a[1:] for a in assumed)}.")
    parts.append(f"[Add a date, a figure or an example about {ctx.topic}.]")
    return parts


def _add_specifics(blocks: list[_Block], ctx: _Context) -> list[_Block]:
    """Add a paragraph of specifics before any sign-off (or one more example if it exists)."""
    blocks = [replace(b, parts=list(b.parts)) for b in blocks]
    for block in blocks:
        if block.parts and block.parts[0].startswith("*Specifics:*"):
            block.parts.append(f"[Another example about {ctx.topic}.]")
            return blocks
    new = _Block("para", _specifics(ctx))
    end = len(blocks) - 1 if blocks and blocks[-1].parts[:1] == ["Thanks,"] else len(blocks)
    return [*blocks[:end], new, *blocks[end:]]


_CONTRACTIONS = {
    "we're": "we are",
    "i'm": "I am",
    "it's": "it is",
    "don't": "do not",
    "you'd": "you would",
    "what's": "what is",
    "here's": "here is",
    "can't": "cannot",
    "won't": "will not",
    "let's": "let us",
    "that's": "that is",
    "we'd": "we would",
    "we'll": "we will",
    "you'll": "you will",
    "you're": "you are",
    "isn't": "is not",
    "aren't": "are not",
}
_FORMAL_SWAPS = (
    (re.compile(r"^Hi (?:team|everyone),$"), "Dear colleagues,"),
    (re.compile(r"^Thanks,$"), "Kind regards,"),
    (re.compile(r"Questions are welcome in this thread\."), "Please direct any questions here."),
    (re.compile(r"\bA quick note\b"), "A brief note"),
    (re.compile(r"\bQuick note\b"), "A note"),
    (re.compile(r"!"), "."),
)
_WARM_OPENING = "Hello, and thank you for reading!"
_WARM_CLOSING = "We'd love to hear what you think, so just reply here anytime."


def _formalise(text: str) -> str:
    def expand(match: re.Match[str]) -> str:
        word = match.group(0)
        full = _CONTRACTIONS[word.lower().replace("\u2019", "'")]
        return _cap(full) if word[0].isupper() else full

    pattern = r"\b(?:" + "|".join(re.escape(c) for c in _CONTRACTIONS) + r")\b"
    text = re.sub(pattern, expand, text, flags=re.I)
    for swap, new in _FORMAL_SWAPS:
        text = swap.sub(new, text)
    return text


def _warm(blocks: list[_Block]) -> list[_Block]:
    """Friendlier: a warm first sentence and a warm last one (once each)."""
    blocks = [replace(b, parts=list(b.parts)) for b in blocks]
    content = [b for b in blocks if b.kind in ("para", "bullets")]
    if not content:
        return [*blocks, _Block("para", [_WARM_OPENING])]
    first, last = content[0], content[-1]
    if first.kind == "para" and _WARM_OPENING not in first.parts:
        first.parts.insert(0, _WARM_OPENING)
    elif _WARM_OPENING not in first.parts:
        blocks.insert(blocks.index(first), _Block("para", [_WARM_OPENING]))
    if _WARM_CLOSING not in last.parts:
        last.parts.append(_WARM_CLOSING if last.kind == "para" else _WARM_CLOSING.rstrip("."))
    return blocks


def _apply_tone(blocks: list[_Block], ctx: _Context) -> list[_Block]:
    if ctx.warm and not ctx.formal:
        blocks = _warm(blocks)
    if ctx.formal:
        blocks = [replace(b, parts=[_formalise(p) for p in b.parts]) for b in blocks]
    if ctx.bullets and not ctx.prose:
        blocks = _as_bullets(blocks)
    return blocks


def _as_bullets(blocks: list[_Block]) -> list[_Block]:
    """Paragraphs after the first become bullet items, one per sentence."""
    out: list[_Block] = []
    seen_para = False
    for block in blocks:
        if block.kind == "para" and seen_para:
            items = [p.rstrip(".") for p in block.parts]
            if out and out[-1].kind == "bullets":
                out[-1] = _Block("bullets", [*out[-1].parts, *items])
            else:
                out.append(_Block("bullets", items))
            continue
        seen_para = seen_para or block.kind in ("para", "bullets")
        out.append(block)
    return out


def _as_prose(blocks: list[_Block]) -> list[_Block]:
    def sentence(item: str) -> str:
        return item if item.endswith((".", "!", "?", ":")) else item + "."

    return [
        _Block("para", [sentence(p) for p in b.parts]) if b.kind == "bullets" else b for b in blocks
    ]


def _parse(text: str) -> list[_Block]:
    """A previous draft back into blocks, without the offline drafter's label and notes."""
    lines = [
        line
        for line in text.strip().splitlines()
        if not (line.startswith("_") and "offline drafter" in line.lower())
    ]
    blocks: list[_Block] = []
    for chunk in re.split(r"\n\s*\n", "\n".join(lines).strip()):
        chunk_lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if not chunk_lines:
            continue
        if all(re.match(r"\s*[-•*]\s+", line) for line in chunk_lines):
            items = [re.sub(r"^\s*[-•*]\s+", "", line) for line in chunk_lines]
            blocks.append(_Block("bullets", items))
        elif len(chunk_lines) > 1:
            blocks.append(_Block("line", chunk_lines))
        elif re.fullmatch(r"\*[^*\s][^*]*\*", chunk_lines[0]):
            blocks.append(_Block("head", [chunk_lines[0][1:-1]]))
        elif chunk_lines[0].endswith((",", ":")) or chunk_lines[0].startswith("Subject:"):
            blocks.append(_Block("line", chunk_lines))
        else:
            sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z*\[_])", chunk_lines[0])
            blocks.append(_Block("para", sentences))
    return blocks


def _over(blocks: list[_Block], limits: dict[str, int]) -> bool:
    text = _render(blocks)
    units = [b for b in blocks if b.parts]
    checks = {
        "words": count_words(text),
        "characters": len(text),
        "bullets": sum(len(b.parts) for b in units if b.kind == "bullets"),
        "sentences": sum(len(b.parts) for b in units if b.kind in ("para", "bullets")),
        "paragraphs": sum(1 for b in units if b.kind in ("para", "bullets")),
        "lines": text.count("\n") + 1 if text else 0,
    }
    return any(checks[unit] > limit for unit, limit in limits.items() if unit in checks)


def _fit(
    blocks: list[_Block], limits: dict[str, int], keep: frozenset[str] = frozenset()
) -> list[_Block]:
    """Drop units from the end until every limit holds; keep the opening as long as possible.

    Order: later sentences and bullets (and sign-offs), then the headline and greeting, then
    what a reply asked to add (`keep`), and last a hard cut of words, so any limit is met.
    """
    blocks = [replace(b, parts=list(b.parts)) for b in blocks]
    limits = {unit: max(limit, 1) for unit, limit in limits.items()}
    first_content = next((b for b in blocks if b.kind in ("para", "bullets")), None)
    for protect_frame, kept in ((True, keep), (False, keep), (False, frozenset())):
        for block in reversed(blocks):
            protected = block is first_content or (protect_frame and block is blocks[0])
            index = len(block.parts) - 1
            while index >= (1 if protected else 0) and _over(blocks, limits):
                if block.parts[index] not in kept:
                    del block.parts[index]
                index -= 1
            if not _over(blocks, limits):
                return [b for b in blocks if b.parts]
        blocks = [b for b in blocks if b.parts]
    return _hard_cut(blocks, limits.get("words"))


def _hard_cut(blocks: list[_Block], words: int | None) -> list[_Block]:
    text = _render(blocks)
    if words is None or count_words(text) <= words:
        return blocks
    matches = list(re.finditer(r"\w[\w'\u2019-]*", text))
    return [_Block("line", [text[: matches[words - 1].end()].rstrip("*_[ ") + "…"])]


def _word_count(blocks: list[_Block]) -> int:
    return count_words(_render(blocks))


# -- the drafter -----------------------------------------------------------------------------


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class OfflineDrafter:
    """Deterministic briefs, drafts and digest summaries from the person's own words.

    Stateless, so it is safe under FakeClaude's threaded server; `tokens_per_second` paces the
    streamed drafts (None streams at once, which tests want).
    """

    def __init__(self, *, tokens_per_second: float | None = DEFAULT_TOKENS_PER_SECOND) -> None:
        self.tokens_per_second = tokens_per_second

    def install(self, fake: FakeClaude) -> None:
        """Answer `record_brief` with `brief`, `record_options` with `options` and every
        other call with `reply`."""
        fake.on_tool(BRIEF_TOOL_NAME, self.brief)
        fake.on_tool(OPTIONS_TOOL_NAME, self.options)
        fake.responder = self.reply

    # -- briefs ---------------------------------------------------------------------------

    def brief(self, request: dict) -> dict:
        """A valid Brief dict for a `brief_prompt` request, from its <request> and <answers>."""
        source = next((t for t in _user_texts(request) if "<request>" in t), "")
        quoted = _tag(source, "request")
        request_text = source if quoted is None else quoted
        answers = _tag(source, "answers") or ""
        text = f"{request_text}\n{answers}".strip()
        constraints = _request_constraints(text)
        questions = vague_request_questions(text)
        if questions:
            return Brief(
                goal=_plain(request_text)[:200] or "(not stated)",
                audience="(not stated)",
                deliverable="(not stated)",
                constraints=constraints,
                assumptions=[BRIEF_LABEL],
                open_questions=questions,
                actionable=False,
                confidence="low",
                confidence_reason=CONFIDENCE_REASON,
            ).model_dump()
        # A vague request made clear by its answers takes its goal from the answers.
        vague_alone = answers and vague_request_questions(request_text)
        goal = _goal(answers if vague_alone or not _plain(request_text) else request_text)
        audience = _audience(text)
        deliverable = _deliverable(goal) or _deliverable(_plain(text))
        assumptions = [BRIEF_LABEL]
        files = _files_given(request)
        if files:
            names = ", ".join(" ".join(n.split())[:80] for n in files)
            assumptions.append(f"Attached files: {names} (the offline drafter can't read them)")
        if audience is None:
            assumptions.append(f"Audience: {ASSUMED_AUDIENCE} (the request does not say who)")
        if deliverable is None:
            assumptions.append(f"Form: {DEFAULT_DELIVERABLE} (the request does not name one)")
        if not stated_limits(text):
            assumptions.append("Length: short, under 100 words (no length stated)")
        if not any(c.startswith("Tone:") for c in constraints):
            assumptions.append("Tone: plain and friendly (no tone stated)")
        return Brief(
            goal=goal,
            audience=audience or f"not stated — assumed: {ASSUMED_AUDIENCE}",
            deliverable=deliverable or DEFAULT_DELIVERABLE,
            constraints=constraints,
            assumptions=assumptions,
            open_questions=[],
            actionable=True,
            confidence="low",
            confidence_reason=CONFIDENCE_REASON,
        ).model_dump()

    # -- options --------------------------------------------------------------------------

    def options(self, request: dict) -> dict:
        """Labelled options for an `options_prompt` request: the drafter's three structures
        (and a warmer fourth), each a short version of the deliverable, each labelled."""
        prompt_text = next((t for t in _user_texts(request) if "<brief>" in t), "")
        ctx = _context(_brief_from(_tag(prompt_text, "brief") or "{}"), _system_text(request))
        budget = self._budget(ctx)
        options = []
        for index in range(min(count_of_prompt(prompt_text), len(_OPTION_APPROACHES))):
            blocks = _compose(ctx, index) if index < 3 else _warm(_compose(ctx, 0))
            body = _render(_fit(blocks, budget))
            options.append(
                {"approach": _OPTION_APPROACHES[index], "text": f"{LABEL_LINE}\n\n{body}"}
            )
        return {"varies": "structure (offline drafter, not Claude)", "options": options}

    # -- drafts and summaries -------------------------------------------------------------

    def reply(self, request: dict) -> FakeReply:
        """The answer to a text call: a digest summary, a draft or revision, or a plain note."""
        texts = _user_texts(request)
        last = texts[0] if texts else ""
        tool_names = [t.get("name") for t in request.get("tools") or [] if isinstance(t, dict)]
        if BRIEF_TOOL_NAME in tool_names and "<request>" in "".join(texts):
            # Brief calls normally reach `brief` through on_tool; this covers tool_choice auto.
            return FakeReply(tool_name=BRIEF_TOOL_NAME, tool_input=self.brief(request))
        if OPTIONS_TOOL_NAME in tool_names and "<brief>" in last:
            return FakeReply(tool_name=OPTIONS_TOOL_NAME, tool_input=self.options(request))
        if "<items>" in last:
            return FakeReply(text=self.summary(_tag(last, "items") or ""))
        if "<brief>" in last:
            text = self.draft(last, _system_text(request), files=_files_given(request))
            return FakeReply(text=text, tokens_per_second=self.tokens_per_second)
        return FakeReply(
            text=f"_{OFFLINE_LABEL}: it only writes briefs, drafts and digest summaries._"
        )

    def summary(self, items: str) -> str:
        """One sentence counting the digest's `- [kind] title` lines, labelled as offline."""
        kinds = re.findall(r"^- \[(\w+)\]", items, re.M)
        drafts, questions, accepted = (kinds.count(k) for k in ("draft", "questions", "accepted"))
        parts = []
        if drafts:
            verb = "waits" if drafts == 1 else "wait"
            parts.append(f"{_plural(drafts, 'draft', 'drafts')} {verb} for your judgement")
        if questions:
            verb = "has" if questions == 1 else "have"
            parts.append(f"{_plural(questions, 'brief', 'briefs')} {verb} questions for you")
        if accepted:
            verb = "was" if accepted == 1 else "were"
            parts.append(f"{_plural(accepted, 'draft', 'drafts')} {verb} accepted")
        sentence = _cap(_join(parts)) if parts else "Nothing waits for you"
        return f"{sentence} (offline drafter summary, not Claude)."

    def draft(self, prompt_text: str, system: str = "", *, files: list[str] | None = None) -> str:
        """A labelled draft (or revision) for a `draft_prompt` user message and system prompt;
        `files` names the attached files (it cannot read them, and says so)."""
        brief = _brief_from(_tag(prompt_text, "brief") or "{}")
        ctx = _context(brief, system)
        previous_text = _tag(prompt_text, "previous_draft")
        previous = _parse(previous_text) if previous_text else None
        reply_text = _tag(prompt_text, "reply")
        revision = _revision(prompt_text)
        notes: list[str] = []
        keep: frozenset[str] = frozenset()  # what a reply asked for survives the word limit
        budget = self._budget(ctx)

        # Revisions work on the previous draft as the person saw it (edits by replies included).
        base = previous or _compose(ctx, 0)
        if revision is Revision.SHORTER:
            blocks = base
            budget["words"] = min(budget.get("words", 10**6), max(1, _word_count(base) // 2))
        elif revision is Revision.MORE_DETAIL:
            blocks = _add_specifics(base, ctx)
        elif revision is Revision.REDO:
            blocks = _another_take(ctx, previous)
        elif revision is Revision.CHOSEN:
            blocks = base  # the option the person picked, as it stands
        elif revision is Revision.REPLY and reply_text:
            blocks, budget, notes, keep = _revise(base, reply_text, ctx, budget)
        else:  # first, retry, edited brief: a fresh draft from the brief as it stands
            blocks = _compose(ctx, 0)

        if files:
            notes.append(_files_note(files))
        if ctx.language:
            notes.insert(
                0,
                f"_The offline drafter writes only English: with Claude, this draft would be in "
                f"{ctx.language}._",
            )
        note_blocks = [_Block("line", [n]) for n in notes]
        # Notes are kept whole, so the draft itself gets what they leave of each limit; a note
        # that would leave less than half is dropped (the label still says what this is).
        sizes = {"words": _word_count(note_blocks), "characters": len(_render(note_blocks)) + 2}
        if note_blocks and any(
            unit in budget and budget[unit] - size < max(1, budget[unit] // 2)
            for unit, size in sizes.items()
        ):
            note_blocks = []
        for unit, size in sizes.items():
            if note_blocks and unit in budget:
                budget[unit] -= size
        if budget.get("words", TINY_WORDS) < TINY_WORDS:
            # Too few words for any shape: one line in the requester's words beats a cut-off one.
            line = f"{_cap(ctx.topic)}{ctx.deadline}"
            fits = count_words(line) + 3 <= budget.get("words", TINY_WORDS)
            blocks = [_Block("para", [f"{line}: [the key point]." if fits else f"{line}."])]
        body = _render(_fit(blocks, budget, keep))
        parts = [LABEL_LINE, body, *(b.render() for b in note_blocks)]
        return "\n\n".join(p for p in parts if p)

    @staticmethod
    def _budget(ctx: _Context) -> dict[str, int]:
        """The limits a draft must fit: the brief's, less the label's words, and short style."""
        budget = {k: v for k, v in ctx.limits.items() if k != "words"}
        limit = ctx.limits.get("words")
        if limit is not None:
            # Baton's own count includes the label line; leave room for it when that is cheap.
            roomy = limit - _LABEL_WORDS >= max(10, limit // 2)
            budget["words"] = limit - _LABEL_WORDS if roomy else limit
        if ctx.short:
            budget["words"] = min(budget.get("words", SHORT_STYLE_WORDS), SHORT_STYLE_WORDS)
        return budget


def _brief_from(raw: str) -> Brief:
    """The brief quoted in a draft prompt (without `actionable`, which the prompt leaves out)."""
    try:
        data = json.loads(raw)
        return Brief.model_validate({"actionable": True, **data})
    except ValueError:  # pydantic's ValidationError is a ValueError too
        return Brief(goal="(not stated)", audience="", deliverable="", actionable=True)


def _revision(prompt_text: str) -> Revision:
    """Which revision Baton asked for: the ask follows the last quoted block."""
    if _tag(prompt_text, "reply") is not None:
        return Revision.REPLY
    tail = prompt_text[prompt_text.rfind(">") + 1 :]
    for revision, ask in _REVISION_ASKS.items():
        if ask in tail:
            return revision
    return Revision.FIRST


def _another_take(ctx: _Context, previous: list[_Block] | None) -> list[_Block]:
    """The structure after the one the previous draft used, so the take is visibly new."""
    if previous is None:
        return _compose(ctx, 1)
    before = _render(previous)
    first_line = before.split("\n", 1)[0]
    takes = [_compose(ctx, v) for v in range(3)]
    used = next((v for v, t in enumerate(takes) if _render(t).split("\n", 1)[0] == first_line), 0)
    for step in (1, 2):
        take = takes[(used + step) % 3]
        if _render(take) != before:
            return take
    return takes[1]


_ADD = re.compile(
    r"\b(?:add|mention|include|say|note|talk about|cover)\s+(?:(that)\s+)?"
    r"(?:(?:a|an|some)\s+(?:line|note|sentence|section|paragraph|bit|word|mention)\s+"
    r"(?:about|on|of)\s+)?(.+?)(?:[.!?\n]|$)",
    re.I,
)


def _revise(
    blocks: list[_Block], reply: str, ctx: _Context, budget: dict[str, int]
) -> tuple[list[_Block], dict[str, int], list[str], frozenset[str]]:
    """Apply a thread reply: tone, length, detail, format and "add X"; note what it can't do.

    Returns the blocks, the budget, notes, and the sentences the reply asked for (to keep).
    """
    before = _render(blocks)
    asked: set[str] = set()
    votes = directives_from_reply(reply)
    formality = votes.get(Dimension.FORMALITY, 0.0)
    if formality < 0:
        asked.add(_WARM_OPENING)
        blocks = _warm(
            [
                replace(b, parts=[p.replace("Dear colleagues,", "Hi everyone,") for p in b.parts])
                for b in blocks
            ]
        )
    elif formality > 0:
        blocks = [replace(b, parts=[_formalise(p) for p in b.parts]) for b in blocks]
    fmt = votes.get(Dimension.FORMAT, 0.0)
    if fmt > 0:
        blocks = _as_bullets(blocks)
    elif fmt < 0:
        blocks = _as_prose(blocks)
    if votes.get(Dimension.DETAIL, 0.0) > 0 or votes.get(Dimension.LENGTH, 0.0) > 0:
        blocks = _add_specifics(blocks, ctx)
    if votes.get(Dimension.LENGTH, 0.0) < 0 or votes.get(Dimension.DETAIL, 0.0) < 0:
        budget = {**budget, "words": min(budget.get("words", 10**6), _word_count(blocks) // 2)}
    # One clause at a time, so "add pricing, and mention that the beta is free" is two asks.
    clauses = re.split(r"[,;.!?\n]+|\s+(?:and|also|plus|then)\s+", _plain(reply))
    for match in (m for clause in clauses for m in _ADD.finditer(clause)):
        is_claim, subject = match.group(1), match.group(2).strip(" ,;:")
        if not subject or directives_from_reply(subject) or count_words(subject) > 20:
            continue  # "add more detail" is a style ask, handled above
        sentence = f"{_cap(subject)}." if is_claim else f"On {subject}: [a sentence about it]."
        blocks = _append_sentence(blocks, sentence)
        asked.update({sentence, sentence.rstrip(".")})  # as a sentence or as a bullet
    notes: list[str] = []
    if _render(blocks) == before:
        # Be honest rather than pretend: a model would rework it; this stand-in cannot.
        quoted = " ".join(_plain(reply).split()[:25])
        notes.append(
            f"_The offline drafter cannot rewrite freely; Claude would address: “{quoted}”_"
        )
    return blocks, budget, notes, frozenset(asked)


def _append_sentence(blocks: list[_Block], sentence: str) -> list[_Block]:
    """Add a sentence to the last paragraph (or as a bullet), before any sign-off."""
    blocks = [replace(b, parts=list(b.parts)) for b in blocks]
    for block in reversed(blocks):
        if block.kind == "para":
            block.parts.append(sentence)
            return blocks
        if block.kind == "bullets":
            block.parts.append(sentence.rstrip("."))
            return blocks
    return [*blocks, _Block("para", [sentence])]
