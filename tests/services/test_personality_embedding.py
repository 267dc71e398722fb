"""The learned embedding (`WAVESTACK_PERSONALITY_EMBEDDING=minilm`, the `ai` extra): it
finds memories that share meaning but no words with the question, which the hashed wording
does not; memories stored under the other embedding are brought over by `wavestack memory
reembed`."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from test_personality_memory import MEMORIES, PARAPHRASES, QUESTIONS, recall_at_5, remember
from typer.testing import CliRunner

from support import SyncASGIClient, Tenant
from wavestack.bootstrap import Container
from wavestack.cli import app
from wavestack.services.personality import stores


def test_the_learned_embedding_finds_memories_by_meaning(
    api: SyncASGIClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESTACK_PERSONALITY_EMBEDDING", "minilm")
    ids = {key: remember(api, tenant, line)["id"] for key, line in MEMORIES.items()}
    assert recall_at_5(api, tenant, ids, QUESTIONS) >= 0.9
    assert recall_at_5(api, tenant, ids, PARAPHRASES) >= 0.9


def test_memories_of_another_embedding_are_reembedded(
    api: SyncASGIClient, container: Container, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = {key: remember(api, tenant, MEMORIES[key])["id"] for key in ("pet", "city", "coffee")}

    def embeddings() -> list[str]:
        with container.db.engine.connect() as conn:
            return list(conn.scalars(text("SELECT embedding FROM personality_memories")))

    assert embeddings() == ["hash512"] * 3
    monkeypatch.setenv("WAVESTACK_PERSONALITY_EMBEDDING", "minilm")
    monkeypatch.setattr(stores, "RECHECK_SECONDS", 0.0)

    def pets() -> list[str]:
        return [
            hit["memory"]["id"]
            for hit in api.get(
                "/api/v1/memory", headers=tenant.headers, params={"query": "any pets at home?"}
            ).json()["items"]
        ]

    assert pets() == []  # none has a vector of this embedding yet
    monkeypatch.setenv("WAVESTACK_DATABASE_URL", container.settings.resolved_database_url)
    data_dir = str(container.settings.data_dir)
    result = CliRunner().invoke(app, ["memory", "reembed", "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert "3 memories now have minilm384 vectors" in result.output
    assert embeddings() == ["minilm384"] * 3
    again = CliRunner().invoke(app, ["memory", "reembed", "--data-dir", data_dir])
    assert "0 memories now have minilm384 vectors" in again.output
    assert pets()[0] == ids["pet"]  # the running index takes them on its next check
