"""Booking's state changes, one function per use case, each on the caller's unit of work."""
