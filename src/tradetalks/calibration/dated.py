"""Dated tariff baselines: step 2 of :mod:`tradetalks.data.tariffs.dated`, the counterfactual solve."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tradetalks.baseline import Baseline
from tradetalks.data.tariffs.dated import dated_from_flows, plan_dating
from tradetalks.model import Shocks, SolverOptions, solve_equilibrium


def dated_baseline(
    baseline: Baseline, date_or_preset: str | dt.date, options: SolverOptions | None = None
) -> Baseline:
    """The baseline moved to the tariffs in force on a date (see :mod:`tradetalks.data.tariffs.dated`).

    Parameters
    ----------
    baseline : Baseline
        An undated baseline on ICIO economies (or an aggregation of them) and ICIO sectors.
    date_or_preset : str or date
        ``YYYY-MM-DD`` from 2018-01-01 to 2026-12-31, or a key of
        :data:`tradetalks.data.tariffs.PRESETS`.
    options : SolverOptions, optional
        Tolerances of the counterfactual solve (its closure is always ``fixed``).

    Returns
    -------
    Baseline
        Named ``<name>@<date>``; ``meta["dated"]`` records the date, the preset, the observation date,
        the layers and their trade-weighted averages on USA<-CHN and CHN<-USA.
    """
    plan = plan_dating(baseline, date_or_preset)
    if not plan.needs_solve:
        return dated_from_flows(plan, None, {"solved": False})
    opts = options if options is not None else SolverOptions()
    opts = SolverOptions(tol=opts.tol, max_iter=opts.max_iter, memory=opts.memory, method=opts.method)
    eq = solve_equilibrium(
        plan.observed, Shocks(tariffs=plan.target.total, label=f"tariffs of {plan.date}"), opts
    )
    info = {"solved": True, "iterations": eq.info.iterations, "residual": eq.info.residual}
    return dated_from_flows(plan, np.asarray(eq.flows), info)
