"""Tables of the intake service."""
from services.chassis.db import new_base

IntakeBase = new_base("Intake")
metadata = IntakeBase.metadata
