"""The Caliendo-Parro (2015) model: pure array kernels, shocks and the equilibrium solver."""

from tradetalks.model.decomposition import WelfareDecomposition, decompose, welfare_decomposition
from tradetalks.model.shocks import Shocks
from tradetalks.model.solver import (
    Equilibrium,
    SolverInfo,
    SolverOptions,
    balanced_baseline,
    solve_equilibrium,
)

__all__ = [
    "Equilibrium",
    "Shocks",
    "SolverInfo",
    "SolverOptions",
    "WelfareDecomposition",
    "balanced_baseline",
    "decompose",
    "solve_equilibrium",
    "welfare_decomposition",
]
