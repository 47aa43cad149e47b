"""The workspace's web edge (issue 26): a write from another origin or without the page's token is refused, sign-in
included; bodies are capped as they stream in, chunked or not, before anything reaches the disk; every refusal is a
page or fragment with its reason and the security headers; documents are downloads that cannot run."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import starlette.formparsers

from services.workspace.app import build
from services.workspace.school import MAX_FORM_BYTES
from services.workspace.settings import WorkspaceSettings
from tests.unit.workspace.browserlike import BASE, browser_like, page_token

Answer = Callable[[httpx.Request], httpx.Response]
SCHOOLS = {"schools": [{"id": "sk-edge", "name": "Kantskolan", "municipality": "Umeå"}]}


def workspace(tmp_path: Path, answers: dict[str, Answer] | None = None) -> Any:
    """The workspace with the services played by `answers` (path -> answer); any other path is a 503."""
    app = build(WorkspaceSettings(data_dir=tmp_path, local_signin=True, local_issuer_dir=tmp_path / "keys"))[1]
    routes = {"/api/schools": lambda _: httpx.Response(200, json=SCHOOLS), **(answers or {})}

    def answer(request: httpx.Request) -> httpx.Response:
        found = routes.get(request.url.path)
        return found(request) if found else httpx.Response(503, json={"errors": []})

    app.state.web.backend.http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return app


@asynccontextmanager
async def signed_in(app: Any, role: str, unit: str = "") -> AsyncIterator[httpx.AsyncClient]:
    async with browser_like(app) as c:
        if role == "school_sender":
            r = await c.post("/skola/signin", data={"school": "sk-edge", "lang": "sv"})
        else:
            r = await c.post("/signin", data={"role": role, "unit": unit, "lang": "sv"})
        assert r.status_code == 303, r.text
        yield c


def assert_headed_refusal(r: httpx.Response, status: int, says: str) -> None:
    assert r.status_code == status, r.text[:300]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith("text/html") and says in r.text


# -- cross-site request forgery ------------------------------------------------------------------------------

async def test_a_write_from_another_origin_is_refused_even_with_the_cookie_and_the_token(tmp_path: Path) -> None:
    advised: list[str] = []
    app = workspace(tmp_path, {"/api/cases/C-000000000001/advice": lambda r: advised.append(r.url.path)
                               or httpx.Response(201, json={})})
    async with signed_in(app, "clinician") as c:
        token = await page_token(c, "/queue")
        for foreign in ({"Origin": "http://evil.localhost"}, {"Origin": "null"},
                        {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Referer": "http://attacker.example/page"}):
            r = await c.post("/cases/C-000000000001/advice", data={"topics": "sleep"},
                             headers={"X-CSRF-Token": token, **foreign})
            assert_headed_refusal(r, 403, "kom inte från arbetsytans egna sidor")
        assert advised == []  # the 3-day clock was not stopped from another origin
        ok = await c.post("/cases/C-000000000001/advice", data={"topics": "sleep"},
                          headers={"X-CSRF-Token": token, "Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200 and advised == ["/api/cases/C-000000000001/advice"]


async def test_a_write_without_the_pages_token_is_refused_from_the_same_origin_too(tmp_path: Path) -> None:
    app = workspace(tmp_path)
    async with signed_in(app, "clinician") as c:
        c.event_hooks["request"] = []  # no page read: what a forged request sends
        for headers in ({"Origin": BASE}, {"Origin": BASE, "X-CSRF-Token": "forged"}, {}):
            r = await c.post("/signout", headers=headers)
            assert_headed_refusal(r, 403, "saknade sin säkerhetskod")
            r = await c.put("/interviews/I-1/answers", data={"form": "f", "item": "i", "value": "1", "case_id": "C"},
                            headers={**headers, "HX-Request": "true"})
            assert_headed_refusal(r, 403, "saknade sin säkerhetskod")
            assert "<html" not in r.text  # htmx gets a fragment to show in place
        assert (await c.get("/queue")).status_code == 200  # still signed in: the forged sign-out did nothing


async def test_the_token_of_a_plain_form_is_its_first_field(tmp_path: Path) -> None:
    app = workspace(tmp_path)
    async with signed_in(app, "clinician") as c:
        token = await page_token(c, "/queue")
        c.event_hooks["request"] = []  # this test writes the forms itself
        files = {"csrf_token": (None, token), "scan": ("scan.pdf", b"%PDF-1.4 tiny", "application/pdf")}
        r = await c.post("/referrals/paper", files=files, headers={"Origin": BASE})
        assert r.status_code == 422 and "Ange datumet" in r.text  # past the edge, on to the route's own checks
        late = {"scan": ("scan.pdf", b"%PDF-1.4 tiny", "application/pdf"), "csrf_token": (None, token)}
        assert (await c.post("/referrals/paper", files=late, headers={"Origin": BASE})).status_code == 403
        r = await c.post("/lang", data={"csrf_token": token}, headers={"Origin": BASE})
        assert r.status_code == 303


async def test_sign_in_needs_the_sign_in_pages_token_and_a_loopback_host(tmp_path: Path) -> None:
    app = workspace(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as raw:
        forced = await raw.post("/signin", data={"role": "kc_head", "unit": "", "lang": "sv"}, headers={"Origin": BASE})
        assert_headed_refusal(forced, 403, "saknade sin säkerhetskod")  # login CSRF: no session is planted
        assert "evi_session" not in forced.headers.get("set-cookie", "")
        school = await raw.post("/skola/signin", data={"school": "sk-edge"}, headers={"Origin": BASE})
        assert_headed_refusal(school, 403, "saknade sin säkerhetskod")
    async with browser_like(app, base_url="http://workspace.example") as remote:
        r = await remote.post("/signin", data={"role": "kc_head", "unit": "", "lang": "sv"})
        assert_headed_refusal(r, 403, "finns bara på den här datorn")
    other_peer = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=other_peer, base_url=BASE) as c:
        token = await page_token(c)
        r = await c.post("/signin", data={"role": "kc_head"}, headers={"Origin": BASE, "X-CSRF-Token": token})
        assert_headed_refusal(r, 403, "finns bara på den här datorn")


# -- bodies ---------------------------------------------------------------------------------------------------

class CountingSpool(starlette.formparsers.SpooledTemporaryFile):  # type: ignore[type-arg]  # generic only in stubs
    """Starlette's temp file for an upload, counting what is written to it (on disk past 1 MB)."""

    written = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]  # the stub's buffer type is wider
        CountingSpool.written += len(data)
        return super().write(data)


