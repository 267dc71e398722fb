"""Use cases of the language model gateway: every call to a model goes through here, so each
organization's tokens are counted and capped per day, and a request made again is answered
from the cache instead of the model."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from functools import cache

from sqlalchemy import func, select

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import RateLimited
from wavestack.kernel.queries import insert_new_returning, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.llm import LLM, Completion, LLMSettings, Message
from wavestack.services.llm_gateway.models import Usage
from wavestack.services.llm_gateway.schemas import UsageRead, UsageReport
from wavestack.services.llm_gateway.settings import GatewaySettings, prices_of


class OverBudget(RateLimited):
    """The organization used its tokens for today."""


def configured() -> tuple[LLM | None, int]:
    """The language models this install is set up with (None: offline only), and the
    most tokens one answer may use."""
    settings = LLMSettings()
    return _chain(settings.model_dump_json()), settings.max_tokens


@cache
def _chain(configuration: str) -> LLM | None:
    # One chain, with its SDK clients and their connection pools, per configuration.
    chain = LLMSettings.model_validate_json(configuration).chain()
    return chain if chain.providers else None


class AnswerCache:
    """Answers by request, for `seconds`, the least recently used dropped past `entries`."""

    def __init__(self) -> None:
        self._answers: OrderedDict[str, tuple[float, Completion]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, seconds: float) -> Completion | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None or time.monotonic() - found[0] > seconds:
                self._answers.pop(key, None)
                return None
            self._answers.move_to_end(key)
            return found[1]

    def put(self, key: str, answer: Completion, entries: int) -> None:
        with self._lock:
            self._answers[key] = (time.monotonic(), answer)
            self._answers.move_to_end(key)
            while len(self._answers) > entries:
                self._answers.popitem(last=False)


ANSWERS = AnswerCache()


def complete(
    uow: UnitOfWork,
    *,
    org_id: str,
    llm: LLM,
    messages: list[Message],
    max_tokens: int,
    temperature: float,
    use_cache: bool = True,
    settings: GatewaySettings | None = None,
) -> tuple[Completion, bool]:
    """The model's answer to a conversation for an organization, and whether it came from
    the cache. Over the day's token budget it is refused (429); the tokens of each call
    are counted in the caller's transaction. LLMError when no provider answered."""
    settings = settings or GatewaySettings()
    key = _key(org_id, llm, messages, max_tokens, temperature)
    use_cache = use_cache and settings.cache_seconds > 0 and settings.cache_entries > 0
    if use_cache:
        found = ANSWERS.get(key, settings.cache_seconds)
        if found is not None:
            return found, True
    with uow:
        _check_budget(uow, org_id, settings)
        answer = llm.complete(messages, max_tokens=max_tokens, temperature=temperature)
        _count(uow, org_id, answer)
        uow.commit()
    if use_cache:
        ANSWERS.put(key, answer, settings.cache_entries)
    return answer, False


def stream(
    uow: UnitOfWork,
    *,
    org_id: str,
    llm: LLM,
    messages: list[Message],
    max_tokens: int,
    temperature: float,
    use_cache: bool = True,
    settings: GatewaySettings | None = None,
) -> Iterator[str | tuple[Completion, bool]]:
    """The answer in pieces as the model writes them, then (the Completion, whether it came
    from the cache). The budget is checked before the model is asked; the tokens are
    counted once the answer is whole."""
    settings = settings or GatewaySettings()
    key = _key(org_id, llm, messages, max_tokens, temperature)
    use_cache = use_cache and settings.cache_seconds > 0 and settings.cache_entries > 0
    if use_cache:
        found = ANSWERS.get(key, settings.cache_seconds)
        if found is not None:
            yield found.text
            yield found, True
            return
    with uow:
        _check_budget(uow, org_id, settings)
    for piece in llm.stream(messages, max_tokens=max_tokens, temperature=temperature):
        if isinstance(piece, str):
            yield piece
            continue
        with uow:
            _count(uow, org_id, piece)
            uow.commit()
        if use_cache:
            ANSWERS.put(key, piece, settings.cache_entries)
        yield piece, False


def _check_budget(uow: UnitOfWork, org_id: str, settings: GatewaySettings) -> None:
    if settings.daily_tokens and _used_today(uow, org_id) >= settings.daily_tokens:
        raise OverBudget(
            f"this organization used its {settings.daily_tokens} language model tokens "
            "for today (WAVESTACK_LLM_GATEWAY_DAILY_TOKENS)"
        )


def _key(
    org_id: str, llm: LLM, messages: list[Message], max_tokens: int, temperature: float
) -> str:
    request = [org_id, llm.name, [[m.role, m.content] for m in messages], max_tokens, temperature]
    return hashlib.sha256(json.dumps(request).encode()).hexdigest()


def _today() -> str:
    return utcnow().date().isoformat()


def _used_today(uow: UnitOfWork, org_id: str) -> int:
    used = uow.session.scalar(
        select(func.sum(Usage.input_tokens + Usage.output_tokens)).where(
            Usage.org_id == org_id, Usage.day == _today()
        )
    )
    return int(used or 0)


def _count(uow: UnitOfWork, org_id: str, answer: Completion) -> None:
    key = {"org_id": org_id, "day": _today(), "provider": answer.provider}
    zero = {"calls": 0, "input_tokens": 0, "output_tokens": 0}
    # Made once per day and provider; concurrent first calls never fail on it.
    insert_new_returning(uow.session, table_of(Usage), [{**key, **zero}], ["org_id"])
    row = uow.session.get(Usage, (org_id, key["day"], answer.provider), with_for_update=True)
    if row is not None:
        row.calls += 1
        row.input_tokens += answer.input_tokens
        row.output_tokens += answer.output_tokens


def usage(uow: UnitOfWork, *, org_id: str, settings: GatewaySettings) -> UsageReport:
    """Calls and tokens per day and provider, newest first, and today's budget."""
    with uow:
        rows = uow.session.scalars(
            select(Usage).where(Usage.org_id == org_id).order_by(Usage.day.desc(), Usage.provider)
        )
        prices = prices_of(settings.prices)
        items = []
        for row in rows:
            given, taken = prices.get(row.provider, (0.0, 0.0))
            cost = (row.input_tokens * given + row.output_tokens * taken) / 1_000_000
            items.append(
                UsageRead.model_validate(row).model_copy(update={"cost_usd": round(cost, 6)})
            )
        return UsageReport(
            items=items,
            cost_usd=round(sum(item.cost_usd for item in items), 6),
            daily_tokens=settings.daily_tokens,
            used_today=_used_today(uow, org_id),
        )
