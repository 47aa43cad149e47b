"""From one event (as its wire dict) to the partial facts it contributes to a case or a call.

Live consumption and the batch replay both go through `facts_of`, so they cannot disagree.
No direct identifiers survive: the child's patient reference is dropped here.
Facts that are counted (contacts, decisions, collaborations, paper arrivals, searches without a time)
are keyed by what makes them one business fact, never by event id: the same fact published again
under a new event id merges into the same entry and counts once.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.kpi.domain.days import norm_ts

Facts = dict[str, Any]
Extracted = tuple[str, str, Facts]  # ("case" | "call", key, partial facts)

# the referrer's kind for a referral published before referrals named their referrer
REFERRER_OF_CHANNEL = {"edi": "edi", "paper": "paper", "school_form": "school", "partner": "partner"}
CHECK_IN = "check_in"  # the notifications template of a check-in with a waiting family
CALL_STEPS = {"CallOffered": "offered", "CallAnswered": "answered", "CallAbandoned": "abandoned",
              "QueueFull": "full", "CallbackScheduled": "cb_sched", "CallbackMade": "cb_made"}


def fact_key(kind: str, *parts: Any) -> str:
    """The identity of a counted fact: what happened, not which message said so."""
    return "|".join([kind, *("" if x is None else str(x) for x in parts)])


def _call(d: dict[str, Any]) -> Extracted:
    p = d["payload"]
    return "call", p["call_id"], {CALL_STEPS[d["event_type"]]: norm_ts(p["at"]), "line": p["line"]}


def _callback(d: dict[str, Any]) -> Facts:
    """A call-back's life, on its call's facts: the promise, the tries, how it ended."""
    p = d["payload"]
    match d["event_type"]:
        case "CallbackPromised":
            entry = {"requested": norm_ts(p["requested_at"]), "start": norm_ts(p["window_start"]),
                     "end": norm_ts(p["window_end"]), "reason": p["reason"]}
        case "CallbackAttempted":
            entry = {"tries": p["attempt"], **({"reached": norm_ts(p["at"])} if p["outcome"] == "reached" else {})}
        case "CallbackFailed":
            entry = {"failed": norm_ts(p["failed_at"]), "tries": p["tries"]}
        case _:
            entry = {"cancelled": norm_ts(p["cancelled_at"])}
    return {"cb": {p["callback_id"]: entry}}


CALLBACK_EVENTS = frozenset({"CallbackPromised", "CallbackAttempted", "CallbackFailed", "CallbackCancelled"})


def _referral(d: dict[str, Any]) -> Facts:
    p, child = d["payload"], d["payload"]["child"]
    received, clock = norm_ts(p["received_at"]), norm_ts(p["clock_start"])
    ref = {"channel": p["channel"], "source": p["source"], "school": bool(p["school_referral"]),
           "age": child["age_years"], "sex": child["sex"], "municipality": child["municipality"]}
    contact = {"at": clock, "channel": p["channel"], "school": bool(p["school_referral"])}
    # a case is opened by exactly one referral: its contact is the case's first
    return {"ref": [received, d["event_id"], ref], "clock": clock, "contacts": {"received": contact},
            **_interpreter(p.get("language"), clock), **_referrer(p.get("referrer"), p["channel"])}


def _referrer(referrer: dict[str, Any] | None, channel: str) -> Facts:
    """The kind of referrer that opened the case (EDI, paper, school, partner), for the returned referrals."""
    kind = referrer["kind"] if referrer else REFERRER_OF_CHANNEL.get(channel)
    return {"rkind": kind} if kind else {}


def _interpreter(language: dict[str, Any] | None, told: str) -> Facts:
    """When a contact first said the family needs an interpreter (once said, the child counts as needing one)."""
    return {"interp": told} if language and language["interpreter_needed"] else {}


def _linked(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    linked = norm_ts(p["linked_clock_start"])
    contact = {"at": linked, "channel": p["linked_channel"],
               "school": p["linked_source"] == "school_student_health"}
    key = fact_key("linked", linked, p["linked_channel"], p["linked_source"], p.get("external_ref"))
    return {"clock": min(linked, norm_ts(p["effective_clock_start"])), "contacts": {key: contact},
            **_interpreter(p.get("language"), linked)}


def _paper(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"paper": {fact_key("paper", p["date_written"], p["date_arrived"]): {"written": p["date_written"], "arrived": p["date_arrived"]}}}


def _assessment(at_field: str, kind: str | None = None) -> Callable[[dict[str, Any]], Facts]:
    def extract(d: dict[str, Any]) -> Facts:
        p = d["payload"]
        if not p.get("licensed", True):
            return {}  # only a licensed professional's assessment counts
        return {"assess": [norm_ts(p[at_field]), d["event_id"], kind or p.get("kind", "other")]}
    return extract


def _signposted(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"signpost": [norm_ts(p["signposted_at"]), d["event_id"], p["destination"]]}


def _returned(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"returned": [norm_ts(p["returned_at"]), d["event_id"], {"reason": p["reason"]}]}


def _closed(d: dict[str, Any]) -> Facts:
    return {"closed": norm_ts(d["occurred_at"])}


def _decided(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    decided = norm_ts(p["decided_at"])
    decision = {"at": decided, "level": p["level"], "guide": p["guide_level"], "overridden": bool(p["overridden"]),
                "supersedes": p.get("supersedes_level")}
    return {"decisions": {fact_key("decided", decided, p["level"]): decision}}


def _collab(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    at = norm_ts(p["initiated_at"])
    collab = {"at": at, "question": p["question"], "intervention": p["intervention"],
              "hc": p["health_centre_unit"], "bup": p["bup_unit"]}
    return {"collabs": {fact_key("collab", at, p["question"], p["health_centre_unit"], p["bup_unit"]): collab}}


def _booked(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    appt = {"unit": p["unit_id"], "level": p["level"], "visit": p["visit_type"],
            "starts": norm_ts(p["starts_at"]), "decided": norm_ts(p["decided_at"]),
            "chosen": bool(p["patient_chosen_wait"]), "by": p["booked_by"], "interp": bool(p.get("interpreter"))}
    booked_at = norm_ts(d["occurred_at"])
    appts: Facts = {p["appointment_id"]: {"booked": [booked_at, d["event_id"], appt]}}
    old = p.get("replaces")
    if old:  # a re-booking releases the old appointment in the same fact: it counts as cancelled for the figures
        appts[old["appointment_id"]] = {"status": [booked_at, d["event_id"], "cancelled", old["reason"], old["unit_id"]]}
    return {"appts": appts}


def _appt_status(kind: str) -> Callable[[dict[str, Any]], Facts]:
    def extract(d: dict[str, Any]) -> Facts:
        p = d["payload"]
        return {"appts": {p["appointment_id"]: {"status": [norm_ts(p["at"]), d["event_id"], kind,
                                                           p.get("reason"), p["unit_id"]]}}}
    return extract


def _seat(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    seat = {"unit": p["unit_id"], "starts_on": p["starts_on"], "parents": p["parents"],
            "from": p["booked_from"], "sex": p["child_sex"]}
    return {"groups": {p["group_id"]: {"seat": [norm_ts(d["occurred_at"]), d["event_id"], seat]}}}


def _dropped(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"groups": {p["group_id"]: {"dropped": norm_ts(p["at"])}}}


def _evaluated(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    answers = {k: p[k] for k in EVALUATION_SCALES}
    return {"groups": {p["group_id"]: {"evaluation": [norm_ts(p["at"]), d["event_id"], answers]}}}


# the parents' evaluation: scale -> answers in the region's order (DOMAIN.md)
EVALUATION_SCALES: dict[str, tuple[str, ...]] = {
    "satisfaction": ("missnojd", "ej_nojd", "nojd", "mycket_nojd"),
    "recommend": ("ej_sannolikt", "liten_sannolikhet", "sannolikt", "stor_sannolikhet"),
    "easier_everyday": ("nej", "en_del_situationer", "ja_ofta"),
    "exchange": ("bra_givande", "varken_eller", "daligt"),
}


def _noslots(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    key = fact_key("noslots", norm_ts(p["searched_from"]), p["level"])
    return {"noslots": {key: {"at": norm_ts(d["occurred_at"]), "level": p["level"],
                              "units": sorted(u["unit_id"] for u in p["units"])}}}


def _interpreter_unavailable(d: dict[str, Any]) -> Facts:
    """A time not booked for want of an interpreter (keyed by the time and unit: told twice, counted once)."""
    p = d["payload"]
    starts = norm_ts(p["starts_at"])
    return {"unavail": {fact_key("unavail", starts, p["unit_id"]): {"at": norm_ts(p["at"]), "visit": p["visit_type"]}}}


def _check_in_sent(d: dict[str, Any]) -> Facts:
    """Of the messages sent, the figures count the check-ins only (any other contributes nothing)."""
    p = d["payload"]
    if p["template"] != CHECK_IN:
        return {}
    return {"checkins": {p["notification_id"]: {"sent": norm_ts(p["at"])}}}


def _check_in_answered(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"checkins": {p["checkin_id"]: {"answered": norm_ts(p["answered_at"]), "how": p["how"],
                                           "risk": bool(p["risk"]), "nln": not p["still_wanted"]}}}


def _stage_decided(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    return {"stages": {p["stage"]: {"decided": norm_ts(p["decided_at"]), "unit": p["unit_id"]}}}


def _stage_excluded(d: dict[str, Any]) -> Facts:
    p = d["payload"]  # the latest exclusion recorded stands: [when, code]
    return {"stages": {p["stage"]: {"excl": [norm_ts(p["at"]), p["code"]], "unit": p["unit_id"]}}}


def _stage_started(d: dict[str, Any]) -> Facts:
    p = d["payload"]
    entry = {"started": norm_ts(p["started_at"]), "unit": p["unit_id"]}
    if p.get("decided_at"):
        entry["decided"] = norm_ts(p["decided_at"])
    return {"stages": {p["stage"]: entry}}


CASE_EXTRACTORS: dict[str, Callable[[dict[str, Any]], Facts]] = {
    "ReferralReceived": _referral, "CaseLinked": _linked, "PaperReferralDigitised": _paper,
    "AdviceGiven": _assessment("given_at", "advice"), "MedicalAssessmentRecorded": _assessment("assessed_at"),
    "InterviewAssessmentRecorded": _assessment("assessed_at"), "Signposted": _signposted, "CaseClosed": _closed,
    "ReferralReturned": _returned,
    "CareLevelDecided": _decided, "CollaborationInitiated": _collab, "AppointmentBooked": _booked,
    "AppointmentCancelled": _appt_status("cancelled"), "AppointmentAttended": _appt_status("attended"),
    "AppointmentNoShow": _appt_status("no_show"), "GroupSeatBooked": _seat, "GroupDroppedOut": _dropped,
    "GroupEvaluated": _evaluated,
    "NoBookableSlots": _noslots, "InterpreterUnavailable": _interpreter_unavailable,
    "NotificationSent": _check_in_sent, "CheckInAnswered": _check_in_answered,
    "BupStageDecided": _stage_decided, "BupStageWaitExcluded": _stage_excluded, "BupStageStarted": _stage_started,
}
USED_EVENT_TYPES = frozenset(CASE_EXTRACTORS) | frozenset(CALL_STEPS) | CALLBACK_EVENTS


def facts_of(d: dict[str, Any]) -> Extracted | None:
    """The facts one event contributes, or None when the figures do not use this event type."""
    event_type = d["event_type"]
    if event_type in CALL_STEPS:
        bucket, key, facts = _call(d)  # a call counts as a call even when tied to a case
    elif event_type in CALLBACK_EVENTS:
        bucket, key, facts = "call", d["payload"]["call_id"], _callback(d)
    else:
        extract = CASE_EXTRACTORS.get(event_type)
        if extract is None or not d.get("case_id"):
            return None
        bucket, key, facts = "case", d["case_id"], extract(d)
    facts["seen"] = norm_ts(d["occurred_at"])
    return bucket, key, facts
