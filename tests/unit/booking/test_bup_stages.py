"""BUP units report investigation and treatment: decided, excluded, started — each a contract event."""
from contracts.registry import parse_event


def test_a_bup_unit_reports_a_stage_decided_excluded_and_started_as_contract_events(booking):  # type: ignore[no-untyped-def]
    booking.case("C-BUPSTAGE0001", level="bup")
    base = "/api/bup/cases/C-BUPSTAGE0001/stages/investigation"
    r = booking.call("POST", f"{base}/decided", "clinician",
                     json={"unit_id": "bup-umea", "decided_at": "2026-03-02T10:00:00+01:00"})
    assert r.status_code == 201, r.text
    assert booking.call("POST", f"{base}/excluded", "clinician", json={
        "unit_id": "bup-umea", "code": "pvv", "at": "2026-03-10T10:00:00+01:00"}).status_code == 201
    assert booking.call("POST", f"{base}/started", "unit_head", unit="bup-umea", json={
        "unit_id": "bup-umea", "started_at": "2026-04-20T09:00:00+02:00"}).status_code == 201
    kinds = [e for e, _ in booking.outbox()]
    assert kinds == ["BupStageDecided", "BupStageWaitExcluded", "BupStageStarted"]
    started = parse_event(booking.events("BupStageStarted")[0])
    assert (started.case_id, started.payload.stage, str(started.payload.started_at.date())) == \
        ("C-BUPSTAGE0001", "investigation", "2026-04-20")
    assert booking.events("BupStageWaitExcluded")[0]["payload"]["code"] == "pvv"


def test_stage_reports_are_refused_for_cases_not_at_bup_and_bad_input_names_the_field(booking):  # type: ignore[no-untyped-def]
    booking.case("C-FIRSTLINE001", level="primary_care")
    r = booking.call("POST", "/api/bup/cases/C-FIRSTLINE001/stages/treatment/decided", "clinician",
                     json={"unit_id": "bup-umea", "decided_at": "2026-03-02T10:00:00+01:00"})
    assert r.status_code == 409 and "not_bup" in r.text
    booking.case("C-BUPSTAGE0002", level="bup")
    r = booking.call("POST", "/api/bup/cases/C-BUPSTAGE0002/stages/surgery/decided", "clinician",
                     json={"unit_id": "bup-umea", "decided_at": "2026-03-02T10:00:00+01:00"})
    assert r.status_code == 422 and "stage" in r.text
    r = booking.call("POST", "/api/bup/cases/C-BUPSTAGE0002/stages/treatment/started", "clinician",
                     json={"unit_id": "bup-umea", "started_at": "2026-03-01T10:00:00+01:00",
                           "decided_at": "2026-03-05T10:00:00+01:00"})
    assert r.status_code == 422 and "decided_at" in r.text
    r = booking.call("POST", "/api/bup/cases/C-BUPSTAGE0002/stages/treatment/excluded", "clinician",
                     json={"unit_id": "bup-umea", "code": "later", "at": "2026-03-05T10:00:00+01:00"})
    assert r.status_code == 422 and "code" in r.text
    r = booking.call("POST", "/api/bup/cases/C-BUPSTAGE0002/stages/treatment/decided", "call_handler",
                     json={"unit_id": "bup-umea", "decided_at": "2026-03-02T10:00:00+01:00"})
    assert r.status_code == 403
    assert booking.outbox() == []
