"""The demo's generated personnummer are all accepted by intake's own check, with the sex they were made for."""
from __future__ import annotations

import random
from datetime import date, timedelta

from kontakt.client import personnummer
from services.intake.domain.identity import parse_identity


def test_every_generated_personnummer_is_valid_and_carries_the_sex_asked_for() -> None:
    rng = random.Random(20261129)
    refused = []
    for n in range(20_000):
        born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 365 * 17))
        female = n % 2 == 0
        number = personnummer(born, rng, female)
        try:
            identity = parse_identity(number, date(2026, 11, 29))
        except Exception as exc:
            refused.append((number, type(exc).__name__))
            continue
        assert identity.birth_date == born and identity.sex == ("female" if female else "male")
    assert refused == []
