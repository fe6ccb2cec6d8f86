"""The lowest workflow call: solve given shocks on a given baseline and get a :class:`Result`."""

from __future__ import annotations

from tradetalks.baseline import Baseline
from tradetalks.errors import ShockError
from tradetalks.model import Shocks, SolverOptions, balanced_baseline, solve_equilibrium
from tradetalks.results import Result


def solve(
    baseline: Baseline,
    shocks: Shocks | None = None,
    options: SolverOptions | None = None,
    *,
    scenario: str = "custom",
) -> Result:
    """Solve the Caliendo-Parro (2015) equilibrium in changes for ``shocks`` on ``baseline``
    (docs/model.md, sections 2-3; closures: section 2.4).

    Parameters
    ----------
    baseline : Baseline
        The world before the shock.
    shocks : Shocks, optional
        New policy levels; ``None`` is the zero shock (every hat equals one).
    options : SolverOptions, optional
        Closure and tolerances; the default holds deficits fixed.
    scenario : str
        A name carried into the result.

    Returns
    -------
    Result
        Immutable; changes relative to ``result.baseline``.

    Raises
    ------
    ShockError, ConvergenceError
    """
    opts = options or SolverOptions()
    shocks = shocks or Shocks()
    reference = baseline
    if opts.closure == "balanced":
        if shocks.deficits is not None:
            raise ShockError(
                "shock field 'deficits' cannot be set with closure='balanced' (deficits are zero)"
            )
        reference = balanced_baseline(baseline, opts)
    eq = solve_equilibrium(reference, shocks, opts)
    return Result(
        scenario=scenario, equilibrium=eq, source=baseline, closure=opts.closure, solver_options=opts
    )
