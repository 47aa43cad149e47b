"""A referral's status as an HL7 FHIR R4 Task for the referrer's system, built and validated with fhir.resources
(its R4B model: FHIR 4.3's Task is R4's, element for element) before it is sent (pure)."""
from __future__ import annotations

from typing import Any

from fhir.resources.R4B.task import Task

HSA = "urn:oid:1.2.752.29.4.19"  # the HSA-id system: Swedish healthcare units and staff
STATUS_SYSTEM = "urn:en-vag-in:referral-status"
LEVEL_SYSTEM = "urn:en-vag-in:care-level"
RETURN_SYSTEM = "urn:en-vag-in:return-reason"

# step (and, for a closing, why) -> Task.status, and the business status's words
TASK_STATUS: dict[str, tuple[str, str]] = {
    "received": ("received", "Remissen är mottagen av kontaktcentret"),
    "assessed": ("in-progress", "Medicinsk bedömning gjord"),
    "decided": ("in-progress", "Vårdnivå beslutad; remissen går vidare"),
    "booked": ("in-progress", "Första besök bokat"),
    "signposted": ("completed", "Familjen hänvisad utanför kontaktcentrets vård"),
    "closed:completed": ("completed", "Ärendet avslutat"),
    "closed:withdrawn": ("cancelled", "Ärendet avslutat: familjen återtog kontakten"),
    "closed:merged": ("cancelled", "Ärendet slogs ihop med barnets andra ärende"),
    "returned": ("rejected", "Remissen återsänd med råd"),
}
LEVELS = {"primary_care": "Primärvård (hälsocentral)", "bup": "Barn- och ungdomspsykiatri (BUP)",
          "parenting_group": "Föräldraskapsstöd", "signposting": "Hänvisning", "urgent": "Akut"}


def _status_key(ctx: dict[str, Any]) -> str:
    return f"closed:{ctx.get('closed', 'completed')}" if ctx["step"] == "closed" else ctx["step"]


def task_for(ctx: dict[str, Any], owner_ref: str) -> dict[str, Any]:
    """The Task for one step of one referral; `ctx` is the delivery's context with the advice opened. Raises
    pydantic's ValidationError if the resource is not valid FHIR (a bug here, never sent)."""
    status, words = TASK_STATUS[_status_key(ctx)]
    sr = ctx.get("service_request_ref")
    doc: dict[str, Any] = {
        "resourceType": "Task", "id": ctx["task_id"],
        "identifier": [{"system": "urn:en-vag-in:case", "value": ctx["case_reference"]}],
        "status": status, "intent": "order",
        "businessStatus": {"coding": [{"system": STATUS_SYSTEM, "code": ctx["step"], "display": words}],
                           "text": words},
        "authoredOn": ctx["received_at"], "lastModified": ctx["at"],
        "owner": {"identifier": {"system": HSA, "value": owner_ref},
                  "display": "Kontaktcenter barn och unga psykisk hälsa, Region Västerbotten"},
    }
    if sr:
        doc["basedOn"] = [{"type": "ServiceRequest", "identifier": {"value": sr}}]
        doc["focus"] = {"type": "ServiceRequest", "identifier": {"value": sr}}
    if ctx.get("organisation_ref"):
        doc["requester"] = {"identifier": {"system": HSA, "value": ctx["organisation_ref"]}}
    if ctx["step"] == "decided" and ctx.get("level"):  # healthcare in the care chain hears where the child goes
        doc["output"] = [{"type": {"text": "Vårdnivå"}, "valueCodeableConcept": {"coding": [
            {"system": LEVEL_SYSTEM, "code": ctx["level"], "display": LEVELS.get(ctx["level"], ctx["level"])}]}}]
    if ctx["step"] == "returned":
        doc["statusReason"] = {"coding": [{"system": RETURN_SYSTEM, "code": ctx["reason"],
                                           "display": ctx.get("reason_sv") or ctx["reason"]}],
                               "text": ctx.get("reason_sv") or ctx["reason"]}
        doc["note"] = [{"text": ctx["advice"], "time": ctx["at"]}]
    return Task.model_validate(doc).model_dump(mode="json", exclude_none=True)
