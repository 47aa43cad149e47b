"""Real local stand-ins for the outside world: an HTTP gateway (SMS, digital letters) and an SMTP server."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Gateway:
    """An HTTP gateway that honours Idempotency-Key like a real SMS provider: a repeated key is answered
    200 without delivering again. `status` makes it answer an error instead."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    port: int = 0

    def start(self) -> Gateway:
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key")
                gw.requests.append({"path": self.path, "key": key, **body})
                if gw.status == 200 and key not in {d["key"] for d in gw.delivered}:
                    gw.delivered.append({"path": self.path, "key": key, **body})
                self.send_response(gw.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "gw-1"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sms(self) -> list[dict[str, Any]]:
        return [d for d in self.delivered if d["path"] == "/sms"]

    def letters(self) -> list[dict[str, Any]]:
        return [d for d in self.delivered if d["path"] == "/letters"]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a free port, keeping what it receives."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return self.inbox.messages

    def to(self, address: str) -> list[Message]:
        return [m for rcpts, m in self.messages if address in rcpts]
