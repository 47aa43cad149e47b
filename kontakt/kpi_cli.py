"""`kontakt kpi ...`: tools of the KPI service (replay of projections)."""
import typer

kpi_app = typer.Typer(help="KPI projections: replay from the start of the topics.")
