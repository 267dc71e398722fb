"""Settings of the bots: command prefix, earning rules, game timings, batching."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList


class BotSettings(BaseSettings):
    """`WAVESTACK_BOTS_*`: how the bots talk, pay and play."""

    model_config = SettingsConfigDict(env_prefix="WAVESTACK_BOTS_", env_file=".env", extra="ignore")

    prefix: str = Field("!", min_length=1, max_length=3, description="Chat command prefix.")
    chat_points: int = Field(1, ge=0, description="Points for chatting, at most once a minute.")
    chat_points_interval_seconds: float = Field(
        60, gt=0, description="How often chatting can earn points and XP."
    )
    xp_min: int = Field(15, ge=0, description="Least XP a message earns (MEE6: 15).")
    xp_max: int = Field(25, ge=0, description="Most XP a message earns (MEE6: 25).")
    watch_points: int = Field(
        5, ge=0, description="Points per watch interval for chatters present while live."
    )
    watch_interval_seconds: float = Field(300, gt=0, description="The watch-time interval.")
    watch_multiplier_subscriber: float = Field(
        2.0, ge=0, description="Watch-time multiplier for subscribers (and VIPs, moderators)."
    )
    gamble_min: int = Field(10, ge=1, description="Smallest `!gamble` stake.")
    gamble_max: int = Field(10_000, ge=1, description="Largest `!gamble` stake.")
    trivia_seconds: float = Field(30, gt=0, description="Time to answer a trivia question.")
    scramble_seconds: float = Field(60, gt=0, description="Time to unscramble a word.")
    math_seconds: float = Field(30, gt=0, description="Time to solve a `!math` problem.")
    clip_source: str | None = Field(
        None,
        description="What `!clip` cuts from: a recording under the media roots or an HLS URL, "
        "following the live stream (unset: `!clip` says no stream source is set).",
    )
    auto_shoutout: bool = Field(False, description="Shout out raiders automatically.")
    welcome_message: str = Field(
        "Welcome, $(user)!", max_length=500, description="Said when someone joins (Discord)."
    )
    auto_role: str | None = Field(
        None, max_length=100, description="Role given to members who join (Discord)."
    )
    auto_clip: bool = Field(
        True, description="Clip when several chatters shout a hype word at once (needs a source)."
    )
    auto_clip_keywords: WordList = Field(
        default_factory=lambda: ["pog", "clip", "clipped", "highlight"],
        description="Words that count toward an auto-clip, comma-separated.",
    )
    auto_clip_chatters: int = Field(
        3, ge=1, description="Distinct chatters saying a keyword within the window."
    )
    auto_clip_window_seconds: float = Field(30, gt=0, description="The auto-clip window.")
    auto_clip_cooldown_seconds: float = Field(60, ge=0, description="Time between auto-clips.")
    auto_clip_min_viewers: int = Field(10, ge=0, description="Viewers a stream needs to auto-clip.")
    ai_chat_seconds: float = Field(
        30.0, ge=0, description="Least time between two AI answers in one channel."
    )
    ai_chat_user_seconds: float = Field(
        300.0, ge=0, description="Least time between two AI answers to one viewer."
    )
    flush_interval_seconds: float = Field(
        0.5, gt=0, description="How often buffered messages and earnings are written."
    )
    flush_max_messages: int = Field(
        2000, ge=1, description="Buffered messages that force a write before the interval."
    )