async def streamed(head: bytes, total: int, sent: list[int], chunk: int = 1024 * 1024) -> AsyncIterator[bytes]:
    """A chunked body (no Content-Length): `head`, then zeros up to `total`, counting what the server pulled."""
    sent[0] += len(head)
    yield head
    while sent[0] < total:
        sent[0] += chunk
        yield b"\0" * chunk


async def test_a_chunked_300_mb_school_upload_is_refused_at_the_limit_without_writing_past_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", CountingSpool)
    CountingSpool.written = 0
    app = workspace(tmp_path)
    async with signed_in(app, "school_sender") as c:
        token = await page_token(c, "/skola/ny")
        head = (f'--b0\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n--b0\r\n'
                'Content-Disposition: form-data; name="attachments"; filename="big.pdf"\r\n'
                'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n').encode()
        sent = [0]
        r = await c.post("/skola/ny", content=streamed(head, 300 * 1024 * 1024, sent),
                         headers={"Content-Type": "multipart/form-data; boundary=b0", "Origin": BASE,
                                  "X-CSRF-Token": token})
    assert_headed_refusal(r, 413, "för stort")
    assert sent[0] <= MAX_FORM_BYTES + 1024 * 1024, f"the server read {sent[0]} bytes of a 300 MB body"
    assert CountingSpool.written <= MAX_FORM_BYTES


FILE_HEAD = (b'--b0\r\nContent-Disposition: form-data; name="upload"; filename="f"\r\n'
             b"Content-Type: application/octet-stream\r\n\r\n")
MULTIPART = "multipart/form-data; boundary=b0"


@pytest.mark.parametrize(("path", "role", "kind", "most_mb"), [
    ("/referrals/paper", "clinician", MULTIPART, 11), ("/unit/hc-teg/import", "scheduler", MULTIPART, 3),
    ("/cases/C-1/advice", "clinician", "application/x-www-form-urlencoded", 1)])
