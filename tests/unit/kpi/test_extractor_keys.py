"""The facts extractors read events as wire dicts by key (domain/facts.py; docs/kpi.md says why): every key
each of them reads must exist in its event's contract, so a renamed or dropped field fails here, not as a
KeyError in the live consumer or a silently empty figure after a replay."""
from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel

from contracts.registry import EVENT_TYPES
from contracts.schema_tools import example_of, sample_event
from services.kpi.domain.facts import USED_EVENT_TYPES, facts_of

Path = tuple[str, ...]  # ("payload", "units", "[]", "unit_id")


class Reads(dict[str, Any]):
    """A wire dict that notes every key read from it (and from the dicts and lists inside it)."""

    def __init__(self, data: dict[str, Any], path: Path, seen: set[Path]) -> None:
        super().__init__(data)
        self.path, self.seen = path, seen

    def __getitem__(self, key: str) -> Any:
        self.seen.add((*self.path, key))
        return _wrap(super().__getitem__(key), (*self.path, key), self.seen)

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add((*self.path, key))
        return _wrap(super().__getitem__(key), (*self.path, key), self.seen) if key in self else default


def _wrap(value: Any, path: Path, seen: set[Path]) -> Any:
    if isinstance(value, dict):
        return Reads(value, path, seen)
    if isinstance(value, list):
        return [_wrap(v, (*path, "[]"), seen) for v in value]
    return value


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _example(model: type[BaseModel]) -> dict[str, Any]:
    return _filled(model, model.model_validate(example_of(model)).model_dump(mode="json"))


def _filled(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The sample with every optional nested model present (`replaces`) and every list of models holding one
    (`units`), so the branches and loops reading them run."""
    out = dict(data)
    for name, info in model.model_fields.items():
        nested, value = _models(info.annotation), out.get(name)
        if not nested:
            continue
        if value is None:
            out[name] = _example(nested[0])
        elif isinstance(value, dict):
            out[name] = _filled(nested[0], value)
        elif isinstance(value, list):
            out[name] = [_filled(nested[0], v) for v in value] or [_example(nested[0])]
    return out


def _in_schema(schema: dict[str, Any], root: dict[str, Any], path: Path) -> bool:
    if "$ref" in schema:
        return _in_schema(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root, path)
    if not path:
        return True
    alternatives = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if alternatives:
        return any(_in_schema(alt, root, path) for alt in alternatives)
    head, rest = path[0], path[1:]
    if head == "[]":
        return "items" in schema and _in_schema(schema["items"], root, rest)
    props = schema.get("properties", {})
    return head in props and _in_schema(props[head], root, rest)


def reads_of(event_type: str) -> set[Path]:
    cls = EVENT_TYPES[event_type]
    wire = sample_event(cls)
    payload = cls.model_fields["payload"].annotation
    assert isinstance(payload, type) and issubclass(payload, BaseModel)
    wire["payload"] = _filled(payload, wire["payload"])
    seen: set[Path] = set()
    assert facts_of(Reads(wire, (), seen)) is not None, f"{event_type}: the sample contributes no facts"
    return seen


@pytest.mark.parametrize("event_type", sorted(USED_EVENT_TYPES))
def test_every_key_an_extractor_reads_is_in_the_contract(event_type: str) -> None:
    cls = EVENT_TYPES[event_type]
    schema = cls.model_json_schema()
    reads = reads_of(event_type)
    assert ("event_type",) in reads and len(reads) > 1, f"{event_type}: the reads were not recorded"
    missing = sorted(".".join(p) for p in reads if not _in_schema(schema, schema, p))
    assert missing == [], f"{event_type} reads keys its contract does not have: {missing}"


def test_a_key_missing_from_the_contract_is_caught() -> None:
    """The check itself: a path the schema lacks is reported (so the test above cannot pass vacuously)."""
    schema = EVENT_TYPES["AppointmentBooked"].model_json_schema()
    assert _in_schema(schema, schema, ("payload", "replaces", "unit_id"))
    assert not _in_schema(schema, schema, ("payload", "replaces", "unit"))
    assert not _in_schema(schema, schema, ("payload", "starts"))
