"""Weekly posting slots in the creator's time zone: across daylight-saving changes, the next
free one for `scheduleAt: "next_slot"`, freed by canceling, taken again by rescheduling."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from support import SyncASGIClient, Tenant, make_asset, make_project
from wavestack.kernel.ids import new_id
from wavestack.services.content_queue.slots import occurrences

SUNDAY, TUESDAY = 6, 1


def test_slots_keep_their_wall_clock_time_across_daylight_saving() -> None:
    autumn = occurrences([(SUNDAY, 18 * 60)], "Europe/Berlin", datetime(2026, 10, 17, tzinfo=UTC))
    assert [next(autumn), next(autumn)] == [
        datetime(2026, 10, 18, 16, 0, tzinfo=UTC),  # 18:00 summer time (UTC+2)
        datetime(2026, 10, 25, 17, 0, tzinfo=UTC),  # 18:00 winter time (UTC+1)
    ]
    # 02:30 does not exist on the night the clocks jump: it falls an hour later, 03:30.
    spring = occurrences(
        [(SUNDAY, 2 * 60 + 30)], "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC)
    )
    assert next(spring) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    new_york = occurrences(
        [(SUNDAY, 9 * 60)], "America/New_York", datetime(2026, 10, 31, tzinfo=UTC)
    )
    assert [next(new_york), next(new_york)] == [
        datetime(2026, 11, 1, 14, 0, tzinfo=UTC),  # 09:00 EST (the change was that morning)
        datetime(2026, 11, 8, 14, 0, tzinfo=UTC),
    ]


def queue(api: SyncASGIClient, tenant: Tenant, **overrides: Any) -> Any:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Slot me",
        "platforms": ["youtube"],
        "idempotencyKey": new_id(),
        **overrides,
    }
    return api.post("/api/queue", headers=tenant.headers, json=body)


def test_next_slot_takes_the_first_free_one(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert queue(api, tenant, scheduleAt="next_slot").status_code == 422  # no slots yet
    slots = {
        "timezone": "Europe/Berlin",
        "slots": [
            {"platform": "youtube", "weekday": "tue", "time": "18:00"},
            {"platform": "youtube", "weekday": "sun", "time": "12:30"},
            {"platform": "local", "weekday": "mon", "time": "09:00"},
        ],
    }
    put = api.put("/api/queue/slots", headers=tenant.headers, json=slots)
    assert put.status_code == 200, put.text
    assert put.json()["slots"][0] == {"platform": "local", "weekday": "mon", "time": "09:00"}
    assert api.get("/api/queue/slots", headers=other_tenant.headers).json() == {
        "timezone": None,
        "slots": [],
    }
    upcoming = occurrences(
        [(TUESDAY, 18 * 60), (SUNDAY, 12 * 60 + 30)], "Europe/Berlin", datetime.now(UTC)
    )
    first, second, third = next(upcoming), next(upcoming), next(upcoming)

    one = queue(api, tenant, scheduleAt="next_slot").json()
    two = queue(api, tenant, scheduleAt="next_slot").json()
    assert datetime.fromisoformat(one["scheduleAt"]) == first
    assert datetime.fromisoformat(two["scheduleAt"]) == second
    # Canceling frees a slot; the next item takes it.
    assert api.delete(f"/api/queue/{one['id']}", headers=tenant.headers).status_code == 200
    three = queue(api, tenant, scheduleAt="next_slot").json()
    assert datetime.fromisoformat(three["scheduleAt"]) == first
    # Rescheduling to a slot: the item's own time does not count as taken.
    moved = api.patch(
        f"/api/queue/{two['id']}", headers=tenant.headers, json={"scheduleAt": "next_slot"}
    ).json()
    assert datetime.fromisoformat(moved["scheduleAt"]) == second
    later = api.patch(
        f"/api/queue/{three['id']}",
        headers=tenant.headers,
        json={"scheduleAt": "2999-01-01T00:00:00Z"},
    ).json()
    assert later["scheduleAt"].startswith("2999-01-01")
    four = queue(api, tenant, scheduleAt="next_slot").json()
    assert datetime.fromisoformat(four["scheduleAt"]) == first
    assert (
        datetime.fromisoformat(queue(api, tenant, scheduleAt="next_slot").json()["scheduleAt"])
        == third
    )


def test_bad_slots_are_refused(api: SyncASGIClient, tenant: Tenant) -> None:
    def put(**body: Any) -> int:
        return api.put("/api/queue/slots", headers=tenant.headers, json=body).status_code

    assert put(timezone="Mars/Olympus", slots=[]) == 422
    assert (
        put(timezone="UTC", slots=[{"platform": "youtube", "weekday": "tue", "time": "25:00"}])
        == 422
    )
    assert (
        put(timezone="UTC", slots=[{"platform": "myspace", "weekday": "tue", "time": "10:00"}])
        == 422
    )
    assert (
        put(timezone="UTC", slots=[{"platform": "x", "weekday": "someday", "time": "10:00"}]) == 422
    )
    assert put(timezone="UTC", slots=[]) == 200
    assert queue(api, tenant, scheduleAt="soon").status_code == 422
