"""The outbox doorbell: a commit in one HTTP worker process wakes the relay of the worker that runs the pipeline."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from services.chassis.workers import Doorbell

RING = "import sys; from pathlib import Path; from services.chassis.workers import Doorbell; " \
       "Doorbell(Path(sys.argv[1]), sys.argv[2]).ring()"


def _ring_from_another_process(data_dir: Path, service: str) -> None:
    subprocess.run([sys.executable, "-c", RING, str(data_dir), service], check=True, timeout=60,
                   cwd=Path(__file__).resolve().parents[3])


async def test_a_ring_from_another_process_wakes_the_listener_and_only_the_one_of_its_own_service(
        tmp_path: Path) -> None:
    rung: list[str] = []
    intake, booking = Doorbell(tmp_path, "intake"), Doorbell(tmp_path, "booking")
    assert intake.listen(lambda: rung.append("intake")) and booking.listen(lambda: rung.append("booking"))
    try:
        await asyncio.to_thread(_ring_from_another_process, tmp_path, "intake")
        for _ in range(2000):  # up to 20 s: a busy machine may be slow to schedule the listener
            if rung:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert rung == ["intake"]
    finally:
        intake.close()
        booking.close()


async def test_the_address_has_one_listener_and_is_free_again_after_close(tmp_path: Path) -> None:
    first, second = Doorbell(tmp_path, "intake"), Doorbell(tmp_path, "intake")
    assert first.listen(lambda: None)
    assert not second.listen(lambda: None)  # another holder would be a bug: the caller falls back to polling
    first.close()
    assert second.listen(lambda: None)
    second.close()


def test_ringing_with_nobody_listening_or_a_full_queue_never_raises(tmp_path: Path) -> None:
    bell = Doorbell(tmp_path / "nobody", "intake")
    bell.ring()
    listener = Doorbell(tmp_path, "kpi")

    async def flood() -> None:
        assert listener.listen(lambda: None)  # listening, but its loop never runs while the rings pile up
        try:
            for _ in range(100_000):  # far more than a socket queue holds
                Doorbell.ring(listener)
        finally:
            listener.close()

    asyncio.run(flood())
