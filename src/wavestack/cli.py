"""The `wavestack` command line."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from wavestack.bootstrap import Container, bootstrap
from wavestack.connect import (
    ConnectFailed,
    connect_app,
    connect_discord,
    connect_streamelements,
    connect_streamlabs,
    connect_telegram,
    connect_whatsapp,
)
from wavestack.kernel.config import Settings
from wavestack.kernel.errors import AppError
from wavestack.kernel.logging import configure_logging
from wavestack.migrations.runner import current_revision, head_revision, upgrade
from wavestack.providers.apps import APPS
from wavestack.providers.chat.fake import Sent
from wavestack.providers.discord import DiscordSettings
from wavestack.providers.streamlabs import StreamlabsSettings
from wavestack.providers.telegram import TelegramSettings
from wavestack.providers.whatsapp import WhatsAppSettings
from wavestack.registry import SERVICE_NAMES
from wavestack.runtime import (
    ALL_ROLES,
    FIRST_RUN_FILE,
    Role,
    ensure_first_run_credentials,
    serve,
)
from wavestack.services import auth, auto_mod, bots, clipper, cms, personality

app = typer.Typer(
    help="WaveStack: self-hosted creator automation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Manage organizations.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage the token signing keys.", no_args_is_help=True)
client_app = typer.Typer(help="Manage API clients.", no_args_is_help=True)
memory_app = typer.Typer(help="The AI personality's memories.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(client_app, name="client")
app.add_typer(keys_app, name="keys")
app.add_typer(memory_app, name="memory")
console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default ./data or WAVESTACK_DATA_DIR)."),
]
Host = Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")]
Port = Annotated[int | None, typer.Option(help="Port to bind (default 8080).")]
Workers = Annotated[
    int | None, typer.Option("--workers", help="API processes (default 1; one per core is good).")
]


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        console.print(f"[red]Invalid settings:[/red] {exc}")
        raise typer.Exit(2) from exc


@contextmanager
def _container(
    data_dir: Path | None, *, needs_schema: bool = True, **overrides: Any
) -> Iterator[Container]:
    """Build the container for one command; report bad input and domain errors, then close."""
    settings = _settings(data_dir=data_dir, **overrides)
    configure_logging(settings)
    container = bootstrap(settings)
    try:
        if needs_schema and current_revision(container.db.engine) != head_revision(
            container.db.engine
        ):
            console.print(
                "[red]The database schema is not up to date.[/red] Run `wavestack migrate` "
                "(with the same --data-dir / WAVESTACK_DATABASE_URL) or start `wavestack up`."
            )
            raise typer.Exit(2)
        yield container
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        console.print(f"[red]invalid {field}:[/red] {error['msg']}")
        raise typer.Exit(2) from exc
    except AppError as exc:
        console.print(f"[red]{exc.code}:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        container.close()


def _program() -> str:
    # As invoked (e.g. `.venv/bin/wavestack` under `make run`), so the hint can be pasted.
    name = Path(sys.argv[0]).name
    return sys.argv[0] if name == "wavestack" else "wavestack"


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(obj))


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring the database schema up to date."""
    with _container(data_dir, needs_schema=False) as container:
        upgrade(container.db.engine)
    console.print("[green]database is up to date[/green]")


@app.command()
def up(
    host: Host = None, port: Port = None, data_dir: DataDir = None, workers: Workers = None
) -> None:
    """Migrate, then run the API, job worker and scheduler in one process."""
    with _container(
        data_dir, needs_schema=False, host=host, port=port, api_workers=workers
    ) as container:
        settings = container.settings
        upgrade(container.db.engine)
        first = ensure_first_run_credentials(container)
        url = settings.resolved_public_url
        lines = [
            f"API        {url}/api",
            f"API docs   {url}/api/docs",
            f"Data dir   {settings.data_dir.resolve()}",
            f"Database   {container.db.engine.url.render_as_string(hide_password=True)}",
            f"Jobs       {'Redis' if settings.redis_url else 'SQLite (in-process workers)'}",
            f"Processes  {settings.api_workers} API process(es)",
            f"Chat       {_program()} chat --data-dir {settings.data_dir}   (play with the bot)",
            f"Platforms  {_program()} connect "
            "twitch|youtube|x|tiktok|linkedin|facebook|instagram|discord|telegram|whatsapp|"
            "streamelements|streamlabs "
            "(README: Connecting platforms); connected ones start with the bots",
        ]
        if first is not None:
            lines += [
                "",
                "First start: created organization 'Default' and an admin API client.",
                f"  org_id         {first['org_id']}",
                f"  client_id      {first['client_id']}",
                f"  client_secret  {first['client_secret']}",
                f"  (saved, mode 0600, in {settings.data_dir / FIRST_RUN_FILE})",
                "Get a token:",
                f"  {_program()} token --data-dir {settings.data_dir} "
                f"--client-id {first['client_id']} --client-secret {first['client_secret']}",
            ]
        console.rule("WaveStack is starting")
        console.print("\n".join(lines), soft_wrap=True, highlight=False)
        console.rule()
        serve(container, roles=ALL_ROLES, only=None)


