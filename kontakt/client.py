"""A small client of the public HTTP APIs: the steps of a child's journey, as staff apps take them.

Used by `kontakt demo` and the end-to-end tests, so both exercise exactly what staff apps call.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from kontakt.staff import Staff, ok, ok_list, ok_object, personnummer

# answers that lead the responsibility guide to each level (demo instrument; see services/triage/data)
PROFILES: dict[str, dict[str, int]] = {
    "bup": {**{f"{s}_{i}": 2 for s in ("att", "opp", "con", "sep", "anx", "mood") for i in range(1, 5)},
            **{f"{s}_{i}": 2 for s in ("soc", "sch") for i in range(1, 4)}},
    "primary_care": {f"anx_{i}": 2 for i in range(1, 5)},
    "parenting_group": {f"opp_{i}": 2 for i in range(1, 5)},
    "signposting": {**{f"fam_{i}": 2 for i in range(1, 5)}, "imp_1": 2, "imp_2": 2},
}
ACUTE_RISK = {"risk_self_harm": 3, "risk_suicidal": 3}
__all__ = ["ACUTE_RISK", "PROFILES", "Journey", "Staff", "ok", "ok_list", "ok_object", "personnummer"]


class Journey:
    """The steps of one contact through intake, triage and booking."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self._instruments: dict[str, Any] = {}  # reference data: asked once per form

    # -- intake ---------------------------------------------------------------------------------
    def call(self, call_id: str, steps: list[tuple[str, datetime]], line: str = "public_1177") -> None:
        platform = self.staff.client("intake", "ops")
        for step, at in steps:
            ok(platform.post("/api/telephony/events", json={"call_id": call_id, "line": line, "step": step,
                                                            "at": at.isoformat()}))

    def case_from_call(self, call_id: str, child: dict[str, Any], contact: dict[str, Any] | None,
                       source: str = "guardian", reasons: list[str] | None = None) -> dict[str, Any]:
        return ok_object(self.staff.client("intake", "call_handler").post("/api/cases/from-call", json={
            "call_id": call_id, "source": source, "child": child, "contact": contact,
            "reason_codes": reasons or []}, headers={"Idempotency-Key": f"call-{call_id}"}))

    def edi_referral(self, child: dict[str, Any], contact: dict[str, Any] | None, authored_on: date,
                     external_ref: str | None = None, reasons: list[str] | None = None) -> dict[str, Any]:
        ref = external_ref or f"sr-{uuid.uuid4().hex[:10]}"
        return ok_object(self.staff.client("intake", "ops").post("/api/referrals", json={
            "channel": "edi", "source": "healthcare", "child": child, "contact": contact,
            "authored_on": authored_on.isoformat(), "external_ref": ref, "reason_codes": reasons or []}))

    def paper_referral(self, child: dict[str, Any], contact: dict[str, Any] | None, written: date, arrived: date,
                       source: str = "school_student_health", scan: bytes | None = None) -> dict[str, Any]:
        import json

        from kontakt.scans import demo_scan  # pypdf is slow to import; only a paper referral needs it

        scan = scan or demo_scan()
        referral = {"source": source, "child": child, "contact": contact, "date_written": written.isoformat(),
                    "date_arrived": arrived.isoformat(), "reason_codes": ["school_absence"]}
        return ok_object(self.staff.client("intake", "call_handler").post(
            "/api/referrals/paper", files={"scan": ("scan.pdf", scan, "application/pdf")},
            data={"referral": json.dumps(referral)}))

    def schools(self) -> list[dict[str, Any]]:
        schools: list[dict[str, Any]] = ok_object(self.staff.client("intake", "ops").get("/api/schools"))["schools"]
        return schools

    def school_referral(self, child: dict[str, Any], school: str, consent_on: date,
                        problem_areas: list[str] | None = None, key: str | None = None) -> dict[str, Any]:
        """A school's student health sends the digital form; answers the receipt and the contact centre's case."""
        import json

        form = {"child": child, "problem_areas": problem_areas or ["school_absence"],
                "question": "Eleven är mycket borta från skolan och säger att hon mår dåligt.",
                "tried_steps": ["student_health_talks", "adapted_teaching"], "tried_text": "",
                "consent": {"given": True, "by": "both_guardians", "how": "in_person", "on": consent_on.isoformat()},
                "sender": {"name": "Demo Skolsköterska", "title": "school_nurse", "phone": "090-12 34 56"}}
        receipt = ok(self.staff.school_client(school).post(
            "/api/referrals/school", data={"referral": json.dumps(form)},
            headers={"Idempotency-Key": key or uuid.uuid4().hex}))
        found = ok(self.staff.client("intake", "clinician").get(f"/api/school-referrals/{receipt['referral_id']}"))
        return {**receipt, "case_id": found["case_id"]}

    def advice(self, case_id: str, topics: list[str] | None = None) -> Any:
        return ok(self.staff.client("intake", "clinician").post(f"/api/cases/{case_id}/advice",
                                                                 json={"topic_codes": topics or ["sleep"]}))

    def signpost(self, case_id: str, destination: str = "social_services") -> Any:
        return ok(self.staff.client("intake", "clinician").post(f"/api/cases/{case_id}/signposting",
                                                                 json={"destination": destination}))

    def schedule_interview(self, case_id: str, at: datetime) -> Any:
        return ok(self.staff.client("intake", "call_handler").post(f"/api/cases/{case_id}/interview",
                                                                    json={"scheduled_for": at.isoformat()}))

    # -- triage ---------------------------------------------------------------------------------
    def wait_for_triage_case(self, case_id: str, timeout: float = 30.0) -> None:
        import time

        triage = self.staff.client("triage", "clinician")
        deadline = time.monotonic() + timeout
        while True:  # asked at least once, also with timeout 0
            if any(c["case_id"] == case_id for c in ok(triage.get("/api/cases/waiting"))):
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{case_id} never reached triage")
            time.sleep(0.2)

    def instrument(self, form: str) -> Any:
        if form not in self._instruments:
            self._instruments[form] = ok(self.staff.client("triage", "clinician").get(f"/api/instruments/{form}"))
        return self._instruments[form]

    def interview(self, case_id: str, profile: str, acute_risk: bool = False,
                  on_risk_saved: Any = None, part: int = 40) -> dict[str, Any]:
        """Start, answer every item of every form (risk first if any) `part` answers at a time, as a clinician
        saves them during the call, and complete. Returns the result."""
        triage = self.staff.client("triage", "clinician")
        iv = ok(triage.post(f"/api/cases/{case_id}/interview"))
        wanted = dict(PROFILES[profile])
        if acute_risk:
            ok(triage.put(f"/api/interviews/{iv['interview_id']}/answers", json={"answers": [
                {"form": iv["instrument_id"], "item": item, "value": v} for item, v in ACUTE_RISK.items()]}))
            if on_risk_saved:
                on_risk_saved()
            wanted.update(ACUTE_RISK)
        answers = []
        for form in iv["forms"]:
            form = form["id"] if isinstance(form, dict) else form
            for section in self.instrument(form)["sections"]:
                for item in section["items"]:
                    answers.append({"form": form, "item": item["id"], "value": wanted.get(item["id"], 0)})
        for i in range(0, len(answers), part):  # saved as the call goes, in parts
            ok(triage.put(f"/api/interviews/{iv['interview_id']}/answers", json={"answers": answers[i:i + part]}))
        return ok_object(triage.post(f"/api/interviews/{iv['interview_id']}/complete"))

    def decide(self, case_id: str, override: tuple[str, str] | None = None) -> dict[str, Any]:
        triage = self.staff.client("triage", "clinician")
        if override:
            return ok_object(triage.post(f"/api/cases/{case_id}/decision/override",
                                  json={"level": override[0], "reason": override[1]}))
        return ok_object(triage.post(f"/api/cases/{case_id}/decision"))

    def collaboration_options(self) -> dict[str, Any]:
        return ok_object(self.staff.client("triage", "coordinator").get("/api/collaborations", params={"since_days": 1}))

    def collaborate(self, case_id: str, question: str, intervention: str, health_centre_unit: str,
                    bup_unit: str) -> Any:
        return ok(self.staff.client("triage", "coordinator").post(f"/api/cases/{case_id}/collaborations", json={
            "question": question, "intervention": intervention, "health_centre_unit": health_centre_unit,
            "bup_unit": bup_unit}))

    # -- booking --------------------------------------------------------------------------------
    def add_slot(self, unit_id: str, starts_at: datetime, profession: str = "psychologist",
                 visit_type: str = "new_visit", digital: bool = False, duration_min: int = 45) -> Any:
        # a scheduler acts for one unit: the token carries it
        return ok(self.staff.client("booking", "scheduler", unit=unit_id).post(f"/api/units/{unit_id}/slots", json={
            "starts_at": starts_at.isoformat(), "duration_min": duration_min, "profession": profession,
            "visit_type": visit_type, "digital": digital}))

    def import_slots(self, unit_id: str, rows: list[dict[str, Any]]) -> Any:
        """Many times at once, as a scheduler imports a month's calendar (CSV; all or nothing)."""
        lines = ["starts_at,duration_min,profession,visit_type,digital"]
        lines += [f"{r['starts_at'].isoformat()},{r.get('duration_min', 45)},{r['profession']},"
                  f"{r.get('visit_type', 'new_visit')},{str(r.get('digital', False)).lower()}" for r in rows]
        return ok(self.staff.client("booking", "scheduler", unit=unit_id).post(  # the unit's own scheduler
            f"/api/units/{unit_id}/slots/import",
            files={"calendar": ("month.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}))

    def runway_night(self) -> list[str]:
        """Booking's nightly runway forecast, run now (ops): the units whose shortage was told."""
        told: list[str] = ok_object(self.staff.client("booking", "ops").post("/api/runway/forecast"))["told"]
        return told

    def demand_forecast(self) -> bool:
        """The KPI service's nightly demand forecast for booking's runway, published now (ops): whether it was."""
        published: bool = ok_object(self.staff.client("kpi", "ops").post("/api/kpi/forecast/demand"))["published"]
        return published

    def bup_stage(self, case_id: str, stage: str, what: str, unit_id: str, at: datetime, **extra: Any) -> Any:
        """A BUP unit reports an investigation or treatment: `what` is decided, excluded or started."""
        field = {"decided": "decided_at", "excluded": "at", "started": "started_at"}[what]
        return ok(self.staff.client("booking", "clinician").post(
            f"/api/bup/cases/{case_id}/stages/{stage}/{what}", json={"unit_id": unit_id, field: at.isoformat(), **extra}))

    def units(self) -> list[dict[str, Any]]:
        """The units the contact centre books into (county-wide reference data: no unit of one's own needed)."""
        return ok_list(self.staff.client("booking", "call_handler").get("/api/units"))

    def offers(self, case_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """The offers for a decided case; waits while booking has not yet heard of the decision."""
        import time

        booking = self.staff.client("booking", "call_handler")
        deadline = time.monotonic() + timeout
        while True:
            r = booking.get(f"/api/cases/{case_id}/offers", params={"limit": 5})
            if r.status_code == 409 and "no_decision" in r.text and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            return ok_object(r)

    def book_first_offer(self, case_id: str, patient_chosen_wait: bool = False,
                         timeout: float = 30.0) -> dict[str, Any] | None:
        offers = self.offers(case_id, timeout)
        if not offers["offers"]:
            return None
        booking = self.staff.client("booking", "call_handler")
        hold = ok(booking.post("/api/holds", json={"case_id": case_id, "slot_id": offers["offers"][0]["slot_id"]}))
        return ok_object(booking.post(f"/api/holds/{hold['hold_token']}/confirm",
                               json={"patient_chosen_wait": patient_chosen_wait}))

    def cancel(self, appointment_id: str, by: str = "family", reason: str = "family_request") -> Any:
        return ok(self.staff.client("booking", "call_handler").post(
            f"/api/appointments/{appointment_id}/cancel", json={"by": by, "reason": reason}))

    def mark(self, appointment_id: str, outcome: str, unit_id: str) -> Any:
        """outcome: attended or no-show, recorded by the unit's scheduler."""
        return ok(self.staff.client("booking", "scheduler", unit=unit_id).post(
            f"/api/appointments/{appointment_id}/{outcome}"))

    def appointments(self, case_id: str) -> list[dict[str, Any]]:
        return ok_list(self.staff.client("booking", "call_handler").get(f"/api/cases/{case_id}/appointments"))

    def add_group(self, unit_id: str, course_kind: str, starts_on: date, seats: int = 12,
                  digital: bool = True) -> Any:
        return ok(self.staff.client("booking", "scheduler", unit=unit_id).post("/api/groups", json={
            "course_kind": course_kind, "unit_id": unit_id, "starts_on": starts_on.isoformat(), "seats": seats,
            "digital": digital}))

    def groups(self) -> list[dict[str, Any]]:
        return ok_list(self.staff.client("booking", "call_handler").get("/api/groups"))

    def book_group_seat(self, group_id: str, case_id: str, parents: int = 2,
                        booked_from: str = "contact_centre") -> Any:
        return ok(self.staff.client("booking", "call_handler").post(f"/api/groups/{group_id}/seats", json={
            "case_id": case_id, "parents": parents, "booked_from": booked_from}))

    def evaluate_group(self, group_id: str, case_id: str, answers: dict[str, str]) -> Any:
        return ok(self.staff.client("booking", "clinician").post(
            f"/api/groups/{group_id}/seats/{case_id}/evaluation", json=answers))

