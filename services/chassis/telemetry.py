"""OpenTelemetry and logging set-up shared by every service; nothing personal in spans or logs."""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanExportResult

# Defence in depth: even if a bug puts one in a log line, identity and phone numbers are masked.
_PNR = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<![\w\d])(?:\+46|0046|0)\s?7\d(?:[\s-]?\d){7}(?!\d)")


_LINE_BREAKERS = {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}


def redact(text: str) -> str:
    return _PHONE.sub("[phone]", _PNR.sub("[pnr]", text))


class RedactingFormatter(logging.Formatter):
    """JSON lines; control characters are escaped (no log injection) and identifiers masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "service": self.service, "logger": record.name, "msg": redact(record.getMessage())}
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = f"{span.trace_id:032x}"
        line = json.dumps(entry, ensure_ascii=False)
        # JSON leaves these unescaped outside ASCII mode, yet log readers break lines on them
        return line.translate(_LINE_BREAKERS)


class _OurStreamHandler(logging.StreamHandler[TextIO]):
    """Our handler on stderr: a later set-up replaces it, and leaves other handlers alone."""


class _OurFileHandler(logging.FileHandler):
    """Our handler on the log file: a later set-up replaces it, and leaves other handlers alone."""


def setup_logging(service: str, log_file: Path | None = None, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h, (_OurStreamHandler, _OurFileHandler)):
            root.removeHandler(h)
    handlers: list[logging.Handler] = [_OurStreamHandler(sys.stderr)]
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(_OurFileHandler(log_file))
    for h in handlers:
        h.setFormatter(RedactingFormatter(service))
        root.addHandler(h)
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    adopt_library_loggers()


def adopt_library_loggers() -> None:
    """FastStream and uvicorn bring their own (coloured, plain-text) handlers: route them through ours instead,
    so every log file is JSON lines. Called again after the broker starts, as FastStream adds some late."""
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("faststream", "uvicorn"):
            logger = logging.getLogger(name)
            for h in list(logger.handlers):
                logger.removeHandler(h)
            logger.propagate = True


class JsonLinesSpanExporter(SpanExporter):
    """Writes finished spans to a file, one JSON object per line (for tests and for ops without a collector)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock, self.path.open("a") as f:
            for s in spans:
                ctx = s.get_span_context()
                if ctx is None:  # only a span not yet started lacks one; the exporter gets finished spans
                    continue
                parent = s.parent
                f.write(json.dumps({
                    "name": s.name, "trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}",
                    "parent_id": f"{parent.span_id:016x}" if parent else None,
                    "service": s.resource.attributes.get("service.name"),
                    "kind": s.kind.name, "start_ns": s.start_time, "end_ns": s.end_time,
                    "status": s.status.status_code.name,
                    "attributes": {k: str(v) for k, v in (s.attributes or {}).items()},
                }) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


_provider: TracerProvider | None = None


def setup_tracing(service: str, otlp_endpoint: str | None = None, span_log: Path | None = None,
                  extra_exporters: Sequence[SpanExporter] = ()) -> TracerProvider:
    """Install the process's tracer provider once; exporters: OTLP if configured, span log, extras."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": f"en-vag-in.{service}"}))
        trace.set_tracer_provider(_provider)
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        if span_log:
            # in batches from a background thread: one span at a time (open, write, close) was a file write
            # per request and per published event on the event loop; a reader sees a span within ~0.2 s
            _provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(span_log), schedule_delay_millis=200))
    for exp in extra_exporters:
        _provider.add_span_processor(SimpleSpanProcessor(exp))
    return _provider


def shutdown_tracing() -> None:
    if _provider is not None:
        _provider.force_flush()
