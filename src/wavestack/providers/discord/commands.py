"""Slash commands as Discord's API wants them registered (application command JSON)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

STRING, INTEGER, USER = 3, 4, 6
MODERATE_MEMBERS = 1 << 40
ADMINISTRATOR = 1 << 3
MAX_CHOICES = 25
MAX_OPTIONS = 25
MAX_COMMANDS = 100
_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class SlashOption:
    """One argument of a slash command."""

    name: str
    description: str
    kind: Literal["string", "integer", "user"] = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None

    def payload(self) -> dict[str, Any]:
        """The option's JSON."""
        body: dict[str, Any] = {
            "type": {"string": STRING, "integer": INTEGER, "user": USER}[self.kind],
            "name": self.name,
            "description": _description(self.description, self.name),
            "required": self.required,
        }
        if self.choices:
            body["choices"] = [{"name": c, "value": c} for c in self.choices[:MAX_CHOICES]]
        if self.min_value is not None:
            body["min_value"] = self.min_value
        if self.max_value is not None:
            body["max_value"] = self.max_value
        if self.max_length is not None and not self.choices:
            body["max_length"] = min(self.max_length, 6000)
        return body


@dataclass(frozen=True)
class SlashCommand:
    """A chat-input command; `permission` hides it from members without those rights
    (Discord's `default_member_permissions`; the bot still checks who runs it)."""

    name: str
    description: str
    options: tuple[SlashOption, ...] = ()
    permission: Literal["everyone", "moderator", "administrator"] = "everyone"

    def payload(self) -> dict[str, Any]:
        """The command's JSON: required options first, as Discord demands."""
        if not _NAME.fullmatch(self.name) or self.name != self.name.lower():
            raise ValueError(f"{self.name!r} is not a valid slash command name")
        ordered = sorted(self.options, key=lambda option: not option.required)
        bits = {"everyone": None, "moderator": MODERATE_MEMBERS, "administrator": ADMINISTRATOR}
        permission = bits[self.permission]
        return {
            "type": 1,
            "name": self.name,
            "description": _description(self.description, self.name),
            "options": [option.payload() for option in ordered[:MAX_OPTIONS]],
            "default_member_permissions": None if permission is None else str(permission),
            "contexts": [0],  # in servers only: the bot's economy lives in a community
        }


def _description(text: str, name: str) -> str:
    """1 to 100 characters, as Discord requires."""
    text = " ".join(text.split()) or name
    return text if len(text) <= 100 else text[:99] + "…"
