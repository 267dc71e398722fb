"""Images: nudenet's bundled detector over the API (upload, body, URL), per-class threshold,
recording against a chatter, and every kind of bad input answered with a clear 4xx."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_image

from support import RecordingServer, SyncASGIClient, Tenant, asgi_client, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import Container, bootstrap
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.images import Detection, NsfwDetector
from wavestack.services.auto_mod.schemas import ImageCheckIn

URL = "/api/v1/moderate/image"


def encoded(pixels: np.ndarray[Any, Any], kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo() -> bytes:
    """A real photograph shipped with scikit-learn (a temple in China), 640x427."""
    return encoded(load_sample_image("china.jpg"))


def test_a_real_photo_through_the_bundled_detector(
    api: SyncASGIClient, tenant: Tenant, photo: bytes
) -> None:
    uploaded = api.post(
        URL, headers=tenant.headers, files={"file": ("temple.jpg", photo, "image/jpeg")}
    )
    assert uploaded.status_code == 200, uploaded.text
    judged = uploaded.json()
    assert (judged["nsfw"], judged["width"], judged["height"]) == (False, 640, 427)
    assert judged["threshold"] == 0.6
    assert judged["actions"] == []
    as_body = api.post(URL, headers={**tenant.headers, "Content-Type": "image/png"}, content=photo)
    assert as_body.status_code == 200, as_body.text
    assert as_body.json()["nsfw"] is False


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"this is plain text, not a picture", "not an image"),
        (b"", "empty"),
        (None, "damaged or truncated"),  # the photo cut short
    ],
)
def test_what_is_not_an_image_is_refused(
    api: SyncASGIClient, tenant: Tenant, photo: bytes, body: bytes | None, reason: str
) -> None:
    data = photo[:2000] if body is None else body
    answer = api.post(URL, headers=tenant.headers, files={"file": ("x.jpg", data, "image/jpeg")})
    assert answer.status_code == 422
    assert reason in answer.json()["error"]["message"]


def test_bad_requests(api: SyncASGIClient, tenant: Tenant) -> None:
    h = tenant.headers
    assert api.post(URL, headers=h, json={}).status_code == 422  # no url
    assert api.post(URL, headers=h, json={"url": "x", "mood": 1}).status_code == 422
    wrong = api.post(URL, headers={**h, "Content-Type": "text/plain"}, content=b"hello")
    assert wrong.status_code == 422
    no_file = api.post(URL, headers=h, data={"user_id": "u"}, files={"other": ("a", b"b")})
    assert no_file.status_code == 422
    huge = api.post(
        URL, headers={**h, "Content-Type": "image/png"}, content=b"\0" * (10 * 1024 * 1024 + 1)
    )
    assert huge.status_code == 413
    internal = api.post(URL, headers=h, json={"url": "http://127.0.0.1:9/cat.png"})
    assert internal.status_code == 422  # the outbound guard
    assert api.post(URL, json={"url": "https://example.com/a.png"}).status_code == 401


def test_an_image_by_url(
    settings_factory: Callable[..., Any], namespace: str, photo: bytes
) -> None:
    server = RecordingServer(body=photo, content_type="image/jpeg")
    container = bootstrap(
        settings_factory(http_allowed_hosts=["127.0.0.1/32"]),
        immediate_jobs=True,
        namespace=namespace,
    )
    try:
        tenant = make_tenant(container, "Images")
        with asgi_client(create_app(container)) as api, server.running():
            answer = api.post(URL, headers=tenant.headers, json={"url": f"{server.url}/cat.jpg"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["width"] == 640
            server.statuses = [404]
            gone = api.post(URL, headers=tenant.headers, json={"url": f"{server.url}/gone.jpg"})
            assert (gone.status_code, "404" in gone.text) == (422, True)
    finally:
        container.close()


class ScriptedDetector(NsfwDetector):
    """The detector's answer, scripted (a test set of explicit images has no place here)."""

    def __init__(self, found: list[Detection]) -> None:
        self.found = found

    def detect(self, pixels: np.ndarray[Any, Any]) -> list[Detection]:
        return list(self.found)


def test_classes_threshold_and_the_chatter(
    container: Container, tenant: Tenant, photo: bytes
) -> None:
    exposed = Detection("FEMALE_BREAST_EXPOSED", 0.81, (10, 10, 50, 50))
    face = Detection("FACE_FEMALE", 0.97, (0, 0, 40, 40))

    def judge(found: list[Detection], **about: Any) -> Any:
        return service.check_image(
            container.uow(),
            org_id=tenant.org_id,
            judges=service.process_judges(),
            data=photo,
            about=ImageCheckIn(**about),
            detector=ScriptedDetector(found),
        )

    only_face = judge([face])
    assert (only_face.nsfw, only_face.classes) == (False, {"FACE_FEMALE": 0.97})
    flagged = judge([face, exposed])
    assert (flagged.nsfw, flagged.score, flagged.reason) == (
        True,
        0.81,
        "nsfw female_breast_exposed 0.81",
    )
    assert flagged.actions == []  # nobody named: judged, not recorded
    named = judge([exposed], platform="discord", channel_id="art", user_id="d1", username="Dee")
    assert (named.should_delete, named.actions) == (True, ["delete"])
    assert service.active_violations(container.uow(), org_id=tenant.org_id, user_id="d1") == 1
    service.save_settings(
        container.uow(),
        org_id=tenant.org_id,
        channel="discord:lenient",
        overrides={"nsfw_threshold": 0.9},
    )
    service.process_judges().forget(tenant.org_id)
    lenient = judge([exposed], platform="discord", channel_id="lenient", user_id="d2")
    assert (lenient.nsfw, lenient.threshold) == (False, 0.9)
