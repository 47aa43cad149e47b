"""Who calls booking's routes: the roles of the booking screen, of units' schedulers and of BUP units."""
from __future__ import annotations

BOOKERS = ("call_handler", "clinician")
SCHEDULERS = ("scheduler", "unit_head")
UNIT_STAFF = ("clinician", "unit_head", "scheduler")
