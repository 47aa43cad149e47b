"""Several HTTP worker processes for one service instance: one of them runs the event pipeline.

With `<SERVICE>_HTTP_WORKERS` > 1, uvicorn forks that many processes, each with the whole app.
They all serve HTTP (requests spread over both cores), but only the holder of the pipeline lease
runs the outbox relay, the consumers and the background tasks: two relays would publish every row
twice, and two clock watchers would tag twice. The lease is an exclusive `flock` on a file next to
the service's data, so the kernel frees it when its holder dies, and a follower takes over.
Migrations run under a second lock, one worker after the other (the later ones find nothing to do).
"""
from __future__ import annotations

import fcntl
import os
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
