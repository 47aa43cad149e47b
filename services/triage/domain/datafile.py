"""Reading versioned YAML/JSON data files so that every refusal names the file and the line."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[Any, ...]  # keys and indexes down to a value
Problem = tuple[Loc, str]  # where in the document, and what is wrong there


class DataFileError(ValueError):
    """A data file is broken; the service refuses to start rather than triage on a wrong rule."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line if line is not None else '?'}: {msg}" for line, msg in problems]
        super().__init__("\n".join(lines))


class LineMap:
    """Where each value of a parsed document sits: path of keys/indexes -> 1-based line."""

    def __init__(self, lines: dict[Loc, int]) -> None:
        self._lines = lines

    def line_of(self, loc: Iterable[Any]) -> int | None:
        # pydantic may point below what the file holds (e.g. a missing key): walk up to the nearest known node
        loc = tuple(loc)
        while loc not in self._lines and loc:
            loc = loc[:-1]
        return self._lines.get(loc)


def _walk(node: yaml.Node, loc: Loc, out: dict[Loc, int], dupes: list[tuple[int, str]]) -> None:
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value
            if name in seen:  # PyYAML silently keeps the last; a rule file must not mean two things
                dupes.append((key.start_mark.line + 1, f"duplicate key '{name}'"))
            seen.add(name)
            out[(*loc, name)] = key.start_mark.line + 1
            _walk(value, (*loc, name), out, dupes)
            out[(*loc, name)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*loc, i), out, dupes)


def read(path: Path) -> tuple[Any, LineMap]:
    """Parse a YAML (or JSON, a subset of YAML) file and remember the line of every value."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark, ctx = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        opened = f" (opened at line {ctx.line + 1})" if ctx is not None else ""
        msg = f"not valid YAML/JSON: {getattr(exc, 'problem', exc)}{opened}"
        raise DataFileError(path, [(mark.line + 1 if mark else None, msg)]) from exc
    if node is None:
        raise DataFileError(path, [(1, "the file is empty")])
    lines: dict[Loc, int] = {}
    dupes: list[tuple[int, str]] = []
    _walk(node, (), lines, dupes)
    if dupes:
        raise DataFileError(path, list(dupes))
    return data, LineMap(lines)


def validate(path: Path, model: type[M], data: Any, lines: LineMap) -> M:
    """Validate `data` as `model`; errors carry the line of the offending value."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[int | None, str]] = []
        for err in exc.errors():
            loc = err["loc"]
            where = ".".join(str(p) for p in loc) or "(top)"
            problems.append((lines.line_of(loc), f"{where}: {err['msg']}"))
        raise DataFileError(path, problems) from exc


def load(path: Path, model: type[M]) -> tuple[M, LineMap]:
    data, lines = read(path)
    return validate(path, model, data, lines), lines


def refuse_if(path: Path, lines: LineMap, problems: list[Problem]) -> None:
    """Raise for cross-reference problems found after validation, each with its line."""
    if problems:
        raise DataFileError(path, [(lines.line_of(loc), f"{'.'.join(map(str, loc))}: {msg}") for loc, msg in problems])
