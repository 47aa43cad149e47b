"""Trace context travels through the outbox: one trace per case, linked to the requests that acted on it."""
from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlmodel import Session, select

from services.chassis.tables import OutboxRow
from services.chassis.telemetry import setup_tracing
from services.chassis.tracing import case_trace_id
from tests.integration.chassis.conftest import applied, closed
from tests.waiting import wait_until

pytestmark = pytest.mark.broker


async def test_every_hop_of_a_case_is_one_trace_linked_to_the_requests_that_caused_it(probe) -> None:  # type: ignore[no-untyped-def]
    exporter = InMemorySpanExporter()
    setup_tracing("intake", extra_exporters=[exporter])
    first = closed()
    again = closed(first.case_id)  # a later act on the same case, from another request
    async with probe.lifespan(probe.app):
        requests = []
        for ev in (first, again):
            with trace.get_tracer("test").start_as_current_span("POST /close", kind=SpanKind.SERVER) as request:
                with probe.db.uow() as uow:
                    uow.publish(ev)
                    uow.commit()
            requests.append(request.get_span_context())
        await wait_until(lambda: applied(probe, first.case_id) == 2)  # type: ignore[arg-type]
    case_trace = case_trace_id(first.case_id)  # type: ignore[arg-type]
    with Session(probe.db.engine) as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.key == first.case_id)).all()
    assert {r.headers["traceparent"].split("-")[1] for r in rows} == {f"{case_trace:032x}"}  # stored with the rows

    ours = [s for s in exporter.get_finished_spans() if s.context.trace_id == case_trace]
    by_id = {s.context.span_id: s for s in ours}
    consume = [s for s in ours if s.kind == SpanKind.CONSUMER]
    assert len(consume) == 2, "both consume spans belong to the case's trace"

    def ancestors(span):  # type: ignore[no-untyped-def]
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    linked = set()
    for span in consume:
        chain = list(ancestors(span))
        assert any(a.kind == SpanKind.PRODUCER for a in chain)  # via the relay's publish span
        case_span = chain[-1]
        assert case_span.name == "case CaseClosed"
        linked |= {link.context.span_id for link in case_span.links}
    assert linked == {r.span_id for r in requests}  # each hop links back to the request that caused it
