"""Tables of the kpi service."""
from services.chassis.db import new_base

KpiBase = new_base("Kpi")
metadata = KpiBase.metadata
