"""The Caliendo-Parro (2015) model: pure array kernels, shocks and the equilibrium solver."""

from tradetalks.model.batch import balanced_baselines, solve_batch
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
from tradetalks.model.warm import (
    MAX_PRECONDITIONED,
    Preconditioner,
    WarmSolution,
    is_fast,
    measure_preconditioner,
    solve_warm,
)

__all__ = [
    "CLOSURES",
    "MAX_PRECONDITIONED",
    "CriticalInput",
    "Equilibrium",
    "Evaluation",
    "FlowConstraint",
    "ObjectiveOracle",
    "PolicyDirection",
    "Preconditioner",
    "SensitivitySolver",
    "Shocks",
    "SolverInfo",
    "SolverOptions",
    "System",
    "WarmSolution",
    "WelfareDecomposition",
    "balanced_baseline",
    "balanced_baselines",
    "decompose",
    "is_fast",
    "measure_preconditioner",
    "objective_gradient",
    "objective_gradients",
    "objective_values",
    "solve_batch",
    "solve_equilibrium",
    "solve_warm",
    "welfare_decomposition",
]
