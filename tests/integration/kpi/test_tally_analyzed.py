"""After the kept sums are rebuilt at start-up, PostgreSQL has planner statistics for them at once (a dashboard
asked before autovacuum gets there was planned as for empty tables: some filters four times slower)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from services.kpi.replay import open_store
from services.kpi.settings import KpiSettings

KEPT = ("kpi_tally", "kpi_tally_month", "kpi_open")


def test_a_rebuilt_tally_is_analyzed_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    db = open_store(KpiSettings(data_dir=tmp_path, database_url=pg_url))  # a new store: its tally is built
    with db.engine.connect() as conn:
        tuples = dict(conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:names)"),
                                   {"names": list(KEPT)}).all())
    db.dispose()
    assert set(tuples) == set(KEPT)
    assert all(n >= 0 for n in tuples.values()), tuples  # -1: never analyzed
