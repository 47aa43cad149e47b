"""Several HTTP worker processes for one service instance: one of them runs the event pipeline.

With `<SERVICE>_HTTP_WORKERS` > 1, uvicorn forks that many processes, each with the whole app.
They all serve HTTP (requests spread over both cores), but only the holder of the pipeline lease
runs the outbox relay, the consumers and the background tasks: two relays would publish every row
twice, and two clock watchers would tag twice. The lease is an exclusive `flock` on a file next to
the service's data, so the kernel frees it when its holder dies, and a follower takes over.
Migrations run under a second lock, one worker after the other (the later ones find nothing to do).
A follower's commit rings the holder's doorbell, so the holder's relay publishes the row at once.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import IO


class FileLock:
    """An exclusive advisory lock on `path`, held while the file stays open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, blocking: bool) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "ab")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            f.close()
            return False
        f.truncate(0)
        f.write(str(os.getpid()).encode())
        f.flush()
        self._file = f
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Doorbell:
    """Wakes the outbox relay of the worker that runs the pipeline when another worker commits an outbox row.

    Each worker's commits wake its own relay in-process; a follower has no relay running, so it rings: one
    datagram on a Unix socket in Linux's abstract namespace (no file to clean up), named after the service's
    data directory. Ringing never blocks and never fails a request: a lost ring costs the relay's idle poll.
    """

    def __init__(self, data_dir: Path, service: str) -> None:
        digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:24]
        self.address = f"\0en-vag-in/{digest}/{service}/outbox"
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._out.setblocking(False)
        self._in: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def ring(self) -> None:
        try:
            self._out.sendto(b"!", self.address)
        except OSError:  # nobody listens (the holder is starting) or its queue is full: it is awake anyway
            pass

    def listen(self, on_ring: Callable[[], None]) -> bool:
        """Answer rings with `on_ring` on the running loop; False if the address is taken (then the relay polls)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(self.address)
        except OSError:
            sock.close()
            return False
        sock.setblocking(False)
        self._in, self._loop = sock, asyncio.get_running_loop()

        def answer() -> None:
            try:
                while sock.recv(64):  # every ring waiting: one wake is enough
                    pass
            except BlockingIOError:
                pass
            on_ring()

        self._loop.add_reader(sock.fileno(), answer)
        return True

    def close(self) -> None:
        """Stop answering (the address is free again for the next holder)."""
        if self._in is not None and self._loop is not None:
            self._loop.remove_reader(self._in.fileno())
            self._in.close()
            self._in = None
