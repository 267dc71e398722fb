"""Base models for the HTTP edge: camelCase JSON, strict input, one list shape."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from wavestack.kernel.clock import as_utc

# A timestamp that must carry a zone, converted to UTC on the way in: stored, hashed and
# answered in UTC whatever offset the client sent.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(as_utc)]


class ApiModel(BaseModel):
    """A response model: snake_case in Python, camelCase on the wire (as the seed's core API)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class ApiInput(ApiModel):
    """A request model: unknown fields are an error, so typos do not pass silently."""

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
