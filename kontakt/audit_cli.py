"""`kontakt trace` and `kontakt audit`: a case's path through the services, and who has seen a child."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from kontakt.system import SERVICES

console = Console()


def trace(case_id: str = typer.Argument(..., help="The case id, e.g. C-4Q7T2M9KZ3XW."),
          data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory."),
          traces_dir: Path = typer.Option(None, help="Where the span files are; default DATA_DIR/traces.")) -> None:
    """Print a case's trace across the five services as a tree with timings, and the hop where time went."""
    from kontakt.traces import load_case_spans, render

    folder = traces_dir or data_dir / "traces"
    if not folder.is_dir():
        typer.echo(f"No span files in {folder}: is the system running on the embedded default (`make up`)?", err=True)
        raise typer.Exit(1)
    spans = load_case_spans(folder, case_id)
    for line in render(case_id, spans):
        typer.echo(line)
    if not spans:
        raise typer.Exit(1)


def merge_audit(answers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The five services' audit reports for one child, as one list in time order, each row naming its service."""
    rows = [{"service": name, **r} for name, a in answers.items() for r in a.get("records", [])]
    return sorted(rows, key=lambda r: (str(r["at"]), r["service"]))


def collect_audit(urls: dict[str, str], token: str, child_ref: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Ask every service's audit report for the child; intake first, since it knows every case of the child,
    which the others (kpi keeps no patient reference) are then asked about too."""

    headers = {"Authorization": f"Bearer {token}"}
    answers: dict[str, dict[str, Any]] = {}
    cases: list[str] = []
    for name in sorted(urls, key=lambda n: n != "intake"):
        try:
            r = httpx.get(f"{urls[name]}/api/audit/children/{child_ref}", params={"case_id": cases},
                          headers=headers, timeout=30)
        except httpx.HTTPError as exc:
            raise RuntimeError(f"{name} does not answer on {urls[name]} ({type(exc).__name__})") from None
        if r.status_code == 404:
            continue  # a part without an audit trail of its own (it keeps no personal data)
        if r.status_code != 200:
            raise RuntimeError(f"{name} refused: {r.status_code} {r.text[:300]}")
        answers[name] = r.json()
        cases = sorted(set(cases) | set(answers[name]["case_ids"]))
    return cases, merge_audit(answers)


def audit(child_ref: str = typer.Argument(..., help="The child's pseudonymous reference (P-…)."),
          data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON lines instead of a table.")) -> None:
    """Who has seen this child, when and why: every service's audit records, merged (as the KC head; audited)."""
    from services.chassis.issuer import LocalIssuer

    token = LocalIssuer(data_dir / "keys").token("kc_head", subject="S-KONTAKT-AUDIT")
    urls = {name: f"http://127.0.0.1:{port}" for name, port in SERVICES.items()}
    try:
        cases, rows = collect_audit(urls, token, child_ref)
    except RuntimeError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, default=str))
        return
    table = Table(title=f"{child_ref}: {len(rows)} records, cases {', '.join(cases) or '-'}")
    for col in ("at", "service", "actor", "role", "unit", "action", "case", "outcome", "detail"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["at"])[:19], r["service"], r["actor"], r["role"], r["unit"] or "-", r["action"],
                      r["case_id"] or "-", r["outcome"], (r["detail"] or "")[:60])
    console.print(table)
