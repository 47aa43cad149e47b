"""The national report through the service: live-projected events, the HTTP route and `kontakt kpi report`."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.chassis.clock import FixedClock
from services.kpi.app import build
from services.kpi.settings import KpiSettings
from tests.integration.kpi.test_kpi_api import feed
from tests.unit.kpi.test_national_report import march


@pytest.fixture
def fed(tmp_path: Path, issuer):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    rt, app = build(KpiSettings(data_dir=tmp_path, database_url=url, auth_jwks_file=issuer.jwks_file),
                    clock=FixedClock(datetime(2023, 4, 20, 9, tzinfo=UTC)))
    rt.migrate()
    feed(rt, march())
    yield app, url
    rt.db.dispose()


async def test_national_report_route_and_command_give_the_same_hand_checked_csv(fed, issuer, tmp_path: Path,
                                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from kontakt.cli import app as cli

    app, url = fed
    auth = {"Authorization": f"Bearer {issuer.token('kpi_analyst')}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kpi") as http:
        r = await http.get("/api/kpi/reports/national/2023-03", headers=auth)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        bad = await http.get("/api/kpi/reports/national/2023-13", headers=auth)
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "month")
    lines = r.text.splitlines()
    assert lines[0].startswith("month,area,phase,sex,age_band,limit_days,completed,completed_within_limit")
    assert "2023-03,bup,bup_first_assessment,all,all,30,2,1,1,0,0,0,1,0,0,1,0,0,,," in lines
    assert "2023-03,first_line,phone_answered_day0,all,all,0,,,,,,,,,,,,,2,1,1" in lines

    monkeypatch.setenv("KPI_DATABASE_URL", url)
    monkeypatch.setenv("KONTAKT_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["kpi", "report", "--month", "2023-03"])
    assert result.exit_code == 0, result.output
    assert result.output == r.text
    out = tmp_path / "report.csv"
    assert CliRunner().invoke(cli, ["kpi", "report", "--month", "2023-03", "--out", str(out)]).exit_code == 0
    assert out.read_text() == r.text
    wrong = CliRunner().invoke(cli, ["kpi", "report", "--month", "March"])
    assert wrong.exit_code != 0 and "YYYY-MM" in wrong.output
