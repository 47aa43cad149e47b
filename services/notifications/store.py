"""Tables of the notifications service."""
from services.chassis.db import new_base

NotificationsBase = new_base("Notifications")
metadata = NotificationsBase.metadata
