"""`kontakt call`: make a call ring on the embedded default, as the call platform would report it to intake."""
from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import httpx
import typer

from kontakt.callplatform import (
    DEFAULT_STAFF,
    PlatformRefused,
    Scenario,
    child_personnummer,
    phone_screen,
    plan_call,
    ring,
)
from kontakt.system import SERVICES
from services.chassis.clock import STOCKHOLM


def call_command(
        staff: str = typer.Option(DEFAULT_STAFF, help="The staff member the call is put through to (the id the "
                                                      "workspace's local sign-in gives, e.g. S-LOCAL-CALL_HANDLER)."),
        number: str = typer.Option("", help="The caller's number; default a number kept for fiction."),
        personnummer: str = typer.Option("", help="The child's personnummer the caller gives, if any."),
        new_child: bool = typer.Option(False, "--new-child", help="The caller gives a made-up child's personnummer."),
        queue_full: bool = typer.Option(False, "--queue-full", help="The queue is full: the caller asks for a "
                                                                    "call-back (with the number)."),
        callback: bool = typer.Option(False, "--callback", help="In the queue the caller chooses 'ring upp mig' "
                                                                "(with the number)."),
        abandon_callback: bool = typer.Option(False, "--abandon-callback",
                                              help="The caller hangs up in the queue and is called back."),
        line: str = typer.Option("public_1177", help="public_1177, partner_external or partner_internal."),
        intake_url: str = typer.Option(f"http://127.0.0.1:{SERVICES['intake']}", help="Intake's public API."),
        data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory.")) -> None:
    """Ring a call: offered, queued, answered (or queue full or 'ring upp mig' with a call-back asked for, or
    abandoned and called back by the platform), reported to intake."""
    from services.chassis.issuer import LocalIssuer

    if queue_full + abandon_callback + callback > 1:
        raise typer.BadParameter("välj en av --queue-full, --callback och --abandon-callback | choose one of "
                                 "--queue-full, --callback and --abandon-callback")
    scenario: Scenario = ("queue_full" if queue_full else "callback" if callback
                          else "abandoned_callback" if abandon_callback else "answered")
    pnr = personnummer or (child_personnummer(random.Random(), datetime.now(STOCKHOLM).date()) if new_child else None)
    call = plan_call(scenario, staff=staff, caller_number=number or None, identity_number=pnr, line=line)
    token = LocalIssuer(data_dir / "keys").token("ops", subject="S-CALL-PLATFORM", ttl_s=300)
    try:
        promise = ring(call, intake_url, token)
    except PlatformRefused as exc:
        typer.echo(f"Intake tog inte emot samtalet | Intake refused the call: {exc}", err=True)
        raise typer.Exit(1) from None
    except httpx.TransportError as exc:
        typer.echo(f"Intake svarar inte på {intake_url} (starta med `make up`) | Intake does not answer: {exc}",
                   err=True)
        raise typer.Exit(1) from None
    sv, en = phone_screen(call)
    typer.echo(f"{sv}\n{en}")
    if call.reaches_staff:
        typer.echo("Samtalet syns under Inkommande samtal i arbetskön. | The call shows under Incoming calls in the "
                   "work queue.")
    if promise is not None:
        start, end = (datetime.fromisoformat(promise[k]).astimezone(STOCKHOLM) for k in ("window_start", "window_end"))
        typer.echo(f"Lovad återuppringning {start:%Y-%m-%d %H:%M}–{end:%H:%M} ({promise['callback_id']}); sms:et "
                   "går till uppringaren. Den syns under Återuppringningar i arbetskön. | Call-back promised "
                   f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}; the SMS goes to the caller. It shows under Call-backs in "
                   "the work queue.")
