"""Each service's Alembic history has exactly one head, so `upgrade heads` at start-up cannot fail on a merge;
the chassis's tables are migrated once, on a branch every service's history depends on."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from services.chassis import migrations
from services.chassis.db import Database
from services.chassis.tables import chassis_metadata

SERVICES = Path(__file__).resolve().parents[3] / "services"
HISTORIES = sorted(p for p in SERVICES.glob("*/migrations") if (p / "versions").is_dir())


def _scripts(history: Path | None) -> ScriptDirectory:
    db = Database("sqlite://", [chassis_metadata])  # never connected: the config only names it
    try:
        return ScriptDirectory.from_config(migrations.alembic_config(db, history))
    finally:
        db.dispose()


def _heads_in(scripts: ScriptDirectory, folder: Path) -> list[str]:
    return [s.revision for s in scripts.get_revisions("heads")
            if s.path is not None and Path(s.path).resolve().parent == folder.resolve()]


def test_every_service_with_tables_has_a_migration_history() -> None:
    assert {p.parent.name for p in HISTORIES} >= {"intake", "triage", "booking", "notifications", "kpi"}


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.parent.name)
def test_migration_history_has_one_head(history: Path) -> None:
    heads = _heads_in(_scripts(history), history / "versions")
    assert len(heads) == 1, f"{history.parent.name} has several heads {heads}: chain the newest revision after the other"


def test_chassis_branch_has_one_head() -> None:
    heads = _scripts(None).get_heads()
    assert len(heads) == 1, f"the chassis branch has several heads {heads}: chain the newest revision after the other"


@pytest.mark.parametrize("history", HISTORIES, ids=lambda p: p.parent.name)
def test_service_history_depends_on_the_chassis_branch_and_carries_no_chassis_table(history: Path) -> None:
    scripts = _scripts(history)
    versions = (history / "versions").resolve()
    own = [s for s in scripts.walk_revisions() if s.path and Path(s.path).resolve().parent == versions]
    [base] = [s for s in own if not s.down_revision]
    deps = [base.dependencies] if isinstance(base.dependencies, str) else list(base.dependencies or ())
    assert [scripts.get_revision(d).branch_labels for d in deps] == [{migrations.CHASSIS_BRANCH}]
    for s in own:  # the chassis's tables are created and altered only on its branch
        source = Path(str(s.path)).read_text()
        assert not any(f"'{table}'" in source for table in chassis_metadata.tables), s.path
