"""Auto-mod's settings: the seed's defaults, `WAVESTACK_AUTO_MOD_*` for an install, and per
channel overrides stored in the database (`PUT /api/v1/moderate/settings/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.kernel.errors import ValidationFailed

LADDER_STEPS = ("warn", "delete", "timeout", "ban")
# nudenet's classes that show what a chat should not: exposed, not merely present.
NSFW_CLASSES = (
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
)


def _valid_ladder(steps: list[str]) -> list[str]:
    if not 1 <= len(steps) <= 10:
        raise ValueError("give 1 to 10 steps")
    for step in steps:
        name, _, seconds = step.partition(":")
        if name not in LADDER_STEPS or (name == "timeout") != seconds.isdigit():
            raise ValueError(f"{step!r} is not warn, delete, timeout:SECONDS or ban")
    return steps


def _upper(names: list[str]) -> list[str]:
    return [name.strip().upper() for name in names]


def _domains(names: list[str]) -> list[str]:
    return [name.strip().lower().removeprefix("www.") for name in names]


Ladder = Annotated[WordList, AfterValidator(_valid_ladder)]
Domains = Annotated[WordList, AfterValidator(_domains)]


class ModerationSettings(BaseSettings):
    """`WAVESTACK_AUTO_MOD_*`: how every channel is moderated unless it says otherwise."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_AUTO_MOD_", env_file=".env", extra="ignore", frozen=True
    )

    toxicity_threshold: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Toxicity score (0-1) above which a message is toxic (1: never).",
    )
    spam_threshold: float = Field(
        0.6, ge=0, le=1, description="Spam score (0-1) above which a message is spam (1: never)."
    )
    auto_delete: bool = Field(True, description="Delete messages that break a rule.")
    auto_timeout: bool = Field(
        False, description="Time chatters out by the ladder (`LADDER`) as violations add up."
    )
    auto_ban: bool = Field(
        False, description="Ban a chatter at `VIOLATIONS_FOR_BAN` violations within 24 h."
    )
    violations_for_ban: int = Field(
        5, ge=1, le=100, description="Violations within 24 h that bring a ban."
    )
    timeout_duration: int = Field(
        300, ge=1, le=1_209_600, description="Seconds of a timeout given without a ladder step."
    )
    ladder: Ladder = Field(
        default_factory=lambda: ["warn", "timeout:5", "timeout:600"],
        description="With auto-timeout, what the 1st, 2nd, 3rd... violation in 24 h brings "
        "(the last step repeats): `warn`, `delete`, `timeout:SECONDS`, `ban`; comma-separated.",
    )
    links_allowed: bool = Field(
        False, description="Let links through (blocked domains are still removed)."
    )
    allowed_domains: Domains = Field(
        default_factory=list,
        description="Domains whose links are always fine (`twitch.tv` covers its subdomains).",
    )
    blocked_domains: Domains = Field(
        default_factory=list, description="Domains whose links are always removed."
    )
    permit_seconds: int = Field(
        60, ge=5, le=3600, description="How long a `!permit` lets a chatter post one link."
    )
    raid_new_chatters: int = Field(
        8,
        ge=2,
        le=10_000,
        description="First-time chatters within the raid window that make "
        "a join wave and switch the channel to protective mode.",
    )
    raid_window_seconds: int = Field(
        20, ge=1, le=3600, description="The window first-time chatters are counted in."
    )
    protect_minutes: int = Field(
        10, ge=1, le=1440, description="How long protective mode lasts once switched on."
    )
    protect_on_raid: bool = Field(
        True, description="An incoming raid switches the channel to protective mode too."
    )
    nsfw_threshold: float = Field(
        0.6, ge=0, le=1, description="Detector confidence (0-1) from which an image is NSFW."
    )
    nsfw_classes: Annotated[WordList, AfterValidator(_upper)] = Field(
        default_factory=lambda: list(NSFW_CLASSES),
        description="The nudenet classes that make an image NSFW, comma-separated.",
    )

    def with_overrides(self, overrides: dict[str, Any]) -> ModerationSettings:
        """These settings with a channel's overrides on top (checked; unknown names refused)."""
        unknown = sorted(set(overrides) - set(type(self).model_fields))
        if unknown:
            raise ValidationFailed(f"unknown settings: {', '.join(unknown)}")
        try:
            return type(self).model_validate({**self.model_dump(), **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValidationFailed(f"{where}: {first['msg']}") from None
