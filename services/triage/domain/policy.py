"""The policy data triage works by (instruments and the care-level guide), loaded and checked together."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.triage.domain.guide import Guide
from services.triage.domain.guide_file import load_guide
from services.triage.domain.instrument_files import load_instruments
from services.triage.domain.instruments import Instrument, InstrumentSet


@dataclass(frozen=True)
class Policy:
    instruments: InstrumentSet
    guide: Guide

    def forms(self, form_versions: list[dict[str, str]]) -> dict[str, Instrument]:
        """The instruments an interview was started with, by id (the versions are kept on the interview)."""
        return {f["id"]: self.instruments.by_id[f["id"]] for f in form_versions if f["id"] in self.instruments.by_id}


def load_policy(instrument_dirs: list[Path], main_instrument: str, guide_file: Path) -> Policy:
    """Refuses to start on a broken file: the error names the file and the line."""
    instruments = load_instruments(instrument_dirs, main_instrument)
    return Policy(instruments, load_guide(guide_file, instruments))
