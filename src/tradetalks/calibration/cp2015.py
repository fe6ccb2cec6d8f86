"""Caliendo and Parro (2015)'s 1993 world, equilibrated as in their calibration (step 5b).

Steps 1-5a (reading the files, the adjustments, market clearing at the data's prices) are
:func:`tradetalks.data.cp2015.cp2015_at_data_prices`; the module docstring of
:mod:`tradetalks.data.cp2015` describes every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.data.cp2015 import CALIBRATION_RTOL, cp2015_at_data_prices, moved_share
from tradetalks.errors import DataError
from tradetalks.model import Shocks, SolverOptions, solve_equilibrium


def load_cp2015(
    data_dir: str | Path | None = None,
    tariff_year: int = 1993,
    *,
    equilibrate: bool = True,
) -> Baseline:
    """The Caliendo-Parro (2015) world of 1993 as a baseline (USD million).

    Parameters
    ----------
    data_dir : str or Path, optional
        See :func:`tradetalks.data.cp2015.cp2015_dir`.
    tariff_year : {1993, 2005}
        Tariffs the 1993 flows are taken to be priced at. The paper's counterfactuals start
        from 1993; 2005 gives a what-if world (1993 trade under 2005 tariffs).
    equilibrate : bool
        Apply step 5b (the paper's calibration solve; default). With ``False`` the baseline keeps
        the data's trade shares exactly but not its value added.

    Returns
    -------
    Baseline
        Passes :meth:`Baseline.check` at its default tolerance; ``meta`` records the source
        files (sha256), their layouts and every adjustment with its size.

    Raises
    ------
    DataError
        Missing or malformed files, or a calibration step that does not close.
    """
    steps = cp2015_at_data_prices(data_dir, tariff_year)
    step_a = steps.baseline
    if not equilibrate:
        return step_a
    # 5b. restore the data's value added as labour endowments (the paper's calibration solve)
    va = step_a.va_share
    endowment = steps.value_added / step_a.value_added
    shifter = endowment[:, None] ** (-va)
    iceberg = np.broadcast_to(shifter[None, :, :], step_a.flows.shape).copy()
    eq = solve_equilibrium(
        step_a,
        Shocks(iceberg_hat=iceberg, label="cp2015 calibration: data value added as labour endowments"),
        SolverOptions(closure="fixed"),
    )
    final = np.asarray(eq.flows, dtype=np.float64)
    wage = np.asarray(eq.w_hat) / endowment  # wage per unit of the data's labour, relative to the data
    meta: dict[str, Any] = dict(step_a.meta)
    meta["adjustments"] = [
        *meta["adjustments"],
        {
            "step": "5b: model solved at base-year tariffs with the data's value added as labour "
            "endowments (Caliendo-Parro calibration); wages relative to the data",
            "wage_vs_data_min": float(wage.min()),
            "wage_vs_data_max": float(wage.max()),
            "flows_moved_share": moved_share(steps.data_flows, final),
            "solver_iterations": int(eq.info.iterations),
        },
    ]
    meta["calibration"] = "equilibrium at base-year tariffs (Caliendo-Parro calibration, steps 5a-5b)"
    result = step_a.replace(flows=final, meta=meta)
    gap = np.max(np.abs(result.alpha - steps.alpha))
    if (
        gap > CALIBRATION_RTOL
        or np.max(np.abs(result.deficit - steps.deficit)) > CALIBRATION_RTOL * steps.value_added.sum()
    ):
        raise DataError(
            f"cp2015 calibration did not reproduce the clipped final-demand shares (gap {gap:.2e})"
        )
    result.check()
    return result
