"""Exception types. Every message names the offending field and, where it helps, the allowed values."""

from __future__ import annotations


class TradetalksError(Exception):
    """Base class of every error the package raises on purpose."""


class DataError(TradetalksError):
    """Raw or derived data is missing, malformed or inconsistent."""


class ShockError(TradetalksError, ValueError):
    """A counterfactual shock has the wrong shape, sign or labels."""


class ScenarioError(TradetalksError, ValueError):
    """A scenario name, file or lever is unknown or malformed."""


class OptionsError(TradetalksError, ValueError):
    """An option of a solver or an analysis is out of its allowed range or set."""


class ConvergenceError(TradetalksError, RuntimeError):
    """The equilibrium solver stopped without meeting its tolerance.

    Attributes
    ----------
    iterations : int
        Iterations performed.
    residual : float
        Maximum absolute residual (relative units) when the solver stopped.
    """

    def __init__(self, message: str, *, iterations: int, residual: float) -> None:
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual

    def __reduce__(self) -> tuple[object, ...]:  # picklable across worker processes
        return (_convergence_error, (str(self), self.iterations, self.residual))


def _convergence_error(message: str, iterations: int, residual: float) -> ConvergenceError:
    return ConvergenceError(message, iterations=iterations, residual=residual)
