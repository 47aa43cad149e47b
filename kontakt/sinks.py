"""Stand-ins for the outside world on the embedded default: an SMS gateway, a digital mailbox and an
SMTP relay that deliver into files under the data directory (`sent/`), so `make up` sends real
messages over real protocols without any provider. Like a real gateway, a repeated Idempotency-Key
is answered without delivering again. Beside them, the region's message exchange (`/exchange/messages`:
FHIR resources to referring units, kept in `sent/exchange.jsonl`) and an interpreting agency's booking API
(`/interpreting/bookings`, see `Interpreters`).

    python -m kontakt.sinks DATA_DIR HTTP_PORT SMTP_PORT
"""
from __future__ import annotations

import json
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class Deliveries:
    """Appends each delivery to `<kind>.jsonl`; remembers idempotency keys across restarts."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.seen: set[str] = set()
        for f in out.glob("*.jsonl"):
            for line in f.read_text().splitlines():
                key = json.loads(line).get("idempotency_key")
                if key:
                    self.seen.add(key)

    def deliver(self, kind: str, record: dict[str, object], key: str | None) -> bool:
        with self._lock:
            if key and key in self.seen:
                return False
            if key:
                self.seen.add(key)
            record = {"at": datetime.now(UTC).isoformat(), "idempotency_key": key, **record}
            with (self.out / f"{kind}.jsonl").open("a") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            return True


class Interpreters:
    """An interpreting agency: per language a number of interpreters (`interpreting.json` in the data directory,
    e.g. {"ti": 0} to have none in Tigrinya; 2 for any language not named), each busy for the visits booked.
    A booking that overlaps as many bookings of its language as there are interpreters is refused (409); a
    repeated Idempotency-Key gets its first answer. Bookings are kept in `sent/interpreting.jsonl`."""

    def __init__(self, data_dir: Path, deliveries: Deliveries) -> None:
        self.roster = data_dir / "interpreting.json"
        self.deliveries = deliveries
        self.booked: dict[str, dict[str, Any]] = {}  # booking id -> request
        self.by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    def book(self, body: dict[str, Any], key: str | None) -> tuple[int, dict[str, str]]:
        with self._lock:
            if key and key in self.by_key:
                return 200, {"booking_id": self.by_key[key], "status": "booked"}
            start, end = datetime.fromisoformat(body["starts_at"]), datetime.fromisoformat(body["ends_at"])
            busy = sum(1 for b in self.booked.values() if b["language"] == body["language"]
                       and datetime.fromisoformat(b["starts_at"]) < end and start < datetime.fromisoformat(b["ends_at"]))
            if busy >= self.capacity().get(body["language"], 2):
                return 409, {"status": "not_available"}
            booking_id = f"TB-{len(self.booked) + 1:05d}"
            self.booked[booking_id] = body
            if key:
                self.by_key[key] = booking_id
        self.deliveries.deliver("interpreting", {"booking_id": booking_id, **body}, key)
        return 201, {"booking_id": booking_id, "status": "booked"}

    def capacity(self) -> dict[str, int]:
        """The roster, read at each booking: a demo or a test changes it while the system runs."""
        return json.loads(self.roster.read_text()) if self.roster.exists() else {}

    def cancel(self, booking_id: str) -> int:
        with self._lock:
            return 204 if self.booked.pop(booking_id, None) is not None else 404


def interpreting_routes(agency: Interpreters) -> list[Route]:
    async def book(request: Request) -> JSONResponse:
        body = await request.json()
        if not all(isinstance(body.get(k), str) and body[k] for k in ("language", "starts_at", "ends_at", "unit_id")):
            return JSONResponse({"error": "missing language, starts_at, ends_at or unit_id"}, status_code=400)
        status, answer = agency.book(body, request.headers.get("idempotency-key"))
        return JSONResponse(answer, status_code=status)

    async def cancel(request: Request) -> JSONResponse:
        return JSONResponse({}, status_code=agency.cancel(request.path_params["booking_id"]))

    return [Route("/interpreting/bookings", book, methods=["POST"]),
            Route("/interpreting/bookings/{booking_id}", cancel, methods=["DELETE"])]


def http_app(deliveries: Deliveries, extra: list[Route] | None = None) -> Starlette:
    def endpoint(kind: str, required: tuple[str, ...]) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def receive(request: Request) -> JSONResponse:
            body = await request.json()
            if not all(body.get(k) for k in required):
                return JSONResponse({"error": f"missing {', '.join(required)}"}, status_code=400)
            fresh = deliveries.deliver(kind, body, request.headers.get("idempotency-key"))
            return JSONResponse({"status": "accepted" if fresh else "duplicate"}, status_code=202 if fresh else 200)
        return receive

    return Starlette(routes=[Route("/sms", endpoint("sms", ("to", "text")), methods=["POST"]),
                             Route("/letters", endpoint("letters", ("address", "body")), methods=["POST"]),
                             # the region's message exchange: a FHIR resource to a unit by its HSA-id
                             Route("/exchange/messages", endpoint("exchange", ("to", "resource")), methods=["POST"]),
                             *(extra or [])])


class MailHandler:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        raw = envelope.content or b""
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        message_id = next((line.split(":", 1)[1].strip() for line in content.splitlines()
                           if line.lower().startswith("message-id:")), None)
        self.deliveries.deliver("mail", {"to": envelope.rcpt_tos, "content": content}, message_id)
        return "250 OK"


def main(data_dir: Path, http_port: int, smtp_port: int) -> None:
    deliveries = Deliveries(data_dir / "sent")
    smtp = Controller(MailHandler(deliveries), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        routes = interpreting_routes(Interpreters(data_dir, deliveries))
        uvicorn.run(http_app(deliveries, routes), host="127.0.0.1", port=http_port, log_level="warning")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

