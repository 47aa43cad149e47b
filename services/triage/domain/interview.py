"""Pure rules of the interview: which answers are acceptable, what raises a risk, who may be interviewed, scoring."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.chassis.refusal import Refusal, Refused
from services.triage.domain.guide import SEVERITY_RANK, Facts
from services.triage.domain.instruments import Instrument, Severity
from services.triage.domain.scoring import (
    Answers,
    RiskSignal,
    ScaleResult,
    disagreements,
    functioning,
    risk_signals,
    score_form,
)


@dataclass(frozen=True)
class AnswerIn:
    form: str
    item: str
    value: int


def check_answers(forms: dict[str, Instrument], answers: list[AnswerIn]) -> None:
    """Every answer must name a form of this interview, an item of that form and an option of its scale."""
    errors: list[Refusal] = []
    for i, a in enumerate(answers):
        where = f"answers.{i}"
        inst = forms.get(a.form)
        if inst is None:
            errors.append(Refusal(f"{where}.form", "unknown_form", f"Formuläret '{a.form}' ingår inte i intervjun.",
                                  f"Form '{a.form}' is not part of this interview."))
            continue
        item = inst.items().get(a.item)
        if item is None:
            errors.append(Refusal(f"{where}.item", "unknown_item", f"Frågan '{a.item}' finns inte i {a.form}.",
                                  f"Item '{a.item}' does not exist in {a.form}."))
            continue
        scale = inst.answer_scales[item.answer_scale]
        if scale.option(a.value) is None:
            allowed = ", ".join(str(o.value) for o in scale.options)
            errors.append(Refusal(f"{where}.value", "outside_scale",
                                  f"Svaret {a.value} finns inte på skalan ({allowed}).",
                                  f"Answer {a.value} is not on the scale ({allowed})."))
    if errors:
        raise Refused(*errors)


def normable_age(age: int | None, main: Instrument) -> int:
    """The child's age, if the main instrument's norm tables cover it."""
    if age is None:
        raise Refused(Refusal("case_id", "age_unknown", "Barnets ålder är okänd; intervjun kan inte normeras.",
                              "The child's age is unknown; the interview cannot be normed."))
    if not main.applies_to(age):
        ages = f"{main.min_age}–{main.max_age}"
        raise Refused(Refusal("case_id", "age_outside_instrument",
                              f"Intervjun {main.id} gäller {ages} år; barnet är {age}.",
                              f"Interview {main.id} covers ages {ages}; the child is {age}."))
    return age


def new_risk_signals(forms: dict[str, Instrument], answers: dict[str, Answers],
                     escalated: set[str]) -> list[RiskSignal]:
    """Risk signals in the saved answers not yet escalated (a flag escalates once per interview)."""
    out: list[RiskSignal] = []
    for form_id, inst in forms.items():
        out.extend(r for r in risk_signals(inst, answers.get(form_id, {})) if r.flag not in escalated)
    return out


def severity_of(signals: list[RiskSignal]) -> Severity:
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
    errors: list[Refusal] = []
    for form_id, inst in forms.items():
        given = answers.get(form_id, {})
        if form_id != main_id and not given:
            continue  # a supplementary form may be left out altogether
        for item_id in inst.items():
            if item_id not in given:
                errors.append(Refusal(f"answers.{form_id}.{item_id}", "unanswered",
                                      f"Frågan {item_id} i {form_id} är obesvarad.",
                                      f"Item {item_id} of {form_id} is unanswered."))
    if errors:
        raise Refused(*errors)


def result_json(result: InterviewResult) -> dict[str, Any]:
    """The result as the interview row keeps it (and the API shows it)."""
    return {"scores": [{"scale": r.scale, "kind": r.kind, "raw": r.raw, "max_raw": r.max_raw, "t_score": r.t_score,
                        "band": r.band} for r in result.scores],
            "functioning": result.functioning,
            "risks": [{"item": r.item, "flag": r.flag, "severity": r.severity} for r in result.risks],
            "disagreement": result.disagreement, "forms_scored": result.forms_scored}


def facts_of_result(result: dict[str, Any], age: int) -> Facts:
    """A kept result (see `result_json`) as the guide sees it."""
    scales = {s["scale"]: ScaleResult(s["scale"], s["kind"], s["raw"], s["max_raw"], s["t_score"], s["band"])
              for s in result["scores"]}
    risks = tuple(RiskSignal(r["item"], r["flag"], r["severity"]) for r in result["risks"])
    return Facts(scales, risks, age)


def facts_of(result: InterviewResult, age: int) -> Facts:
    return Facts({r.scale: r for r in result.scores}, tuple(result.risks), age)
