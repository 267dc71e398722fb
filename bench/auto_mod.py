"""Auto-mod on the labelled chat set: precision, recall and F1 per class, and the text path's speed.

Each message of `tests/data/auto_mod_eval/messages.jsonl` is judged on its own (its own chatter,
a minute apart, so the history rules stay out of it) with the default settings, the bundled
toxicity model and an empty word list. A message is predicted `toxic` when the toxicity model
or a banned term flags it, else `spam` when the spam rules do, else `clean`.

    python bench/auto_mod.py [--threshold 0.7] [--misses 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from wavestack.services import auto_mod, social_ingest

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
    print(json.dumps(report, indent=2))
    for cls in (*CLASSES, "clean"):
        misses = [row["text"] for truth, guess, row in pairs if truth == cls and guess != cls]
        for text in misses[: args.misses]:
            print(f"missed {cls}: {text[:120]!r}")


if __name__ == "__main__":
    main()
