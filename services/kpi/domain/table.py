"""A figure's result: rows of counts per period (and dimension), with shares and suppression."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    figure: str
    columns: list[str]  # count columns, in order
    child_columns: frozenset[str]  # columns counting children: suppressed below the threshold in exports
    shares: dict[str, tuple[str, str]] = field(default_factory=dict)  # share column -> (numerator, denominator)
    dim: str | None = None
    cells: dict[tuple[str, str | None], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    periods: list[str] = field(default_factory=list)

    def add(self, period: str, dim_value: str | None, counts: dict[str, int]) -> None:
        if counts:
            self.cells[(period, dim_value)].update(counts)

    def rows(self, suppress_below: int = 0) -> list[dict[str, Any]]:
        """Rows in period order; with `suppress_below`, child counts under it (and shares built on them) are None."""
        out = []
        keys = sorted(self.cells, key=lambda k: (self._order(k[0]), k[1] or ""))
        if self.dim is None:  # every period gets a row, even an empty one, so charts keep their axis
            keys = [(p, None) for p in self.periods] or keys
        for period, dim_value in keys:
            c = self.cells.get((period, dim_value), Counter())
            row: dict[str, Any] = {"period": period}
            if self.dim is not None:
                row[self.dim] = dim_value
            hidden = set()
            for col in self.columns:
                v: int | None = c.get(col, 0)
                if v is not None and suppress_below and col in self.child_columns and 0 < v < suppress_below:
                    hidden.add(col)
                    v = None
                row[col] = v
            for share, (num, den) in self.shares.items():
                n, d = c.get(num, 0), c.get(den, 0)
                row[share] = None if (d == 0 or {num, den} & hidden) else round(n / d, 4)
            out.append(row)
        return out

    def _order(self, period: str) -> int:
        return self.periods.index(period) if period in self.periods else len(self.periods)

    def header(self) -> list[str]:
        return ["period"] + ([self.dim] if self.dim else []) + self.columns + list(self.shares)
