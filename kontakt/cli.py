"""`kontakt`: run En väg in on the embedded default and the tools around it."""
from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from kontakt.apache_kafka import KafkaUnavailable
from kontakt.call_cli import call_command
from kontakt.clock_cli import clock_app
from kontakt.kpi_cli import kpi_app
from kontakt.system import SERVICES, System, ports_from, read_bootstrap, read_ports, write_ports

app = typer.Typer(help="En väg in — kontaktcenter barn och unga psykisk hälsa.", no_args_is_help=True)
contracts_app = typer.Typer(help="Event contracts: JSON Schemas, samples, AsyncAPI.")
db_app = typer.Typer(help="Database migrations per service.")
outbox_app = typer.Typer(help="Outbox rows the broker refused for good (parked): list them, re-drive them.")
dlq_app = typer.Typer(help="Dead-letter topics: send dead letters back once their cause is fixed.")
app.add_typer(contracts_app, name="contracts")
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(dlq_app, name="dlq")
app.add_typer(kpi_app, name="kpi")
app.add_typer(clock_app, name="clock")
app.command("call")(call_command)
console = Console()
ROOT = Path(__file__).resolve().parent.parent


def dashboard_url(data_dir: Path, port: int) -> str:
    from services.chassis.issuer import LocalIssuer

    return f"http://127.0.0.1:{port}/dashboard#token={LocalIssuer(data_dir / 'keys').token('kpi_analyst')}"


def show_dashboard(data_dir: Path, port: int) -> Path:
    """The dashboard's link with its token on one line, never wrapped (a wrapped token signs nobody in), and in a
    file beside the data, for a terminal too narrow to copy from."""
    url = dashboard_url(data_dir, port)
    link = data_dir / "dashboard-url.txt"  # the same file `kontakt demo` writes
    link.parent.mkdir(parents=True, exist_ok=True)
    link.write_text(url + "\n", encoding="utf-8")
    console.print(f"KPI-tavlan, inloggad som KPI-analytiker i 8 timmar (länken finns också i {link}) | "
                  f"KPI dashboard, signed in as KPI analyst for 8 hours (the link is also in {link}):", soft_wrap=True)
    print(url, flush=True)  # plain print: rich would fold the long token over several lines
    return link


