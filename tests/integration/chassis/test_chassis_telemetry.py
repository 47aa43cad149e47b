"""Trace context travels through the outbox: the consumer's span continues the request that wrote the event."""
from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlmodel import Session, select

from services.chassis.tables import OutboxRow
from services.chassis.telemetry import setup_tracing
from tests.integration.chassis.conftest import applied, closed, wait_until

pytestmark = pytest.mark.broker


async def test_consume_span_descends_from_the_request_that_wrote_the_outbox_row(probe) -> None:  # type: ignore[no-untyped-def]
    exporter = InMemorySpanExporter()
    setup_tracing("intake", extra_exporters=[exporter])
    ev = closed()
    async with probe.lifespan(probe.app):
        with trace.get_tracer("test").start_as_current_span("POST /close", kind=SpanKind.SERVER) as request:
            with probe.db.uow() as uow:
                uow.publish(ev)
                uow.commit()
        await wait_until(lambda: applied(probe, ev.case_id) == 1)  # type: ignore[arg-type]
    trace_id = request.get_span_context().trace_id
    with Session(probe.db.engine) as s:
        row = s.exec(select(OutboxRow).where(OutboxRow.event_id == str(ev.event_id))).one()
    assert row.headers["traceparent"].split("-")[1] == f"{trace_id:032x}"  # stored with the row

    ours = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in ours}
    consume = [s for s in ours if s.kind == SpanKind.CONSUMER]
    assert len(consume) == 1, "the consume span is not in the request's trace"

    def ancestors(span):  # type: ignore[no-untyped-def]
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    for span in consume:
        chain = list(ancestors(span))
        assert chain[-1].context.span_id == request.get_span_context().span_id
        assert any(a.kind == SpanKind.PRODUCER for a in chain)  # via the relay's publish span
