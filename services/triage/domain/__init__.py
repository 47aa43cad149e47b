"""Triage's pure decisions: instruments and scoring, the care-level guide, answers, completion and the decision."""
