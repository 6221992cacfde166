"""Where the tests find RabbitMQ and PostgreSQL: the environment, the local services, or
testcontainers when a Docker engine answers. A missing service fails the run, never skips it."""

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, settings

from tests.support.namespace import NAMESPACE

# the hub's own modules are imported inside the fixtures: every process of a run loads this
# file first, xdist's controller too, which runs no test (FastStream alone takes half a second)

# no test may depend on how fast this machine is: hypothesis gets no deadline
settings.register_profile("hub", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hub")

LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def _port_answers(url: str, default_port: int) -> bool:
    from hub.preflight import broker_answers

    parsed = urlparse(url.replace("+asyncpg", ""))
    return broker_answers(f"amqp://{parsed.hostname}:{parsed.port or default_port}/")


def _own_vhost(url: str) -> str:
    """A virtual host of this run's own, made with rabbitmqctl beside the broker."""
    from hub.delivery.partner_topology import vhost_url

    vhost = f"test{NAMESPACE}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], capture_output=True, check=False)
    user = urlparse(url).username or "guest"
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
                   capture_output=True, check=True)
    return vhost_url(url, vhost)


def _own_database(url: str) -> str:
    """A database of this run's own on the same PostgreSQL server."""
    import asyncio

    import asyncpg

    name = f"test{NAMESPACE}".replace("-", "_")
    plain = url.replace("+asyncpg", "")

    async def create() -> None:
        connection = await asyncpg.connect(plain)
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                               name)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    from hub.preflight import broker_answers

    url = os.environ.get("AMQP_URL", LOCAL_AMQP)
    if broker_answers(url):
        yield _own_vhost(url) if NAMESPACE else url
        return
    if _docker_answers():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13") as rabbit:
            params = rabbit.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}/"
        return
    pytest.fail(f"no RabbitMQ at {url}: start one (`rabbitmq-server -detached` or "
                "`docker compose up -d rabbitmq`) or set AMQP_URL", pytrace=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_POSTGRES_URL", LOCAL_POSTGRES)
    if _port_answers(url, 5432):
        yield _own_database(url) if NAMESPACE else url
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as pg:
            yield pg.get_connection_url()
        return
    pytest.fail(f"no PostgreSQL at {url}: start it (`pg_ctlcluster ... main start` or "
                "`docker compose up -d postgres`) or set TEST_POSTGRES_URL", pytrace=False)


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite store with every migration applied, made once per run and copied per test."""
    from hub.store import migrations

    path = tmp_path_factory.mktemp("template") / "hub.db"
    await migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    """The store kind: every test that takes a database runs once on each."""
    return request.param


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, database_kind: str, tmp_path,
                       postgres_url: str, sqlite_template: Path) -> AsyncIterator[str]:
    """A fresh database of each kind: migrated and without a row (the hub's start finds it at
    the head revision), or without any table for tests marked ``empty_database``.

    A test that takes one of the module's shared hubs (``hub``, ``channel_hub``, ``shop_hub``,
    ``soap_hub``) gets that hub's database, which the hub empties for it.
    """
    from tests.support.databases import copy_sqlite, empty_postgres, reset_postgres
    from tests.support.shared_hubs import shared_for, suspend_shared_hubs

    if (shared := shared_for(request)) is not None:
        yield shared.settings.database_url
        return
    # no shared hub works on a database while it is being reset
    await suspend_shared_hubs()
    empty = request.node.get_closest_marker("empty_database") is not None
    if database_kind == "sqlite":
        path = tmp_path / "hub.db"
        if not empty:
            copy_sqlite(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if empty:
        await reset_postgres(postgres_url)
    else:
        await empty_postgres(postgres_url)
    yield postgres_url
