"""A protocol-level fake of Chroma's HTTP API (v2) for what the memory store uses: identity,
tenant, database and pre-flight checks, get-or-create a collection, add and upsert (ids,
embeddings, metadatas), get ids a page at a time, query by embedding with a `where` filter
on metadata (cosine distance), delete by ids, and count."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

TENANT, DATABASE = "default_tenant", "default_database"


@dataclass
class Collection:
    id: str
    name: str
    metadata: dict[str, Any] | None
    records: dict[str, tuple[list[float], dict[str, Any]]] = field(default_factory=dict)

    def model(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "metadata": self.metadata,
            "configuration_json": {},
            "dimension": None,
            "tenant": TENANT,
            "database": DATABASE,
            "version": 0,
            "log_position": 0,
        }


@dataclass
class FakeChroma:
    collections: dict[str, Collection] = field(default_factory=dict)  # by id
    queries: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v2")
        body = json.loads(request.content) if request.content else {}
        if path == "/auth/identity":
            return _json({"user_id": "", "tenant": TENANT, "databases": [DATABASE]})
        if path == "/pre-flight-checks":
            return _json({"max_batch_size": 5000, "supports_base64_encoding": False})
        if path == "/heartbeat":
            return _json({"nanosecond heartbeat": 1})
        if path == f"/tenants/{TENANT}":
            return _json({"name": TENANT})
        if path == f"/tenants/{TENANT}/databases/{DATABASE}":
            return _json({"id": str(uuid.UUID(int=1)), "name": DATABASE, "tenant": TENANT})
        prefix = f"/tenants/{TENANT}/databases/{DATABASE}/collections"
        if not path.startswith(prefix):
            return _error(404, "NotFoundError", f"no route {path}")
        rest = path.removeprefix(prefix).strip("/")
        if not rest and request.method == "POST":
            return self._create(body)
        collection_id, _, action = rest.partition("/")
        found = self.collections.get(collection_id)
        if found is None:
            return _error(404, "NotFoundError", f"collection {collection_id} does not exist")
        if action in ("add", "upsert"):
            metadatas = body.get("metadatas") or [None] * len(body["ids"])
            for record_id, vector, meta in zip(
                body["ids"], body["embeddings"], metadatas, strict=True
            ):
                if action == "add" and record_id in found.records:
                    continue  # add keeps the first of an id, as Chroma does
                found.records[record_id] = (vector, meta or {})
            return _json(True, 201 if action == "add" else 200)
        if action == "get":
            offset, limit = body.get("offset") or 0, body.get("limit")
            ids = sorted(found.records)[offset : None if limit is None else offset + limit]
            return _json(
                {
                    "ids": ids,
                    "embeddings": None,
                    "metadatas": None,
                    "documents": None,
                    "uris": None,
                    "include": body.get("include", []),
                }
            )
        if action == "delete":
            for record_id in body.get("ids") or []:
                found.records.pop(record_id, None)
            return _json({})
        if action == "count":
            return _json(len(found.records))
        if action == "query":
            return self._query(found, body)
        return _error(404, "NotFoundError", f"no action {action}")

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        for collection in self.collections.values():
            if collection.name == body["name"]:
                if not body.get("get_or_create"):
                    return _error(409, "UniqueConstraintError", "collection exists")
                return _json(collection.model())
        made = Collection(str(uuid.uuid4()), body["name"], body.get("metadata"))
        self.collections[made.id] = made
        return _json(made.model())

    def _query(self, found: Collection, body: dict[str, Any]) -> httpx.Response:
        self.queries.append(body)
        where = body.get("where") or {}
        wanted = [
            (record_id, vector)
            for record_id, (vector, meta) in found.records.items()
            if all(meta.get(k) == v for k, v in where.items())
        ]
        ids, distances = [], []
        for query in body["query_embeddings"]:
            scored = sorted((_cosine_distance(query, v), i) for i, v in wanted)
            best = scored[: body.get("n_results", 10)]
            ids.append([i for _, i in best])
            distances.append([d for d, _ in best])
        return _json(
            {
                "ids": ids,
                "distances": distances,
                "metadatas": None,
                "documents": None,
                "embeddings": None,
                "uris": None,
                "include": body.get("include", []),
            }
        )


def _cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0
    return 1.0 - dot / norm


def _json(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, kind: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": kind, "message": message})
