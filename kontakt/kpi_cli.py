"""`kontakt kpi ...`: tools of the KPI service (replay of projections)."""
import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

kpi_app = typer.Typer(help="KPI projections: replay from the start of the topics; the national monthly report.")


@kpi_app.command("replay")
def replay_command(chunk: int = typer.Option(25_000, help="Cases and calls folded in memory before each write "
                                                           "to the store (bounds the memory)."),
                   workers: int = typer.Option(0, help="Worker processes (0: one per core, at most 4).")) -> None:
    """Rebuild every KPI projection from the start of the topics (batch path, with a progress bar)."""
    from services.kpi.replay import replay
    from services.kpi.settings import KpiSettings

    console = Console()
    with Progress(TextColumn("[bold]KPI replay"), BarColumn(), MofNCompleteColumn(), TextColumn("events"),
                  TimeRemainingColumn(), console=console) as bar:
        task = bar.add_task("replay", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        stats = asyncio.run(replay(KpiSettings(), progress=show, chunk_keys=chunk, workers=workers or None))
    console.print(f"Replayed {stats.events:,} events in {stats.seconds:.1f} s ({stats.rate:,.0f} events/s).")
    for outcome, n in sorted(stats.outcomes.items()):
        console.print(f"  {outcome}: {n:,}")


@kpi_app.command("report")
def report_command(month: str = typer.Option(..., "--month", help="The month to report, YYYY-MM."),
                   out: Path | None = typer.Option(None, "--out", help="Write the CSV here instead of to stdout."),
                   partial: bool = typer.Option(False, "--partial", help="Report a month not yet ended, marked as "
                                                "preliminary on its first line.")) -> None:
    """The national monthly waiting-times report (CSV; field mapping in docs/national-report.md)."""
    from sqlmodel import Session

    from services.chassis.clock import STOCKHOLM, SystemClock
    from services.kpi.domain.national import month_key, national_csv, national_report
    from services.kpi.domain.periods import bounds
    from services.kpi.domain.query import Dataset
    from services.kpi.replay import open_store
    from services.kpi.rules import load_definitions
    from services.kpi.settings import KpiSettings
    from services.kpi.store.queries import load_calls, load_cases

    if month_key(month) is None:
        raise typer.BadParameter("Månad anges som ÅÅÅÅ-MM. / Month is YYYY-MM.", param_hint="--month")
    settings = KpiSettings()
    first, last = bounds(month)
    today = SystemClock(settings.clock_offset_file).now().astimezone(STOCKHOLM).date()
    unfinished = last >= today  # its waits would be counted up to a month end still to come
    if unfinished and not partial:
        Console(stderr=True).print(
            f"Månaden {month} är inte slut (i dag {today}): väntetiderna skulle räknas till ett månadsslut som inte "
            f"har kommit. Välj en avslutad månad, eller --partial för en preliminär rapport. | The month {month} has "
            f"not ended (today {today}): waits would be counted up to a month end still to come. Choose an ended "
            "month, or --partial for a preliminary report.", soft_wrap=True)
        raise typer.Exit(2)
    db = open_store(settings)
    try:
        with Session(db.engine) as s:
            ds = Dataset(load_cases(s, first, last), load_calls(s, first, last), load_definitions(settings.definitions_file))
    finally:
        db.dispose()
    text = national_csv(national_report(ds, month))
    if unfinished:
        text = (f"# PRELIMINÄR / PRELIMINARY: {month} är inte slut / has not ended; "
                f"uppgifter till och med / figures up to {today}\n") + text
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"Wrote {out} ({text.count(chr(10)) - 1} rows).")
