"""The committed JSON Schemas and samples hold every producer and consumer to the same contract."""
from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest
from pydantic import BaseModel

import contracts
from contracts.envelope import Event
from contracts.registry import ALL_EVENTS, EVENT_TYPES, TOPIC_OWNERS, UPCASTERS, parse_event
from contracts.schema_tools import compare, current_schema, example_of, file_name, parse_file_name
from contracts.topics import ALL_TOPICS

CONTRACTS = Path(contracts.__file__).parent
SCHEMAS = CONTRACTS / "schemas"
SAMPLES = CONTRACTS / "samples"
EVENT_IDS = [cls.__name__ for cls in ALL_EVENTS]


def _committed(folder: Path) -> list[tuple[str, int, Path]]:
    found = []
    for path in sorted(folder.glob("*.json")):
        parsed = parse_file_name(path.name)
        assert parsed, f"{path.name} is not named <EventType>.v<N>.json"
        found.append((*parsed, path))
    return found


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_current_model_is_compatible_with_its_committed_schema(cls: type[Event]) -> None:
    path = SCHEMAS / file_name(cls)
    assert path.exists(), f"{path.name} missing: run `kontakt contracts export` and commit it"
    problems = compare(json.loads(path.read_text()), current_schema(cls))
    assert problems == [], f"{cls.__name__} changed incompatibly; bump SCHEMA_VERSION and add an upcaster"


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_current_version_has_a_committed_sample(cls: type[Event]) -> None:
    assert (SAMPLES / file_name(cls)).exists(), "run `kontakt contracts export` and commit the sample"


@pytest.mark.parametrize("event_type,version,path", _committed(SAMPLES), ids=lambda v: getattr(v, "name", ""))
def test_every_committed_sample_parses_with_the_current_models(event_type: str, version: int, path: Path) -> None:
    data = json.loads(path.read_text())
    assert (data["event_type"], data["schema_version"]) == (event_type, version)
    event = parse_event(path.read_bytes())
    assert type(event) is EVENT_TYPES[event_type]
    assert event.schema_version == EVENT_TYPES[event_type].SCHEMA_VERSION


@pytest.mark.parametrize("event_type,version,path", _committed(SCHEMAS), ids=lambda v: getattr(v, "name", ""))
def test_every_older_schema_version_has_upcasters_up_to_the_current(event_type: str, version: int,
                                                                     path: Path) -> None:
    assert event_type in EVENT_TYPES, f"{path.name} belongs to no registered event"
    current = EVENT_TYPES[event_type].SCHEMA_VERSION
    assert version <= current, f"{path.name} is newer than the model (v{current})"
    missing = [v for v in range(version, current) if (event_type, v) not in UPCASTERS]
    assert missing == [], f"{event_type}: no upcaster from v{missing}"
    assert (SAMPLES / path.name).exists(), f"{path.name} has no sample to prove the upcast"


def _models(cls: type[BaseModel], seen: set[type[BaseModel]]) -> list[type[BaseModel]]:
    if cls in seen:
        return []
    seen.add(cls)
    found = [cls]
    for info in cls.model_fields.values():
        for arg in _flatten(info.annotation):
            if inspect.isclass(arg) and issubclass(arg, BaseModel):
                found += _models(arg, seen)
    return found


def _flatten(annotation: object) -> list[object]:
    import typing

    return [annotation, *(a for arg in typing.get_args(annotation) for a in _flatten(arg))]


def _nested(annotation: object) -> bool:
    return any(inspect.isclass(a) and issubclass(a, BaseModel) for a in _flatten(annotation))


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=EVENT_IDS)
def test_every_field_has_a_description_and_an_example(cls: type[Event]) -> None:
    missing = []
    for model in _models(cls, set()):
        for name, info in model.model_fields.items():
            if not info.description:
                missing.append(f"{model.__name__}.{name}: description")
            if not info.examples and not _nested(info.annotation):
                missing.append(f"{model.__name__}.{name}: example")
    assert missing == []
    assert example_of(cls)  # and the examples compose into a whole event


def test_every_topic_has_exactly_one_owner() -> None:
    owners: dict[str, set[str]] = {}
    for cls in ALL_EVENTS:
        owners.setdefault(cls.TOPIC, set()).add(cls.PRODUCER)
        assert cls.model_fields["producer"].annotation.__args__ == (cls.PRODUCER,), cls.__name__  # type: ignore[union-attr]
    assert {t: len(o) for t, o in owners.items()} == {t: 1 for t in owners}
    assert sorted(owners) == sorted(ALL_TOPICS) == sorted(TOPIC_OWNERS)


def _event_classes_defined_in_contracts() -> set[type[Event]]:
    found = set()
    for mod in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"contracts.{mod.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            # pydantic puts the parametrised bases (`Event[XPayload]`) into the module too; they are no event types
            if (issubclass(obj, Event) and obj is not Event and not obj.__name__.startswith("_")
                    and obj.__pydantic_generic_metadata__["origin"] is None):
                found.add(obj)
    return found


def test_every_event_type_is_in_the_registry() -> None:
    missing = {c.__name__ for c in _event_classes_defined_in_contracts()} - set(EVENT_TYPES)
    assert missing == set(), "add them to their module's EVENTS list"
    for name, cls in EVENT_TYPES.items():
        assert cls.model_fields["event_type"].annotation.__args__ == (name,)  # type: ignore[union-attr]


def test_every_committed_schema_belongs_to_a_registered_event() -> None:
    assert {t for t, _, _ in _committed(SCHEMAS)} <= set(EVENT_TYPES)
