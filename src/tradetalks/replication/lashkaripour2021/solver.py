"""Newton's method for the peer model's square systems, with a line search and honest failure.

Used for the equilibrium in changes (eqs. 3-5 of ``docs/lashkaripour2021.md``) and for the
stacked Nash system (eqs. 3-5 with 7, 8 or 9). It either meets its tolerance or raises
:class:`~tradetalks.errors.ConvergenceError` saying why; it never returns an unconverged point
and never loops without bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import ConvergenceError

FloatArray = NDArray[np.float64]

#: Shortest fraction of a Newton step the line search tries.
MIN_STEP = 2.0**-20


def newton(
    residual: Any,
    jacobian: Any,
    z0: FloatArray,
    *,
    tol: float,
    max_iter: int,
    what: str,
) -> tuple[FloatArray, Any, float, int]:
    """Newton's method with a backtracking line search on the largest absolute residual.

    Parameters
    ----------
    residual : callable
        ``residual(z)`` returns ``(F, state)``.
    jacobian : callable
        ``jacobian(z, state)`` returns ``dF/dz``.
    z0 : array
        Start.
    tol, max_iter :
        Largest absolute residual accepted; Newton steps allowed.
    what : str
        Name of the system, for the error message.

    Returns
    -------
    (z, state, norm, iterations)

    Raises
    ------
    ConvergenceError
        When ``tol`` is not met: too many steps, a singular or non-finite Jacobian, or no
        finite point along the Newton direction (the message says which). The step is halved
        until the residual falls; after ``MIN_STEP`` the smallest finite step is taken anyway.
    """
    z = np.array(z0, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f, state = residual(z)
    norm = float(np.max(np.abs(f)))
    it = 0
    why = ""
    while not norm <= tol:
        if not np.isfinite(norm):
            why = "non-finite residual"
            break
        if it >= max_iter:
            why = "step limit reached"
            break
        it += 1
        try:
            step = np.linalg.solve(jacobian(z, state), -f)
        except np.linalg.LinAlgError:
            why = "singular Jacobian"
            break
        if not np.all(np.isfinite(step)):
            why = "non-finite Newton step"
            break
        length = 1.0
        found = None
        while length >= MIN_STEP:
            trial = z + length * step
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f_try, state_try = residual(trial)  # a non-finite trial is rejected below
            norm_try = float(np.max(np.abs(f_try)))
            if np.isfinite(norm_try):
                found = (trial, f_try, state_try, norm_try)
                if norm_try < norm:
                    break
            length *= 0.5
        if found is None:
            why = "no finite point along the Newton step"
            break
        z, f, state, norm = found
    if not norm <= tol:
        raise ConvergenceError(
            f"{what}: residual {norm:.3g} > tol {tol:.3g} after {it} Newton steps ({why})",
            iterations=it,
            residual=norm,
        )
    return z, state, norm, it
