"""'Kontakta oss' on the workspace: public pages in Swedish (English on request), a clearly marked stand-in
sign-in, acute answers met at once, a receipt with the call-back window; the sender's identity stays on the
server; staff see what was written on the case."""
from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from services.chassis.issuer import LocalIssuer
from services.workspace.app import build
from services.workspace.settings import WorkspaceSettings
from tests.unit.intake.conftest import Intake
from tests.unit.intake.helpers import pnr
from tests.unit.workspace.browserlike import browser_like
from tests.unit.workspace.live import workspace

GUARDIAN = pnr(date(1984, 2, 3), serial=452)
CHILD = pnr(date(2013, 5, 5))
FORM = {"child_pnr": CHILD, "municipality": "Umeå", "problem_areas": ["sleep", "anxiety"],
        "worry": "Han sover inte och är rädd för att gå till skolan.", "urgency": "days",
        "phone": "070-174 06 51", "preferred_time": "any", "sms_ok": "yes", "language": "sv",
        "risk_self_harm_now": "no", "risk_suicide_thoughts": "no", "risk_danger_now": "no"}


@pytest.fixture
def intake_clock() -> None:
    return None  # make_intake's fixed clock: a Tuesday, 09:30


def client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return browser_like(app)


async def test_a_guardian_signs_in_sends_and_gets_a_receipt_with_the_call_back_window(tmp_path, intake) -> None:  # type: ignore[no-untyped-def]
    app = workspace(tmp_path, intake)
    async with client(app) as c:
        home = await c.get("/kontakt")
        assert home.status_code == 200 and "Ring 112" in home.text and 'lang="sv"' in home.text
        assert "Contact us" in (await c.get("/kontakt?lang=en")).text
        signin = await c.get("/kontakt/logga-in?som=guardian")
        assert "TESTINLOGGNING" in signin.text
        r = await c.post("/kontakt/logga-in", data={"identity_number": GUARDIAN, "som": "guardian", "lang": "sv"})
        assert r.status_code == 303 and r.headers["location"] == "/kontakt/formular"
        assert "httponly" in r.headers["set-cookie"].lower() and GUARDIAN not in r.headers["set-cookie"]
        page = await c.get("/kontakt/formular")
        assert "Barnets personnummer" in page.text and GUARDIAN not in page.text
        sent = await c.post("/kontakt/formular", data=FORM)
        assert sent.status_code == 303, sent.text
        receipt = (await c.get(sent.headers["location"])).text
        assert re.search(r"KO-[0-9A-F]{10}", receipt) and "Vi ringer dig 2023-03-14 10:00–11:00." in receipt
        assert "akut" not in receipt.lower().split("<main")[1]
    received = [e for e in intake_events(intake) if e.event_type == "ReferralReceived"]
    assert received[0].payload.channel == "self_referral" and received[0].payload.source == "guardian"
    async with client(app) as staff:
        await staff.post("/signin", data={"role": "clinician", "unit": "", "lang": "sv"})
        case = (await staff.get(f"/cases/{received[0].case_id}")).text
        assert 'hx-get="/kontakt/cases/' in case and "Kontakta oss (webb)" in case
        panel = (await staff.get(f"/kontakt/cases/{received[0].case_id}")).text
        assert FORM["worry"] in panel and "+46701740651" in panel and "Inom några dagar" in panel


def intake_events(intake: Intake):  # type: ignore[no-untyped-def]
    from tests.unit.intake.helpers import outbox
    return outbox(intake.rt.db.engine)


