"""The booking service."""
