"""Message templates (Jinja2, Swedish and English and any further language a template is written in, young-person
wording), validated at start-up; the family's language is used where a template has it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jinja2
from pydantic import BaseModel, ConfigDict

from contracts.labels import label
from services.chassis.clock import STOCKHOLM

_MONTHS = {"sv": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
           "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]}
REQUIRED = ("sv", "en")  # every template has these; any other language is added template by template

_APPOINTMENT = {"unit_name": "BUP Umeå", "unit_address": "Norrlands universitetssjukhus", "video_link": None,
                "starts_at": "2022-12-01T09:00:00+01:00", "digital": False, "interpreter": True}
# contexts that every template must render with: the same keys the handlers put in a delivery's context
SAMPLES: dict[str, dict[str, Any]] = {
    "appointment_confirmation": _APPOINTMENT,
    "appointment_changed": {**_APPOINTMENT, "old_starts_at": "2022-11-29T13:00:00+01:00", "old_unit_name": "BUP Umeå"},
    "appointment_cancelled": _APPOINTMENT, "appointment_reminder": _APPOINTMENT,
    "group_welcome": {"unit_name": "Mariehems hälsocentral", "starts_on": "2023-04-12",
                      "location": "https://video.example/g/1", "digital": True},
    "callback_promised": {"window_start": "2023-03-14T10:00:00+01:00", "window_end": "2023-03-14T11:00:00+01:00",
                          "same_day": True, "reason": "queue_full"},
    "callback_failed": {"tries": 3},
    "risk_escalated": {"case_id": "C-7K3M9Q2XH4TB", "severity": "acute", "raised_at": "2022-11-18T09:21:00+01:00"},
    "no_bookable_slots": {"case_id": "C-7K3M9Q2XH4TB", "level": "primary_care", "municipality": "Sorsele",
                          "promise_days": 7, "searched_from": "2023-03-01T00:00:00+01:00",
                          "searched_to": "2023-03-08T00:00:00+01:00", "waiting_list_position": 1,
                          "units": [{"unit_id": "hc-sorsele", "first_free": None}]},
    "slot_runway_short": {"unit_id": "hc-sorsele", "unit_name": "Sorsele hälsocentral", "level": "primary_care",
                          "promise_days": 7, "computed_on": "2023-03-01", "last_day": "2023-03-13",
                          "last_day_low": "2023-03-09", "last_day_high": "2023-03-16", "working_days": 8,
                          "reason": "runway", "gap_from": None, "gap_to": None, "demand_per_day": 1.4},
    "deviation_tagged": {"case_id": "C-7K3M9Q2XH4TB", "rule_id": "no_bookable_slots", "rules_version": "1", "unit_id": None,
                         "level": "primary_care", "evidence": {"clock_start": "2023-03-01", "assessed": "not yet", "days": "4"}},
    "guarantee_at_risk": {"case_id": "C-7K3M9Q2XH4TB", "clock": "assessment_3d", "unit_id": None,
                          "deadline": "2022-11-17T23:59:59+01:00", "days_left": 0},
    "delivery_failed": {"case_id": "C-7K3M9Q2XH4TB", "failed_template": "appointment_reminder",
                        "recipient_kind": "family", "error": "gateway unreachable"},
    "referral_returned": {"reason": "advice_enough"},
    "check_in": {"wait": "waiting_list", "n": 1, "link": "https://1177.example/svar/k3m9q2xh4tb7p5rw"},
    "referrer_status": {"step": "returned", "at": "2022-11-16T10:40:00+01:00", "kind": "school",
                        "received_at": "2022-11-15T07:41:00+01:00", "case_reference": "C-7K3M9Q2XH4TB",
                        "service_request_ref": "SR-4F2A9C01B3", "organisation_ref": "sk-umea-ersbodaskolan",
                        "level": None, "reason_sv": "Elevhälsan bör pröva stöd i skolan först",
                        "reason_en": "Student health should try support at school first",
                        "advice": "Pröva samtal med skolkuratorn först."},
}


def when(value: str | datetime | None, lang: str) -> str:
    """A time as the reader says it, in Stockholm time: '1 dec 2022 kl. 09:00' / '1 Dec 2022 at 09:00'; a
    language without month names here gets the numeric form its readers use ('1.12.2022 klo 9.00' in Finnish)."""
    if value is None:
        return "-"
    at = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(STOCKHOLM)
    if lang not in _MONTHS:
        joiner = {"fi": "klo"}.get(lang, "")
        return f"{at.day}.{at.month}.{at.year} {joiner} {at.hour}.{at.minute:02d}".replace("  ", " ")
    joiner = "kl." if lang == "sv" else "at"
    return f"{at.day} {_MONTHS[lang][at.month - 1]} {at.year} {joiner} {at:%H:%M}"


def clock(value: str | datetime, lang: str = "sv") -> str:
    """The time of day only, in Stockholm time: '11:00' (the end of a window named with its start)."""
    at = (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(STOCKHOLM)
    return f"{at:%H:%M}"
def day(value: str | date | None, lang: str) -> str:
    """A calendar day as the reader says it: '13 mar 2023' / '13 Mar 2023'."""
    if value is None:
        return "-"
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {_MONTHS[lang][d.month - 1]} {d.year}"


LEVEL_KEYS = frozenset({"level", "guide_level", "decided_level", "from_level", "to_level", "booked_level", "new_level"})


def evidence_line(item: tuple[str, str], lang: str = "sv") -> str:
    """One piece of a deviation's evidence as words: 'Beslutad vårdnivå: BUP', dates as days, 'not yet' as words."""
    key, value = item
    if key in LEVEL_KEYS:
        shown = label("level", value, lang)
    elif value == "not yet":
        shown = "ännu inte" if lang == "sv" else "not yet"
    else:
        try:
            shown = day(date.fromisoformat(value), lang)
        except ValueError:
            shown = label("evidence_value", value, lang)
    return f"{label('evidence', key, lang)}: {shown}"


