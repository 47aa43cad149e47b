"""Privacy scan: everything a journey left on the bus, in keys, headers, logs and spans."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from kontakt.broker import read_all

# bounded by non-word characters so hex ids (UUIDs, trace ids) are not mistaken for numbers
PNR = re.compile(r"(?<![\w-])((?:19|20)?(\d{6})[-+]?(\d{4}))(?![\w-])")
PHONE = re.compile(r"(?<![\w-])(?:\+46|0046|0)\s?7\d(?:[\s-]?\d){7}(?![\w-])")


def luhn_ok(ten: str) -> bool:
    total = 0
    for i, ch in enumerate(ten):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return total % 10 == 0


def looks_like_identity_number(m: re.Match[str]) -> bool:
    """Checksum right and a plausible month/day (day + 60 for samordningsnummer)."""
    ymd, tail = m.group(2), m.group(3)
    month, day = int(ymd[2:4]), int(ymd[4:6])
    return luhn_ok(ymd + tail) and 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


async def all_topics(bootstrap: str) -> list[str]:
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await c.start()
    try:
        return sorted(await c.topics())
    finally:
        await c.stop()


async def bus_texts(bootstrap: str) -> dict[str, list[str]]:
    """topic -> every message's key, value and headers as text."""
    out: dict[str, list[str]] = {}
    for topic in await all_topics(bootstrap):
        texts = []
        for rec in await read_all(bootstrap, topic):
            parts = [rec.key or b"", rec.value or b""] + [k.encode() + b"=" + (v or b"") for k, v in rec.headers or ()]  # type: ignore[attr-defined]
            texts.append(" ".join(p.decode("utf-8", "replace") for p in parts))
        out[topic] = texts
    return out


def file_texts(paths: list[Path]) -> dict[str, str]:
    return {str(p): p.read_text(errors="replace") for p in paths if p.exists()}


def findings(texts: dict[str, list[str]] | dict[str, str], secrets: list[str]) -> list[str]:
    """Every place an identity number, phone number or one of the given secrets appears."""
    found = []
    for where, content in texts.items():
        items = content if isinstance(content, list) else [content]
        for text in items:
            for m in PNR.finditer(text):
                if looks_like_identity_number(m):
                    found.append(f"{where}: identity-number-like {m.group()!r}")
            for m in PHONE.finditer(text):
                found.append(f"{where}: phone-like {m.group()!r}")
            for s in secrets:
                if s and s in text:
                    found.append(f"{where}: contains {s!r}")
    return found


def scan(bootstrap: str, files: list[Path], secrets: list[str]) -> tuple[int, list[str]]:
    bus = asyncio.run(bus_texts(bootstrap))
    logs = file_texts(files)
    n = sum(len(v) for v in bus.values()) + sum(t.count("\n") for t in logs.values())
    return n, findings(bus, secrets) + findings(logs, secrets)


