"""deploy/prometheus/alerts.yml checked as promtool would: rule groups well formed, durations valid, every
expression balanced and naming only metrics a service really exports on /metrics."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/alerts.yml"
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
KEYWORDS = {"sum", "max", "min", "avg", "count", "rate", "increase", "irate", "delta", "histogram_quantile",
            "and", "or", "unless", "on", "by", "without", "ignoring", "group_left", "group_right", "bool", "offset",
            "abs", "absent", "clamp_min", "clamp_max", "time", "topk", "bottomk", "quantile"}
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (label sets, ranges, groupings and functions taken out)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    s = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    names = set()
    for m in IDENT.finditer(s):
        follows = s[m.end():].lstrip()[:1]
        if m.group() not in KEYWORDS and follows != "(" and not re.fullmatch(r"\d+\w*", m.group()):
            names.add(m.group())
    return names


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, issuer) -> set[str]:  # type: ignore[no-untyped-def]
    """Every metric name one real service's /metrics shows (a route called first, so HTTP metrics exist)."""
    import asyncio

    from services.triage.app import build
    from services.triage.settings import TriageSettings

    rt, app = build(TriageSettings(data_dir=tmp_path_factory.mktemp("triage"), auth_jwks_file=issuer.jwks_file))
    rt.migrate()

    async def scrape() -> str:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            await c.get("/openapi.json")
            return (await c.get("/metrics")).text

    text = asyncio.run(scrape())
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_rule_file_is_well_formed_groups_of_named_alerts() -> None:
    doc = yaml.safe_load(RULES.read_text())
    assert set(doc) == {"groups"} and doc["groups"]
    seen: set[str] = set()
    for group in doc["groups"]:
        assert set(group) <= {"name", "rules", "interval", "limit"} and group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, rule
            assert rule["alert"] not in seen and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
            seen.add(rule["alert"])
            assert "for" not in rule or DURATION.match(rule["for"]), rule["for"]
            assert rule["labels"]["severity"] in {"page", "ticket"}
            assert {"summary", "runbook"} <= set(rule["annotations"])
            expr = rule["expr"]
            assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), rule["alert"]
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert scrape["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_every_alert_expression_names_only_metrics_the_services_export(exported: set[str]) -> None:
    doc = yaml.safe_load(RULES.read_text())
    rules = [r for g in doc["groups"] for r in g["rules"]]
    for rule in rules:
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= exported, (rule["alert"], names - exported)
    # one alert at least for each thing the issue names
    used = set().union(*(metric_names(r["expr"]) for r in rules))
    assert {"kontakt_outbox_parked", "kontakt_outbox_backlog", "kontakt_outbox_oldest_unsent_age_seconds",
            "kontakt_consumer_lag", "kontakt_consumer_dead_lettered_total", "http_requests_total",
            "http_request_duration_seconds_bucket"} <= used


def test_metric_name_extraction_skips_labels_functions_and_groupings() -> None:
    expr = 'sum by (service, le) (rate(http_x_bucket{status="5xx", a=~"b(c)"}[5m])) > 0 and on (g) y_total'
    assert metric_names(expr) == {"http_x_bucket", "y_total"}
