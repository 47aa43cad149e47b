"""Exported JSON Schemas and samples of every event, and the check that a change stays compatible.

A consumer deployed yesterday must still read what a producer writes today, and today's consumer
must read yesterday's events (replays, the outbox re-published after a restart). So a committed
schema version may only grow: new optional fields, wider types, more enum values. Anything else
needs a new `SCHEMA_VERSION` and an upcaster in `contracts.registry.UPCASTERS`.
"""
from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from contracts.envelope import Event

_NAME = re.compile(r"^(?P<type>[A-Za-z0-9]+)\.v(?P<version>\d+)\.json$")
# constraints whose bigger value accepts less (and the reverse)
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_EXACT = ("pattern", "format", "multipleOf")


class IncompatibleSchema(Exception):
    """A committed schema version would change incompatibly; bump SCHEMA_VERSION and add an upcaster."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        lines = [f"{name}: {p}" for name, ps in problems.items() for p in ps]
        super().__init__("incompatible schema changes (bump schema_version + upcaster, or --force):\n  "
                         + "\n  ".join(lines))


# -- files ----------------------------------------------------------------------------------------

def file_name(cls: type[Event], version: int | None = None) -> str:
    return f"{cls.__name__}.v{version or cls.SCHEMA_VERSION}.json"


def parse_file_name(name: str) -> tuple[str, int] | None:
    m = _NAME.match(name)
    return (m["type"], int(m["version"])) if m else None


def current_schema(cls: type[BaseModel]) -> dict[str, Any]:
    return cls.model_json_schema()


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# -- samples from field examples --------------------------------------------------------------------

def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """A value for every field: its first example, else the nested model's own example, else its default."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.examples:
            data[name] = info.examples[0]
        elif nested := _models_in(info.annotation):
            data[name] = example_of(nested[0])
        elif info.default is not PydanticUndefined:
            data[name] = info.default
        else:
            raise ValueError(f"{model.__name__}.{name} has no example to build a sample from")
    return data


def sample_event(cls: type[Event]) -> dict[str, Any]:
    """An example event of `cls`, validated by the model and in its JSON form."""
    data = example_of(cls) | {"event_type": cls.__name__, "schema_version": cls.SCHEMA_VERSION,
                              "producer": cls.PRODUCER}
    return cls.model_validate(data).model_dump(mode="json")


# -- compatibility ------------------------------------------------------------------------------------

