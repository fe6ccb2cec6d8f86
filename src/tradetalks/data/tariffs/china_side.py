"""China's tariffs on US goods (the ``retaliation`` layer) at HS8 detail.

Lines and weights: China's 2017 imports from the US by HS8 (Bown, Jung and Zhang 2019, "Imports
Value" sheet: the weights of the PIIE averages). Rates:

* 2018-01-01 to 2019-06-01: the MFN rates and every retaliation step by HS10 of the same workbook
  (averaged over the HS10 lines of each HS8); lines without HS10 rates take the mean of their HS6;
* 2019-09-01: the increase of ``new_tariff_list_2020.csv`` between 2019-06-01 and 2019-09-01 by HS6
  (the September 2019 list), halved from 2020-02-14 (Phase One, :data:`measures.PHASE_ONE`);
  China's MFN rates after January 2019 are not in the data and stay at their 2019 level;
* 2025: the steps of :data:`measures.CHINA_2025` (facts rows), the soybean exclusion
  (:data:`measures.SOY_FACT`) and nothing else: the 2018-2019 retaliation stays in force (PIIE
  counts it in its 2025 averages; China's exclusion process of 2020 is not modelled).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.data.hs import HsConcordance
from tradetalks.data.tariffs import measures as ms
from tradetalks.data.tariffs import readers as rd
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BJZ_LAST = "2019-06-01"


@dataclass(frozen=True, eq=False)
class ChinaLines:
    """China's import lines from the US: HS8 codes, 2017 weights, rate steps."""

    hs8: tuple[str, ...]
    group: NDArray[np.str_]
    imports: FloatArray
    steps: pd.DataFrame  # BJZ columns (kind:date) by HS8
    sep_2019: FloatArray
    report: dict[str, Any]

    def mfn(self, date: str) -> FloatArray:
        """China's MFN rate by line on ``date`` (percent; the January 2018 rates before 2018)."""
        first = min(c for c in self.steps.columns if c.startswith("mfn:"))
        cols = [c for c in self.steps.columns if c.startswith("mfn:") and (c[4:] <= date or c == first)]
        out: FloatArray = self.steps[cols].sum(axis=1).to_numpy(dtype=float)
        return out

    def retaliation(self, date: str) -> FloatArray:
        """China's additional tariff on US goods by line on ``date`` (percent)."""
        cols = [c for c in self.steps.columns if c.startswith("ret:") and c[4:] <= date]
        old = self.steps[cols].sum(axis=1).to_numpy(dtype=float)
        if date >= ms.PHASE_ONE:
            old = old + 0.5 * self.sep_2019
        elif date >= ms.CHINA_SEP_2019:
            old = old + self.sep_2019
        hs = np.array(self.hs8)
        if date >= ms.SOY_FROM:
            old = np.where(np.char.startswith(hs, "1201"), 0.0, old)
        new = np.zeros(len(hs))
        for step in ms.CHINA_2025:
            if step.start <= date and (step.end is None or date < step.end):
                mask = np.ones(len(hs), dtype=bool) if not step.hs else _mask(hs, step.hs)
                new = new + np.where(mask, step.rate, 0.0)
        return old + new


def _mask(hs: NDArray[np.str_], prefixes: tuple[str, ...]) -> NDArray[np.bool_]:
    mask = np.zeros(len(hs), dtype=bool)
    for p in prefixes:
        mask |= np.char.startswith(hs, p)
    return mask


def load_china_lines(data_dir: Path, conc: HsConcordance) -> ChinaLines:
    """Read the China-side files into :class:`ChinaLines`.

    Raises
    ------
    DataError
        If the workbook's HS10 rates cover less than 90 % of the 2017 import value.
    """
    imports = rd.read_bjz_imports(data_dir)
    imports = imports.groupby(level=0).sum()
    bjz = rd.read_bjz_rates(data_dir)
    by8 = bjz.drop(columns=["hs10"]).groupby("hs8").mean()
    by6 = by8.groupby(by8.index.str[:6]).mean()
    steps = by8.reindex(imports.index)
    missing = steps.isna().all(axis=1)
    steps.loc[missing] = by6.reindex(imports.index[missing].str[:6]).to_numpy()
    still = steps.isna().all(axis=1)
    covered = 1.0 - float(imports[still].sum() / imports.sum())
    if covered < 0.9:
        raise DataError(f"BJZ rates cover only {100 * covered:.1f} % of China's 2017 imports from the US")
    steps = steps.fillna(0.0)
    lists = rd.read_china_lists(data_dir)
    inc = (lists[ms.CHINA_SEP_2019] - lists[BJZ_LAST]).clip(lower=0.0)
    sep = inc.reindex(imports.index.str[:6]).fillna(0.0).to_numpy()
    hs8 = tuple(str(h) for h in imports.index)
    groups = np.array([conc.group(h, default="") for h in hs8])
    keep = (groups != "") & (groups != "SERV")
    report = {
        "lines": len(hs8),
        "imports_2017_usd": float(imports.sum()),
        "hs8_rates_from_hs6_mean": int(missing.sum() - still.sum()),
        "value_share_without_rates": round(1.0 - covered, 5),
        "value_share_without_sector": round(float(imports[~keep].sum() / imports.sum()), 5),
        "sep_2019_lines_with_increase": int((sep > 0).sum()),
    }
    return ChinaLines(
        hs8=tuple(h for h, k in zip(hs8, keep, strict=True) if k),
        group=groups[keep],
        imports=imports.to_numpy(dtype=float)[keep],
        steps=steps[keep].reset_index(drop=True),
        sep_2019=sep[keep],
        report=report,
    )


def check_facts(lines: ChinaLines, facts: pd.DataFrame) -> dict[str, float]:
    """Check the 2025 steps and the soybean rule against their facts rows; returns the values read."""
    seen: dict[str, float] = {}
    for step in ms.CHINA_2025:
        value = rd.fact_value(facts, step.fact)
        seen[step.fact] = value
        if step.fact.startswith("China retaliation Feb 10") or step.fact.startswith(
            "China retaliation Mar 10"
        ):
            if step.rate not in (value, 10.0):  # the 10 % groups are in the row's note
                raise DataError(
                    f"{step.name}: rate {step.rate} does not match facts row {step.fact!r} ({value})"
                )
        elif "peak" in step.fact:
            if step.rate > value:
                raise DataError(f"{step.name}: rate {step.rate} exceeds the peak of {step.fact!r} ({value})")
        elif step.rate != value:
            raise DataError(f"{step.name}: rate {step.rate} does not match facts row {step.fact!r} ({value})")
    soy_total = rd.fact_value(facts, ms.SOY_FACT)
    hs = np.array(lines.hs8)
    soy = np.char.startswith(hs, "1201") & (lines.imports > 0)
    total = lines.mfn(ms.SOY_FROM)[soy] + lines.retaliation(ms.SOY_FROM)[soy]
    if soy.any() and np.max(np.abs(total - soy_total)) > 1e-6:
        raise DataError(f"soybean tariff on {ms.SOY_FROM} is {total} by our rules, facts say {soy_total}")
    seen[ms.SOY_FACT] = soy_total
    return seen
