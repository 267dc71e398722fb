"""Built-in commands: points and the economy, small games of chance, the stream, clips, help."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from wavestack.providers.chat import Button, Rich
from wavestack.services.bots import economy
from wavestack.services.bots.custom import uptime_of
from wavestack.services.bots.engine import (
    Choice,
    Command,
    Level,
    Range,
    Refusal,
    Text,
    UsageError,
    User,
    Word,
    command,
)
from wavestack.services.bots.runtime import Context

EIGHT_BALL = files("wavestack.services.bots").joinpath("data/eightball.txt").read_text().split("\n")
ANSWERS = [line for line in EIGHT_BALL if line.strip()]
COINFLIP_WIN = 10
RPS_WIN, RPS_TIE = 15, 5
BEATS = {"rock": "scissors", "paper": "rock", "scissors": "paper"}


def _points_of(ctx: Context, viewer_id: str) -> economy.Standing:
    return economy.standing(ctx.read(), org_id=ctx.bot.org_id, viewer_id=viewer_id)


def _named_viewer(ctx: Context, name: str) -> str:
    found = economy.find_account(
        ctx.read(), org_id=ctx.bot.org_id, platform=ctx.platform, name=name
    )
    if found is not None:
        return found
    # Someone whose first messages are not written yet.
    account = ctx.bot.chatter_named(ctx.platform, name)
    if account is None:
        raise Refusal(f"{name} has not chatted here yet")
    return ctx.bot.viewer_id(account)


@command("points", aliases=("balance",), user_cooldown=5)
def points(ctx: Context, user: Annotated[str, User()] = "") -> str:
    """Show your points (or someone else's) and level."""
    viewer_id = _named_viewer(ctx, user) if user else ctx.viewer_id()
    standing = _points_of(ctx, viewer_id)
    pending = ctx.bot.pending_points(ctx.account) if not user else 0
    who = user or ctx.user
    return (
        f"{who} has {standing.points + pending} points (level {standing.level}, "
        f"{standing.xp_into_level}/{standing.xp_for_next} XP)"
    )


@command("level", aliases=("rank", "xp"), user_cooldown=5)
def level(ctx: Context) -> str:
    """Show your level and the XP to the next one."""
    standing = _points_of(ctx, ctx.viewer_id())
    return (
        f"@{ctx.user} level {standing.level}: {standing.xp_into_level}/"
        f"{standing.xp_for_next} XP to level {standing.level + 1}"
    )


@command("daily")
def daily(ctx: Context) -> str:
    """Claim your daily points; a streak of 7+ days pays more."""
    claim = economy.claim_daily(
        ctx.uow(), org_id=ctx.bot.org_id, viewer_id=ctx.viewer_id(), today=ctx.bot.clock().date()
    )
    if not claim.paid:
        return f"@{ctx.user} you already claimed today; come back tomorrow (UTC)"
    return f"@{ctx.user} +{claim.paid} points! Daily streak: {claim.streak}"


@command("leaderboard", aliases=("top",), global_cooldown=10)
def leaderboard(
    ctx: Context, metric: Annotated[str, Choice("points", "level", "clips")] = "points"
) -> str:
    """The top 5 viewers by points, level or clips."""
    top = economy.leaderboard(ctx.read(), org_id=ctx.bot.org_id, metric=metric, limit=5)
    if not top:
        return "the leaderboard is empty so far"
    return "Top: " + ", ".join(f"{i}. {s.name} ({_score(s, metric)})" for i, s in enumerate(top, 1))


def _score(standing: economy.Standing, metric: str) -> str:
    if metric == "level":
        return f"lvl {standing.level}"
    if metric == "clips":
        return f"{standing.clips} clips"
    return f"{standing.points}"


@command("give", aliases=("transfer",), user_cooldown=5)
def give(
    ctx: Context, user: Annotated[str, User()], amount: Annotated[int, Range(1, 10**9)]
) -> str:
    """Give some of your points to another viewer."""
    receiver = _named_viewer(ctx, user)
    economy.transfer(
        ctx.uow(),
        org_id=ctx.bot.org_id,
        sender=ctx.viewer_id(),
        receiver=receiver,
        amount=amount,
        note=f"{ctx.user} -> {user}",
    )
    return f"@{ctx.user} gave {amount} points to {user}"


@command("gamble", aliases=("bet",), user_cooldown=30)
def gamble(ctx: Context, amount: Annotated[str, Word(12)]) -> str:
    """Bet points: double them or lose them (limits apply)."""
    settings = ctx.bot.settings
    viewer_id = ctx.viewer_id()
    if amount.lower() == "all":
        stake = min(_points_of(ctx, viewer_id).points, settings.gamble_max)
    elif amount.isdigit():
        stake = int(amount)
    else:
        raise UsageError("amount must be a number or all")
    if not settings.gamble_min <= stake <= settings.gamble_max:
        raise UsageError(f"bet between {settings.gamble_min} and {settings.gamble_max} points")
    with ctx.uow() as uow:
        economy.debit(
            uow, org_id=ctx.bot.org_id, viewer_id=viewer_id, amount=stake, reason="gamble"
        )
        won = ctx.bot.rng.random() < 0.5
        if won:
            economy.credit(
                uow, org_id=ctx.bot.org_id, viewer_id=viewer_id, amount=2 * stake, reason="gamble"
            )
        uow.commit()
    balance = _points_of(ctx, viewer_id).points
    if won:
        return f"@{ctx.user} won {stake} points! Now {balance}"
    return f"@{ctx.user} lost {stake} points. Now {balance}"


@command("8ball", aliases=("eightball",), user_cooldown=5)
def eight_ball(ctx: Context, question: Annotated[str, Text(300)]) -> str:
    """Ask the magic 8-ball a question."""
    return f"@{ctx.user} 🎱 {ctx.bot.rng.choice(ANSWERS)}"


@command("coinflip", aliases=("flip",), user_cooldown=5)
def coinflip(ctx: Context, call: Annotated[str, Choice("heads", "tails")] = "") -> str:
    """Flip a coin; call it right for points."""
    side = ctx.bot.rng.choice(("heads", "tails"))
    if not call:
        return f"@{ctx.user} it's {side}!"
    if call == side:
        ctx.pay(COINFLIP_WIN, "coinflip")
        return f"@{ctx.user} it's {side}! You called it: +{COINFLIP_WIN} points"
    return f"@{ctx.user} it's {side}. Better luck next time"


@command("roll", aliases=("dice",), user_cooldown=3)
def roll(
    ctx: Context,
    dice: Annotated[int, Range(1, 10)] = 1,
    sides: Annotated[int, Range(2, 100)] = 6,
) -> str:
    """Roll dice."""
    rolls = [ctx.bot.rng.randint(1, sides) for _ in range(dice)]
    if dice == 1:
        return f"@{ctx.user} rolled {rolls[0]} (d{sides})"
    return f"@{ctx.user} rolled {' + '.join(map(str, rolls))} = {sum(rolls)} ({dice}d{sides})"


@command("rps", user_cooldown=5)
def rps(ctx: Context, choice: Annotated[str, Choice("rock", "paper", "scissors")] = "") -> str:
    """Rock, paper, scissors against the bot."""
    if not choice:
        called = f"{ctx.bot.settings.prefix}rps"
        return Rich(
            f"@{ctx.user} rock, paper or scissors? {called} rock|paper|scissors",
            buttons=tuple(Button(pick.title(), f"rps {pick}") for pick in BEATS),
        )
    mine = ctx.bot.rng.choice(tuple(BEATS))
    if mine == choice:
        ctx.pay(RPS_TIE, "rps")
        return f"@{ctx.user} {mine}: a tie! +{RPS_TIE} points"
    if BEATS[choice] == mine:
        ctx.pay(RPS_WIN, "rps")
        return f"@{ctx.user} {mine}: you win! +{RPS_WIN} points"
    return f"@{ctx.user} {mine}: I win!"


@command("link")
def link(ctx: Context, code: Annotated[str, Word(16)] = "") -> str:
    """Join your accounts: get a code here, enter `!link CODE` on your other platform."""
    ctx.bot.flush()  # what both accounts earned so far moves with them
    if not code:
        issued = economy.start_link(
            ctx.uow(), org_id=ctx.bot.org_id, viewer_id=ctx.viewer_id(), platform=ctx.platform
        )
        return (
            f"@{ctx.user} your link code is {issued}: within 10 minutes, type "
            f"{ctx.bot.settings.prefix}link {issued} in chat on your other platform"
        )
    joined = economy.complete_link(
        ctx.uow(), org_id=ctx.bot.org_id, code=code, viewer_id=ctx.viewer_id()
    )
    ctx.bot.forget_viewers()
    standing = _points_of(ctx, joined)
    accounts = economy.accounts_of(ctx.read(), org_id=ctx.bot.org_id, viewer_id=joined)
    where = ", ".join(f"{name} on {platform}" for platform, name in accounts)
    return f"@{ctx.user} linked: {where} now share {standing.points} points"


@command("help", user_cooldown=3)
def help_(ctx: Context, name: Annotated[str, Word(33)] = "") -> str:
    """Explain a command, or list them."""
    prefix = ctx.bot.settings.prefix
    if not name:
        return commands_list.handler(ctx) or ""
    found = ctx.bot.commands.get(name.lstrip(prefix).lstrip("/"))
    if found is None:
        raise UsageError(f"there is no command {name}")
    extra = f" ({found.permission.name}s)" if found.permission else ""
    return f"{found.usage(prefix)}: {found.help}{extra}"


@command("commands", global_cooldown=10)
def commands_list(ctx: Context) -> str:
    """List the commands you can use here."""
    off = ctx.bot.disabled(ctx.platform, ctx.channel_id)
    names = [
        f"{ctx.bot.settings.prefix}{c.name}"
        for c in ctx.bot.commands.commands
        if c.permission <= ctx.level and c.name not in off
    ]
    return "Commands: " + " ".join(names)


@command("uptime", global_cooldown=5)
def uptime(ctx: Context) -> str:
    """How long the stream has been live."""
    since = uptime_of(ctx)
    return "the stream is offline" if since == "offline" else f"live for {since}"


@command("title", aliases=("settitle",), user_cooldown=5)
def title(ctx: Context, text: Annotated[str, Text(140)] = "") -> str:
    """Show the stream title; moderators can change it."""
    control = ctx.stream()
    if not text:
        return f"Title: {control.stream_info(ctx.channel_id).title}"
    ctx.require(Level.moderator)
    control.set_title(ctx.channel_id, text)
    return f"title set to: {text}"


@command("game", aliases=("setgame", "category"), user_cooldown=5)
def game(ctx: Context, name: Annotated[str, Text(100)] = "") -> str:
    """Show the stream's game; moderators can change it."""
    control = ctx.stream()
    if not name:
        return f"Playing: {control.stream_info(ctx.channel_id).game}"
    ctx.require(Level.moderator)
    return f"game set to {control.set_game(ctx.channel_id, name)}"


@command("so", aliases=("shoutout",), permission=Level.moderator, user_cooldown=5)
def shoutout(ctx: Context, user: Annotated[str, User()]) -> str:
    """Shout out another streamer."""
    about = ctx.stream().shoutout(ctx.channel_id, user)
    return f"Go follow {user}! {about}"


@command("raid", permission=Level.broadcaster)
def raid(ctx: Context, channel: Annotated[str, User()]) -> str:
    """Raid another channel."""
    ctx.stream().raid(ctx.channel_id, channel)
    return f"raiding {channel}! See you there"


@command("scene", permission=Level.moderator, user_cooldown=3)
def scene(ctx: Context, name: Annotated[str, Text(100)] = "") -> str:
    """Switch the OBS scene (or list them)."""
    obs = ctx.obs()
    if not name:
        return "Scenes: " + ", ".join(obs.scenes())
    obs.set_scene(name)
    return f"switched to scene {name}"


@command("source", permission=Level.moderator, user_cooldown=3)
def source(ctx: Context, name: Annotated[str, Text(100)]) -> str:
    """Show or hide an OBS source in the current scene."""
    shown = ctx.obs().toggle_source(name)
    return f"{name} is now {'shown' if shown else 'hidden'}"


@command("startstream", permission=Level.broadcaster)
def start_stream(ctx: Context) -> str:
    """Start streaming in OBS."""
    ctx.obs().start_stream()
    return "stream starting!"


@command("stopstream", permission=Level.broadcaster)
def stop_stream(ctx: Context) -> str:
    """Stop streaming in OBS."""
    ctx.obs().stop_stream()
    return "stream stopped. Thanks for watching!"


COMMANDS: list[Command] = [
    points,
    level,
    daily,
    leaderboard,
    give,
    gamble,
    eight_ball,
    coinflip,
    roll,
    rps,
    link,
    help_,
    commands_list,
    uptime,
    title,
    game,
    shoutout,
    raid,
    scene,
    source,
    start_stream,
    stop_stream,
]
