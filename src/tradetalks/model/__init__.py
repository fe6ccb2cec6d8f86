"""The Caliendo-Parro (2015) model: pure array kernels, shocks and the equilibrium solver."""

from tradetalks.model.decomposition import WelfareDecomposition, decompose, welfare_decomposition
from tradetalks.model.equilibrium import Evaluation, System
from tradetalks.model.sensitivity import (
    ObjectiveOracle,
    PolicyDirection,
    SensitivitySolver,
    objective_gradient,
    objective_gradients,
    objective_values,
)
from tradetalks.model.shocks import CriticalInput, FlowConstraint, Shocks
from tradetalks.model.solver import (
    CLOSURES,
    Equilibrium,
    SolverInfo,
    SolverOptions,
    balanced_baseline,
    solve_equilibrium,
)

__all__ = [
    "CLOSURES",
    "CriticalInput",
    "Equilibrium",
    "Evaluation",
    "FlowConstraint",
    "ObjectiveOracle",
    "PolicyDirection",
    "SensitivitySolver",
    "Shocks",
    "SolverInfo",
    "SolverOptions",
    "System",
    "WelfareDecomposition",
    "balanced_baseline",
    "decompose",
    "objective_gradient",
    "objective_gradients",
    "objective_values",
    "solve_equilibrium",
    "welfare_decomposition",
]
