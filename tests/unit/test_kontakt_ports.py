"""A second system beside the first: `kontakt up --port-base` puts all eight ports in a row and writes them, with
its broker, where `kontakt demo` and the other commands of the same data directory find them."""
from __future__ import annotations

from pathlib import Path

from kontakt.system import (
    APPS,
    SERVICES,
    SINKS,
    ports_from,
    read_bootstrap,
    read_ports,
    write_ports,
)


def test_no_base_keeps_the_documented_ports_and_a_base_puts_all_eight_in_a_row() -> None:
    assert ports_from(0) == ({**SERVICES, **APPS}, SINKS)
    ports, sinks = ports_from(24101)
    assert ports == {"intake": 24101, "triage": 24102, "booking": 24103, "notifications": 24104, "kpi": 24105,
                     "workspace": 24106}
    assert sinks == (24107, 24108)


def test_the_demo_finds_the_ports_and_broker_its_system_wrote_and_the_defaults_without(tmp_path: Path) -> None:
    assert read_ports(tmp_path) == {**SERVICES, **APPS} and read_bootstrap(tmp_path) is None
    write_ports(tmp_path / "second", ports_from(24101)[0], "127.0.0.1:24190")
    assert read_ports(tmp_path / "second")["kpi"] == 24105
    assert read_bootstrap(tmp_path / "second") == "127.0.0.1:24190"
