"""`kontakt contracts` and `kontakt db`: the developer's tools for event contracts and migrations."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from kontakt.system import SERVICES

contracts_app = typer.Typer(help="Event contracts: JSON Schemas, samples, AsyncAPI.")
db_app = typer.Typer(help="Database migrations per service.")
ROOT = Path(__file__).resolve().parent.parent


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
