"""The fixed refusals of triage, named once: the rules and the use cases raise them, the API answers them."""
from __future__ import annotations

from services.chassis.refusal import Refusal

UNKNOWN_CASE = Refusal("case_id", "unknown_case", "Ärendet är okänt för triage.",
                       "The case is not known to triage.")
UNKNOWN_INTERVIEW = Refusal("interview_id", "unknown_interview", "Intervjun finns inte.", "No such interview.")
ALREADY_COMPLETED = Refusal("interview_id", "already_completed", "Intervjun är redan slutförd.",
                            "The interview is already completed.")
NOT_LICENSED = Refusal("staff", "not_licensed", "Intervjun måste slutföras av legitimerad personal.",
                       "The interview must be completed by a licensed professional.")
NO_INTERVIEW = Refusal("case_id", "no_interview", "Vårdnivå kan inte beslutas utan en slutförd intervju.",
                       "A care level cannot be decided without a completed interview.")
REASON_REQUIRED = Refusal("reason", "reason_required", "Ange skälet till att vårdnivån avviker från vägledningen.",
                          "Give the reason for deviating from the guide.")
PERSONAL_DETAILS = Refusal("reason", "personal_details",
                           "Skriv inte personnummer, telefonnummer eller e-post i skälet.",
                           "Do not write identity numbers, phone numbers or e-mail addresses in the reason.")
UNKNOWN_INSTRUMENT = Refusal("instrument_id", "unknown", "Okänt formulär.", "Unknown instrument.", 404)
CASE_NOT_IN_TRIAGE = Refusal("case_id", "not_found", "Ärendet har inte nått bedömningen än.",
                             "The case has not reached triage yet.", 404)
CONCURRENT_CHANGE = Refusal("case_id", "conflict", "Någon annan ändrade ärendet samtidigt; försök igen.",
                            "Someone else changed the case at the same moment; try again.", 409)
