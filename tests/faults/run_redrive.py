"""`kontakt.dlq.redrive` as its own process: `python -m tests.faults.run_redrive BOOTSTRAP GROUP`.

REDRIVE_CRASH_AFTER=n makes it SIGKILL itself once n records were sent (and flushed to the broker) inside its
open transaction: the crash the transaction is there for.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiokafka import AIOKafkaProducer

from kontakt.dlq import redrive

if __name__ == "__main__":
    crash_after = int(os.environ.get("REDRIVE_CRASH_AFTER", "0"))
    if crash_after:
        send, sent = AIOKafkaProducer.send, [0]

        async def send_then_maybe_die(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            future = await send(self, *args, **kwargs)
            sent[0] += 1
            if sent[0] >= crash_after:
                await self.flush()  # on the broker, in the transaction that will never commit
                os.kill(os.getpid(), signal.SIGKILL)
            return future

        AIOKafkaProducer.send = send_then_maybe_die  # type: ignore[method-assign]
    done = asyncio.run(redrive(sys.argv[1], sys.argv[2]))
    print(done.records, done.transactions)
