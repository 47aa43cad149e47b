"""`kontakt kpi ...`: tools of the KPI service (replay of projections)."""
import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

kpi_app = typer.Typer(help="KPI projections: replay from the start of the topics.")


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