@app.command()
def up(data_dir: Path = typer.Option(Path(".kontakt"), help="Where the embedded state lives."),
       broker_port: int = typer.Option(9092, help="Port of the embedded Kafka-protocol broker."),
       bootstrap: str = typer.Option("", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Use this broker instead."),
       broker: str = typer.Option("tansu", help="tansu: the embedded broker (in memory); apache: a local Apache "
                                  "Kafka whose data stays in <data-dir>/kafka across restarts."),
       port_base: int = typer.Option(0, help="Put the services, the workspace and the stand-in gateways on eight "
                                     "ports in a row from this one (default 8101-8106, 8190, 8025); the other "
                                     "commands find them in <data-dir>/ports.json.")) -> None:
    """Start a broker and the five services; Ctrl-C stops everything cleanly."""
    if broker not in ("tansu", "apache"):
        console.print(f"[red]--broker must be tansu or apache, not {broker!r}[/]")
        raise typer.Exit(2)
    ports, sink_ports = ports_from(port_base)
    system = System(data_dir=data_dir, broker_port=broker_port, bootstrap=bootstrap or None, broker_kind=broker,
                    ports=ports, sink_ports=sink_ports)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    t0 = time.monotonic()
    try:
        console.print(f"[bold]En väg in[/] starting (data in {data_dir})…")
        try:
            bootstrap_used = system.start_broker()
        except KafkaUnavailable as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        write_ports(data_dir, ports, bootstrap_used)  # for `kontakt demo` and the other commands
        system.start_sinks()
        for name in [*system.services, *system.apps]:
            system.start_service(name)
        ready = system.wait_ready([*system.services, *system.apps])
        table = Table(title=f"En väg in is up in {time.monotonic() - t0:.1f}s")
        table.add_column("service")
        table.add_column("listens on")
        table.add_column("ready after")
        kind = "external" if bootstrap else {"tansu": "embedded Tansu", "apache": "Apache Kafka"}[broker]
        table.add_row(f"broker ({kind})", bootstrap_used, "")
        for name in SERVICES:
            table.add_row(name, f"http://127.0.0.1:{system.ports[name]}  (/docs)", f"{ready[name]:.1f}s")
        for name in system.apps:
            table.add_row(name, f"http://127.0.0.1:{system.ports[name]}  (staff workspace)", f"{ready[name]:.1f}s")
        console.print(table)
        if "workspace" in system.apps:
            console.print(f"Staff workspace: [bold]http://127.0.0.1:{system.ports['workspace']}/[/] "
                          "(local sign-in: pick a role and unit; embedded default only)")
        console.print(f"Messages to families land in {data_dir}/sent/ (stand-in SMS gateway, mailbox and SMTP "
                      f"relay on 127.0.0.1:{system.sink_ports[0]} and :{system.sink_ports[1]}).")
        show_dashboard(data_dir, system.ports["kpi"])
        console.print("Token for the APIs: [cyan].venv/bin/kontakt token clinician[/]   Stop: Ctrl-C")
        while not stopping:
            for name, proc in system.procs.items():
                if proc.poll() is not None:
                    console.print(f"[red]{name} exited ({proc.returncode}); see {data_dir}/logs/{name}.log[/]")
                    stopping = True
            time.sleep(0.5)
    finally:
        console.print("Stopping: services finish in-flight work…")
        system.stop()
        console.print("Stopped.")


@app.command()
def lag(bootstrap: str = typer.Option("127.0.0.1:9092", envvar="KAFKA_BOOTSTRAP_SERVERS",
                                     help="The running system's broker.")) -> None:
    """Consumer lag of every service's consumer groups (committed offsets read through the admin API)."""
    import asyncio

    from deploy.create_topics import SERVICES as ALL
    from deploy.create_topics import group_topics
    from services.chassis.lag import consumer_lag

    table = Table(title=f"Consumer lag on {bootstrap}")
    for column in ("service", "consumer group", "topics", "lag"):
        table.add_column(column)
    for service in ALL:
        for group, topics in group_topics(service).items():
            behind = asyncio.run(consumer_lag(bootstrap, group, list(topics)))
            table.add_row(service, group, ", ".join(topics), str(sum(behind.values())))
    console.print(table)


@dlq_app.command("redrive")
def dlq_redrive(group: str = typer.Argument(..., help="The consumer group, e.g. booking.cases."),
                bootstrap: str = typer.Option("127.0.0.1:9092", envvar="KAFKA_BOOTSTRAP_SERVERS",
                                              help="The broker (Apache Kafka: transactions).")) -> None:
    """Send `<group>.dlq`'s records back to their original topics in Kafka transactions, exactly once."""
    import asyncio

    from kontakt.dlq import redrive

    done = asyncio.run(redrive(bootstrap, group))
    console.print(f"re-drove {done.records} dead letters of {group} in {done.transactions} transactions"
                  + "".join(f"; {n} to {t}" for t, n in sorted((done.by_topic or {}).items())))


@app.command()
def demo(seed: int = typer.Option(42, help="Same seed, same month."),
         days: int = typer.Option(30, help="How many days back from today to generate."),
         scale: float = typer.Option(1.0, help="Volume relative to the county's real flows."),
         data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory."),
         year: bool = typer.Option(False, "--year", help="A full year (365 days): calls that open no case are "
                                                          "published as intake's telephony events with their times."),
         bootstrap: str = typer.Option("", envvar="KAFKA_BOOTSTRAP_SERVERS",
                                       help="The system's broker, for --year (default: the one `kontakt up` "
                                            "started for <data-dir>)."),
         workers: int = typer.Option(1, min=1, max=16, help="Acts at once: 1 performs each act alone at its own "
                                     "time; more perform an hour's acts together (stamped up to an hour late).")) -> None:
    """Push a generated month (or with --year a year) through the public APIs of the running system (`kontakt up`)."""
    from datetime import datetime, timedelta

    from kontakt.demo import TZ
    from kontakt.demo import main as run_demo
    from kontakt.demo_report import Tally, summary

    ports = read_ports(data_dir)
    urls = {name: f"http://127.0.0.1:{ports[name]}" for name in SERVICES}
    for name, url in urls.items():
        try:
            httpx.get(f"{url}/health/ready", timeout=2).raise_for_status()
        except httpx.HTTPError:
            console.print(f"[red]{name} does not answer on {url}: start the system first with `make up`.[/]")
            raise typer.Exit(1) from None
    if year:
        days = 365
    tally = Tally()
    t0 = time.monotonic()
    broker = (bootstrap or read_bootstrap(data_dir) or "127.0.0.1:9092") if year else None
    try:
        fig = run_demo(data_dir, urls, seed, days, scale, broker, tally, workers)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM or SIGHUP (kontakt/democlock.py)
        console.print(f"Demon avbröts ({stop or 'Ctrl-C'}); tjänsternas klocka går rätt igen. | "
                      f"The demo was stopped ({stop or 'Ctrl-C'}); the services' clock is true again.")
        raise typer.Exit(130) from None
    today = datetime.now(TZ).date()
    for line in summary(fig, tally, time.monotonic() - t0, today - timedelta(days=days), today):
        typer.echo(line)
    link = data_dir / "dashboard-url.txt"  # one unbroken line: a terminal's wrapping breaks the token
    link.write_text(dashboard_url(data_dir, ports["kpi"]) + "\n")
    typer.echo("Where to look:")
    typer.echo(f"  staff workspace  http://127.0.0.1:{ports['workspace']}/  (sign in as call handler: the work queue; "
               "as scheduler of a unit: its week; as KC head: the KC–BUP meeting)")
    typer.echo(f"  KPI dashboard    {link.read_text().strip()}")
    typer.echo(f"                   (the same link, signed in as KPI analyst for 8 hours, is in {link})")
    if tally.refused:
        raise typer.Exit(1)


@app.command()
def token(role: str, unit: str = typer.Option("", help="Care unit of the staff member."),
          subject: str = typer.Option("", help="Pseudonymous staff id."),
          school: str = typer.Option("", help="School id (required for school_sender), e.g. sk-umea-01."),
          data_dir: Path = typer.Option(Path(".kontakt"))) -> None:
    """Print a bearer token from the embedded local issuer (for curl and the staff apps)."""
    from services.chassis.auth import ROLES
    from services.chassis.issuer import LocalIssuer

    if role not in ROLES:
        typer.echo(f"Okänd roll {role!r}; giltiga roller: {', '.join(ROLES)}. | "
                   f"Unknown role {role!r}; valid roles: {', '.join(ROLES)}.", err=True)
        raise typer.Exit(2)
    if role == "school_sender" and not school:
        raise typer.BadParameter("a school_sender token needs --school", param_hint="--school")
    typer.echo(LocalIssuer(data_dir / "keys").token(role, unit=unit or None, subject=subject or None,
                                                    school=school or None))


@app.command()
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


@app.command()
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


@contracts_app.command("export")
def contracts_export(force: bool = typer.Option(False, "--force", help="Overwrite a committed schema version "
                                                 "even when the change is incompatible.")) -> None:
    """Write JSON Schemas (and example payloads for new versions) into contracts/."""
    from contracts.schema_tools import IncompatibleSchema, export_all

    try:
        written = export_all(ROOT / "contracts", force=force)
    except IncompatibleSchema as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for path in written:
        typer.echo(f"wrote {path.relative_to(ROOT)}")


@contracts_app.command("asyncapi")
def contracts_asyncapi() -> None:
    """Generate every service's AsyncAPI document into docs/asyncapi/ (as `faststream docs gen` does)."""
    import importlib

    from services.chassis.runtime import asyncapi

    out = ROOT / "docs" / "asyncapi"
    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        spec = asyncapi(importlib.import_module(f"services.{name}.app").spec())
        path = out / f"{name}.json"
        path.write_text(json.dumps(spec.to_specification().to_jsonable(), indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        typer.echo(f"wrote {path.relative_to(ROOT)}")


@db_app.command("revision")
def db_revision(service: str, message: str = typer.Option(..., "-m")) -> None:
    """Autogenerate a migration for SERVICE from its tables (against a scratch SQLite database); SERVICE `chassis`
    for the chassis's own tables (outbox, inbox, audit), whose one history every service's database runs."""
    import importlib
    import tempfile

    from services.chassis import migrations
    from services.chassis.db import Database
    from services.chassis.tables import chassis_metadata

    with tempfile.TemporaryDirectory() as tmp:
        if service == "chassis":
            migrations.chassis_revision(Database(f"sqlite:///{tmp}/scratch.db", [chassis_metadata]), message)
            return
        mod = importlib.import_module(f"services.{service}.app")
        rt, _ = mod.build()
        db = Database(f"sqlite:///{tmp}/scratch.db", rt.db.metadatas)
        migrations.revision(db, mod.MIGRATIONS, message)


def _ops_client(service: str, data_dir: Path, url: str) -> httpx.Client:

    from services.chassis.issuer import LocalIssuer

    if service not in SERVICES:
        console.print(f"[red]unknown service {service}; one of {', '.join(SERVICES)}[/]")
        raise typer.Exit(2)
    token = LocalIssuer(data_dir / "keys").token("ops")
    return httpx.Client(base_url=url or f"http://127.0.0.1:{SERVICES[service]}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=10)


@outbox_app.command("parked")
def outbox_parked(service: str, data_dir: Path = typer.Option(Path(".kontakt")),
                  url: str = typer.Option("", help="The service's base URL (default: the local one).")) -> None:
    """List SERVICE's parked outbox rows with the broker's reason."""
    with _ops_client(service, data_dir, url) as client:
        rows = client.get("/ops/outbox/parked").raise_for_status().json()["parked"]
    table = Table(title=f"{service}: {len(rows)} parked outbox rows")
    for col in ("id", "event", "topic", "key", "bytes", "parked at", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["event_type"], r["topic"], r["key"], str(r["bytes"]), str(r["parked_at"]),
                      r["reason"] or "")
    console.print(table)


@outbox_app.command("redrive")
def outbox_redrive(service: str, ids: list[int] = typer.Option([], "--id", help="A row id (repeatable); "
                                                                "none re-drives every parked row."),
                   data_dir: Path = typer.Option(Path(".kontakt")),
                   url: str = typer.Option("", help="The service's base URL (default: the local one).")) -> None:
    """Put SERVICE's parked outbox rows back in line after the cause is fixed (order per case holds)."""
    with _ops_client(service, data_dir, url) as client:
        n = client.post("/ops/outbox/redrive", json={"ids": ids or None}).raise_for_status().json()["redriven"]
    console.print(f"{service}: {n} parked rows back in line")


if __name__ == "__main__":
    app()
