"""Serving the operations app with uvicorn inside the hub's own event loop."""

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from faststream.asgi.types import ASGIApp


class _InProcessServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_requested = asyncio.Event()

    # the hub owns SIGINT/SIGTERM (it drains messages first); uvicorn must not take them
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        """uvicorn's loop, woken by the stop instead of polling for it every 0.1 s."""
        counter = 0
        # every tick is a multiple of ten: uvicorn then refreshes the Date header, once a second
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.exit_requested.wait(), 1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, without its fixed 0.1 s pause when no connection is open."""
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


class HttpServer:
    """Binds ``host:port`` at start (port 0 picks a free one) and serves until stopped."""

    def __init__(self, app: ASGIApp, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._host, self._port = host.strip("[]") or "127.0.0.1", int(port)
        self._server = _InProcessServer(uvicorn.Config(
            app, lifespan="off", log_config=None, access_log=False))
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        """Bind (an address in use fails here, loudly) and serve in the background."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        host, port = sock.getsockname()[:2]
        self.url = f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{port}"
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="http")
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        self._server.exit_requested.set()
        await self._task
        self._task = None
