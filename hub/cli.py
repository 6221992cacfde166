"""The ``hub`` command: run the hub, migrate its store, print its contracts, replay dead letters."""

import asyncio
import logging
import signal
from pathlib import Path

import typer

from hub.settings import Settings

app = typer.Typer(help="Order Hub: the order-to-cash integration hub on RabbitMQ.",
                  no_args_is_help=True)
db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def run() -> None:
    """Start a hub worker; Ctrl-C (SIGINT/SIGTERM) drains in-flight messages, then stops."""
    settings = Settings()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_run(settings))


async def _run(settings: Settings) -> None:
    from hub.bootstrap import build_hub

    hub = build_hub(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await hub.start()
    await stop.wait()
    logging.getLogger("hub").info("stopping: draining in-flight messages")
    await hub.stop()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database has not had yet."""
    from hub.store import migrations

    asyncio.run(migrations.upgrade(Settings().database_url))
    typer.echo("database schema is up to date")


@app.command()
def asyncapi(
    out: Path = typer.Option(Path("contracts/asyncapi.yaml"), help="Where to write it."),
    check: bool = typer.Option(False, help="Fail if the file differs from the code."),
) -> None:
    """Generate the AsyncAPI document from the routes."""
    from hub.contracts import asyncapi_yaml

    _write_or_check(out, asyncapi_yaml(), check)


@app.command()
def schemas(
    out: Path = typer.Option(Path("schemas/json"), help="Folder of the JSON Schemas."),
    check: bool = typer.Option(False, help="Fail if the files differ from the models."),
) -> None:
    """Export the JSON Schemas of the canonical messages."""
    from hub.contracts import json_schemas

    for name, text in json_schemas().items():
        _write_or_check(out / name, text, check)


def _write_or_check(path: Path, text: str, check: bool) -> None:
    if check:
        if not path.exists() or path.read_text() != text:
            typer.echo(f"{path} is out of date: run `hub {path.parts[0]}` and commit", err=True)
            raise typer.Exit(1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    typer.echo(f"wrote {path}")


if __name__ == "__main__":
    app()
