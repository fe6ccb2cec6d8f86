"""Capacity of critical products outside the incumbent supplier (docs/model.md, eq. 5.10).

In the long run every supplier expands at constant cost. At shorter horizons the suppliers of a
critical product other than its incumbent (China for rare-earth compounds and magnets) cannot:
each one's sales of the product, to all buyers and at home, may rise above the baseline quantity
only along a supply curve of elasticity ``epsilon`` (the horizon's
``critical_supply_elasticity`` in ``data/tables/horizons.toml``), with the markup of its
price over unit cost a rent to the supplier. Below the baseline quantity costs stay constant.

:func:`capacity_constraints` lists these limits for a baseline; :func:`compile_levers` adds them
to every scenario's shocks, so a scenario, a deal space or a war at the short horizon all see the
same world.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.products import capacity_groups
from tradetalks.model.shocks import FlowConstraint


def capacity_constraints(baseline: Baseline, taken: NDArray[np.bool_] | None = None) -> list[FlowConstraint]:
    """Capacity limits of the critical products split out of ``baseline``, at its horizon.

    Parameters
    ----------
    baseline : Baseline
        A baseline set to a horizon (``meta["horizon"]``); at the long horizon, or with no
        critical product split out, the list is empty.
    taken : bool array (N, N, J), optional
        Cells other constraints already cover (left out: constraints may not overlap).
    """
    horizon = baseline.meta.get("horizon")
    if not isinstance(horizon, Mapping) or horizon.get("critical_supply_elasticity") is None:
        return []
    epsilon = float(horizon["critical_supply_elasticity"])
    return [
        FlowConstraint(g.cells, g.value, "capacity", f"{g.label} (supply elasticity {epsilon:g})", epsilon)
        for g in capacity_groups(baseline, taken)
    ]
