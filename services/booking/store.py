"""Tables of the booking service."""
from services.chassis.db import new_base

BookingBase = new_base("Booking")
metadata = BookingBase.metadata
