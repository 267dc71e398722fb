"""Typed settings read once from `WAVESTACK_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development"})


class RateLimits(BaseSettings):
    """Requests per minute per API client, by area."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_RATE_LIMIT_", env_file=".env", extra="ignore"
    )

    core: int = Field(
        1200, ge=1, description="Core API calls (queue, projects, assets, status reads)."
    )
    clip: int = Field(60, ge=1, description="Clip job creation.")
    ai: int = Field(120, ge=1, description="AI generation calls.")
    ingest: int = Field(6000, ge=1, description="Chat ingest batches.")
    publish: int = Field(120, ge=1, description="Publisher calls.")
    token: int = Field(60, ge=1, description="Token requests per client id.")


# fmt: off
DEFAULT_HYPE_WORDS = [
    "pog", "pogchamp", "poggers", "pogu", "kekw", "lul", "lol", "lmao", "lmfao", "omegalul",
    "clip", "clipit", "clipped", "omg", "wow", "hype", "gg", "insane", "w", "letsgo", "ez",
]
# fmt: on


def _lowercase_words(value: object) -> object:
    if isinstance(value, str):
        return [word.strip().lower() for word in value.split(",") if word.strip()]
    return value


# A setting holding words, written in the environment as `a, b, c`.
WordList = Annotated[list[str], NoDecode, BeforeValidator(_lowercase_words)]


class HighlightSettings(BaseSettings):
    """Windows and thresholds of highlight detection."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_HIGHLIGHT_", env_file=".env", extra="ignore"
    )

    window_seconds: float = Field(10, gt=0, description="Window each signal is averaged over.")
    baseline_seconds: float = Field(
        120, gt=0, description="Rolling baseline a window is compared against."
    )
    z_threshold: float = Field(
        3.0, gt=0, description="Standard deviations above the baseline that make a burst."
    )
    debounce_seconds: float = Field(20, ge=0, description="Bursts closer than this merge.")
    lead_seconds: float = Field(
        15, ge=0, description="A candidate starts this long before its burst (chat lags)."
    )
    tail_seconds: float = Field(5, ge=0, description="A candidate ends this long after it.")
    min_chat_rate: float = Field(
        0.5, ge=0, description="Chat messages per second a burst needs at least."
    )
    loudness_db: float = Field(
        8.0, gt=0, description="Rise in dB over a steady baseline that counts as a peak."
    )
    keywords: WordList = Field(
        default_factory=lambda: list(DEFAULT_HYPE_WORDS),
        description="Hype words and emotes counted in chat, comma-separated.",
    )


class Settings(BaseSettings):
    """Every knob of a WaveStack install. Tests build this directly instead of editing the env."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = Field(
        "development", description="`production` refuses placeholder secrets and ephemeral keys."
    )
    data_dir: Path = Field(Path("data"), description="Where SQLite, jobs, keys and files live.")
    host: str = Field("127.0.0.1", description="Address the API binds to.")
    port: int = Field(8080, ge=1, le=65535, description="Port the API binds to.")
    public_url: str | None = Field(
        None, description="Base URL clients reach the API at (default http://HOST:PORT)."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default `sqlite:///<data dir>/wavestack.db`."
    )
    redis_url: str | None = Field(
        None, description="When set: jobs, events and rate limits go through this Redis."
    )
    chroma_url: str | None = Field(
        None,
        description="A Chroma server for memory vectors, for installs of several processes "
        "(else Chroma is embedded in the data dir; see `WAVESTACK_PERSONALITY_MEMORY_INDEX`).",
    )
    db_pool_size: int = Field(10, ge=1, description="PostgreSQL connection pool size.")
    log_level: str = Field("INFO", description="Logging level.")
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="`auto` is pretty on a terminal and JSON otherwise."
    )
    auth_keys_dir: Path | None = Field(
        None, description="RS256 key files; default `<data dir>/keys`; `-` for ephemeral keys."
    )
    auth_issuer: str = Field("wavestack", description="JWT `iss` claim.")
    auth_audience: str = Field("wavestack-api", description="JWT `aud` claim.")
    auth_key_id: str = Field("wavestack-1", description="JWT header `kid`.")
    auth_token_ttl_seconds: int = Field(3600, ge=60, le=86400 * 30, description="Token lifetime.")
    auth_leeway_seconds: int = Field(30, ge=0, le=600, description="Clock skew allowed on tokens.")
    secret_key: str | None = Field(
        None,
        description="Fernet key encrypting secrets at rest; default a key file in the keys dir.",
    )
    max_upload_bytes: int = Field(
        2 * 1024**3, ge=1, description="Largest asset upload accepted, in bytes."
    )
    storage_dir: Path | None = Field(
        None, description="Local file storage; default `<data dir>/files`."
    )
    http_timeout_seconds: float = Field(15.0, gt=0, description="Outbound HTTP timeout.")
    http_allow_private: bool = Field(
        False, description="Allow outbound HTTP to private, loopback and link-local addresses."
    )
    http_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts or CIDR ranges reachable even though private (e.g. a LAN n8n).",
    )
    api_workers: int = Field(
        1, ge=1, le=64, description="API processes; more than one spreads requests over cores."
    )
    api_threads: int = Field(
        4,
        ge=1,
        le=256,
        description="Threads per API process for blocking work (database calls on PostgreSQL).",
    )
    worker_threads: int = Field(4, ge=1, le=64, description="Job worker threads in `up`/`worker`.")
    webhook_max_attempts: int = Field(
        8, ge=1, le=30, description="Delivery tries per webhook event."
    )
    webhook_retry_delay_seconds: float = Field(
        2.0, ge=0, description="First retry delay; doubles on each try."
    )
    outbox_poll_seconds: float = Field(0.5, gt=0, description="How often the outbox is polled.")
    ffmpeg: str | None = Field(
        None, description="FFmpeg binary; default: the one in the imageio-ffmpeg wheel."
    )
    media_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Folders clip sources may be read from; default `<data dir>/media`.",
    )
    clip_max_concurrent: int = Field(2, ge=1, le=64, description="FFmpeg processes per process.")
    clip_timeout_seconds: float = Field(1800, gt=0, description="Longest a clip job may run.")
    clip_stale_seconds: float = Field(
        120, ge=3, description="A running clip job silent this long lost its worker: requeued."
    )
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    highlights: HighlightSettings = Field(default_factory=HighlightSettings)

    @field_validator("http_allowed_hosts", "media_roots", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key is not None and self.secret_key.lower() in PLACEHOLDER_SECRETS:
                raise ValueError("WAVESTACK_SECRET_KEY is a placeholder; set a real Fernet key")
            if self.auth_keys_dir is not None and str(self.auth_keys_dir) == "-":
                raise ValueError("ephemeral auth keys are not allowed in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wavestack.db').resolve()}"

    @property
    def resolved_keys_dir(self) -> Path | None:
        """Return the key directory, or None for ephemeral in-memory keys."""
        if self.auth_keys_dir is None:
            return self.data_dir / "keys"
        if str(self.auth_keys_dir) == "-":
            return None
        return self.auth_keys_dir

    @property
    def resolved_storage_dir(self) -> Path:
        """Return the local file storage root."""
        return self.storage_dir or self.data_dir / "files"

    @property
    def resolved_media_roots(self) -> list[Path]:
        """Return the folders clip sources may come from, resolved."""
        return [root.resolve() for root in self.media_roots or [self.data_dir / "media"]]

    @property
    def resolved_public_url(self) -> str:
        """Return the base URL the API is reachable at."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
