"""Intake's pure decisions: identity numbers, age, clock start, cases and calls. No I/O here."""
