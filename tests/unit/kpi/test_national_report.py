"""The national monthly report against a small month computed by hand (March 2023)."""
from contracts import booking
from services.kpi.domain.national import COLUMNS, national_report
from tests.unit.kpi.builders import CaseBuilder, at, call, wire
from tests.unit.kpi.helpers import dataset


def stage(c: CaseBuilder, kind: str, stage_name: str, when, **kw):  # type: ignore[no-untyped-def]
    cls, payload = {"decided": (booking.BupStageDecided, booking.BupStageDecidedPayload),
                    "excluded": (booking.BupStageWaitExcluded, booking.BupStageWaitExcludedPayload),
                    "started": (booking.BupStageStarted, booking.BupStageStartedPayload)}[kind]
    field = {"decided": "decided_at", "excluded": "at", "started": "started_at"}[kind]
    ev = cls.new(case_id=c.case_id, occurred_at=when, payload=payload(stage=stage_name, unit_id="bup-umea",
                                                                      **{field: when}, **kw))
    c.events.append(wire(ev))


def march() -> list[dict]:
    a, b, c, d, e, f = (CaseBuilder() for _ in range(6))
    # A, girl 14: contact 27 Feb, assessed 2 Mar (day 3); BUP decided 2 Mar, first visit 20 Mar (day 18);
    # investigation decided 20 Mar, started 25 Apr -> waiting at March's end, 11 days
    a.referral(at("2023-02-27"), sex="female", age=14); a.advice(at("2023-03-02"))
    a.decided(at("2023-03-02", 11), "bup"); a.booked("A-a", at("2023-03-02", 11), at("2023-03-20"), level="bup", unit="bup-umea")
    stage(a, "decided", "investigation", at("2023-03-20", 12))
    stage(a, "started", "investigation", at("2023-04-25"), decided_at=None)
    # B, boy 9: contact 28 Mar, not yet assessed on 31 Mar (day 3): waiting within
    b.referral(at("2023-03-28"), sex="male", age=9)
    # C, boy 9: contact 1 Mar, assessed 6 Mar (day 5): completed over
    c.referral(at("2023-03-01"), sex="male", age=9); c.advice(at("2023-03-06"))
    # D, girl 15: BUP decided 10 Jan, first visit 15 Mar (day 64): completed over; treatment decided 20 Jan,
    # medically caused wait recorded 15 Feb, started 10 Mar: completed, MoV
    d.referral(at("2023-01-09"), sex="female", age=15); d.advice(at("2023-01-10"))
    d.decided(at("2023-01-10", 11), "bup"); d.booked("A-d", at("2023-01-10", 11), at("2023-03-15"), level="bup", unit="bup-umea")
    stage(d, "decided", "treatment", at("2023-01-20")); stage(d, "excluded", "treatment", at("2023-02-15"), code="mov")
    stage(d, "started", "treatment", at("2023-03-10"), decided_at=None)
    # E, girl 16: all in December; investigation decided 5 Jan, never started: waiting over (85 days)
    e.referral(at("2022-12-01"), sex="female", age=16); e.advice(at("2022-12-01", 11))
    e.decided(at("2022-12-01", 12), "bup"); e.booked("A-e", at("2022-12-01", 12), at("2022-12-20"), level="bup", unit="bup-umea")
    stage(e, "decided", "investigation", at("2023-01-05"))
    # F, girl 14: BUP decided 20 Feb; on 1 Mar the family chose 10 Apr over an earlier time: waiting, PvV
    f.referral(at("2023-02-15"), sex="female", age=14); f.advice(at("2023-02-16"))
    f.decided(at("2023-02-20"), "bup")
    f.booked("A-f", at("2023-02-20"), at("2023-04-10"), level="bup", unit="bup-umea", chosen=True, booked=at("2023-03-01"))
    calls = (call("k1", [("CallOffered", at("2023-03-06", 9)), ("CallAnswered", at("2023-03-06", 9, 4))])
             + call("k2", [("CallOffered", at("2023-03-06", 9)), ("QueueFull", at("2023-03-06", 9))])
             + call("k3", [("CallOffered", at("2023-03-31", 16)), ("CallbackMade", at("2023-04-03", 9))]))
    return [ev for x in (a, b, c, d, e, f) for ev in x.events] + calls


def total(rows, phase):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r["phase"] == phase and r["sex"] == "all")


def test_national_report_for_a_hand_computed_month():
    rows = national_report(dataset(march()), "2023-03")
    assert set(rows[0]) == set(COLUMNS)
    keys = ["completed", "completed_within_limit", "completed_over_limit", "completed_pvv", "completed_mov",
            "waiting", "waiting_within_limit", "waiting_over_limit", "waiting_pvv", "waiting_mov"]
    got = {p: tuple(total(rows, p)[k] for k in keys) for p in
           ("medical_assessment_3d", "bup_first_assessment", "bup_investigation", "bup_treatment")}
    assert got == {
        "medical_assessment_3d": (2, 1, 1, 0, 0, 1, 1, 0, 0, 0),
        "bup_first_assessment": (2, 1, 1, 0, 0, 1, 0, 0, 1, 0),
        "bup_investigation": (0, 0, 0, 0, 0, 2, 1, 1, 0, 0),
        "bup_treatment": (1, 0, 0, 0, 1, 0, 0, 0, 0, 0),
    }
    phone = total(rows, "phone_answered_day0")
    assert (phone["calls_offered"], phone["calls_answered_day0"], phone["calls_queue_full"]) == (2, 1, 1)
    boys = next(r for r in rows if r["phase"] == "medical_assessment_3d" and r["sex"] == "male")
    assert (boys["age_band"], boys["completed_over_limit"], boys["waiting_within_limit"]) == ("6-12", 1, 1)
    girls = next(r for r in rows if r["phase"] == "bup_investigation" and r["sex"] == "female"
                 and r["age_band"] == "13-17")
    assert (girls["waiting_within_limit"], girls["waiting_over_limit"]) == (1, 1)


def test_a_closed_case_is_no_longer_waiting_and_an_exclusion_counts_only_from_its_day():
    c = CaseBuilder()
    c.referral(at("2023-01-02"), sex="female", age=12); c.advice(at("2023-01-02", 11))
    c.decided(at("2023-01-02", 12), "bup"); c.booked("A-1", at("2023-01-02", 12), at("2023-01-20"), level="bup")
    stage(c, "decided", "treatment", at("2023-01-25"))
    stage(c, "excluded", "treatment", at("2023-03-05"), code="pvv")
    feb = total(national_report(dataset(c.events), "2023-02"), "bup_treatment")
    mar = total(national_report(dataset(c.events), "2023-03"), "bup_treatment")
    # 25 Jan .. 28 Feb is 34 days: over the limit, and the PvV is not yet recorded
    assert (feb["waiting"], feb["waiting_over_limit"], feb["waiting_pvv"]) == (1, 1, 0)
    assert (mar["waiting"], mar["waiting_pvv"], mar["waiting_over_limit"]) == (1, 1, 0)
    c.closed(at("2023-04-02"))
    apr = total(national_report(dataset(c.events), "2023-04"), "bup_treatment")
    assert apr["waiting"] == 0