class Wording(BaseModel):
    model_config = ConfigDict(frozen=True)
    subject: str
    body: str
    young: Wording | None = None


class TemplateFile(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    family: dict[str, dict[str, Wording]]
    staff: dict[str, dict[str, Wording]]
    referrer: dict[str, dict[str, Wording]] = {}  # to referring units and schools (e-mail, letter)

    def group(self, name: str) -> dict[str, Wording]:
        return self.family.get(name) or self.referrer.get(name) or self.staff[name]


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class Templates:
    def __init__(self, data: TemplateFile, unit_names: dict[str, str] | None = None) -> None:
        self.data = data
        self.unit_names = unit_names or {}
        self.env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
        self.env.filters["when"] = when
        # codes as words, the same words the staff screens use (contracts/labels.yaml): `level | label('level', 'sv')`
        self.env.filters["label"] = lambda code, kind, lang: label(kind, code, lang)
        self.env.filters["clock"] = clock
        self.env.filters["day"] = day
        # staff read units by name and the evidence as words, never ids or keys (issue 22: words, not codes)
        self.env.filters["unit"] = lambda unit_id, lang="sv": self.unit_name(unit_id, lang)
        self.env.filters["evidence"] = evidence_line
        self._compiled: dict[str, jinja2.Template] = {}  # by source: compiling cost 50-100 times the render
        self._check()

    def unit_name(self, unit_id: str | None, lang: str = "sv") -> str:
        if not unit_id:
            return "Kontaktcentret" if lang == "sv" else "the contact centre"
        return self.unit_names.get(unit_id, unit_id)

    def _wording(self, name: str, lang: str, young: bool) -> Wording:
        w = self.data.group(name)[lang]
        return w.young if young and w.young is not None else w

    def language_for(self, name: str, wanted: Sequence[str | None]) -> str:
        """The first of `wanted` (the family's language, then the contact's sv/en) this template is written in;
        Swedish when none is."""
        return next((lang for lang in wanted if lang and lang in self.data.group(name)), "sv")

    def render(self, name: str, lang: str, context: dict[str, Any], young: bool = False) -> Message:
        w = self._wording(name, lang, young)
        subject = self._template(w.subject).render(context).strip()
        body = self._template(w.body).render(context).strip()
        return Message(subject=subject, body="\n".join(line.rstrip() for line in body.splitlines()))

    def _template(self, source: str) -> jinja2.Template:
        template = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = self.env.from_string(source)
        return template

    def _check(self) -> None:
        names = set(self.data.family) | set(self.data.staff) | set(self.data.referrer)
        if names != set(SAMPLES):
            raise ValueError(f"templates differ from the known set: {sorted(names ^ set(SAMPLES))}")
        for name in names:
            group = self.data.group(name)
            for lang in sorted({*REQUIRED, *group}):
                if lang not in group:
                    raise ValueError(f"template {name} lacks language {lang}")
                if name in self.data.family and group[lang].young is None:
                    raise ValueError(f"family template {name}/{lang} lacks young-person wording")
                for young in (False, True):
                    try:
                        self.render(name, lang, SAMPLES[name], young)
                    except jinja2.TemplateError as exc:
                        raise ValueError(f"template {name}/{lang}: {exc}") from exc

    def is_family(self, name: str) -> bool:
        return name in self.data.family

