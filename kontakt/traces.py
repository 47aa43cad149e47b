"""Reading a case's trace on the embedded default: the span files under `.kontakt/traces/`, as a tree with timings.

Every service writes its finished spans as JSON lines (services/chassis/telemetry.py); a case's hops share
the trace id derived from its case id (services/chassis/tracing.py), so one case is one trace across all five.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.chassis.tracing import case_trace_id


@dataclass
class Span:
    span_id: str
    parent_id: str | None
    name: str
    service: str
    start_ns: int
    end_ns: int
    kind: str = ""
    children: list[Span] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


@dataclass(frozen=True)
class Hop:
    """Time spent between a span and its child in another service (or the gap before a child starts)."""

    parent: Span
    child: Span
    wait_ms: float


def load_case_spans(traces_dir: Path, case_id: str) -> list[Span]:
    """The case's spans from every `*.jsonl` file under `traces_dir` (unreadable lines are skipped)."""
    wanted = f"{case_trace_id(case_id):032x}"
    spans: dict[str, Span] = {}
    for path in sorted(traces_dir.glob("*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if wanted not in line:
                    continue
                try:
                    raw: dict[str, Any] = json.loads(line)
                except ValueError:
                    continue
                if raw.get("trace_id") != wanted or "start_ns" not in raw:
                    continue
                service = str(raw.get("service") or "?").removeprefix("en-vag-in.")
                spans[raw["span_id"]] = Span(raw["span_id"], raw.get("parent_id"), raw["name"], service,
                                             int(raw["start_ns"]), int(raw["end_ns"]), raw.get("kind", ""))
    return list(spans.values())


def build_tree(spans: list[Span]) -> list[Span]:
    """Roots (spans whose parent is not recorded: the case's synthetic root) with children in time order."""
    by_id = {s.span_id: s for s in spans}
    roots: list[Span] = []
    for s in sorted(spans, key=lambda s: s.start_ns):
        parent = by_id.get(s.parent_id) if s.parent_id else None
        (parent.children if parent else roots).append(s)
    return roots


def slowest_hop(spans: list[Span]) -> Hop | None:
    """The hand-over where the case waited longest: a child starting after its parent in another service
    (a broker hop: published, then consumed) or after its parent ended (an outbox relay picking a row up)."""
    by_id = {s.span_id: s for s in spans}
    best: Hop | None = None
    for s in spans:
        parent = by_id.get(s.parent_id) if s.parent_id else None
        if parent is None:
            continue
        if s.start_ns >= parent.end_ns:
            wait = (s.start_ns - parent.end_ns) / 1e6
        elif parent.service != s.service:
            wait = (s.start_ns - parent.start_ns) / 1e6
        else:
            continue  # a step nested inside its parent in the same service: not a hand-over
        if best is None or wait > best.wait_ms:
            best = Hop(parent, s, wait)
    return best


def render(case_id: str, spans: list[Span]) -> list[str]:
    """Lines to print: the tree with start offsets and durations, then the hop where the time went."""
    if not spans:
        return [f"No spans for {case_id} (trace {case_trace_id(case_id):032x})."]
    t0 = min(s.start_ns for s in spans)
    t1 = max(s.end_ns for s in spans)
    services = sorted({s.service for s in spans})
    lines = [f"Case {case_id}: trace {case_trace_id(case_id):032x}, {len(spans)} spans in "
             f"{len(services)} services ({', '.join(services)}), {(t1 - t0) / 1e6:.1f} ms from first to last"]

    def walk(span: Span, prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        lines.append(f"{prefix}{branch}[{span.service}] {span.name}  +{(span.start_ns - t0) / 1e6:.1f} ms, "
                     f"{span.ms:.1f} ms")
        for i, child in enumerate(span.children):
            walk(child, prefix + ("   " if last else "│  "), i == len(span.children) - 1)

    roots = build_tree(spans)
    for i, root in enumerate(roots):
        walk(root, "", i == len(roots) - 1)
    hop = slowest_hop(spans)
    if hop is not None:
        lines.append(f"Most time between hops: {hop.wait_ms:.1f} ms from [{hop.parent.service}] {hop.parent.name} "
                     f"to [{hop.child.service}] {hop.child.name}")
    longest = max(spans, key=lambda s: s.ms)
    lines.append(f"Longest span: [{longest.service}] {longest.name}, {longest.ms:.1f} ms")
    return lines
