"""`kontakt lag`, `kontakt dlq` and `kontakt outbox`: the operator's view of the pipeline and its re-drives."""
from __future__ import annotations

from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.table import Table

from kontakt.system import SERVICES

outbox_app = typer.Typer(help="Outbox rows the broker refused for good (parked): list them, re-drive them.")
dlq_app = typer.Typer(help="Dead-letter topics: send dead letters back once their cause is fixed.")
console = Console()


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
