"""Stand-ins for the outside world on the embedded default: an SMS gateway, a digital mailbox and an
SMTP relay that deliver into files under the data directory (`sent/`), so `make up` sends real
messages over real protocols without any provider. Like a real gateway, a repeated Idempotency-Key
is answered without delivering again.

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


def http_app(deliveries: Deliveries) -> Starlette:
    def endpoint(kind: str, required: tuple[str, ...]) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def receive(request: Request) -> JSONResponse:
            body = await request.json()
            if not all(body.get(k) for k in required):
                return JSONResponse({"error": f"missing {', '.join(required)}"}, status_code=400)
            fresh = deliveries.deliver(kind, body, request.headers.get("idempotency-key"))
            return JSONResponse({"status": "accepted" if fresh else "duplicate"}, status_code=202 if fresh else 200)
        return receive

    return Starlette(routes=[Route("/sms", endpoint("sms", ("to", "text")), methods=["POST"]),
                             Route("/letters", endpoint("letters", ("address", "body")), methods=["POST"])])


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
        uvicorn.run(http_app(deliveries), host="127.0.0.1", port=http_port, log_level="warning")
    finally:
        smtp.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))

