"""A TCP proxy in front of the broker that can go silent, as a node stuck under load does.

``freeze()`` stops carrying bytes on every connection open at that moment, in both
directions, while keeping the sockets open: the client sees no error and no frame, only
silence. Connections made afterwards are carried normally, as a healthy node would.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Link:
    frozen: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


class SilentProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._links: list[_Link] = []
        self._server: asyncio.Server | None = None
        self.port = 0
        self.connections = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def freeze(self) -> int:
        """Silence every connection open now; returns how many were silenced."""
        live = [link for link in self._links if not link.frozen.is_set()]
        for link in live:
            link.frozen.set()
        return len(live)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in self._links:
            for task in link.tasks:
                task.cancel()
            for writer in link.writers:
                writer.close()
        for link in self._links:
            for task in link.tasks:
                with contextlib.suppress(BaseException):
                    await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        link = _Link(writers=[writer, up_writer])
        link.tasks = [asyncio.create_task(self._pump(reader, up_writer, link)),
                      asyncio.create_task(self._pump(up_reader, writer, link))]
        self._links.append(link)

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter,
                    link: _Link) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while data := await source.read(65536):
                if link.frozen.is_set():
                    # silence: hold everything, answer nothing, close nothing
                    await asyncio.Event().wait()
                sink.write(data)
                await sink.drain()
        sink.close()


@asynccontextmanager
async def silent_proxy(upstream_host: str, upstream_port: int) -> AsyncIterator[SilentProxy]:
    proxy = SilentProxy(upstream_host, upstream_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
