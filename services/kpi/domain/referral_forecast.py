"""Expected incoming referrals per day and channel for the coming weeks (pure): per channel a Poisson regression
with a weekday and (given a year of history) a month-of-year effect, fitted with statsmodels; docs/forecast.md."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

RECENT_DAYS = 56  # without a year of history the level is the last eight weeks' (no month pattern to learn)
YEAR = 365


@dataclass(frozen=True)
class Expected:
    """One day's expected count with its band (mean ± z·√mean, the Poisson spread, floored at 0)."""

    mean: float
    low: float
    high: float


def _design(days: Sequence[date], months: Sequence[int], weekdays: Sequence[int]) -> np.ndarray:
    """Intercept, a dummy per weekday but the first kept, and per month-of-year but the first kept."""
    cols = [[1.0] * len(days)]
    cols += [[float(d.weekday() == w) for d in days] for w in weekdays[1:]]
    cols += [[float(d.month == m) for d in days] for m in months[1:]]
    return np.array(cols, dtype=float).T


def fit_channel(counts: Sequence[int], first: date, horizon: Sequence[date]) -> list[float]:
    """The expected count on each day of `horizon`, from daily `counts` starting on `first`.

    A weekday (or a month) on which the channel never had a contact is expected at zero and left out of the fit
    (its coefficient would run off to minus infinity). With less than a year of history only the last eight weeks
    are used and the months are not modelled."""
    days = [first + timedelta(days=i) for i in range(len(counts))]
    if len(days) < YEAR:
        days, counts = days[-RECENT_DAYS:], counts[-RECENT_DAYS:]
    by_month = len(days) >= YEAR
    seen_w = sorted({d.weekday() for d, c in zip(days, counts, strict=True) if c})
    seen_m = sorted({d.month for d, c in zip(days, counts, strict=True) if c}) if by_month else []
    rows = [i for i, d in enumerate(days) if d.weekday() in seen_w and (not by_month or d.month in seen_m)]
    if not rows:
        return [0.0] * len(horizon)
    x = _design([days[i] for i in rows], seen_m, seen_w)
    y = np.array([counts[i] for i in rows], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        params = sm.GLM(y, x, family=sm.families.Poisson()).fit().params
    keep = [d for d in horizon if d.weekday() in seen_w and (not by_month or d.month in seen_m)]
    predicted = dict(zip(keep, np.exp(_design(keep, seen_m, seen_w) @ params), strict=True)) if keep else {}
    return [float(predicted.get(d, 0.0)) for d in horizon]


def forecast(counts: Mapping[str, Sequence[int]], first: date, start: date, days: int,
             z: float = 1.64) -> dict[str, list[Expected]]:
    """Each channel's expected contacts for the `days` days from `start`, with the band."""
    horizon = [start + timedelta(days=i) for i in range(days)]
    out: dict[str, list[Expected]] = {}
    for channel, series in counts.items():
        means = fit_channel(series, first, horizon)
        out[channel] = [Expected(m, max(0.0, m - z * math.sqrt(m)), m + z * math.sqrt(m)) for m in means]
    return out


def seasonal_naive(counts: Sequence[int], first: date, start: date, days: int) -> list[float]:
    """The baseline: the same weekday 52 weeks earlier (the last week's when there is no year of history)."""
    lag = 364 if (start - first).days >= 364 else 7
    out = []
    for i in range(days):
        back = (start - first).days + i - lag
        while back >= len(counts):  # a horizon longer than the lag repeats the last season seen
            back -= lag
        out.append(float(counts[back]) if back >= 0 else 0.0)
    return out
