"""What a language model is told to write in the creator's voice: their style, examples of
their own writing, the task and its limit."""

from __future__ import annotations

from wavestack.providers.llm import Message
from wavestack.services.personality.style import StyleProfile

TASKS = {
    "tweet": "a post for X",
    "caption": "an Instagram caption",
    "description": "a YouTube video description",
    "title": "a YouTube video title",
    "reply": "a short chat reply",
}


def voice(style: StyleProfile, examples: list[str]) -> str:
    """The system prompt: who to sound like."""
    lines = [
        "You write as a streamer and video creator, in their own voice. Match how they write:",
        f"- words they use a lot: {', '.join(style.vocabulary[:25]) or 'unknown yet'}",
        f"- their catchphrases: {'; '.join(style.catchphrases[:8]) or 'none yet'}",
        f"- emoji they use: {' '.join(style.emoji[:6]) or 'none'}",
        f"- what they talk about: {', '.join(style.topics[:10]) or 'unknown yet'}",
        f"- about {style.sentence_words:.0f} words per sentence; "
        f"{'formal' if style.formality > 0.5 else 'casual'}; "
        f"{'upbeat' if style.sentiment > 0.2 else 'even'} in tone",
        "Answer with the text only: no quotes, no explanations.",
        "Examples of their own writing:",
        *(f"- {example}" for example in examples),
    ]
    return "\n".join(lines)


def task(content_type: str, topic: str, context: str | None, limit: int, tags: str) -> str:
    """The user prompt: what to write and how long it may be."""
    parts = [f"Write {TASKS[content_type]} about: {topic}."]
    if context:
        parts.append(f"It answers this message: {context}")
    parts.append(f"At most {limit} characters.")
    if tags:
        parts.append(f"End with these hashtags: {tags}")
    return " ".join(parts)


def conversation(
    style: StyleProfile,
    examples: list[str],
    content_type: str,
    topic: str,
    context: str | None,
    limit: int,
    tags: str,
) -> list[Message]:
    """The whole conversation for one piece of content."""
    return [
        Message("system", voice(style, examples)),
        Message("user", task(content_type, topic, context, limit, tags)),
    ]