def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 50:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**root.get("$defs", {})[name], **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _alternatives(schema: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema as a flat list of single-type alternatives (anyOf/oneOf, type lists and refs unfolded)."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [alt for sub in schema[key] for alt in _alternatives(sub, root)]
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": t} for t in types]
    return [schema]


def _kind(alt: dict[str, Any]) -> str | None:
    if "type" in alt:
        return str(alt["type"])
    if "const" in alt or "enum" in alt:
        return "value"
    return None  # anything goes


def _values(alt: dict[str, Any]) -> list[Any] | None:
    if "const" in alt:
        return [alt["const"]]
    if "enum" in alt:
        return list(alt["enum"])
    return None


def _narrower_constraints(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found = []
    for key in _LOWER_BOUNDS:
        if key in new and (key not in old or new[key] > old[key]):
            found.append(f"{key} {old.get(key)} -> {new[key]}")
    for key in _UPPER_BOUNDS:
        if key in new and (key not in old or new[key] < old[key]):
            found.append(f"{key} {old.get(key)} -> {new[key]}")
    for key in _EXACT:
        if key in new and new[key] != old.get(key):
            found.append(f"{key} {old.get(key)!r} -> {new[key]!r}")
    return found


def _type_covers(new_kind: str | None, old_kind: str | None) -> bool:
    return new_kind is None or new_kind == old_kind or (old_kind == "integer" and new_kind == "number")


def _covered(old: dict[str, Any], news: list[dict[str, Any]]) -> list[str]:
    """Why the new alternatives do not accept everything the old alternative accepted ([] if they do)."""
    old_values = _values(old)
    if old_values is not None:
        free = [n for n in news if _values(n) is None]
        allowed = {json.dumps(v) for n in news for v in (_values(n) or [])}
        lost = [v for v in old_values if json.dumps(v) not in allowed
                and not any(_type_covers(_kind(n), _json_type(v)) and not _narrower_constraints(old, n)
                            for n in free)]
        return [f"value {v!r} no longer accepted" for v in lost]
    candidates = [n for n in news if _values(n) is None and _type_covers(_kind(n), _kind(old))]
    if not candidates:
        return [f"type {_kind(old) or 'any'} no longer accepted (now {sorted(str(_kind(n)) for n in news)})"]
    reasons = [_narrower_constraints(old, n) for n in candidates]
    if all(reasons):
        return ["narrowed: " + ", ".join(reasons[0])]
    return []


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null",
            list: "array", dict: "object"}.get(type(value), "string")


def _pair(old_alts: list[dict[str, Any]], new_alts: list[dict[str, Any]], kind: str) -> list[tuple[Any, Any]]:
    """Match object/array alternatives of both sides (by title for unions of models)."""
    olds = [a for a in old_alts if _kind(a) == kind]
    news = [a for a in new_alts if _kind(a) == kind]
    if len(olds) == 1 and len(news) == 1:
        return [(olds[0], news[0])]
    by_title = {n.get("title"): n for n in news}
    return [(o, by_title[o.get("title")]) for o in olds if o.get("title") in by_title]


def compare(old: dict[str, Any], new: dict[str, Any], old_root: dict[str, Any] | None = None,
            new_root: dict[str, Any] | None = None, path: str = "", depth: int = 0) -> list[str]:
    """Every way `new` rejects something `old` accepted, with the field path."""
    old_root = old_root if old_root is not None else old
    new_root = new_root if new_root is not None else new
    if depth > 30:
        return []
    old_alts, new_alts = _alternatives(old, old_root), _alternatives(new, new_root)
    problems = [f"{path or '<root>'}: {why}" for alt in old_alts for why in _covered(alt, new_alts)]
    for o, n in _pair(old_alts, new_alts, "object"):
        problems += _compare_object(o, n, old_root, new_root, path, depth)
    for o, n in _pair(old_alts, new_alts, "array"):
        if "items" in o and "items" in n:
            problems += compare(o["items"], n["items"], old_root, new_root, f"{path}[]", depth + 1)
    return problems


def _compare_object(old: dict[str, Any], new: dict[str, Any], old_root: dict[str, Any], new_root: dict[str, Any],
                    path: str, depth: int) -> list[str]:
    prefix = f"{path}." if path else ""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{prefix}{name}: field removed or renamed")
        else:
            problems += compare(old_props[name], new_props[name], old_root, new_root, prefix + name, depth + 1)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{prefix}{name}: new required field")
    old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
    if isinstance(old_extra, dict) and isinstance(new_extra, dict):
        problems += compare(old_extra, new_extra, old_root, new_root, f"{prefix}*", depth + 1)
    elif old_extra is not False and new_extra is False:
        problems.append(f"{prefix}*: additional properties no longer allowed")
    return problems


# -- export -------------------------------------------------------------------------------------------

def check_all(contracts_dir: Path, events: Iterable[type[Event]]) -> dict[str, list[str]]:
    """Incompatibilities of each current model against its committed schema of the same version."""
    problems: dict[str, list[str]] = {}
    for cls in events:
        path = contracts_dir / "schemas" / file_name(cls)
        if path.exists():
            found = compare(json.loads(path.read_text()), current_schema(cls))
            if found:
                problems[file_name(cls)] = found
    return problems


def export_all(contracts_dir: Path, events: Iterable[type[Event]] | None = None, force: bool = False) -> list[Path]:
    """Write schemas (and samples of versions that have none yet); refuse incompatible rewrites unless forced."""
    if events is None:
        from contracts.registry import ALL_EVENTS

        events = ALL_EVENTS
    events = list(events)
    problems = check_all(contracts_dir, events)
    if problems and not force:
        raise IncompatibleSchema(problems)
    written = []
    for cls in events:
        schema_path = contracts_dir / "schemas" / file_name(cls)
        text = _dump(current_schema(cls))
        if not schema_path.exists() or schema_path.read_text() != text:
            schema_path.parent.mkdir(parents=True, exist_ok=True)
            schema_path.write_text(text)
            written.append(schema_path)
        sample_path = contracts_dir / "samples" / file_name(cls)
        if not sample_path.exists():  # samples of a version are frozen: they prove old events still parse
            sample_path.parent.mkdir(parents=True, exist_ok=True)
            sample_path.write_text(_dump(sample_event(cls)))
            written.append(sample_path)
    return written
