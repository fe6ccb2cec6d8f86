"""Options of the equilibrium solver (:class:`SolverOptions`), validated on construction.

A module of its own so that the solver's helpers (:mod:`tradetalks.model.feasibility`) can take
the options without importing the solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradetalks.errors import OptionsError

__all__ = ["CLOSURES", "METHODS", "SolverOptions"]

CLOSURES = ("fixed", "balanced")
METHODS = ("anderson", "damped")


@dataclass(frozen=True)
class SolverOptions:
    """Options of the equilibrium solver, validated on construction.

    Parameters
    ----------
    closure : {"fixed", "balanced"}
        ``fixed``: trade deficits held at their baseline values in units of world value added
        (the numeraire). ``balanced``: first solve the baseline with zero deficits (as Ossa 2014
        and the NAFTA numbers of Caliendo-Parro 2015 do), then apply the shocks from there; the
        result's ``baseline`` is that zero-deficit world (docs/model.md, section 2.4).
    tol : float
        Largest absolute residual accepted, in log points for prices and wages and relative
        units for spending.
    max_iter : int
        Maximum number of passes through the equilibrium conditions.
    memory : int
        Anderson memory (number of secant pairs).
    method : {"anderson", "damped"}
        ``damped`` is plain damped fixed-point iteration (slow; for diagnostics).
    floor_tol : float
        In ill-conditioned worlds (near-Leontief nests, binding capacities, prices up a hundredfold)
        the equations' own rounding noise can exceed ``tol``. When the iteration stalls for 200
        passes with its best residual at most ``floor_tol``, that point is the solution and its
        residual is what the result reports (docs/model.md, section 3.3).
    """

    closure: Literal["fixed", "balanced"] = "fixed"
    tol: float = 1e-11
    max_iter: int = 3000
    memory: int = 8
    method: Literal["anderson", "damped"] = "anderson"
    floor_tol: float = 1e-9

    def __post_init__(self) -> None:
        if self.closure not in CLOSURES:
            raise OptionsError(f"SolverOptions.closure={self.closure!r}; allowed: {', '.join(CLOSURES)}")
        if self.method not in METHODS:
            raise OptionsError(f"SolverOptions.method={self.method!r}; allowed: {', '.join(METHODS)}")
        if not (0 < self.tol < 1e-3):
            raise OptionsError(f"SolverOptions.tol={self.tol!r}; allowed: 0 < tol < 1e-3")
        if not (self.tol <= self.floor_tol < 1e-3):
            raise OptionsError(
                f"SolverOptions.floor_tol={self.floor_tol!r}; allowed: tol <= floor_tol < 1e-3"
            )
        if self.max_iter < 1:
            raise OptionsError(f"SolverOptions.max_iter={self.max_iter!r}; allowed: a positive integer")
        if not (1 <= self.memory <= 50):
            raise OptionsError(f"SolverOptions.memory={self.memory!r}; allowed: 1..50")
