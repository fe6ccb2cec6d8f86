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


class InfeasibleError(ConvergenceError):
    """No equilibrium exists under the closure in use (or none was found on a path that says why).

    Raised before or instead of a solve when the shocks leave no equilibrium with non-negative
    quantities: a region that can no longer export must still earn its fixed surplus, a region
    whose every source of a good is closed must still buy it, a country's income would have to
    turn negative to keep its deficit fixed (docs/model.md, section 3.3).

    Attributes
    ----------
    iterations, residual : as :class:`ConvergenceError` (0 and ``inf`` when raised before solving)
    reason : str
        Why no equilibrium exists, naming the regions and sectors.
    suggestion : str
        The closure or change of the shocks under which one does (empty when none is known).
    regions : tuple of str
        Codes of the regions concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        iterations: int,
        residual: float,
        reason: str = "",
        suggestion: str = "",
        regions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, iterations=iterations, residual=residual)
        self.reason = reason or message
        self.suggestion = suggestion
        self.regions = tuple(regions)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _infeasible_error,
            (str(self), self.iterations, self.residual, self.reason, self.suggestion, self.regions),
        )


def _infeasible_error(
    message: str, iterations: int, residual: float, reason: str, suggestion: str, regions: tuple[str, ...]
) -> InfeasibleError:
    return InfeasibleError(
        message,
        iterations=iterations,
        residual=residual,
        reason=reason,
        suggestion=suggestion,
        regions=regions,
    )


class ResultCheckError(ConvergenceError):
    """A solved equilibrium has an output that is not finite, or negative where it cannot be.

    Attributes
    ----------
    output : str
        Name of the offending output (``flows``, ``P_hat``, ...).
    rows : tuple of str
        The offending entries, labelled (the first few).
    """

    def __init__(
        self, message: str, *, iterations: int, residual: float, output: str = "", rows: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, iterations=iterations, residual=residual)
        self.output = output
        self.rows = tuple(rows)

    def __reduce__(self) -> tuple[object, ...]:
        return (_result_check_error, (str(self), self.iterations, self.residual, self.output, self.rows))


def _result_check_error(
    message: str, iterations: int, residual: float, output: str, rows: tuple[str, ...]
) -> ResultCheckError:
    return ResultCheckError(message, iterations=iterations, residual=residual, output=output, rows=rows)
