"""`kontakt outbox parked|redrive` against a running service: the ops token is accepted and the answer shown."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kontakt.cli import app
from tests.system.conftest import Five

pytestmark = pytest.mark.broker


def test_outbox_commands_list_and_redrive_parked_rows_of_a_running_service(five: Five) -> None:
    runner = CliRunner()
    common = ["--data-dir", str(five.data_dir), "--url", five.url("intake")]
    listed = runner.invoke(app, ["outbox", "parked", "intake", *common])
    assert listed.exit_code == 0, listed.output
    assert "intake: 0 parked outbox rows" in listed.output
    redriven = runner.invoke(app, ["outbox", "redrive", "intake", "--id", "7", *common])
    assert redriven.exit_code == 0, redriven.output
    assert "intake: 0 parked rows back in line" in redriven.output
    unknown = runner.invoke(app, ["outbox", "parked", "nosuch", *common])
    assert unknown.exit_code == 2 and "unknown service nosuch" in unknown.output
