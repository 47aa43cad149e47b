"""Intake's pure decisions: identity numbers, age, clock start, cases, calls, referral files. No I/O here."""
