"""Query helpers: pages never cross organizations."""

from __future__ import annotations

import pytest

from wavestack.bootstrap import Container
from wavestack.kernel.queries import read_page
from wavestack.services.content_queue.models import QueueItem
from wavestack.services.content_queue.schemas import QueueItemRead


@pytest.mark.parametrize("match", [{"status": "queued"}, {"org_id": None}, {"org_id": ""}])
def test_a_page_needs_the_callers_org(container: Container, match: dict[str, str | None]) -> None:
    with container.uow(write=False) as uow, pytest.raises(ValueError, match="org_id"):
        read_page(uow.session, QueueItem, QueueItemRead, match=match, limit=10, offset=0)
