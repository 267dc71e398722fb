"""NSFW images: the detector that ships inside `nudenet` (a small YOLO model run by ONNX
Runtime), scored per class against a channel's threshold.

Images are decoded with Pillow first, so that a file that is not an image, a truncated one or
a decompression bomb is refused with a clear reason before the model sees it.
"""

from __future__ import annotations

import functools
import io
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from wavestack.kernel.errors import PayloadTooLarge, ValidationFailed
from wavestack.services.auto_mod.settings import ModerationSettings

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 8K by 5K; beyond, decoding alone would take seconds


@dataclass(frozen=True)
class Detection:
    """One region the detector found."""

    label: str  # nudenet's class, e.g. FEMALE_BREAST_EXPOSED
    score: float
    box: tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass(frozen=True)
class ImageJudgement:
    """What moderation makes of one image."""

    nsfw: bool
    score: float  # the highest score among the classes that count as NSFW
    classes: dict[str, float]  # the highest score of each class found
    detections: list[Detection] = field(default_factory=list)
    width: int = 0
    height: int = 0
    reason: str = ""


def decode(data: bytes) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Image bytes as a BGR pixel array (the detector's input), or a clear 4xx error."""
    if not data:
        raise ValidationFailed("the image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"images are limited to {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed(
                    f"the image is {image.width}x{image.height}; at most {MAX_PIXELS:,} pixels"
                )
            rgb = image.convert("RGB")  # the first frame of an animation; decodes fully
    except UnidentifiedImageError:
        raise ValidationFailed("that is not an image (PNG, JPEG, GIF, WebP, BMP...)") from None
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed("the image is damaged or truncated") from None
    pixels = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(pixels[:, :, ::-1])


class NsfwDetector:
    """nudenet's bundled detector, loaded once and run one image at a time."""

    def __init__(self) -> None:
        from nudenet import NudeDetector  # type: ignore[import-untyped]

        self._detector = NudeDetector()
        self._lock = threading.Lock()  # one ONNX session; runs are short

    def detect(self, pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> list[Detection]:
        """Every region found, with its class and score."""
        with self._lock:
            found = self._detector.detect(pixels)
        return [
            Detection(str(d["class"]), float(d["score"]), tuple(int(v) for v in d["box"]))  # type: ignore[arg-type]
            for d in found
        ]


@functools.cache
def bundled_detector() -> NsfwDetector:
    """This process's detector (about 0.1 s to load)."""
    return NsfwDetector()


def judge_image(
    data: bytes, *, settings: ModerationSettings, detector: NsfwDetector | None = None
) -> ImageJudgement:
    """Decode an image, detect, and compare the NSFW classes with the threshold."""
    pixels = decode(data)
    detections = (detector or bundled_detector()).detect(pixels)
    classes: dict[str, float] = {}
    for found in detections:
        classes[found.label] = max(classes.get(found.label, 0.0), round(found.score, 4))
    counted = {label: s for label, s in classes.items() if label in settings.nsfw_classes}
    score = max(counted.values(), default=0.0)
    nsfw = score > settings.nsfw_threshold
    worst = max(counted, key=lambda label: counted[label]) if counted else ""
    return ImageJudgement(
        nsfw=nsfw,
        score=score,
        classes=classes,
        detections=detections,
        width=int(pixels.shape[1]),
        height=int(pixels.shape[0]),
        reason=f"nsfw {worst.lower()} {score:.2f}" if nsfw else "",
    )
