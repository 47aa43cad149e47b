"""Waiting for something asynchronous to become true, for tests over the real broker."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.1) -> Any:
    """The predicate's first truthy result (it runs in a thread: it may query a database).

    Generous by default: the machine is shared and has 2 cores; a met condition returns at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = None
    while loop.time() < deadline:
        last = await asyncio.to_thread(predicate)
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s (last: {last!r})")