async def test_every_route_has_a_body_limit_counted_as_the_body_streams(tmp_path: Path, path: str, role: str,
                                                                         kind: str, most_mb: int) -> None:
    app = workspace(tmp_path)
    async with signed_in(app, role, unit="hc-teg" if role == "scheduler" else "") as c:
        token = await page_token(c, "/queue" if role == "clinician" else "/meeting")
        sent = [0]
        head = FILE_HEAD if kind == MULTIPART else b"topics="
        r = await c.post(path, content=streamed(head, 100 * 1024 * 1024, sent, chunk=64 * 1024),
                         headers={"Content-Type": kind, "X-CSRF-Token": token, "Origin": BASE})
        declared = await c.post(path, content=b"x", headers={"Content-Length": str(300 * 1024 * 1024),
                                                            "X-CSRF-Token": token, "Origin": BASE})
    assert_headed_refusal(r, 413, "för stort")
    assert sent[0] <= most_mb * 1024 * 1024
    assert_headed_refusal(declared, 413, "för stort")


# -- refusals, never a bare 500 or a blank 200 ---------------------------------------------------------------

def refuse(status: int, body: dict[str, Any]) -> Answer:
    return lambda _: httpx.Response(status, json=body)


FORBIDDEN = {"errors": [{"field": "unit_id", "code": "forbidden", "sv": "Bara din egen enhet.", "en": "Own unit only."}]}


async def test_a_refusal_the_route_did_not_expect_is_a_fragment_with_its_reason_and_headers(tmp_path: Path) -> None:
    app = workspace(tmp_path, {"/api/waiting-list": refuse(403, FORBIDDEN), "/api/cases/C-1": refuse(403, {}),
                               "/api/cases/C-2/notifications": refuse(409, {"errors": []})})
    async with signed_in(app, "scheduler", unit="hc-teg") as c:
        waiting = await c.get("/unit/waiting", params={"unit_id": "hc-mariehem"}, headers={"HX-Request": "true"})
        decision = await c.get("/cases/C-1/decision", headers={"HX-Request": "true"})
        page = await c.get("/unit/waiting", params={"unit_id": "hc-mariehem"})
    assert_headed_refusal(waiting, 403, "Bara din egen enhet.")
    assert_headed_refusal(decision, 403, "Din roll får inte se detta.")
    assert_headed_refusal(page, 403, "Bara din egen enhet.")
    assert "<html" in page.text and "<html" not in waiting.text


async def test_a_refusal_with_an_empty_error_list_still_says_something(tmp_path: Path) -> None:
    app = workspace(tmp_path, {"/api/work-queue": refuse(409, {"errors": []})})
    async with signed_in(app, "clinician") as c:
        r = await c.get("/queue/cases", headers={"HX-Request": "true"})
    assert "fel 409" in r.text and 'role="alert"' in r.text


async def test_an_unexpected_failure_is_a_500_page_with_the_security_headers(tmp_path: Path) -> None:
    app = workspace(tmp_path, {"/api/work-queue": refuse(200, {"not": "a queue"})})
    async with signed_in(app, "clinician") as c:
        c._transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # as a browser sees it
        r = await c.get("/queue/cases")
    assert_headed_refusal(r, 500, "Något gick fel hos oss")


async def test_a_document_is_a_download_that_cannot_run_in_the_workspaces_origin(tmp_path: Path) -> None:
    sha = "ab" * 32
    pdf = b"%PDF-1.7\n1 0 obj<</OpenAction 2 0 R>>endobj"
    app = workspace(tmp_path, {f"/api/documents/{sha}": lambda _: httpx.Response(
        200, content=pdf, headers={"content-type": "application/pdf"})})
    async with signed_in(app, "clinician") as c:
        r = await c.get(f"/documents/{sha}")
        bad = await c.get('/documents/x"; filename=evil.html')
    assert r.status_code == 200 and r.content == pdf
    assert r.headers["content-disposition"] == f'attachment; filename="remiss-{sha[:12]}.pdf"'
    assert r.headers["content-security-policy"].startswith("sandbox;")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert bad.status_code == 404 and "content-disposition" not in bad.headers



async def test_the_alerted_panel_passes_on_notifications_refusal_instead_of_showing_no_alerts(
        tmp_path: Path) -> None:
    wrong_unit = {"errors": [{"field": "form", "code": "403", "sv": "Bara för sin egen enhet, inte hc-teg.",
                              "en": "Own unit only, not hc-teg."}]}
    app = workspace(tmp_path, {"/api/cases/C-3/notifications": refuse(403, wrong_unit)})
    async with signed_in(app, "scheduler", unit="hc-mariehem") as c:
        alerted = await c.get("/cases/C-3/alerted", headers={"HX-Request": "true"})
        family = await c.get("/cases/C-3/family", headers={"HX-Request": "true"})
    assert_headed_refusal(alerted, 403, "Bara för sin egen enhet")
    assert_headed_refusal(family, 403, "Bara för sin egen enhet")
