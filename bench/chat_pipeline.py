"""The chat pipeline: synthetic chat from many users through ingest, commands and the economy.

Messages (by default 90 % plain chat with emotes, 10 % commands: !points, !roll, !8ball,
!coinflip, !daily, !level, and 1 % !give) go through `ChatBot.handle` exactly as a platform
adapter hands them over; messages and earnings are written in batches. It reports messages
per second of process CPU (one core: the pipeline is one thread) and the latency of `handle`
per message, including the flushes that happen inline.

With `--auto-mod` every message is judged by auto-mod first, as `wavestack chat` and the
platform adapters do: word lists, the toxicity model, the abuse rules, spam and raid rules,
with violations recorded and audited. Its chat rules (floods, repeats, join waves) read the
messages' own clock, chat at 50 messages a second, rather than the benchmark's pace.

    python bench/chat_pipeline.py --messages 200000 --users 10000 [--commands 0.10]
                                  [--auto-mod] [--toxic 0.01] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.migrations.runner import upgrade
from wavestack.providers.chat.fake import FakeChat, FakeStreamControl
from wavestack.services import auth, auto_mod, bots
from wavestack.services.social_ingest import AuthorRef, ChannelRef, MessageEvent

EMOTES = ["KEKW", "PogChamp", "LUL", "Kappa", "monkaS", "Sadge", "catJAM", "EZ"]
# fmt: off
WORDS = [
    "gg", "nice", "play", "what", "was", "that", "clip", "it", "lol", "no", "way", "chat", "is",
    "wild", "today", "let's", "go", "again",
]
# fmt: on
# Lines a moderated chat acts on (toxic or spam), mixed in at `--toxic`.
BAD_LINES = [
    "you are a fucking idiot",
    "streamer is a clown lol",
    "buy followers at bigfollows dot com",
    "I'll find you and hurt you",
    "k y s",
]
COMMANDS = ["!points", "!roll 2 6", "!8ball will we win?", "!coinflip heads", "!daily", "!level"]


def synthetic_chat(
    count: int, users: int, command_share: float, rng: random.Random, toxic_share: float = 0.0
) -> list[MessageEvent]:
    """Chat from `users` viewers over a simulated stream."""
    start = datetime(2026, 11, 1, 18, tzinfo=UTC)
    roles = [None] * 8 + ["subscriber", "vip"]
    authors = [
        AuthorRef(id=f"u{n}", name=f"viewer{n}", role=rng.choice(roles)) for n in range(users)
    ]
    channel = ChannelRef(id="bench", name="bench")
    events = []
    for n in range(count):
        author = authors[rng.randrange(users)]
        roll = rng.random()
        if rng.random() < toxic_share:
            text = f"{rng.choice(BAD_LINES)} {n}"
        elif roll < command_share:
            text = rng.choice(COMMANDS)
        elif roll < command_share * 1.1:
            text = f"!give viewer{rng.randrange(users)} 1"
        else:
            text = " ".join(rng.choices(WORDS, k=rng.randint(2, 10)))
            if rng.random() < 0.4:
                text += " " + rng.choice(EMOTES)
        events.append(
            MessageEvent(
                id=f"m{n}",
                platform="twitch",
                channel=channel,
                author=author,
                text=text,
                ts=start + timedelta(milliseconds=20 * n),
            )
        )
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--commands", type=float, default=0.10, help="share of commands")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--auto-mod", action="store_true", help="judge every message first")
    parser.add_argument("--toxic", type=float, default=0.01, help="share of toxic/spam lines")
    args = parser.parse_args()
    rng = random.Random(7)
    toxic = args.toxic if args.auto_mod else 0.0
    events = synthetic_chat(args.messages, args.users, args.commands, rng, toxic)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=args.postgres, log_level="WARNING", env="test"
        )
        container = bootstrap(settings, immediate_jobs=True, namespace="bench-chat")
        upgrade(container.db.engine)
        org = auth.create_organization(
            container.uow(), auth.OrganizationCreate(name=f"bench-{time.time_ns()}")
        )
        chat = FakeChat("twitch")
        bot = bots.build_bot(
            container,
            org_id=org.id,
            ports=bots.Ports(chat={"twitch": chat}, stream={"twitch": FakeStreamControl("twitch")}),
            rng=random.Random(1),
        )
        chat_clock = [0.0]
        if args.auto_mod:
            auto_mod.attach(bot, monotonic=lambda: chat_clock[0])
        latencies: list[float] = []
        cpu_began, began = time.process_time(), time.perf_counter()
        for n, event in enumerate(events):
            chat_clock[0] = n * 0.02
            t0 = time.perf_counter()
            bot.handle(event)
            latencies.append(time.perf_counter() - t0)
            if len(latencies) % 1000 == 0:
                bot.tick()
        bot.flush()
        cpu = time.process_time() - cpu_began
        wall = time.perf_counter() - began
        container.close()
    latencies.sort()
    figures = {
        "backend": "postgresql" if args.postgres else "sqlite",
        "messages": args.messages,
        "users": args.users,
        "command_share": args.commands,
        "auto_mod": args.auto_mod,
        "toxic_share": toxic,
        "replies": len(chat.sent),
        "deleted": len(chat.deleted),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "messages_per_cpu_second": round(args.messages / cpu),
        "messages_per_wall_second": round(args.messages / wall),
        "p50_us": round(statistics.median(latencies) * 1e6, 1),
        "p99_us": round(latencies[int(len(latencies) * 0.99)] * 1e6, 1),
        "max_ms": round(latencies[-1] * 1e3, 1),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
