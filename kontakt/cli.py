"""`kontakt`: run En väg in on the embedded default and the tools around it."""
from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.table import Table

from kontakt.apache_kafka import KafkaUnavailable
from kontakt.audit_cli import audit, trace
from kontakt.call_cli import call_command
from kontakt.clock_cli import clock_app
from kontakt.dev_cli import contracts_app, db_app
from kontakt.kpi_cli import kpi_app
from kontakt.ops_cli import dlq_app, lag, outbox_app
from kontakt.system import SERVICES, System, ports_from, read_bootstrap, read_ports, write_ports

app = typer.Typer(help="En väg in — kontaktcenter barn och unga psykisk hälsa.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(dlq_app, name="dlq")
app.add_typer(kpi_app, name="kpi")
app.add_typer(clock_app, name="clock")
app.command("call")(call_command)
app.command("lag")(lag)
app.command("trace")(trace)
app.command("audit")(audit)
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


BROKER_KINDS = {"tansu": "embedded Tansu", "apache": "Apache Kafka"}


def announce(system: System, data_dir: Path, bootstrap_used: str, kind: str, took: float,
             ready: dict[str, float]) -> None:
    """Where everything listens, how soon it was ready, where the messages land, and the dashboard's link."""
    table = Table(title=f"En väg in is up in {took:.1f}s")
    table.add_column("service")
    table.add_column("listens on")
    table.add_column("ready after")
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
        announce(system, data_dir, bootstrap_used, "external" if bootstrap else BROKER_KINDS[broker],
                 time.monotonic() - t0, ready)
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

    from kontakt.demo import main as run_demo
    from kontakt.demo_core import TZ
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
    from kontakt.trust import untrusted_key

    untrusted = untrusted_key(data_dir / "keys")
    if untrusted:
        typer.echo(untrusted, err=True)
        raise typer.Exit(2)
    typer.echo(LocalIssuer(data_dir / "keys").token(role, unit=unit or None, subject=subject or None,
                                                    school=school or None))



if __name__ == "__main__":
    app()
