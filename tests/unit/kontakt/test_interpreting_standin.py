"""The embedded default's interpreting agency: books while a language has interpreters free at the time, refuses
an overlapping booking beyond them, answers a repeated key with its first answer, and cancels."""
from __future__ import annotations

import json
from pathlib import Path

import httpx

from kontakt.sinks import Deliveries, Interpreters, http_app, interpreting_routes


def _request(language: str, start: str, end: str) -> dict[str, str]:
    return {"language": language, "starts_at": start, "ends_at": end, "unit_id": "hc-teg", "mode": "on_site",
            "reference": "r"}


async def test_the_agency_books_refuses_beyond_its_interpreters_and_cancels(tmp_path: Path) -> None:
    (tmp_path / "interpreting.json").write_text(json.dumps({"ti": 1, "sju": 0}))
    deliveries = Deliveries(tmp_path / "sent")
    app = http_app(deliveries, interpreting_routes(Interpreters(tmp_path, deliveries)))
    nine = ("2026-03-04T09:00:00+01:00", "2026-03-04T10:00:00+01:00")
    nine_thirty_utc = ("2026-03-04T08:30:00+00:00", "2026-03-04T09:30:00+00:00")  # overlaps, other offset
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sinks") as c:
        first = await c.post("/interpreting/bookings", json=_request("ti", *nine), headers={"Idempotency-Key": "a"})
        assert first.status_code == 201
        again = await c.post("/interpreting/bookings", json=_request("ti", *nine), headers={"Idempotency-Key": "a"})
        assert again.status_code == 200 and again.json()["booking_id"] == first.json()["booking_id"]
        busy = await c.post("/interpreting/bookings", json=_request("ti", *nine_thirty_utc),
                            headers={"Idempotency-Key": "b"})
        assert busy.status_code == 409 and busy.json()["status"] == "not_available"
        assert (await c.post("/interpreting/bookings", json=_request("sju", *nine))).status_code == 409
        assert (await c.post("/interpreting/bookings", json=_request("ar", *nine))).status_code == 201
        gone = await c.delete(f"/interpreting/bookings/{first.json()['booking_id']}")
        assert gone.status_code == 204
        freed = await c.post("/interpreting/bookings", json=_request("ti", *nine_thirty_utc),
                             headers={"Idempotency-Key": "c"})
        assert freed.status_code == 201
    kept = [json.loads(line) for line in (tmp_path / "sent" / "interpreting.jsonl").read_text().splitlines()]
    assert [k["language"] for k in kept] == ["ti", "ar", "ti"]
