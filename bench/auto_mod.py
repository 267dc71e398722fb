"""Auto-mod on the labelled chat set: precision, recall and F1 per class, and the text path's speed.

Each message of `tests/data/auto_mod_eval/messages.jsonl` is judged on its own (its own chatter,
a minute apart, so the history rules stay out of it) with the default settings, the bundled
toxicity model and an empty word list. A message is predicted `toxic` when the toxicity model
or a banned term flags it, else `spam` when the spam rules do, else `clean`.

The image path is timed on the photographs scikit-learn ships (640x427 JPEG) and on one of
them scaled to 1920x1080: decoding with Pillow plus nudenet's detector, one image at a time.

    python bench/auto_mod.py [--split test] [--threshold 0.7] [--misses 10] [--images 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from wavestack.services import auto_mod, social_ingest
from wavestack.services.auto_mod.images import judge_image

DATA = Path(__file__).parent.parent / "tests" / "data" / "auto_mod_eval" / "messages.jsonl"
CLASSES = ("toxic", "spam")


def predicted(judgement: auto_mod.Judgement) -> str:
    """The class a judgement amounts to."""
    if {"toxicity", "filter"} & set(judgement.violations):
        return "toxic"
    return "spam" if "spam" in judgement.violations else "clean"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=0.7, help="toxicity threshold")
    parser.add_argument("--misses", type=int, default=0, help="print this many errors per class")
    parser.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default="all",
        help="odd seeds (dev: look at these while tuning) or even seeds (test: report these)",
    )
    parser.add_argument("--images", type=int, default=50, help="timed runs per image size")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    if args.split != "all":
        parity = 1 if args.split == "dev" else 0
        rows = [r for r in rows if int(r["seed_id"].rsplit("-", 1)[1]) % 2 == parity]
    judge = auto_mod.Judge(
        settings=auto_mod.ModerationSettings(toxicity_threshold=args.threshold),
        toxicity=auto_mod.bundled_model(),
    )
    pairs: list[tuple[str, str, dict[str, str]]] = []
    latencies: list[float] = []
    for n, row in enumerate(rows):
        began = time.perf_counter()
        emotes = len(social_ingest.emotes_of(row["text"], None))  # as the chat hook counts them
        judged = judge.judge(row["text"], channel="eval", user=f"u{n}", now=n * 60.0, emotes=emotes)
        latencies.append(time.perf_counter() - began)
        pairs.append((row["label"], predicted(judged), row))
    report: dict[str, object] = {"split": args.split, "messages": len(rows)}
    for cls in CLASSES:
        tp = sum(1 for truth, guess, _ in pairs if truth == cls and guess == cls)
        fp = sum(1 for truth, guess, _ in pairs if truth != cls and guess == cls)
        fn = sum(1 for truth, guess, _ in pairs if truth == cls and guess != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[cls] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    clean = [guess for truth, guess, _ in pairs if truth == "clean"]
    report["clean_false_positive_rate"] = round(sum(g != "clean" for g in clean) / len(clean), 4)
    by_variant: Counter[str] = Counter()
    wrong_by_variant: Counter[str] = Counter()
    for truth, guess, row in pairs:
        by_variant[row["variant"]] += 1
        wrong_by_variant[row["variant"]] += truth != guess
    report["error_rate_by_variant"] = {
        v: round(wrong_by_variant[v] / by_variant[v], 3) for v in sorted(by_variant)
    }
    latencies.sort()
    report["p50_us"] = round(statistics.median(latencies) * 1e6, 1)
    report["p99_us"] = round(latencies[int(len(latencies) * 0.99)] * 1e6, 1)
    report["messages_per_second"] = round(len(latencies) / sum(latencies))
    if args.images:
        report["images"] = image_timings(args.images)
    print(json.dumps(report, indent=2))
    for cls in (*CLASSES, "clean"):
        misses = [row["text"] for truth, guess, row in pairs if truth == cls and guess != cls]
        for text in misses[: args.misses]:
            print(f"missed {cls}: {text[:120]!r}")


def image_timings(runs: int) -> dict[str, dict[str, float]]:
    """p50 and p99 milliseconds of judging an image, per size."""
    import io

    from PIL import Image
    from sklearn.datasets import load_sample_image  # type: ignore[import-untyped]

    def jpeg(image: Image.Image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return buffer.getvalue()

    photos = [Image.fromarray(load_sample_image(name)) for name in ("china.jpg", "flower.jpg")]
    sizes = {
        "640x427": [jpeg(photo) for photo in photos],
        "1920x1080": [jpeg(photo.resize((1920, 1080))) for photo in photos],
    }
    settings = auto_mod.ModerationSettings()
    judge_image(sizes["640x427"][0], settings=settings)  # loads the model
    timings: dict[str, dict[str, float]] = {}
    for size, images in sizes.items():
        taken: list[float] = []
        for n in range(runs):
            began = time.perf_counter()
            judge_image(images[n % len(images)], settings=settings)
            taken.append(time.perf_counter() - began)
        taken.sort()
        timings[size] = {
            "p50_ms": round(statistics.median(taken) * 1e3, 1),
            "p99_ms": round(taken[min(len(taken) - 1, int(len(taken) * 0.99))] * 1e3, 1),
        }
    return timings


if __name__ == "__main__":
    main()
