"""Benchmark: the incoming-referral forecast backtested on a demo-like history, against a seasonal-naive baseline.

Builds two years of daily contacts per channel the way `kontakt demo --year` plans them (EDI 3.2 a weekday; paper
2.5 a weekday times the schools' season (kontakt.demo.SCHOOL_SEASON), counted on the day written, 1–6 days before
arrival; phone cases 9 % of answered calls, 60 calls on Mondays and 42 on other weekdays, 84 % answered), Poisson
noise, no weekend contacts. Then each month of the second year is held out in turn: the forecast is fitted on
everything before the month's first day (services/kpi/domain/referral_forecast.py, the service's own code) and
predicts the next 8 weeks, scored against what came. The baseline is seasonal-naive: the same weekday 52 weeks
earlier. Printed per held-out month and overall: MAE per day (all channels summed) and MAPE of the weekly totals.

    .venv/bin/python bench/forecast_backtest.py [--seed 7] [--weeks 8]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kontakt.demo import SCHOOL_SEASON
from services.kpi.domain.referral_forecast import forecast, seasonal_naive

FIRST = date(2025, 1, 1)
DAYS = 2 * 365 + 60  # two years and the second's last held-out month's 8 weeks


def poisson(rng: random.Random, lam: float) -> int:
    n, t = 0, rng.expovariate(1.0)
    while t < lam:
        n, t = n + 1, t + rng.expovariate(1.0)
    return n


def demo_like(seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed)
    counts = {c: [0] * DAYS for c in ("edi", "paper", "phone")}
    for i in range(DAYS):
        day = FIRST + timedelta(days=i)
        if day.weekday() >= 5:
            continue
        counts["edi"][i] += poisson(rng, 3.2)
        counts["phone"][i] += poisson(rng, (60 if day.weekday() == 0 else 42) * 0.84 * 0.09)
        for _ in range(poisson(rng, 2.5 * SCHOOL_SEASON[day.month])):
            written = i - rng.choice([1, 2, 3, 3, 4, 5, 6])  # the clock starts on the day written
            if written >= 0:
                counts["paper"][written] += 1
    return counts


def weekly(xs: list[float]) -> list[float]:
    return [sum(xs[k:k + 7]) for k in range(0, len(xs) - 6, 7)]


def scores(predicted: list[float], actual: list[int]) -> tuple[float, float]:
    mae = sum(abs(p - a) for p, a in zip(predicted, actual, strict=True)) / len(actual)
    pw, aw = weekly(predicted), weekly([float(a) for a in actual])
    mape = sum(abs(p - a) / a for p, a in zip(pw, aw, strict=True) if a) / sum(1 for a in aw if a)
    return mae, mape


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--weeks", type=int, default=8)
    args = ap.parse_args()
    counts, horizon = demo_like(args.seed), 7 * args.weeks
    print(f"{'held out':10} {'model MAE':>10} {'naive MAE':>10} {'model MAPE':>11} {'naive MAPE':>11}")
    totals: list[tuple[float, float, float, float]] = []
    started = time.perf_counter()
    for month in range(1, 13):
        start = date(2026, month, 1)
        cut = (start - FIRST).days
        history = {c: s[:cut] for c, s in counts.items()}
        got = forecast(history, FIRST, start, horizon)
        model = [sum(got[c][i].mean for c in got) for i in range(horizon)]
        naive = [sum(x) for x in zip(*(seasonal_naive(s, FIRST, start, horizon) for s in history.values()),
                                     strict=True)]
        actual = [sum(s[cut + i] for s in counts.values()) for i in range(horizon)]
        (m_mae, m_mape), (n_mae, n_mape) = scores(model, actual), scores(naive, actual)
        totals.append((m_mae, n_mae, m_mape, n_mape))
        print(f"{start:%Y-%m}    {m_mae:10.2f} {n_mae:10.2f} {m_mape:10.1%} {n_mape:10.1%}")
    mean = [sum(t[k] for t in totals) / len(totals) for k in range(4)]
    print(f"{'all':10} {mean[0]:10.2f} {mean[1]:10.2f} {mean[2]:10.1%} {mean[3]:10.1%}")
    print(f"12 fits of 3 channels in {time.perf_counter() - started:.1f} s; horizon {args.weeks} weeks, seed {args.seed}")


if __name__ == "__main__":
    main()
