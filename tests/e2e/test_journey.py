"""The whole journey over the real broker, the five services as separate processes.

A guardian's call becomes a case, advice is recorded, an interview completes, BUP is decided, a slot is
booked, the family is notified once, the KPI figures and the traces show it; and nothing identifying is
on the bus, in keys, headers, logs or spans.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from kontakt.client import Journey, Staff, personnummer
from services.chassis.tracing import case_trace_id
from tests.e2e.conftest import RunningSystem
from tests.e2e.scan import scan

pytestmark = pytest.mark.broker


def eventually(fn, timeout: float = 40.0, interval: float = 0.3):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except AssertionError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"not reached in {timeout}s: {last!r}")


@pytest.fixture(scope="module")
def journey(running_system: RunningSystem) -> Journey:
    urls = {name: running_system.url(name) for name in running_system.system.ports}
    return Journey(Staff(urls, running_system.issuer))


def audit_actions(rs: RunningSystem, service: str, case_id: str) -> list[str]:
    engine = create_engine(f"sqlite:///{rs.data_dir / f'{service}.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action FROM audit_log WHERE case_id = :c"), {"c": case_id}).all()
    engine.dispose()
    return [r[0] for r in rows]


def spans(rs: RunningSystem) -> list[dict[str, Any]]:
    return [json.loads(line) for f in rs.span_logs for line in f.read_text().splitlines() if line.strip()]


def test_guardian_call_to_booked_bup_visit(running_system: RunningSystem, journey: Journey) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    pnr = personnummer(date(now.year - 11, 3, 14), rng, female=True)
    contact = {"name": "Anna Testsson", "phone": "+46701234567", "email": "anna.testsson@example.se",
               "address": "Storgatan 1, 921 31 Lycksele", "preferred_channel": "sms", "language": "sv"}
    call_id = f"call-e2e-{rng.randint(0, 10**9)}"
    journey.call(call_id, [("CallOffered", now - timedelta(minutes=6)), ("CallQueued", now - timedelta(minutes=6)),
                           ("CallAnswered", now - timedelta(minutes=2))])
    opened = journey.case_from_call(call_id, {"identity_number": pnr, "municipality": "Lycksele"}, contact,
                                    reasons=["low_mood"])
    case_id = opened["case_id"]
    assert opened["status"] == "opened"
    journey.advice(case_id, ["low_mood"])
    journey.wait_for_triage_case(case_id)
    result = journey.interview(case_id, "bup")
    assert result["result"]
    journey.add_slot("bup-lycksele", now + timedelta(days=6), profession="psychologist")
    decision = journey.decide(case_id)
    assert decision["level"] == "bup"
    booked = journey.book_first_offer(case_id)
    assert booked is not None and booked["unit_id"] == "bup-lycksele" and booked["wait_days"] == 6

    # the family hears of it once, by its preferred channel
    def family_sms() -> list[dict[str, Any]]:
        return [m for m in running_system.sent("sms") if m.get("to") == contact["phone"]]
    eventually(family_sms)
    time.sleep(2.0)  # a redelivery or a second sender would show up here
    assert len(family_sms()) == 1
    assert "BUP Lycksele" in family_sms()[0]["text"]

    # KPI: the case's first assessment is counted within 3 days
    kpi = running_system.client("kpi", "kpi_analyst")
    figures = eventually(lambda: (r := kpi.get("/api/kpi/figures")).status_code == 200 and r.json())
    assert figures

    # one trace for the case links every hop, in every service that handled it
    case_trace = f"{case_trace_id(case_id):032x}"
    hops = eventually(lambda: (x := [sp for sp in spans(running_system) if sp["trace_id"] == case_trace])
                      and {"en-vag-in.intake", "en-vag-in.triage", "en-vag-in.kpi", "en-vag-in.notifications"}
                      <= {sp["service"] for sp in x}
                      and x)
    names = {sp["name"] for sp in hops}
    assert "fastapi.endpoint" in names  # staff requests on the case (advice, interview, decision) join it
    assert {"intake.cases.v1 publish", "intake.cases.v1 process", "triage.assessments.v1 process"} <= names
    print(f"\n[trace] case {case_id}: {len(hops)} spans in one trace across {sorted({sp['service'] for sp in hops})}")
    # ops read it with `kontakt trace CASE_ID`: a tree with timings across the services, and where time went
    shown = subprocess.run([sys.executable, "-m", "kontakt.cli", "trace", case_id, "--data-dir",
                            str(running_system.data_dir)], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    print(shown.stdout)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"Case {case_id}: trace {case_trace}")
    for service in ("intake", "triage", "booking", "notifications", "kpi"):
        assert any(f"[{service}]" in line and " ms" in line for line in lines[1:]), service
    assert any(line.startswith(("├─ ", "└─ ")) for line in lines) and any("│  " in line or "   └─" in line
                                                                          for line in lines)
    assert any(line.startswith("Most time between hops: ") for line in lines)

    # logs: one format, JSON lines, in every service's log file
    for log in sorted(running_system.log_dir.glob("*.log")):
        for n, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            assert line.startswith("{") and json.loads(line)["msg"] is not None, f"{log.name}:{n}: {line[:120]}"

    # privacy: nothing identifying anywhere
    files = [*running_system.span_logs, running_system.data_dir / "app.log",
             *sorted(running_system.log_dir.glob("*.log"))]
    digits = pnr.replace("-", "")
    n, found = scan(running_system.system.bootstrap or "", files,
                    [pnr, digits, digits[2:], contact["name"], contact["phone"], "0701234567", contact["email"],
                     contact["address"], "Storgatan"])
    print(f"\n[privacy-scan] scanned {n} messages and log/span lines; findings: {len(found)}")
    assert n > 50
    assert not found, found[:10]

    # audit: every read of the child's data in the journey left a record, apart from the logs
    assert running_system.client("intake", "clinician").get(f"/api/cases/{case_id}").status_code == 200
    assert journey.appointments(case_id)
    expected = {"intake": {"read-case"}, "triage": {"start-interview", "complete-interview", "decide-care-level"},
                "booking": {"read-offers", "hold", "book", "read-appointments"}}
    for service, actions in expected.items():
        recorded = set(audit_actions(running_system, service, case_id))
        assert actions <= recorded, (service, actions - recorded)
    assert "Anna" not in (running_system.data_dir / "app.log").read_text()

    # the KC head's log review: `kontakt audit CHILD_REF` asks all five services for this child
    from kontakt.audit_cli import collect_audit

    ref = running_system.client("intake", "clinician").get(f"/api/cases/{case_id}").json()["patient_ref"]
    urls = {name: running_system.url(name) for name in running_system.system.ports}
    cases, rows = collect_audit(urls, running_system.issuer.token("kc_head"), ref)
    assert case_id in cases
    seen = {(r["service"], r["action"]) for r in rows}
    assert {("intake", "read-case"), ("booking", "book"), ("booking", "read-appointments"),
            ("triage", "decide-care-level")} <= seen, seen
    assert all(r["case_id"] in (case_id, None) or r["patient_ref"] == ref for r in rows)
    print(f"\n[audit-per-child] {len(rows)} records about the child across {len({r['service'] for r in rows})} services")


def deviation_tags(rs: RunningSystem, case_id: str) -> list[dict[str, Any]]:
    import asyncio

    from contracts.kpi import DEVIATIONS_TOPIC
    from kontakt.broker import read_all

    out = []
    for rec in asyncio.run(read_all(rs.system.bootstrap or "", DEVIATIONS_TOPIC)):
        data = json.loads(rec.value)  # type: ignore[attr-defined]
        if data.get("case_id") == case_id and data["event_type"] == "DeviationTagged":
            out.append(data["payload"])
    return out


def test_paper_referral_written_five_days_before_arrival_is_tagged_with_its_clock_start(
        running_system: RunningSystem, journey: Journey) -> None:
    rng = random.Random(11)
    today = datetime.now(UTC).date()
    pnr = personnummer(date(today.year - 9, 5, 2), rng, female=False)
    opened = journey.paper_referral({"identity_number": pnr, "municipality": "Skellefteå"},
                                    {"phone": "+46705550101", "preferred_channel": "sms"},
                                    written=today - timedelta(days=5), arrived=today)
    assert opened["clock_start"].startswith((today - timedelta(days=5)).isoformat())  # the date written
    paper = eventually(lambda: [t for t in deviation_tags(running_system, opened["case_id"])
                                if t["rule_id"] == "paper_arrival_over_3_days"])
    assert paper[0]["evidence"]["date_written"] == (today - timedelta(days=5)).isoformat()
    assert paper[0]["evidence"]["date_arrived"] == today.isoformat()


def test_acute_risk_answer_reaches_the_clinician_on_duty_within_the_interview(
        running_system: RunningSystem, journey: Journey) -> None:
    rng = random.Random(13)
    now = datetime.now(UTC)
    pnr = personnummer(date(now.year - 15, 9, 9), rng, female=True)
    opened = journey.edi_referral({"identity_number": pnr, "municipality": "Umeå"}, None, now.date())
    case_id = opened["case_id"]
    journey.wait_for_triage_case(case_id)
    before = {kind: len(running_system.sent(kind)) for kind in ("sms", "mail")}
    alerted_during_interview: list[bool] = []

    def risk_saved() -> None:
        # the interview is still open: the alert must already be on its way to the clinician on duty
        def alerted() -> bool:
            return any(len(running_system.sent(kind)) > before[kind] for kind in ("sms", "mail"))
        alerted_during_interview.append(bool(eventually(alerted, timeout=30)))

    journey.interview(case_id, "bup", acute_risk=True, on_risk_saved=risk_saved)
    assert alerted_during_interview == [True]
    new = running_system.sent("sms")[before["sms"]:] + running_system.sent("mail")[before["mail"]:]
    text = json.dumps(new, ensure_ascii=False)
    assert case_id in text  # the clinician is told which case, not who the child is
    assert pnr not in text and pnr.replace("-", "") not in text
    decision = journey.decide(case_id)
    assert decision["level"] == "urgent"


def test_unit_without_times_alerts_its_head_and_the_waiting_list_books_when_a_time_opens(
        running_system: RunningSystem, journey: Journey) -> None:
    rng = random.Random(17)
    now = datetime.now(UTC)
    pnr = personnummer(date(now.year - 8, 1, 20), rng, female=False)
    opened = journey.edi_referral({"identity_number": pnr, "municipality": "Sorsele"},
                                  {"phone": "+46705550177", "preferred_channel": "sms"}, now.date())
    case_id = opened["case_id"]
    journey.advice(case_id)
    journey.wait_for_triage_case(case_id)
    journey.interview(case_id, "primary_care")
    before = len(running_system.sent("mail")) + len(running_system.sent("sms"))
    assert journey.decide(case_id)["level"] == "primary_care"
    booking = running_system.client("booking", "kc_head")
    waiting = eventually(lambda: [w for w in booking.get("/api/waiting-list", params={"unit_id": "hc-sorsele"}).json()
                                  if w["case_id"] == case_id])
    assert waiting[0]["level"] == "primary_care"

    # the unit head (and the contact centre's head) are alerted with the evidence
    def staff_alerts() -> list[dict[str, Any]]:
        sent = running_system.sent("mail") + running_system.sent("sms")
        return [m for m in sent[before:] if case_id in json.dumps(m, ensure_ascii=False)]
    assert eventually(staff_alerts)

    # a time opens at Sorsele: the waiting child is booked without anyone asking
    journey.add_slot("hc-sorsele", now + timedelta(days=3), profession="counsellor")
    appts = eventually(lambda: journey.appointments(case_id))
    assert appts[0]["unit_id"] == "hc-sorsele" and appts[0]["status"] == "booked"
    assert not [w for w in booking.get("/api/waiting-list").json() if w["case_id"] == case_id]
