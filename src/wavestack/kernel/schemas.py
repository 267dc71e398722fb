"""Base models for the HTTP edge: camelCase JSON, strict input, one list shape."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

from wavestack.kernel.clock import as_utc

# A timestamp that must carry a zone, converted to UTC on the way in: stored, hashed and
# answered in UTC whatever offset the client sent.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(as_utc)]


def without_nul(value: Any) -> Any:
    """The value with NUL characters taken out of every string in it (copied only if any)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        cleaned = {key: without_nul(item) for key, item in value.items()}
        return value if all(cleaned[k] is value[k] for k in value) else cleaned
    if isinstance(value, list):
        items = [without_nul(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


class StorableText(BaseModel):
    """Input whose strings every database can store: PostgreSQL's text cannot hold a NUL
    character and no chat or form needs one, so they are dropped on the way in rather than
    failing a write later (a chat batch would keep failing)."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nul(cls, data: Any) -> Any:
        return without_nul(data)


class ApiModel(BaseModel):
    """A response model: snake_case in Python, camelCase on the wire (as the seed's core API)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class ApiInput(ApiModel, StorableText):
    """A request model: unknown fields are an error, so typos do not pass silently; NUL
    characters are dropped (see `StorableText`)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


T = TypeVar("T")


class Page(ApiModel, Generic[T]):
    """One page of a list, with the total across all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int
