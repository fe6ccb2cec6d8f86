"""Ossa's (2014) Tables 3, 4 and 5 (and their MFN versions 8, 9, 10) computed by this package.

Each function returns a :class:`pandas.DataFrame` laid out like the stored table (rows: the
seven regions and the simple average; columns:
:data:`~tradetalks.replication.ossa2014.published.TABLE3_COLUMNS` etc.), in percent, so that the two
can be compared cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.replication.ossa2014.policy import OssaNashWar, OssaOptimalTariff
from tradetalks.replication.ossa2014.published import TABLE3_COLUMNS, TABLE4_COLUMNS, TABLE5_COLUMNS
from tradetalks.replication.ossa2014.talks import OssaTradeTalks

FloatArray = NDArray[np.float64]


def _frame(rows: FloatArray, regions: tuple[str, ...], columns: tuple[str, ...]) -> pd.DataFrame:
    body = np.vstack([rows, rows.mean(axis=0, keepdims=True)])
    return pd.DataFrame(body, index=[*regions, "average"], columns=list(columns))


def median_own_tariff(tariffs: FloatArray, country: int) -> float:
    """Median, in percent, of a country's import tariffs on all partners and industries."""
    own = np.delete(tariffs[country], country, axis=0)
    return float(100.0 * np.median(own))


def optimal_tariff_table(results: list[OssaOptimalTariff], regions: tuple[str, ...]) -> pd.DataFrame:
    """Table 3 (bilateral) or 8 (MFN) from one :class:`OssaOptimalTariff` per country, in order.

    Without political economy government welfare equals welfare, so columns 1-2 repeat 3-4.
    """
    n = len(results)
    rows = np.empty((n, len(TABLE3_COLUMNS)))
    for j, res in enumerate(results):
        eq = res.equilibrium
        others = np.arange(n) != j
        w = 100.0 * (eq.welfare_hat - 1.0)
        pairs = [w, w, eq.relative_wage_pct, eq.profit_wage_pct]
        cells = [v for arr in pairs for v in (arr[j], arr[others].mean())]
        rows[j] = [*cells, median_own_tariff(res.tariffs, j)]
    return _frame(rows, regions, TABLE3_COLUMNS)


def nash_table(war: OssaNashWar, regions: tuple[str, ...]) -> pd.DataFrame:
    """Table 4 (bilateral war) or 9 (MFN war)."""
    eq = war.equilibrium
    n = len(regions)
    w = 100.0 * (eq.welfare_hat - 1.0)
    med = np.array([median_own_tariff(war.tariffs, j) for j in range(n)])
    rows = np.column_stack([w, w, eq.relative_wage_pct, eq.profit_wage_pct, med])
    return _frame(rows, regions, TABLE4_COLUMNS)


def talks_table(
    talks: tuple[OssaTradeTalks, OssaTradeTalks, OssaTradeTalks], regions: tuple[str, ...]
) -> pd.DataFrame:
    """Table 5 (bilateral) or 10 (MFN) from the talks starting at Nash, factual and free trade."""
    quantities = [
        [t.gains_pct for t in talks],
        [t.welfare_pct for t in talks],
        [t.relative_wage_pct for t in talks],
        [t.profit_wage_pct for t in talks],
    ]
    rows = np.column_stack([col for block in quantities for col in block])
    return _frame(rows, regions, TABLE5_COLUMNS)
