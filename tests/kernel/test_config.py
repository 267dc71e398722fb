"""Settings: environment parsing and the production guard against placeholder secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wavestack.kernel.config import Settings


def test_defaults_follow_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/wavestack.db"
    assert settings.resolved_keys_dir == tmp_path / "keys"
    assert settings.resolved_storage_dir == tmp_path / "files"
    assert settings.resolved_public_url == "http://127.0.0.1:8080"


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WAVESTACK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WAVESTACK_HTTP_ALLOWED_HOSTS", "10.0.0.0/8, n8n.lan")
    monkeypatch.setenv("WAVESTACK_RATE_LIMIT_CORE", "50")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.http_allowed_hosts == ["10.0.0.0/8", "n8n.lan"]
    assert settings.rate_limits.core == 50


def test_production_refuses_placeholders() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(env="production", secret_key="changeme")
    with pytest.raises(ValidationError, match="ephemeral"):
        Settings(env="production", auth_keys_dir=Path("-"))
    assert Settings(env="development", auth_keys_dir=Path("-")).resolved_keys_dir is None
