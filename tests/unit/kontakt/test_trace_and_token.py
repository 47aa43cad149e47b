"""`kontakt trace` reads the per-service span files the embedded default writes; `kontakt token` knows the roles."""
from __future__ import annotations

import json
import time
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, set_span_in_context
from typer.testing import CliRunner

from kontakt.cli import app
from kontakt.system import System
from kontakt.traces import load_case_spans, render, slowest_hop
from services.chassis.auth import ROLES, TokenVerifier
from services.chassis.issuer import LocalIssuer
from services.chassis.telemetry import JsonLinesSpanExporter
from services.chassis.tracing import in_case_trace

CASE = "C-4Q7T2M9KZ3XW"


def _provider(service: str, folder: Path) -> TracerProvider:
    """A real SDK provider per 'service', writing where the embedded default writes: traces/<service>.jsonl."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"en-vag-in.{service}"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(folder / f"{service}.jsonl")))
    return provider


def _journey(folder: Path) -> None:
    """intake publishes, triage consumes 300 ms later and publishes, booking consumes at once (a wide margin, so
    a busy machine's pauses elsewhere do not make another hop the slowest)."""
    intake, triage, booking = (_provider(s, folder).get_tracer("t") for s in ("intake", "triage", "booking"))
    with in_case_trace(CASE, "case"):  # the case's trace, as the chassis derives it from the case id
        with intake.start_as_current_span("case ReferralReceived"):
            with intake.start_as_current_span("intake.cases.v1 publish", kind=SpanKind.PRODUCER) as pub:
                time.sleep(0.005)
    time.sleep(0.3)  # the broker hop where the time goes
    with triage.start_as_current_span("intake.cases.v1 process", kind=SpanKind.CONSUMER,
                                      context=set_span_in_context(pub)):
        with triage.start_as_current_span("triage.assessments.v1 publish", kind=SpanKind.PRODUCER) as pub2:
            time.sleep(0.002)
    with booking.start_as_current_span("triage.assessments.v1 process", kind=SpanKind.CONSUMER,
                                       context=set_span_in_context(pub2)):
        time.sleep(0.002)


def test_the_embedded_default_keeps_spans_in_a_file_per_service_and_production_does_not(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("KONTAKT_SPAN_LOG", raising=False)
    assert System(data_dir=tmp_path).env_for("triage")["KONTAKT_SPAN_LOG"] == str(
        (tmp_path / "traces" / "triage.jsonl").resolve())
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318")  # production: the collector
    assert "KONTAKT_SPAN_LOG" not in System(data_dir=tmp_path).env_for("triage")


def test_a_case_trace_is_printed_as_a_tree_across_services_with_the_slow_hop_named(tmp_path: Path) -> None:
    folder = tmp_path / "traces"
    _journey(folder)
    with (folder / "intake.jsonl").open("a") as f:  # a torn last line (a process killed mid-write) is skipped
        f.write('{"trace_id": "' + json.loads((folder / "intake.jsonl").read_text().splitlines()[0])["trace_id"])
    spans = load_case_spans(folder, CASE)
    assert {s.service for s in spans} == {"intake", "triage", "booking"} and len(spans) == 5
    hop = slowest_hop(spans)
    assert hop is not None and (hop.parent.name, hop.child.service) == ("intake.cases.v1 publish", "triage")
    assert hop.wait_ms >= 290

    result = CliRunner().invoke(app, ["trace", CASE, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    print("\n" + result.output)
    assert lines[0].startswith(f"Case {CASE}: trace ") and "5 spans in 3 services (booking, intake, triage)" in lines[0]
    assert lines[1].startswith("└─ [intake] case ReferralReceived  +0.0 ms")
    assert lines[2].startswith("   └─ [intake] intake.cases.v1 publish")
    assert lines[3].startswith("      └─ [triage] intake.cases.v1 process")
    assert lines[5].startswith("            └─ [booking] triage.assessments.v1 process")
    assert "Most time between hops:" in lines[6] and "from [intake] intake.cases.v1 publish to [triage]" in lines[6]


def test_an_unknown_case_says_so_and_fails(tmp_path: Path) -> None:
    (tmp_path / "traces").mkdir()
    result = CliRunner().invoke(app, ["trace", "C-000000000000", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and result.output.startswith("No spans for C-000000000000")
    assert render(CASE, []) == [f"No spans for {CASE} (trace {load_case_spans.__globals__['case_trace_id'](CASE):032x})."]


def test_token_refuses_a_role_that_does_not_exist_and_lists_the_valid_ones(tmp_path: Path) -> None:
    LocalIssuer(tmp_path / "keys")  # the running system's key, as `kontakt up` makes it
    result = CliRunner().invoke(app, ["token", "nurse", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Unknown role 'nurse'" in result.output and ", ".join(ROLES) in result.output
    ok = CliRunner().invoke(app, ["token", "clinician", "--data-dir", str(tmp_path)])
    assert ok.exit_code == 0 and ok.output.count(".") == 2  # a JWT


def test_token_refuses_to_mint_with_a_key_no_running_system_trusts(tmp_path: Path) -> None:
    nowhere = CliRunner().invoke(app, ["token", "clinician", "--data-dir", str(tmp_path / "no-system")])
    assert nowhere.exit_code == 2 and "No issuer key" in nowhere.output and "Ingen utfärdarnyckel" in nowhere.output
    assert not (tmp_path / "no-system" / "keys").exists()  # no key pair made up on the spot
    running = LocalIssuer(tmp_path / "keys")
    other = tmp_path / "keys" / "issuer.pem"
    ok = CliRunner().invoke(app, ["token", "clinician", "--data-dir", str(tmp_path)])
    verifier = TokenVerifier(running.issuer, running.audience, jwks_file=running.jwks_file)
    assert ok.exit_code == 0 and verifier.verify(ok.output.strip()).role == "clinician"
    other.write_bytes(LocalIssuer(tmp_path / "elsewhere").key_dir.joinpath("issuer.pem").read_bytes())  # swapped key
    swapped = CliRunner().invoke(app, ["token", "clinician", "--data-dir", str(tmp_path)])
    assert swapped.exit_code == 2 and "not in" in swapped.output
