"""Long-term memory: kept with a kind and importance from its wording, recalled by
relevance weighed with importance and recency (recall@5 on a labelled set), near-duplicates
merged, the unimportant, unused and old forgotten; each organization's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from fakes.chroma import FakeChroma
from fakes.http import served
from support import SyncASGIClient, Tenant
from wavestack.bootstrap import Container
from wavestack.kernel.filelock import hold
from wavestack.services.personality.memory import importance_of, kind_of
from wavestack.services.personality.stores import (
    ChromaIndex,
    DatabaseIndex,
    bring_in_line,
    memory_store,
)

# A labelled set: what the creator said, and questions each about one of them.
LABELLED = json.loads((Path(__file__).parent.parent / "data" / "memory_recall.json").read_text())
MEMORIES: dict[str, str] = LABELLED["memories"]
QUESTIONS: dict[str, str] = LABELLED["questions"]  # question -> the key of its memory
PARAPHRASES: dict[str, str] = LABELLED["paraphrases"]  # none shares a word with its memory


def remember(api: SyncASGIClient, tenant: Tenant, text: str) -> dict[str, str]:
    made = api.post("/api/v1/memory", headers=tenant.headers, json={"text": text})
    assert made.status_code == 201, made.text
    return dict(made.json())


def recall_at_5(
    api: SyncASGIClient, tenant: Tenant, ids: dict[str, str], asked: dict[str, str]
) -> float:
    """The share of questions whose memory (by key) is among the five recalled."""
    found = 0
    for question, key in asked.items():
        hits = api.get(
            "/api/v1/memory", headers=tenant.headers, params={"query": question, "limit": 5}
        ).json()["items"]
        found += ids[key] in [h["memory"]["id"] for h in hits]
    return found / len(asked)


def test_kind_and_importance_come_from_the_wording() -> None:
    assert kind_of("My duo partner Alex plays support") == "relationship"
    assert kind_of("My favorite snack is ramen") == "preference"
    assert kind_of("Last month we did a charity stream") == "event"
    assert kind_of("I live in Berlin") == "fact"
    assert importance_of("My favorite snack is ramen, always", "preference") == 10
    assert importance_of("the sky", "other") == 5


@pytest.mark.parametrize("index", ["chroma", "database"])
def test_recall_finds_the_right_memory(
    api: SyncASGIClient,
    tenant: Tenant,
    other_tenant: Tenant,
    index: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAVESTACK_PERSONALITY_MEMORY_INDEX", index)
    ids = {key: remember(api, tenant, text)["id"] for key, text in MEMORIES.items()}
    found = recall_at_5(api, tenant, ids, QUESTIONS)
    assert found >= 0.8, found
    theirs = api.get(
        "/api/v1/memory", headers=other_tenant.headers, params={"query": "duo partner"}
    ).json()
    assert theirs["items"] == []  # another organization's memories are not there
    used = api.get("/api/v1/memory", headers=tenant.headers, params={"query": "duo partner"})
    assert used.json()["items"][0]["memory"]["accessCount"] >= 1
    newest = api.get("/api/v1/memory", headers=tenant.headers, params={"limit": 5}).json()
    assert ids["duo"] in [h["memory"]["id"] for h in newest["items"]]  # among those just used
    assert len(newest["items"]) == 5


def test_consolidation_and_pruning(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    first = remember(api, tenant, "My favorite stream snack is spicy ramen")
    remember(api, tenant, "my favorite stream snack is spicy ramen!")
    remember(api, tenant, "I live in Berlin")
    merged = api.post("/api/v1/memory/consolidate", headers=tenant.headers).json()
    assert merged == {"merged": 1, "pruned": 0}
    left = api.get(
        "/api/v1/memory", headers=tenant.headers, params={"query": "snack ramen", "limit": 10}
    ).json()["items"]
    assert [h["memory"]["id"] for h in left if "ramen" in h["memory"]["text"]] == [first["id"]]

    trivial = remember(api, tenant, "the weather was grey")  # other: importance 5
    low = api.post(
        "/api/v1/memory", headers=tenant.headers, json={"text": "a passing remark", "importance": 2}
    ).json()
    with container.db.engine.begin() as conn:  # both last of use long ago
        old = datetime.now(UTC) - timedelta(days=120)
        conn.execute(
            text("UPDATE personality_memories SET last_accessed_at = :old WHERE id IN (:a, :b)"),
            {"old": old, "a": trivial["id"], "b": low["id"]},
        )
    pruned = api.post("/api/v1/memory/prune", headers=tenant.headers).json()
    assert pruned == {"merged": 0, "pruned": 1}  # the unimportant one; importance 5 stays
    assert api.delete(f"/api/v1/memory/{low['id']}", headers=tenant.headers).status_code == 404
    assert api.delete(f"/api/v1/memory/{trivial['id']}", headers=tenant.headers).status_code == 204


@pytest.fixture
def chroma(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChroma]:
    """A Chroma server for memory vectors (set before the container that reads it)."""
    fake = FakeChroma()
    with served(fake.handle) as base:
        monkeypatch.setenv("WAVESTACK_CHROMA_URL", base)
        yield fake


def test_memories_can_live_in_a_chroma_server(
    chroma: FakeChroma,
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    ids = {key: remember(api, tenant, MEMORIES[key])["id"] for key in ("duo", "snack", "city")}
    theirs = remember(api, other_tenant, "My duo partner is someone else entirely")
    held = {c.name: set(c.records) for c in chroma.collections.values()}
    assert held == {  # a collection each: a search never meets another's vectors
        f"memories-{tenant.org_id}-hash512": set(ids.values()),
        f"memories-{other_tenant.org_id}-hash512": {theirs["id"]},
    }
    hits = api.get(
        "/api/v1/memory", headers=tenant.headers, params={"query": "who is your duo partner"}
    ).json()["items"]
    assert hits[0]["memory"]["id"] == ids["duo"], hits
    assert {h["memory"]["id"] for h in hits} <= set(ids.values())
    assert api.delete(f"/api/v1/memory/{ids['duo']}", headers=tenant.headers).status_code == 204
    assert ids["duo"] not in held_by(chroma, tenant.org_id)

    # A collection that drifted from the database (a crash between the two) is brought in
    # line the first time a process searches it.
    store = memory_store(container.settings)
    assert isinstance(store.index, ChromaIndex)
    collection = store.index.collection(tenant.org_id, "hash512")
    collection.delete(ids=[ids["snack"]])
    collection.add(ids=["gone-elsewhere"], embeddings=[[0.5] * 512])
    with container.uow(write=False) as uow:
        assert bring_in_line(uow, tenant.org_id, collection, "hash512") == (1, 1)
    assert held_by(chroma, tenant.org_id) == {ids["snack"], ids["city"]}


def held_by(chroma: FakeChroma, org_id: str) -> set[str]:
    (found,) = (c for c in chroma.collections.values() if org_id in c.name)
    return set(found.records)


def test_memories_live_in_the_embedded_chroma_by_default(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    ids = {key: remember(api, tenant, MEMORIES[key])["id"] for key in ("duo", "snack", "city")}
    folder = container.settings.data_dir / "chroma"
    assert (folder / "chroma.sqlite3").exists()
    store = memory_store(container.settings)
    assert isinstance(store.index, ChromaIndex)
    assert store.index.collection(tenant.org_id, "hash512").count() == 3
    hits = api.get(
        "/api/v1/memory", headers=tenant.headers, params={"query": "who is your duo partner"}
    ).json()["items"]
    assert hits[0]["memory"]["id"] == ids["duo"]
    assert hold(folder / "wavestack.lock") is None  # kept while this process has it open


def test_a_process_that_finds_the_embedded_chroma_taken_searches_the_database(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    folder = container.settings.data_dir / "chroma"
    folder.mkdir(parents=True)
    other_process = hold(folder / "wavestack.lock")  # as `up` beside an API worker would
    assert other_process is not None
    try:
        ids = {key: remember(api, tenant, MEMORIES[key])["id"] for key in ("duo", "city")}
        assert isinstance(memory_store(container.settings).index, DatabaseIndex)
        hits = api.get(
            "/api/v1/memory", headers=tenant.headers, params={"query": "who is your duo partner"}
        ).json()["items"]
        assert hits[0]["memory"]["id"] == ids["duo"]
    finally:
        other_process.release()
