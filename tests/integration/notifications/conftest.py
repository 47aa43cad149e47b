"""The unit tests' stand-ins (local gateway, SMTP server, clock) for the integration tests too."""
from tests.unit.notifications.conftest import clock, gateway, smtp  # noqa: F401
