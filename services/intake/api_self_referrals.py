"""HTTP API of 'Kontakta oss': the workspace's public form hands a signed-in sender's submission to intake (thin)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.chassis.auth import Staff, require
from services.intake.api import CASE_READERS, IdemKey, Of, answer
from services.intake.forms import SelfReferralForm
from services.intake.use_cases import self_referrals

router = APIRouter(prefix="/api", tags=["intake"])


@router.post("/self-referrals", status_code=201, summary="'Kontakta oss': a guardian's or a young person's (13-17) "
             "request for contact, from the workspace's public form after e-identification (its service account, "
             "role ops). The clock starts now; acute-risk answers escalate at once and put the case on top of the "
             "queue. Answers with a receipt (reference, call-back window), never the case. 429 when one person "
             "or one address sends too often.")
def self_referral(form: SelfReferralForm, deps: Of, key: str | None = IdemKey,
                  staff: Staff = require("ops")) -> JSONResponse:
    return answer(self_referrals.submit_self_referral(deps, form, staff, key))


@router.get("/cases/{case_id}/self-referrals", summary="A case's 'Kontakta oss' submissions with the sender's words, "
            "answers and how to reach them (audited read).")
def case_self_referrals(case_id: str, deps: Of, staff: Staff = require(*CASE_READERS)) -> list[dict[str, Any]]:
    return self_referrals.for_case(deps, case_id, staff)
