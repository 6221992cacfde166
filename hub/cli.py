"""The ``hub`` command: run the hub, migrate its store, print its contracts, replay dead letters."""

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from pathlib import Path

import typer

from hub.partner_cli import partner_app
from hub.sealed_secrets import SecretKeyInvalid
from hub.settings import Settings

app = typer.Typer(help="Order Hub: the order-to-cash integration hub on RabbitMQ.",
                  no_args_is_help=True)
db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
dlq_app = typer.Typer(help="Dead letters: requests the hub refused or could not process.",
                      no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(partner_app, name="partner")


@app.command()
def run() -> None:
    """Start a hub worker (and its outbox relay process, HUB_RELAY_PROCESS); Ctrl-C
    (SIGINT/SIGTERM) drains in-flight messages, then stops both."""
    settings = Settings()
    from hub.operations.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    from hub.preflight import HOW_TO_GET_ONE, broker_answers

    if not broker_answers(settings.amqp_url):
        where = settings.amqp_url.rsplit("@", 1)[-1]
        typer.echo(HOW_TO_GET_ONE.format(where=where), err=True)
        raise typer.Exit(1)
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(_run(settings))
    except OSError as exc:
        typer.echo(f"the hub could not reach a service it needs: {exc}", err=True)
        raise typer.Exit(1) from None
    except SecretKeyInvalid as exc:
        typer.echo(f"the hub cannot serve SOAP partners: {exc}", err=True)
        raise typer.Exit(1) from None


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """libuv's event loop where it is installed: a worker spends a tenth of its CPU in the
    loop itself, and uvloop's costs less (bench/README.md); asyncio's own elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def _run(settings: Settings) -> None:
    from hub.bootstrap import build_hub

    hub = build_hub(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await hub.start()
    # what start-up built lives as long as the worker: the cycle collector need not walk it
    # again with every full collection under load (about 0.4 ms of CPU per order, bench/README)
    gc.collect()
    gc.freeze()
    await stop.wait()
    logging.getLogger("hub").info("stopping: draining in-flight messages")
    await hub.stop()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database has not had yet."""
    from hub.store import migrations

    asyncio.run(migrations.upgrade(Settings().database_url))
    typer.echo("database schema is up to date")


@db_app.command("prune-outbox")
def db_prune_outbox(
    days: float | None = typer.Option(
        None, help="Keep what was published in the last DAYS days "
                   "(default: HUB_OUTBOX_RETENTION_DAYS, 30)"),
) -> None:
    """Remove outbox messages published longer ago than the retention, with progress; the
    workers do the same every few minutes. Messages not yet published always stay."""
    settings = Settings()
    keep = settings.outbox_retention_days if days is None else days
    if keep <= 0:
        why = ("--days must be above 0" if days is not None else
               "HUB_OUTBOX_RETENTION_DAYS is 0 (keep every message): give --days to prune")
        typer.echo(why, err=True)
        raise typer.Exit(2)
    from sqlalchemy.exc import SQLAlchemyError

    from hub.delivery.outbox_pruning import prune_with_progress

    try:
        removed, unsent = asyncio.run(prune_with_progress(settings.database_url, keep))
    except (OSError, SQLAlchemyError) as exc:
        typer.echo(f"the outbox could not be pruned: {exc.__class__.__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"removed {removed} message(s) published more than {keep:g} day(s) ago; "
               f"{unsent} not yet published, kept")


@dlq_app.command("show")
def dlq_show(operation: str = typer.Argument(..., help="e.g. order.submit"),
             limit: int = typer.Option(100, help="At most this many.")) -> None:
    """List the dead letters of an operation with their reasons; they stay in the queue."""
    from rich.console import Console
    from rich.table import Table

    from hub.dead_letters import list_dead_letters

    letters = asyncio.run(list_dead_letters(Settings().amqp_url, operation, limit))
    table = Table(title=f"asi.{operation}.dlq: {len(letters)} shown")
    for column in ("message_id", "bytes", "reason"):
        table.add_column(column)
    for letter in letters:
        table.add_row(letter.message_id or "-", str(letter.size), letter.reason)
    Console().print(table)


@dlq_app.command("replay")
def dlq_replay(operation: str = typer.Argument(..., help="e.g. opportunity.transfer"),
               limit: int = typer.Option(1000, help="At most this many.")) -> None:
    """Send dead letters back to the hub, e.g. after a partner CRM is up again."""
    from hub.dead_letters import replay_dead_letters

    count = asyncio.run(replay_dead_letters(Settings().amqp_url, operation, limit))
    typer.echo(f"replayed {count} message(s) from asi.{operation}.dlq")


@app.command()
def asyncapi(
    out: Path = typer.Option(Path("contracts/asyncapi.yaml"), help="Where to write it."),
    check: bool = typer.Option(False, help="Fail if the file differs from the code."),
) -> None:
    """Generate the AsyncAPI documents from the routes (brand owner's and partners')."""
    from hub.contracts import asyncapi_yaml, partner_asyncapi_yaml

    _write_or_check(out, asyncapi_yaml(), check, "hub asyncapi")
    _write_or_check(out.parent / "partners" / "asyncapi.yaml", partner_asyncapi_yaml(), check,
                    "hub asyncapi")


@app.command()
def schemas(
    out: Path = typer.Option(Path("schemas/json"), help="Folder of the JSON Schemas."),
    check: bool = typer.Option(False, help="Fail if the files differ from the models."),
) -> None:
    """Export the JSON Schemas of the canonical messages."""
    from hub.contracts import json_schemas

    for name, text in json_schemas().items():
        _write_or_check(out / name, text, check, "hub schemas")


def _write_or_check(path: Path, text: str, check: bool, command: str) -> None:
    if check:
        if not path.exists() or path.read_text() != text:
            typer.echo(f"{path} is out of date: run `{command}` and commit", err=True)
            raise typer.Exit(1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    typer.echo(f"wrote {path}")


if __name__ == "__main__":
    app()
