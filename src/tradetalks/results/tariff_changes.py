"""The tariff before and after a scenario on every flow it changes (pure array function)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tradetalks.errors import OptionsError


def tariff_changes(
    tariffs_before: ArrayLike,
    tariffs_after: ArrayLike,
    flows0: ArrayLike,
    regions: Sequence[str],
    sectors: Sequence[str],
    names: Mapping[str, str],
    by: str = "flow",
) -> pd.DataFrame:
    """The rows of :meth:`tradetalks.results.Result.tariff_changes_frame` (see there for ``by``
    and the columns): every foreign flow ``[importer, exporter, sector]`` whose tariff moves by
    more than 1e-12, with its reference-world trade ``flows0``.
    """
    if by not in ("flow", "pair"):
        raise OptionsError(f"tariff_changes_frame(by={by!r}); allowed: flow, pair")
    before = np.asarray(tariffs_before, dtype=np.float64)
    after = np.asarray(tariffs_after, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        changed = ~np.isclose(after, before, rtol=0.0, atol=1e-12)
    idx = np.arange(len(regions))
    changed[idx, idx, :] = False
    n, i, j = np.nonzero(changed)
    t0, t1 = 100.0 * before[n, i, j], 100.0 * after[n, i, j]
    flows = pd.DataFrame(
        {
            "importer": [regions[k] for k in n.tolist()],
            "exporter": [regions[k] for k in i.tolist()],
            "sector": [sectors[k] for k in j.tolist()],
            "sector_name": [names.get(sectors[k], "") for k in j.tolist()],
            "trade_base": np.asarray(flows0, dtype=np.float64)[n, i, j],
            "tariff_before_pct": t0,
            "tariff_after_pct": t1,
            "change_pp": 100.0 * (after[n, i, j] - before[n, i, j]),
        }
    )
    if by == "flow":
        return flows
    rows = []
    for (imp, exp), g in flows.groupby(["importer", "exporter"], sort=False):
        w = g["trade_base"].to_numpy()
        w = w if w.sum() > 0 else np.ones(len(g))
        with np.errstate(invalid="ignore"):
            before_avg = float(np.average(g["tariff_before_pct"], weights=w))
            after_avg = float(np.average(g["tariff_after_pct"], weights=w))
        rows.append(
            {
                "importer": imp,
                "exporter": exp,
                "sectors": len(g),
                "trade_base": float(g["trade_base"].sum()),
                "tariff_before_pct": before_avg,
                "tariff_after_pct": after_avg,
                "change_pp": after_avg - before_avg,
            }
        )
    columns = [
        "importer", "exporter", "sectors", "trade_base", "tariff_before_pct", "tariff_after_pct",
        "change_pp",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