@app.command("serve")
def serve_command(
    only: Annotated[
        str | None,
        typer.Option(help=f"Comma-separated services: {', '.join(sorted(SERVICE_NAMES))}"),
    ] = None,
    role: Annotated[
        list[Role] | None, typer.Option(help="Run only these roles (repeatable); default all.")
    ] = None,
    host: Host = None,
    port: Port = None,
    data_dir: DataDir = None,
    workers: Workers = None,
) -> None:
    """Run some roles and services of WaveStack (no migration; run `wavestack migrate` first)."""
    selected = {s.strip() for s in only.split(",") if s.strip()} if only else None
    if selected and selected - SERVICE_NAMES:
        console.print(f"[red]unknown service(s):[/red] {', '.join(selected - SERVICE_NAMES)}")
        raise typer.Exit(2)
    with _container(data_dir, host=host, port=port, api_workers=workers) as container:
        serve(container, roles=frozenset(role) if role else ALL_ROLES, only=selected)


@app.command()
def worker(data_dir: DataDir = None) -> None:
    """Run job workers only (scale out by starting more of these)."""
    with _container(data_dir) as container:
        serve(container, roles=frozenset({Role.worker}), only=None)


@org_app.command("create")
def org_create(
    name: str,
    slug: Annotated[
        str | None, typer.Option(help="URL-safe id; derived from NAME if absent.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an organization and print it as JSON."""
    with _container(data_dir) as container:
        org = auth.create_organization(
            container.uow(), auth.OrganizationCreate(name=name, slug=slug)
        )
    _emit({"id": org.id, "name": org.name, "slug": org.slug})


@client_app.command("create")
def client_create(
    org: Annotated[str, typer.Option("--org", help="Organization id.")],
    scopes: Annotated[str, typer.Option(help="Space-separated scopes.")] = "admin",
    name: Annotated[str, typer.Option(help="A label for the client.")] = "default",
    data_dir: DataDir = None,
) -> None:
    """Create API client credentials and print them as JSON (the secret is shown only once)."""
    with _container(data_dir) as container:
        creds = auth.create_client(
            container.uow(), auth.ClientCreate(org_id=org, name=name, scopes=scopes.split())
        )
    _emit(creds.model_dump())


@app.command()
def token(
    client_id: Annotated[str, typer.Option("--client-id")],
    client_secret: Annotated[str, typer.Option("--client-secret")],
    scope: Annotated[str | None, typer.Option(help="Space-separated scopes to ask for.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Print an access token for client credentials."""
    with _container(data_dir) as container:
        response = auth.issue_token(
            container.uow(),
            container.tokens,
            auth.TokenRequest(client_id=client_id, client_secret=client_secret, scope=scope),
        )
    typer.echo(response.access_token)


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = None) -> None:
    """Sign new tokens with a new key; tokens already issued stay valid until they expire."""
    with _container(data_dir, needs_schema=False) as container:
        settings = container.settings
        rotation = container.keys.rotate(
            keep_old_for_seconds=settings.auth_token_ttl_seconds + settings.auth_leeway_seconds
        )
    _emit(
        {
            "kid": rotation.kid,
            "retired_kid": rotation.retired_kid,
            "retired_until": datetime.fromtimestamp(rotation.retired_until, UTC).isoformat(),
        }
    )


@app.command()
def clip(
    source: Annotated[str, typer.Argument(help="A video file, asset://<id> or an http(s) URL.")],
    start: Annotated[float, typer.Option(help="Start, in seconds.")],
    duration: Annotated[float, typer.Option(help="Length, in seconds (max 3600).")],
    out: Annotated[
        Path | None, typer.Option(help="Also copy the clip here (default: only the asset).")
    ] = None,
    mode: Annotated[str, typer.Option(help="accurate, fast or auto.")] = "accurate",
    aspect: Annotated[str, typer.Option(help="source, 9:16, 1:1 or 16:9.")] = "source",
    fit: Annotated[str, typer.Option(help="crop or blur (for another aspect).")] = "crop",
    out_ext: Annotated[str, typer.Option("--format", help="mp4, mov, webm or mkv.")] = "mp4",
    captions: Annotated[
        Path | None,
        typer.Option(help="An SRT file to burn into the picture.", exists=True, dir_okay=False),
    ] = None,
    name: Annotated[str | None, typer.Option(help="File name of the clip asset.")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organization id (default: the first one).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Cut a clip with the same job the API runs, showing its progress; prints it as JSON."""
    local, roots = _local_media(source, data_dir)
    with _media_container(data_dir, roots) as container:
        org_id = _organization(container, org)
        request = clipper.ClipRequest.model_validate(
            {
                "source": str(local) if local is not None else source,
                "start_sec": start,
                "duration_sec": duration,
                "mode": mode,
                "aspect": aspect,
                "fit": fit,
                "out_ext": out_ext,
                "name": name,
                "captions": captions.read_text(encoding="utf-8") if captions else None,
            }
        )
        job_id = clipper.create_job(
            container.uow(),
            org_id=org_id,
            data=request,
            roots=container.settings.resolved_media_roots,
            egress=container.egress,
            transcoder=container.transcoder,
        ).job_id
        status = _follow_clip(container, org_id, job_id)
        if status.status != "complete" or status.result is None:
            console.print(f"[red]clip {status.status}:[/red] {status.error}")
            raise typer.Exit(1)
        asset = cms.content_of(
            container.uow(write=False), org_id=org_id, asset_id=status.result.asset_id
        )
        stored = container.storage.local_path(asset.storage_path or "")
        if out is not None and stored is not None:
            shutil.copyfile(stored, out)
    _emit(
        {
            "job_id": job_id,
            "asset_id": status.result.asset_id,
            "path": str(out or stored),
            "start": status.result.start,
            "duration": status.result.duration,
            "mode": status.result.mode,
            "size_bytes": status.result.size_bytes,
        }
    )


@app.command()
def highlights(
    source: Annotated[
        str | None, typer.Argument(help="A video file or asset://<id> (optional with --chat).")
    ] = None,
    chat: Annotated[
        Path | None,
        typer.Option(
            help="Chat as JSON lines: {ts, author, text}, ts in seconds or ISO time.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    started_at: Annotated[
        str | None, typer.Option(help="Stream start (ISO time) when chat ts are times.")
    ] = None,
    top: Annotated[int, typer.Option(help="How many candidates to show.")] = 10,
    org: Annotated[
        str | None, typer.Option("--org", help="Organization id (default: the first one).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Rank a stream's moments by chat bursts, hype words and audio peaks, as a table."""
    local, roots = _local_media(source, data_dir)
    messages = _read_chat(chat) if chat is not None else []
    with _media_container(data_dir, roots) as container:
        org_id = _organization(container, org)
        request = clipper.HighlightsRequest.model_validate(
            {
                "source": str(local) if local is not None else source,
                "chat": messages,
                "stream_started_at": started_at,
                "limit": top,
            }
        )
        found = clipper.find_highlights(
            container.uow(),
            container.storage,
            container.transcoder,
            org_id=org_id,
            data=request,
            roots=container.settings.resolved_media_roots,
            egress=container.egress,
            settings=container.settings.highlights,
        )
    table = Table("#", "start", "end", "score", "why")
    for rank, candidate in enumerate(found.candidates, 1):
        table.add_row(
            str(rank),
            _clock(candidate.start_sec),
            _clock(candidate.end_sec),
            f"{candidate.score:.2f}",
            "\n".join(candidate.reasons),
        )
    Console().print(table)


@app.command()
def connect(
    platform: Annotated[
        str,
        typer.Argument(
            help="The platform to connect: twitch, youtube, x, tiktok, linkedin, facebook, "
            "instagram, discord, telegram, whatsapp, streamelements, streamlabs."
        ),
    ],
    token: Annotated[
        str | None,
        typer.Option(
            help="The bot token (Discord, Telegram) or the access token (WhatsApp, "
            "StreamElements, Streamlabs); asked for when not given."
        ),
    ] = None,
    phone_number_id: Annotated[
        str | None, typer.Option(help="WhatsApp: the business phone number's id.")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the page to open instead of opening it.")
    ] = False,
    timeout: Annotated[int, typer.Option(min=10, help="Seconds to wait for the browser.")] = 300,
    org: Annotated[
        str | None, typer.Option("--org", help="Organization id (default: the first one).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Connect a platform account: authorize WaveStack in the browser (the redirect comes back
    to this machine), or give a Telegram bot's token; stored encrypted, renewed before expiry."""
    supported = (
        "twitch",
        "youtube",
        "x",
        "tiktok",
        "linkedin",
        "facebook",
        "instagram",
        "discord",
        "telegram",
        "whatsapp",
        "streamelements",
        "streamlabs",
    )
    if platform not in supported:
        console.print(
            f"[red]{platform} cannot be connected yet;[/red] supported: {', '.join(supported)}"
        )
        raise typer.Exit(2)

    def show(url: str) -> None:
        ask = "Add the bot to your server" if platform == "discord" else "Authorize WaveStack"
        console.print(f"{ask}: {url}", soft_wrap=True, highlight=False)
        if not no_browser:
            webbrowser.open(url)

    with _media_container(data_dir, []) as container:
        org_id = _organization(container, org)
        try:
            if platform == "discord":
                connected = connect_discord(
                    container,
                    DiscordSettings(),
                    org_id=org_id,
                    token=token or typer.prompt("Bot token (Developer Portal)", hide_input=True),
                    open_url=show,
                )
            elif platform == "telegram":
                secret = token or typer.prompt("Bot token from @BotFather", hide_input=True)
                connected = connect_telegram(
                    container, TelegramSettings(), org_id=org_id, token=secret
                )
            elif platform == "whatsapp":
                connected = connect_whatsapp(
                    container,
                    WhatsAppSettings(),
                    org_id=org_id,
                    token=token or typer.prompt("Cloud API access token", hide_input=True),
                    phone_number_id=phone_number_id or typer.prompt("Phone number id"),
                )
            elif platform == "streamelements":
                connected = connect_streamelements(
                    container,
                    org_id=org_id,
                    token=token or typer.prompt("StreamElements JWT token", hide_input=True),
                )
            elif platform == "streamlabs":
                connected = connect_streamlabs(
                    container,
                    StreamlabsSettings(),
                    org_id=org_id,
                    token=token or typer.prompt("Streamlabs Socket API token", hide_input=True),
                )
            else:  # one of the platforms connected through this install's OAuth app
                connected = connect_app(
                    container,
                    APPS[platform].settings(),
                    platform=platform,
                    org_id=org_id,
                    open_url=show,
                    timeout=timeout,
                )
        except ConnectFailed as exc:
            console.print(f"[red]not connected:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(1) from exc
    console.print(
        f"Connected {platform} account {connected.account_name}. "
        f"`{_program()} up` starts the bot there."
    )


@app.command()
def audit(
    channel: Annotated[str | None, typer.Option(help="Only this channel id.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this chatter's user id.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action: warn, delete, timeout, ban.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 20,
    org: Annotated[
        str | None, typer.Option("--org", help="Organization id (default: the first one).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Auto-mod's decisions, newest first, as a table (GET /api/v1/moderate/audit)."""
    with _media_container(data_dir, []) as container:
        org_id = _organization(container, org)
        page = auto_mod.audit_page(
            container.uow(write=False),
            org_id=org_id,
            channel_id=channel,
            user_id=user,
            action=action,
            since=None,
            until=None,
            limit=limit,
            offset=0,
        )
    table = Table("id", "when (UTC)", "where", "who", "action", "why", "message")
    for entry in page.entries:
        done = entry.action + (f" {entry.duration_seconds}s" if entry.duration_seconds else "")
        if entry.undone_at is not None:
            done += " (undone" + (", false positive)" if entry.false_positive else ")")
        table.add_row(
            str(entry.id),
            entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{entry.platform}/{entry.channel_id}",
            entry.username,
            done,
            entry.reason,
            entry.message[:80],
        )
    out = Console(width=160)
    out.print(table)
    out.print(f"{page.total} decisions in all")


def _read_chat(path: Path) -> list[Any]:
    """Read JSON lines; a line that is not JSON is a usage error naming the line."""
    messages = []
    number = 0
    try:
        with path.open(encoding="utf-8") as lines:
            for text in lines:
                number += 1
                if text.strip():
                    messages.append(json.loads(text))
    except (OSError, ValueError) as exc:
        console.print(f"[red]{path}:{number}:[/red] not JSON lines: {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    return messages


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:04.1f}"


def _local_media(source: str | None, data_dir: Path | None) -> tuple[Path | None, list[Path]]:
    """A local source file, and the media roots widened to its folder.

    The person at the keyboard may use any file they can read.
    """
    if source is None or "://" in source:
        return None, []
    local = Path(source).expanduser().resolve()
    return local, [*_settings(data_dir=data_dir).resolved_media_roots, local.parent]


@contextmanager
def _media_container(data_dir: Path | None, roots: list[Path]) -> Iterator[Container]:
    """A migrated container for media commands, which also work on a fresh data dir."""
    overrides: dict[str, Any] = {"media_roots": roots} if roots else {}
    with _container(data_dir, needs_schema=False, **overrides) as container:
        upgrade(container.db.engine)
        ensure_first_run_credentials(container)
        yield container


def _organization(container: Container, org: str | None) -> str:
    """The organization asked for, or the first one."""
    org_id = org or auth.oldest_organization_id(container.uow(write=False))
    if org_id is None or not auth.organization_exists(container.uow(write=False), org_id):
        console.print(f"[red]no such organization:[/red] {org}")
        raise typer.Exit(2)
    return org_id


def _follow_clip(container: Container, org_id: str, job_id: str) -> clipper.ClipStatus:
    """Run the job here with a progress bar; Ctrl-C cancels it (FFmpeg stops)."""
    runner = threading.Thread(target=clipper.worker_of(container).run, args=(job_id,))
    runner.start()
    columns = (TextColumn("clipping"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("clip", total=100)
        try:
            while runner.is_alive():
                runner.join(timeout=0.2)
                status = clipper.get_status(
                    container.uow(write=False), org_id=org_id, job_id=job_id
                )
                progress.update(bar, completed=status.progress)
        except KeyboardInterrupt:
            clipper.cancel_job(container.uow(), org_id=org_id, job_id=job_id)
            runner.join()
    return clipper.get_status(container.uow(write=False), org_id=org_id, job_id=job_id)


@memory_app.command("reembed")
def memory_reembed(data_dir: DataDir = None) -> None:
    """Give memories made with another embedding vectors of the one now set
    (WAVESTACK_PERSONALITY_EMBEDDING); a running install takes them within a minute."""
    with _container(data_dir) as container:
        embedder = personality.embedder(personality.PersonalitySettings().embedding)
        columns = (TextColumn("embedding"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            bar = progress.add_task("memories", total=None)
            done = personality.reembed(
                container.uow,
                embedder=embedder,
                progress=lambda done, total: progress.update(bar, completed=done, total=total),
            )
    console.print(f"{done} memories now have {embedder.name} vectors")


def main() -> None:
    """Run the CLI."""
    app()


@app.command()
def chat(
    as_name: Annotated[str, typer.Option("--as", help="Your chat name.")] = "viewer",
    role: Annotated[
        str, typer.Option(help="viewer, subscriber, vip, moderator or broadcaster.")
    ] = "viewer",
    platform: Annotated[
        str, typer.Option(help="twitch, discord, youtube, telegram or whatsapp.")
    ] = "twitch",
    org: Annotated[
        str | None, typer.Option("--org", help="Organization id (default: the first one).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Chat with the bot in the terminal, through the same pipeline as a real platform.

    With stdin not a terminal, each line is a message and the bot's replies are printed
    (lines starting with `::` steer the console: `::help` lists them).
    """
    if role not in bots.console.ROLES or platform not in bots.console.PLATFORMS:
        console.print(f"[red]invalid role or platform:[/red] {role} / {platform}")
        raise typer.Exit(2)
    with _media_container(data_dir, []) as container:
        org_id = _organization(container, org)
        interactive = sys.stdin.isatty()

        def show(sent: Sent) -> None:
            line = f"bot> {sent.text}"
            if interactive:
                console.print(line, style="bold magenta", highlight=False, markup=False)
            else:
                typer.echo(line)

        def acted(action: str) -> None:
            line = f"mod> {action}"
            if interactive:
                console.print(line, style="yellow", highlight=False, markup=False)
            else:
                typer.echo(line)

        bot = bots.console_bot(container, org_id=org_id, on_send=show, on_action=acted)
        auto_mod.attach(bot)
        session = bots.Console(
            bot,
            bots.Speaker(name=as_name, role=role, platform=platform),
            note=(lambda text: console.print(f"[dim]{text}[/dim]")) if interactive else typer.echo,
        )
        if not interactive:
            session.run(sys.stdin)
            return
        console.print(
            f"[bold]WaveStack chat[/bold] as {as_name} ({role}) on {platform}. Try !help, "
            "!trivia, !daily; ::help for console controls, Ctrl-D to leave."
        )
        _interactive_chat(session, as_name)


def _interactive_chat(session: bots.Console, as_name: str) -> None:
    """Read typed lines while a background thread keeps the bot ticking."""
    stop = threading.Event()

    def keep_ticking() -> None:
        while not stop.wait(0.5):
            session.bot.tick()

    ticker = threading.Thread(target=keep_ticking, name="chat-ticker", daemon=True)
    ticker.start()
    try:
        while True:
            try:
                line = input(f"{session.speaker.name}> ")
            except EOFError:
                break
            if not session.feed(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        ticker.join(timeout=2)
        session.bot.flush()
