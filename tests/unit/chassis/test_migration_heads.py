"""Each service's Alembic history has exactly one head, so `upgrade head` at start-up cannot fail on a merge."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

SERVICES = Path(__file__).resolve().parents[3] / "services"
HISTORIES = sorted(p for p in SERVICES.glob("*/migrations") if (p / "versions").is_dir())


def test_every_service_with_tables_has_a_migration_history() -> None:
    assert {p.parent.name for p in HISTORIES} >= {"intake", "triage", "booking", "notifications", "kpi"}


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.parent.name)
def test_migration_history_has_one_head(history: Path) -> None:
    heads = ScriptDirectory(str(history)).get_heads()
    assert len(heads) == 1, f"{history.parent.name} has several heads {heads}: chain the newest revision after the other"
