"""The services' shifted clock while `kontakt demo` runs: set it, keep its lease alive, always put it back."""
from __future__ import annotations

import json
import signal
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LEASE_S = 30.0  # a killed demo's offset stops counting this long after its last renewal
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
Handler = Callable[[int, types.FrameType | None], Any] | int | signal.Handlers | None


class DemoStopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP during the demo: unwinds like Ctrl-C, so every `finally` runs."""


class DemoClock:
    """The offset file the services read (`KONTAKT_CLOCK_FILE`, services/chassis/clock.py).

    Each write carries a lease (`lease_until`) that a background thread renews while the demo holds the clock;
    the services ignore an offset whose lease ran out. `held()` also turns Ctrl-C, SIGTERM and SIGHUP into an
    exception that unwinds the demo, and removes the file on the way out, whatever ended the run."""

    def __init__(self, path: Path, lease_s: float = LEASE_S) -> None:
        self.path = path
        self.lease_s = lease_s
        self._offset_s: float | None = None
        self._lock = threading.RLock()  # re-entrant: a stop signal may unwind the main thread while it holds it
        self._stop = threading.Event()

    def set(self, at: datetime) -> None:
        """From now on the services' clock reads `at` (and runs on from there)."""
        with self._lock:
            self._offset_s = (at - datetime.now(UTC)).total_seconds()
            self._write()

    def reset(self) -> None:
        with self._lock:
            self._offset_s = None
            self.path.unlink(missing_ok=True)

    def _write(self) -> None:
        if self._offset_s is None:
            return
        lease_until = datetime.now(UTC).timestamp() + self.lease_s
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"offset_s": self._offset_s, "lease_until": lease_until}))
        tmp.replace(self.path)  # the services never read half a file

    def _renew(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            with self._lock:
                self._write()

    @contextmanager
    def held(self) -> Iterator[DemoClock]:
        """The demo's run: lease renewed, stop signals unwind it, the file removed at the end."""
        self._stop.clear()
        renewer = threading.Thread(target=self._renew, name="demo-clock-lease", daemon=True)
        previous = _install_stop_handlers()
        renewer.start()
        try:
            yield self
        finally:
            self.reset()  # first: a second Ctrl-C during the rest must not leave the file behind
            self._stop.set()
            renewer.join()
            _restore(previous)


def _raise_stopped(signum: int, _frame: types.FrameType | None) -> None:
    raise DemoStopped(signal.Signals(signum).name)


def _install_stop_handlers() -> dict[int, Handler]:
    """Ctrl-C raises KeyboardInterrupt even where SIGINT was ignored (a job started in the background by a
    script inherits SIG_IGN); SIGTERM and SIGHUP raise DemoStopped. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Handler] = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler)}
    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, _raise_stopped)
    return previous


def _restore(previous: dict[int, Handler]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def describe(path: Path) -> tuple[str, str]:
    """What the offset file says, in Swedish and English (for `kontakt clock show`)."""
    try:
        data = json.loads(path.read_text())
        offset = timedelta(seconds=float(data["offset_s"]))
        lease_until = float(data["lease_until"]) if "lease_until" in data else None
    except FileNotFoundError:
        return "Tjänsternas klocka går rätt (ingen förskjutning).", "The services' clock is true (no offset)."
    except (ValueError, KeyError, TypeError):
        return (f"{path} går inte att läsa; tjänsterna behåller sin senaste förskjutning. Kör `kontakt clock reset`.",
                f"{path} cannot be read; the services keep their last offset. Run `kontakt clock reset`.")
    days = offset.total_seconds() / 86400
    now = datetime.now(UTC)
    shown = (now + offset).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if lease_until is not None and now.timestamp() > lease_until:
        return (f"Förskjutning {days:+.1f} dagar kvarlämnad av en avbruten demo; den gäller inte längre "
                "(hyrestiden har gått ut). `kontakt clock reset` tar bort filen.",
                f"Offset {days:+.1f} days left behind by an interrupted demo; no longer in force (its lease ran "
                "out). `kontakt clock reset` removes the file.")
    return (f"Tjänsternas klocka är förskjuten {days:+.1f} dagar (visar {shown}).",
            f"The services' clock is shifted {days:+.1f} days (reads {shown}).")
