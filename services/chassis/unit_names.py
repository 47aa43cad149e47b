"""Units by name for words shown to people (the KPI dashboard, staff e-mails): read from booking's reference file,
which ships in the same image; public words, no personal data. Booking stays the owner of the file."""
from __future__ import annotations

from pathlib import Path

import yaml

BOOKING_UNITS = Path(__file__).resolve().parents[1] / "booking" / "data" / "units.yaml"


def load_unit_names(units_file: Path = BOOKING_UNITS) -> dict[str, str]:
    """Unit id -> name; no file (a service deployed alone) gives no names, and ids are shown as they are."""
    if not units_file.exists():
        return {}
    units = yaml.safe_load(units_file.read_text(encoding="utf-8")).get("units", [])
    return {str(u["unit_id"]): str(u["name"]) for u in units}
