"""Protocol-level fakes of three language model APIs, answering from a script: Ollama's
`/api/chat` (JSON, or NDJSON lines when streaming), OpenAI's `/v1/chat/completions` (JSON, or
server-sent `chat.completion.chunk`s ending in `[DONE]`, with a usage chunk when asked) and
Anthropic's `/v1/messages` (JSON, or the named SSE events from `message_start` to
`message_stop`). Keys are checked; errors and slow answers on demand."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class FakeLLM:
    answer: str = "gg ez, ranked grind tonight"
    key: str = "sk-test"
    fail_next: int = 0  # answer this many calls with a server error
    delay: float = 0.0  # seconds before answering (a timeout on demand)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        self.requests.append({"path": request.url.path, **body})
        if self.delay:
            time.sleep(self.delay)
        if request.url.path == "/api/chat":
            return self._ollama(body)
        if request.url.path == "/v1/chat/completions":
            if request.headers.get("authorization") != f"Bearer {self.key}":
                return httpx.Response(401, json={"error": {"message": "bad key", "type": "auth"}})
            return self._failing("openai") or self._openai(body)
        if request.url.path == "/v1/messages":
            # The SDK sends the key as x-api-key or, in its newer releases, as a bearer token.
            sent = request.headers.get("x-api-key") or request.headers.get("authorization", "")
            if sent.removeprefix("Bearer ") != self.key or not request.headers.get(
                "anthropic-version"
            ):
                return httpx.Response(
                    401,
                    json={
                        "type": "error",
                        "error": {"type": "authentication_error", "message": "bad key"},
                    },
                )
            return self._failing("anthropic") or self._anthropic(body)
        return httpx.Response(404, json={"error": "not found"})

    def _failing(self, kind: str) -> httpx.Response | None:
        if self.fail_next <= 0:
            return None
        self.fail_next -= 1
        if kind == "anthropic":
            error = {"type": "overloaded_error", "message": "Overloaded"}
            return httpx.Response(529, json={"type": "error", "error": error})
        return httpx.Response(500, json={"error": {"message": "server error", "type": "server"}})

    def _usage(self, body: dict[str, Any]) -> tuple[int, int]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        prompt += len(str(body.get("system", "")).split())
        return prompt, len(self.answer.split())

    def _pieces(self) -> list[str]:
        words = self.answer.split(" ")
        return [w if n == 0 else f" {w}" for n, w in enumerate(words)]

    def _ollama(self, body: dict[str, Any]) -> httpx.Response:
        if self.fail_next > 0:
            self.fail_next -= 1
            return httpx.Response(500, json={"error": "model failed to load"})
        prompt, output = self._usage(body)
        done = {
            "model": body["model"],
            "created_at": "2026-11-26T12:00:00Z",
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": prompt,
            "eval_count": output,
        }
        if not body.get("stream", True):
            done["message"]["content"] = self.answer
            return httpx.Response(200, json=done)
        lines = [
            {
                "model": body["model"],
                "created_at": done["created_at"],
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            for piece in self._pieces()
        ]
        content = "".join(json.dumps(line) + "\n" for line in [*lines, done])
        return httpx.Response(
            200, content=content, headers={"Content-Type": "application/x-ndjson"}
        )

    def _openai(self, body: dict[str, Any]) -> httpx.Response:
        prompt, output = self._usage(body)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": output,
            "total_tokens": prompt + output,
        }
        base = {"id": "chatcmpl-1", "created": 1, "model": body["model"]}
        if not body.get("stream"):
            choice = {
                "index": 0,
                "message": {"role": "assistant", "content": self.answer},
                "finish_reason": "stop",
            }
            return httpx.Response(
                200, json={**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        chunks = [
            {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            for piece in self._pieces()
        ]
        chunks[-1]["choices"][0]["finish_reason"] = "stop"
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(
                {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            )
        content = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return httpx.Response(200, content=content, headers={"Content-Type": "text/event-stream"})

    def _anthropic(self, body: dict[str, Any]) -> httpx.Response:
        prompt, output = self._usage(body)
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": self.answer}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": output},
        }
        if not body.get("stream"):
            return httpx.Response(200, json=message)
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": prompt, "output_tokens": 1},
        }
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in self._pieces()
        ]
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": output},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        content = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
        return httpx.Response(200, content=content, headers={"Content-Type": "text/event-stream"})
