"""The compatibility checker catches each kind of breaking change and lets additive ones through."""
from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from pydantic import create_model

from contracts.envelope import Event, F, Payload
from contracts.schema_tools import IncompatibleSchema, compare, current_schema, export_all


class Slot(Payload):
    unit_id: str = F("Unit.", "hc-teg")
    minutes: int = F("Length.", 45)


class VisitPayload(Payload):
    visit_id: str = F("Visit id.", "V-1")
    kind: Literal["new_visit", "follow_up"] = F("Kind.", "new_visit")
    wait_days: int = F("Days waited.", 3)
    note_code: str | None = F("Coded note.", None, default=None)
    slots: list[Slot] = F("Slots offered.", [])


def _payload(**changes: object) -> type[Payload]:
    """VisitPayload with some fields replaced (`None` drops one): a model edited by a careless hand."""
    fields: dict[str, object] = {
        "visit_id": (str, F("Visit id.", "V-1")),
        "kind": (Literal["new_visit", "follow_up"], F("Kind.", "new_visit")),
        "wait_days": (int, F("Days waited.", 3)),
        "note_code": (str | None, F("Coded note.", None, default=None)),
        "slots": (list[Slot], F("Slots offered.", [])),
    }
    for name, spec in changes.items():
        if spec is None:
            del fields[name]
        else:
            fields[name] = spec
    return create_model("VisitPayload", __base__=Payload, **fields)  # type: ignore[call-overload]


def _problems(**changes: object) -> list[str]:
    return compare(current_schema(VisitPayload), current_schema(_payload(**changes)))


def test_unchanged_model_is_compatible() -> None:
    assert _problems() == []


@pytest.mark.parametrize("changes,expected", [
    ({"wait_days": None}, "wait_days: field removed or renamed"),
    ({"visit_id": None, "visit_ref": (str, F("Visit id.", "V-1"))}, "visit_id: field removed or renamed"),
    ({"wait_days": (Literal[1, 2, 3], F("Days.", 3))}, "wait_days: type integer no longer accepted"),
    ({"note_code": (str, F("Coded note.", "x"))}, "note_code: type null no longer accepted"),
    ({"visit_id": (str, F("Visit id.", "V-1", pattern=r"^V-\d+$"))}, "visit_id: narrowed: pattern"),
    ({"wait_days": (int, F("Days waited.", 3, ge=0))}, "wait_days: narrowed: minimum"),
    ({"extra_code": (str, F("A new field without default.", "x"))}, "extra_code: new required field"),
    ({"note_code": (str | None, F("Now required (present, may be null).", None))}, "note_code: new required field"),
    ({"kind": (Literal["new_visit"], F("Kind.", "new_visit"))}, "kind: value 'follow_up' no longer accepted"),
    ({"slots": (list[str], F("Slots.", []))}, "slots[]: type object no longer accepted"),
], ids=["removed", "renamed", "int-to-literal", "optional-to-required-type", "pattern-added", "bound-added",
        "new-required", "made-required", "enum-value-removed", "nested-type-changed"])
def test_checker_catches_each_kind_of_incompatible_change(changes: dict[str, object], expected: str) -> None:
    problems = _problems(**changes)
    assert any(p.startswith(expected) for p in problems), problems


def test_checker_catches_a_change_inside_a_nested_model() -> None:
    narrower = create_model("Slot", __base__=Payload, unit_id=(str, F("Unit.", "hc-teg")))
    problems = _problems(slots=(list[narrower], F("Slots.", [])))  # type: ignore[valid-type]
    assert problems == ["slots[].minutes: field removed or renamed"]


@pytest.mark.parametrize("changes", [
    # F(..., None) alone makes a field that must be present (maybe null): a new one needs default=None
    {"extra_code": (str | None, F("New optional field.", None, default=None))},
    {"kind": (Literal["new_visit", "follow_up", "group"], F("Kind.", "new_visit"))},
    {"wait_days": (int | None, F("Days waited.", 3))},
    {"wait_days": (float, F("Days waited.", 3))},
    {"visit_id": (str, F("A better description.", "V-2"))},
], ids=["optional-field-added", "enum-value-added", "made-nullable", "int-to-number", "docs-only"])
def test_checker_accepts_additive_changes(changes: dict[str, object]) -> None:
    assert _problems(**changes) == []


# -- export: refuses an incompatible rewrite, accepts it as a new version ---------------------------------

def _event(payload: type[Payload], version: int = 1) -> type[Event]:
    return create_model(  # type: ignore[call-overload,no-any-return]
        "VisitMade", __base__=Event, __cls_kwargs__={},
        event_type=(Literal["VisitMade"], F("Event name.", "VisitMade")),
        producer=(Literal["booking"], F("Publisher.", "booking")),
        payload=(payload, F("The visit.")),
        TOPIC=(ClassVar[str], "booking.appointments.v1"), PRODUCER=(ClassVar[str], "booking"),
        SCHEMA_VERSION=(ClassVar[int], version),
    )


def test_export_refuses_to_overwrite_a_version_with_an_incompatible_schema(tmp_path: Path) -> None:
    written = export_all(tmp_path, [_event(VisitPayload)])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "samples/VisitMade.v1.json", "schemas/VisitMade.v1.json"]
    before = (tmp_path / "schemas/VisitMade.v1.json").read_text()
    broken = _event(_payload(wait_days=None))
    with pytest.raises(IncompatibleSchema, match="wait_days: field removed"):
        export_all(tmp_path, [broken])
    assert (tmp_path / "schemas/VisitMade.v1.json").read_text() == before
    export_all(tmp_path, [broken], force=True)
    assert "wait_days" not in (tmp_path / "schemas/VisitMade.v1.json").read_text()


def test_export_writes_a_new_version_beside_the_old_and_keeps_old_samples(tmp_path: Path) -> None:
    export_all(tmp_path, [_event(VisitPayload)])
    old_sample = (tmp_path / "samples/VisitMade.v1.json").read_text()
    export_all(tmp_path, [_event(_payload(wait_days=None), version=2)])
    assert (tmp_path / "samples/VisitMade.v1.json").read_text() == old_sample
    v2 = json.loads((tmp_path / "samples/VisitMade.v2.json").read_text())
    assert v2["schema_version"] == 2 and "wait_days" not in v2["payload"]


def test_export_of_an_unchanged_catalogue_writes_nothing(tmp_path: Path) -> None:
    export_all(tmp_path, [_event(VisitPayload)])
    assert export_all(tmp_path, [_event(VisitPayload)]) == []


def test_an_old_sample_is_upcast_to_the_bumped_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from contracts import registry
    from contracts.schema_tools import sample_event

    v1_sample = sample_event(_event(VisitPayload))
    v2 = _event(_payload(wait_days=None, days_waited=(int, F("Days waited.", 3))), version=2)
    monkeypatch.setitem(registry.EVENT_TYPES, "VisitMade", v2)
    with pytest.raises(KeyError):  # no upcaster: the old event cannot be read
        registry.parse_event(json.dumps(v1_sample))

    def rename_wait_days(data: dict) -> dict:  # type: ignore[type-arg]
        payload = dict(data["payload"])
        payload["days_waited"] = payload.pop("wait_days")
        return {**data, "payload": payload}

    monkeypatch.setitem(registry.UPCASTERS, ("VisitMade", 1), rename_wait_days)
    event = registry.parse_event(json.dumps(v1_sample))
    assert event.schema_version == 2 and event.payload.days_waited == 3  # type: ignore[attr-defined]
