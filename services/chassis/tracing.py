"""One trace per case: every hop about a case, in every service, shares a trace id derived from the case id.

A request or message about a case that arrives in another trace (a staff member's new request, say)
gets a `case <event>` span in the case's trace, linked to where it came from. Downstream consumers
continue the case's trace from the event headers (`consume_span`), so ops see a child's whole journey as
one trace.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from starlette.types import ASGIApp, Receive, Scope, Send

from services.chassis.records import Located

CASE_IN_PATH = re.compile(r"/(C-[0-9A-Z]{12})(?:/|$)")
_tracer = trace.get_tracer("en-vag-in.case")
_consumer_tracer = trace.get_tracer("en-vag-in.consumer")


def case_trace_id(case_id: str) -> int:
    return int.from_bytes(hashlib.sha256(b"en-vag-in/case-trace/" + case_id.encode()).digest()[:16], "big")


def _case_root(case_id: str) -> SpanContext:
    span_id = int.from_bytes(hashlib.sha256(b"en-vag-in/case-root/" + case_id.encode()).digest()[:8], "big") or 1
    return SpanContext(trace_id=case_trace_id(case_id), span_id=span_id, is_remote=True,
                       trace_flags=TraceFlags(TraceFlags.SAMPLED))


@contextmanager
def in_case_trace(case_id: str, name: str) -> Iterator[None]:
    """Run the block inside the case's trace: as is if already there, else in a new span linked to the caller."""
    current = trace.get_current_span().get_span_context()
    if current.is_valid and current.trace_id == case_trace_id(case_id):
        yield
        return
    parent = trace.set_span_in_context(NonRecordingSpan(_case_root(case_id)))
    links = [Link(current)] if current.is_valid else []
    with _tracer.start_as_current_span(name, context=parent, links=links, kind=SpanKind.INTERNAL):
        yield


class CaseTraceMiddleware:
    """ASGI: a request whose path names a case runs in that case's trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        m = CASE_IN_PATH.search(scope.get("path", "")) if scope["type"] == "http" else None
        if m is None:
            await self.app(scope, receive, send)
            return
        token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(_case_root(m.group(1)))))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


def consume_span_args(group: str, record: Located) -> dict[str, Any]:
    """A CONSUMER span's name, parent (the trace the record's headers carry) and attributes for one record."""
    headers: Sequence[tuple[str, bytes]] = getattr(record, "headers", None) or ()  # tools' stand-ins may have none
    carrier = {k: v.decode("utf-8", "replace") for k, v in headers if k in ("traceparent", "tracestate")}
    return {"name": f"{record.topic} process", "context": propagate.extract(carrier), "kind": SpanKind.CONSUMER,
            "attributes": {"messaging.system": "kafka", "messaging.operation": "process",
                           "messaging.destination.name": record.topic, "messaging.consumer.group.name": group,
                           "messaging.destination.partition.id": str(record.partition),
                           "messaging.kafka.offset": record.offset}}


def start_consume_span(group: str, record: Located) -> trace.Span:
    """A CONSUMER span for one record, not made current (a batch fold spans many records at once)."""
    return _consumer_tracer.start_span(**consume_span_args(group, record))


@contextmanager
def consume_span(group: str, record: Located) -> Iterator[None]:
    """A CONSUMER span for one record, continuing the trace its headers carry (the case's trace), so what the
    handler publishes stays in it. FastStream's own span covers the whole fetched batch and only links them."""
    args = consume_span_args(group, record)
    span = _consumer_tracer.start_span(**args)  # start_as_current_span's layers cost a third more, per event
    token = otel_context.attach(trace.set_span_in_context(span, args["context"]))
    try:
        yield
    except BaseException as exc:  # the type only: a message could quote what it failed on
        span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        otel_context.detach(token)
        span.end()
