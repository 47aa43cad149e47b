"""`kontakt clock ...`: the services' clock that `kontakt demo` shifts: show it, put it back."""
from pathlib import Path

import typer

clock_app = typer.Typer(help="Tjänsternas klocka (som `kontakt demo` förskjuter) | The services' clock (shifted by "
                             "`kontakt demo`): show it, reset it.")


@clock_app.command("show")
def clock_show(data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory.")) -> None:
    """Say whether the services' clock is shifted, by how much, and whether a demo still holds it."""
    from kontakt.democlock import describe

    sv, en = describe(data_dir / "clock.json")
    typer.echo(f"{sv}\n{en}")


@clock_app.command("reset")
def clock_reset(data_dir: Path = typer.Option(Path(".kontakt"), help="The running system's data directory.")) -> None:
    """Put the services' clock back to the true time (removes the offset a demo left behind)."""
    from kontakt.democlock import DemoClock

    DemoClock(data_dir / "clock.json").reset()
    typer.echo("Tjänsternas klocka går rätt. | The services' clock is true.")
