"""A loopback TCP proxy the test controls: cut the link (drop connections, refuse new ones) and restore it."""
from __future__ import annotations

import asyncio
import threading

from kontakt.broker import free_port


class TcpProxy:
    def __init__(self, target_port: int, listen_port: int | None = None) -> None:
        self.target_port = target_port
        self.port = listen_port or free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self.connected = True
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while self.connected:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.connected:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._conns.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self._conns.discard(writer)
        self._conns.discard(up_writer)

    def cut(self) -> None:
        def _cut() -> None:
            self.connected = False
            for w in list(self._conns):
                w.transport.abort()
            self._conns.clear()
        self._loop.call_soon_threadsafe(_cut)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "connected", True)

    def stop(self) -> None:
        self.cut()
        if self._server:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
