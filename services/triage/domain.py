"""Pure decisions of triage: which answers are acceptable, what raises a risk, scoring at completion, the decision."""
from __future__ import annotations

from dataclasses import dataclass

from services.triage.guide import SEVERITY_RANK, Facts, Guide, Proposal, propose
from services.triage.instruments import Instrument
from services.triage.scoring import (
    Answers,
    RiskSignal,
    ScaleResult,
    disagreements,
    functioning,
    risk_signals,
    score_form,
)


class Refused(Exception):
    """A request the rules refuse: field-level reasons in Swedish and English (the API answers 422)."""

    def __init__(self, *errors: tuple[str, str, str, str]) -> None:
        super().__init__(errors)
        self.errors = list(errors)  # (field, sv, en, code)


@dataclass(frozen=True)
class AnswerIn:
    form: str
    item: str
    value: int


def check_answers(forms: dict[str, Instrument], answers: list[AnswerIn]) -> None:
    """Every answer must name a form of this interview, an item of that form and an option of its scale."""
    errors = []
    for i, a in enumerate(answers):
        where = f"answers.{i}"
        inst = forms.get(a.form)
        if inst is None:
            errors.append((f"{where}.form", f"Formuläret '{a.form}' ingår inte i intervjun.",
                           f"Form '{a.form}' is not part of this interview.", "unknown_form"))
            continue
        item = inst.items().get(a.item)
        if item is None:
            errors.append((f"{where}.item", f"Frågan '{a.item}' finns inte i {a.form}.",
                           f"Item '{a.item}' does not exist in {a.form}.", "unknown_item"))
            continue
        scale = inst.answer_scales[item.answer_scale]
        if scale.option(a.value) is None:
            allowed = ", ".join(str(o.value) for o in scale.options)
            errors.append((f"{where}.value", f"Svaret {a.value} finns inte på skalan ({allowed}).",
                           f"Answer {a.value} is not on the scale ({allowed}).", "outside_scale"))
    if errors:
        raise Refused(*errors)


def new_risk_signals(forms: dict[str, Instrument], answers: dict[str, Answers],
                     escalated: set[str]) -> list[RiskSignal]:
    """Risk signals in the saved answers not yet escalated (a flag escalates once per interview)."""
    out = []
    for form_id, inst in forms.items():
        out.extend(r for r in risk_signals(inst, answers.get(form_id, {})) if r.flag not in escalated)
    return out


def severity_of(signals: list[RiskSignal]) -> str:
    return max((s.severity for s in signals), key=SEVERITY_RANK.__getitem__)


@dataclass(frozen=True)
class InterviewResult:
    scores: list[ScaleResult]
    functioning: dict[str, float]
    risks: list[RiskSignal]
    disagreement: list[str]
    forms_scored: list[str]


def complete(forms: dict[str, Instrument], main_id: str, answers: dict[str, Answers], age: int,
             sex: str) -> InterviewResult:
    """Score every form: the main form must be fully answered; a supplementary form all or nothing."""
    _require_complete(forms, main_id, answers)
    scored: dict[str, list[ScaleResult]] = {}
    for form_id, inst in forms.items():
        if answers.get(form_id):
            scored[form_id] = score_form(inst, answers[form_id], age, sex)
    risks: list[RiskSignal] = []
    disagreement: list[str] = []
    for form_id in scored:
        risks.extend(risk_signals(forms[form_id], answers[form_id]))
        cmp = forms[form_id].compare_with
        if cmp and cmp.instrument in scored:
            disagreement.extend(disagreements(forms[form_id], scored[form_id], scored[cmp.instrument]))
    all_scores = [r for rs in scored.values() for r in rs]
    return InterviewResult(all_scores, functioning(scored[main_id]), risks, disagreement, list(scored))


def _require_complete(forms: dict[str, Instrument], main_id: str, answers: dict[str, Answers]) -> None:
    errors = []
    for form_id, inst in forms.items():
        given = answers.get(form_id, {})
        if form_id != main_id and not given:
            continue  # a supplementary form may be left out altogether
        for item_id in inst.items():
            if item_id not in given:
                errors.append((f"answers.{form_id}.{item_id}", f"Frågan {item_id} i {form_id} är obesvarad.",
                               f"Item {item_id} of {form_id} is unanswered.", "unanswered"))
    if errors:
        raise Refused(*errors)


def facts_of(result: InterviewResult, age: int) -> Facts:
    return Facts({r.scale: r for r in result.scores}, tuple(result.risks), age)


@dataclass(frozen=True)
class Decision:
    level: str
    proposal: Proposal
    overridden: bool
    override_reason: str | None


def decide(guide: Guide, facts: Facts, level: str | None = None, reason: str | None = None) -> Decision:
    """The guide's proposal, or a clinician's level with a reason; a level other than the guide's is an override."""
    proposal = propose(guide, facts)
    if level is None:
        return Decision(proposal.level, proposal, False, None)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(("reason", "Ange skälet till att vårdnivån avviker från vägledningen.",
                       "Give the reason for deviating from the guide.", "reason_required"))
    return Decision(level, proposal, level != proposal.level, reason)


def refuse_without_interview() -> Refused:
    return Refused(("case_id", "Vårdnivå kan inte beslutas utan en slutförd intervju.",
                    "A care level cannot be decided without a completed interview.", "no_interview"))
