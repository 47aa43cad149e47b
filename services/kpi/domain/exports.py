"""Figures as CSV exports: small cells always suppressed (an export leaves the dashboard's hands)."""
from __future__ import annotations

import csv
import io
from typing import Any

from services.kpi.domain.table import Table


def to_csv(t: Table, suppress_below: int) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=t.header(), lineterminator="\n")
    w.writeheader()
    for row in t.rows(suppress_below):
        w.writerow({k: ("<" + str(suppress_below) if v is None and k in t.child_columns else v)
                    for k, v in row.items()})
    return buf.getvalue()


def equal_care_csv(rows: list[dict[str, Any]], by: str, suppress_below: int) -> str:
    buf = io.StringIO()
    cols = [c for c in rows[0] if c != "suppressed"] if rows else [by]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow({k: (f"<{suppress_below}" if k in row["suppressed"] else v) for k, v in row.items()})
    return buf.getvalue()
