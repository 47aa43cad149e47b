"""Pure decisions: open, link (earliest clock wins) or signpost; calendar days; call order; municipalities; scans."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refused
from services.intake.domain.calendar import at_risk, days_since, promise_broken, start_of_day
from services.intake.domain.cases import Actor, Contact, OpenCase, PaperDates, take_in
from services.intake.domain.child import Child, resolve_municipality
from services.intake.domain.scans import check_scan
from services.intake.domain.telephony import call_reached, call_started
from services.intake.reference import default_rules
from services.intake.store.documents import DocumentStore

from .helpers import PDF, PNG

RULES = default_rules()
NOW = datetime(2023, 3, 14, 9, 0, tzinfo=STOCKHOLM)
ACTOR = Actor("ops", "S-EDI", False)
REF = "P-" + "A" * 20


def _contact(day: date, hint: str = "none", paper: PaperDates | None = None) -> Contact:
    return Contact(channel="paper" if paper else "edi", source="healthcare", clock_start=start_of_day(day),
                   received_at=NOW, patient_ref=REF, child=Child(10, "male", "Umeå", hint),  # type: ignore[arg-type]
                   sender_date=day, paper=paper)


@given(existing=st.dates(min_value=date(2023, 1, 1), max_value=date(2023, 3, 14)),
       later=st.dates(min_value=date(2023, 1, 1), max_value=date(2023, 3, 14)))
def test_linking_keeps_the_earliest_clock_start(existing: date, later: date) -> None:
    out = take_in(_contact(later), OpenCase("C-AAAAAAAAAAAA", start_of_day(existing)), ACTOR, "C-BBBBBBBBBBBB", NOW,
                  RULES)
    assert out.status == "linked" and out.case_id == "C-AAAAAAAAAAAA"
    assert out.clock_start == start_of_day(min(existing, later))
    assert [e.event_type for e in out.events] == ["CaseLinked"]


def test_new_contact_opens_a_case_with_occurred_at_the_clock_start() -> None:
    out = take_in(_contact(date(2023, 3, 10)), None, ACTOR, "C-BBBBBBBBBBBB", NOW, RULES)
    [ev] = out.events
    assert out.status == "opened" and ev.occurred_at == start_of_day(date(2023, 3, 10)) and ev.recorded_at == NOW


def test_paper_contact_also_reports_its_digitisation_when_linked() -> None:
    paper = PaperDates("a" * 64, date(2023, 3, 1), date(2023, 3, 9))
    out = take_in(_contact(date(2023, 3, 1), paper=paper), OpenCase("C-AAAAAAAAAAAA", NOW), ACTOR, "C-X", NOW, RULES)
    assert [e.event_type for e in out.events] == ["CaseLinked", "PaperReferralDigitised"]
    assert out.events[1].payload.arrival_delay_days == 8


@pytest.mark.parametrize("hint,destination", [("adult_care", "adult_psychiatry"), ("out_of_county", "other_region")])
def test_signposting_hint_opens_closes_and_signposts(hint: str, destination: str) -> None:
    out = take_in(_contact(date(2023, 3, 10), hint), None, ACTOR, "C-BBBBBBBBBBBB", NOW, RULES)
    assert out.status == "signposted"
    assert [e.event_type for e in out.events] == ["ReferralReceived", "Signposted", "CaseClosed"]
    assert out.events[1].payload.destination == destination and out.events[1].payload.reason == hint
    assert len({e.correlation_id for e in out.events}) == 1


def test_calendar_days_are_stockholm_days_with_contact_day_zero() -> None:
    late_evening = datetime(2023, 3, 10, 23, 30, tzinfo=STOCKHOLM)  # 22:30 UTC
    assert days_since(late_evening, datetime(2023, 3, 11, 0, 10, tzinfo=STOCKHOLM)) == 1
    assert days_since(late_evening, datetime(2023, 3, 10, 23, 59, tzinfo=STOCKHOLM)) == 0
    # across the spring DST change (26 March 2023)
    assert days_since(start_of_day(date(2023, 3, 25)), datetime(2023, 3, 27, 0, 30, tzinfo=STOCKHOLM)) == 2
    assert days_since(datetime(2023, 3, 13, 23, 30, tzinfo=UTC), NOW) == 0  # 00:30 on the 14th in Sweden
    assert [at_risk(d, RULES) for d in range(5)] == [False, False, True, True, True]
    assert [promise_broken(d, RULES) for d in range(5)] == [False, False, False, False, True]


T0 = datetime(2023, 3, 14, 8, 0, tzinfo=STOCKHOLM)
STEPS = [("CallOffered", T0), ("CallQueued", T0 + timedelta(seconds=3)), ("CallAbandoned", T0 + timedelta(minutes=2)),
         ("CallbackScheduled", T0 + timedelta(minutes=2)), ("CallbackMade", T0 + timedelta(hours=2))]


@given(order=st.permutations(STEPS))
def test_call_start_and_reach_do_not_depend_on_arrival_order(order: list[tuple[str, datetime]]) -> None:
    assert call_started(list(order)) == T0
    assert call_reached(list(order)) is True
    assert call_reached([s for s in order if s[0] != "CallbackMade"]) is False


@pytest.mark.parametrize("raw,name", [("Umeå", "Umeå"), ("umeå", "Umeå"), ("2482", "Skellefteå"),
                                      ("0180", "outside"), ("utanför länet", "outside"), ("outside", "outside")])
def test_municipality_by_name_code_or_outside(raw: str, name: str) -> None:
    assert resolve_municipality(raw, RULES) == name


def test_unknown_municipality_name_is_an_error_listing_the_fifteen() -> None:
    with pytest.raises(Refused) as exc:
        resolve_municipality("Umea", RULES)
    assert exc.value.errors[0]["code"] == "unknown_municipality" and "Lycksele" in exc.value.errors[0]["sv"]


def test_scan_kind_is_decided_by_magic_bytes_and_size(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert check_scan(PDF, 1000).content_type == "application/pdf"
    assert check_scan(PNG, 1000).content_type == "image/png"
    assert check_scan(b"\xff\xd8\xff\xe0" + b"0" * 10, 1000).content_type == "image/jpeg"
    for data, limit, code in ((b"GIF89a....", 1000, "unsupported_type"), (b"", 1000, "empty"),
                              (PDF, len(PDF) - 1, "too_large")):
        with pytest.raises(Refused) as exc:
            check_scan(data, limit)
        assert exc.value.errors[0]["code"] == code
    store = DocumentStore(tmp_path)
    scan = check_scan(PDF, 1000)
    path = store.put(scan)
    assert path == store.put(scan) and path.name == scan.sha256 and store.get(scan.sha256) == PDF
    assert [p.name for p in path.parent.iterdir()] == [scan.sha256]  # no temp files left behind
