"""`kontakt kpi report` for a month not yet ended: refused, or with --partial marked as preliminary."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kontakt.kpi_cli import kpi_app
from services.chassis.clock import STOCKHOLM

NEXT_YEAR = f"{datetime.now(STOCKHOLM).year + 1}-01"  # surely not ended, whatever the hour of the run


def test_a_month_not_yet_ended_is_refused_saying_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTAKT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KPI_DATABASE_URL", raising=False)  # the store is a SQLite file in tmp_path
    result = CliRunner().invoke(kpi_app, ["report", "--month", NEXT_YEAR])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert f"Månaden {NEXT_YEAR} är inte slut" in said and "--partial" in said
    assert not list(tmp_path.glob("*.db"))  # refused before the store is opened


def test_with_partial_the_report_says_it_is_preliminary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTAKT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KPI_DATABASE_URL", raising=False)  # the store is a SQLite file in tmp_path
    out = tmp_path / "report.csv"
    result = CliRunner().invoke(kpi_app, ["report", "--month", NEXT_YEAR, "--partial", "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# PRELIMINÄR / PRELIMINARY:") and NEXT_YEAR in first
