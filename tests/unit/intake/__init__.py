"""Unit and service-level tests of the intake service."""
