"""Option objects of the analyses: frozen, validated on construction, errors naming the field.

Each analysis takes one option object (``options=``) instead of loose keyword arguments:
:class:`OptimizerOptions` (optimal tariffs), :class:`WarOptions` (Nash tariff wars),
:class:`TalksOptions` (trade talks) and :class:`DealOptions` (the deal space). A bad value
raises :class:`~tradetalks.errors.OptionsError` with the option's name, the value given and
what is allowed::

    >>> TalksOptions(solution="split")                          # doctest: +SKIP
    OptionsError: TalksOptions.solution = 'split': Input should be 'nash' or 'equal-gains'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradetalks.errors import OptionsError

#: Solution concepts of continuous trade talks.
TALKS_SOLUTIONS = ("nash", "equal-gains")


class Options(BaseModel):
    """Base of the option objects: frozen, no unknown fields, one-line errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise OptionsError(_message(type(self), exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """The options as plain values (for provenance and JSON)."""
        return self.model_dump(mode="json")


def _message(cls: type[Options], exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"{cls.__name__}.{name}: unknown option; allowed: {', '.join(cls.model_fields)}")
        else:
            parts.append(f"{cls.__name__}.{name} = {err.get('input')!r}: {err['msg']}")
    return "; ".join(parts)


class OptimizerOptions(Options):
    """Options of :func:`tradetalks.analyses.optimal.optimal_tariffs`.

    Attributes
    ----------
    upper : float
        Upper bound on each tariff, ad valorem (5.0 = 500 %); the lower bound is zero.
    gtol : float
        Largest gradient component (basis points of the objective per unit of tariff) at which
        L-BFGS-B stops.
    max_iter : int
        Most iterations of L-BFGS-B.
    """

    upper: float = Field(default=5.0, gt=0.0, le=100.0)
    gtol: float = Field(default=1e-3, gt=0.0, lt=1.0)
    max_iter: int = Field(default=200, ge=1, le=100_000)


class WarOptions(Options):
    """Options of :func:`tradetalks.analyses.war.nash_war`.

    Attributes
    ----------
    tol : float
        The war has settled when no tariff moves by more than ``tol`` (ad valorem) in a round.
    max_rounds : int
        Most rounds of best responses before :class:`~tradetalks.errors.ConvergenceError`.
    optimizer : OptimizerOptions
        Options of each best response (and ``upper``, ``gtol`` of the joint solve).
    method : {"joint", "best-response"}
        Solve every player's first-order conditions at once (docs/model.md, eq. 7.3a; falls
        back to best responses if it fails), or iterate best responses (eq. 7.3).
    """

    tol: float = Field(default=1e-4, gt=0.0, lt=1.0)
    method: Literal["joint", "best-response"] = "joint"
    max_rounds: int = Field(default=25, ge=1, le=10_000)
    optimizer: OptimizerOptions = Field(default_factory=OptimizerOptions)


class TalksOptions(Options):
    """Options of :func:`tradetalks.analyses.talks.bargain`.

    Attributes
    ----------
    solution : {"nash", "equal-gains"}
        Nash (1950) bargaining (the product of the gains) or Ossa (2014)'s equal gains.
    upper : float
        Upper bound on each tariff, ad valorem.
    max_iter : int
        Most iterations of each SLSQP run.
    """

    solution: Literal["nash", "equal-gains"] = "nash"
    upper: float = Field(default=5.0, gt=0.0, le=100.0)
    max_iter: int = Field(default=200, ge=1, le=100_000)


class DealOptions(Options):
    """Options of :func:`tradetalks.analyses.deals.solve_deal_space`.

    Attributes
    ----------
    workers : int
        Processes to spread the packages over (results do not depend on it).
    discount : (float, float)
        Per-round discount factors of the two parties in the alternating-offers game, in (0, 1).
    tie_tol : float
        Outcomes closer than this are the same outcome (docs/model.md, section 7.6): packages
        whose payoffs (log points) and onlooker measures (welfare, exports and win-set output,
        as fractions of the baseline: percent / 100) all agree within ``tie_tol`` are merged
        into one row, and bargaining scores that a change of ``tie_tol`` in the gains could
        reverse are ties, broken by a fixed rule. In ``[0, 1e-4]``; the default ``1e-9`` is a
        hundred times the solver's noise on a package (about ``1e-11``) and far below the
        smallest real difference between packages of the shipped space (about ``5e-6``).
    cache_dir : path, optional
        Folder where the solved table is kept, keyed by a fingerprint of baseline and space.
    """

    workers: int = Field(default=1, ge=1, le=256)
    discount: tuple[float, float] = (0.95, 0.95)
    tie_tol: float = Field(default=1e-9, ge=0.0, le=1e-4, allow_inf_nan=False)
    cache_dir: Path | None = None

    @field_validator("discount")
    @classmethod
    def _in_unit_interval(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not all(0.0 < d < 1.0 for d in value):
            raise ValueError("each discount factor must lie strictly between 0 and 1")
        return value
