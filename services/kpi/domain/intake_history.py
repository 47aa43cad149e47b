"""The intake history a referral forecast is fitted on, read from the KPI projection's case facts (pure): contacts
per day and channel, the paper channel's delay from written to arrived, and the share of contacts interviewed."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.kpi.domain.days import local_date
from services.kpi.domain.views import CaseView

CHANNELS = ("edi", "paper", "phone", "partner", "school_form")


@dataclass(frozen=True)
class IntakeHistory:
    """Daily contacts per channel from `first` to `last` (by the day the 3-day clock starts), what delays the paper
    channel, and how much assessment work a contact brings."""

    first: date
    last: date
    counts: dict[str, list[int]]  # channel -> one count per day from first to last
    delay: dict[str, dict[int, float]] = field(default_factory=dict)  # channel -> days after clock start -> share
    contacts: int = 0
    interviewed: int = 0  # contacts whose case got a care-level decision (a telephone interview was held)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def share_interviewed(self) -> float:
        return self.interviewed / self.contacts if self.contacts else 0.0


def intake_history(views: Iterable[CaseView], first: date, last: date) -> IntakeHistory:
    """Count each contact on its clock's day; the paper's written-to-arrived days become the channel's delay."""
    n = (last - first).days + 1
    counts = {c: [0] * n for c in CHANNELS}
    paper: Counter[int] = Counter()
    contacts = interviewed = 0
    for v in views:
        if not v.known:
            continue
        for contact in v.facts.get("contacts", {}).values():
            day = local_date(contact["at"])
            if first <= day <= last and contact["channel"] in counts:
                counts[contact["channel"]][(day - first).days] += 1
                contacts += 1
                interviewed += int(bool(v.decisions))
        for p in v.facts.get("paper", {}).values():
            if first <= date.fromisoformat(p["written"][:10]) <= last:
                paper[max(0, (date.fromisoformat(p["arrived"][:10]) - date.fromisoformat(p["written"][:10])).days)] += 1
    total = sum(paper.values())
    delay = {"paper": {k: m / total for k, m in sorted(paper.items())}} if total else {}
    return IntakeHistory(first, last, counts, delay, contacts, interviewed)
