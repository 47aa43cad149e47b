"""Channel adapters: SMS through an HTTP gateway, e-mail over SMTP, digital letters through an HTTP mailbox service,
FHIR resources to referring units through the region's message exchange.

Errors carry codes only (`sms_gateway_unreachable`), never the address or the text: they are logged,
stored and published.
"""
from __future__ import annotations

import asyncio
import json
import smtplib
from abc import ABC, abstractmethod
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from services.notifications.domain.templates import Message


class ChannelError(Exception):
    """A send did not go through. `permanent`: retrying the same channel cannot help (try the next one)."""

    def __init__(self, code: str, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class Channel(Protocol):
    async def send(self, address: str, message: Message, idempotency_key: str) -> None: ...


class HttpChannel(ABC):
    """POSTs JSON with an `Idempotency-Key` header: the gateway answers a repeated key without sending again."""

    def __init__(self, name: str, url: str, client: httpx.AsyncClient, token: str | None = None) -> None:
        self.name, self.url, self.client, self.token = name, url, client, token

    @abstractmethod
    def body(self, address: str, message: Message) -> dict[str, Any]:
        """The gateway's JSON for one message."""

    async def send(self, address: str, message: Message, idempotency_key: str) -> None:
        headers = {"Idempotency-Key": idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            r = await self.client.post(self.url, json=self.body(address, message), headers=headers)
        except httpx.TransportError as exc:
            raise ChannelError(f"{self.name}_unreachable") from exc
        if r.status_code >= 500 or r.status_code in (408, 429):
            raise ChannelError(f"{self.name}_status_{r.status_code}")
        if r.status_code >= 400:  # the gateway refused this message (e.g. a number it cannot reach)
            raise ChannelError(f"{self.name}_rejected_{r.status_code}", permanent=True)


class SmsGateway(HttpChannel):
    def __init__(self, url: str, sender: str, client: httpx.AsyncClient, token: str | None = None) -> None:
        super().__init__("sms_gateway", url, client, token)
        self.sender = sender

    def body(self, address: str, message: Message) -> dict[str, str]:
        return {"from": self.sender, "to": address, "text": message.body}


class DigitalLetter(HttpChannel):
    """A digital mailbox service (with print-and-post for those without a mailbox), addressed by postal address."""

    def __init__(self, url: str, client: httpx.AsyncClient, token: str | None = None) -> None:
        super().__init__("digital_letter", url, client, token)

    def body(self, address: str, message: Message) -> dict[str, str]:
        return {"address": address, "subject": message.subject, "body": message.body}


class MessageExchange(HttpChannel):
    """The region's message exchange (EDI): a FHIR resource (the message's body, JSON) to a unit by its HSA-id."""

    def __init__(self, url: str, client: httpx.AsyncClient, token: str | None = None) -> None:
        super().__init__("exchange", url, client, token)

    def body(self, address: str, message: Message) -> dict[str, Any]:
        return {"to": address, "resource": json.loads(message.body)}


class SmtpMailer:
    """E-mail over SMTP. SMTP has no idempotency key: the Message-ID is derived from the notification so
    a re-send after a crash carries the same id (mail clients fold it), which is the most SMTP offers."""

    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0, starttls: bool = False,
                 username: str | None = None, password: str | None = None) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s
        self.starttls, self.username, self.password = starttls, username, password

    def _send(self, address: str, message: Message, idempotency_key: str) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{idempotency_key}@en-vag-in.notifications>"
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        # `from None`: SMTP errors' text can hold the recipient's address, which must not reach logs
        except smtplib.SMTPRecipientsRefused:
            raise ChannelError("smtp_recipient_refused", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(f"smtp_status_{exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from None
        except (OSError, smtplib.SMTPException):
            raise ChannelError("smtp_unreachable") from None

    async def send(self, address: str, message: Message, idempotency_key: str) -> None:
        await asyncio.to_thread(self._send, address, message, idempotency_key)

