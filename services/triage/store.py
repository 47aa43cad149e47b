"""Tables of the triage service."""
from services.chassis.db import new_base

TriageBase = new_base("Triage")
metadata = TriageBase.metadata