async def test_a_risk_answer_is_met_at_once_and_on_the_receipt_with_the_alert_said(tmp_path, intake) -> None:  # type: ignore[no-untyped-def]
    app = workspace(tmp_path, intake)
    async with client(app) as c:
        help_ = await c.get("/kontakt/risk?risk_self_harm_now=yes&risk_danger_now=no")
        assert "Ring 112" in help_.text and 'role="alert"' in help_.text
        assert 'role="alert"' not in (await c.get("/kontakt/risk?risk_self_harm_now=no")).text
        await c.post("/kontakt/logga-in", data={"identity_number": GUARDIAN, "som": "guardian", "lang": "sv"})
        sent = await c.post("/kontakt/formular", data={**FORM, "risk_danger_now": "yes"})
        receipt = (await c.get(sent.headers["location"])).text
        assert "Ring 112" in receipt and "larmat jourhavande" in receipt
    assert intake_events(intake)[0].payload.risk_signals == ["danger_now"]


async def test_a_refused_field_is_named_next_to_it_and_nothing_written_is_lost(tmp_path, intake) -> None:  # type: ignore[no-untyped-def]
    app = workspace(tmp_path, intake)
    async with client(app) as c:
        await c.post("/kontakt/logga-in", data={"identity_number": GUARDIAN, "som": "guardian", "lang": "en"})
        r = await c.post("/kontakt/formular", data={**FORM, "phone": "12", "child_pnr": GUARDIAN})
        assert r.status_code == 422
        assert 'id="err-phone"' in r.text and "Not a valid phone number" in r.text
        assert FORM["worry"] in r.text and 'aria-invalid="true"' in r.text


async def test_without_sign_in_the_form_is_not_reached_and_production_shows_no_stand_in(tmp_path, intake) -> None:  # type: ignore[no-untyped-def]
    async with client(workspace(tmp_path, intake)) as c:
        assert (await c.get("/kontakt/formular")).headers["location"] == "/kontakt"
        assert (await c.post("/kontakt/formular", data=FORM)).headers["location"] == "/kontakt"
    async with client(workspace(tmp_path / "prod", intake, local_signin=False)) as c:
        page = await c.get("/kontakt/logga-in?som=young_person")
        assert "TESTINLOGGNING" not in page.text and "BankID" in page.text
        r = await c.post("/kontakt/logga-in", data={"identity_number": GUARDIAN, "som": "guardian"})
        assert r.status_code == 422


async def test_a_family_signed_in_at_the_e_id_provider_sends_with_the_number_the_id_token_gave(tmp_path, intake) -> None:  # type: ignore[no-untyped-def]
    import jwt

    from services.chassis.auth import Staff
    from services.workspace.sessions import COOKIE as STAFF_COOKIE

    gateway = tmp_path / "gateway.token"  # production: the deployment's client-credentials token
    gateway.write_text(LocalIssuer(tmp_path / "keys").token("ops", subject="S-KONTAKTA-OSS"))
    settings = WorkspaceSettings(data_dir=tmp_path / "prod", oidc_issuer="https://idp.region.example/realms/staff",
                                 family_oidc_issuer="https://e-id.1177.example/oidc",
                                 kontakt_gateway_token_file=gateway)
    app = build(settings)[1]
    app.state.web.backend.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake.app))
    async with client(app) as c:
        page = await c.get("/kontakt/logga-in?som=guardian")
        assert 'href="/familj/signin/start"' in page.text and "TESTINLOGGNING" not in page.text
        id_token = jwt.encode({"sub": "F-1", "personal_identity_number": GUARDIAN}, "k" * 32, algorithm="HS256")
        session = app.state.web.sessions.open("access", Staff("F-1", "guardian", None, False), "sv", id_token=id_token)
        c.cookies.set(STAFF_COOKIE, session.sid)
        assert 'href="/kontakt/formular"' in (await c.get("/familj")).text
        form = await c.get("/kontakt/formular")
        assert form.status_code == 200 and "Du skickar som vårdnadshavare." in form.text and GUARDIAN not in form.text
        sent = await c.post("/kontakt/formular", data=FORM)
        assert sent.status_code == 303, sent.text
        assert "Vi ringer dig" in (await c.get(sent.headers["location"])).text
    received = [e for e in intake_events(intake) if e.event_type == "ReferralReceived"]
    assert received[0].payload.source == "guardian" and received[0].payload.child.age_years == 9
