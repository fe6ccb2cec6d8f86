"""What intervals to compute (:class:`IntervalOptions`) and what every interval result says of its
priors and provenance, shared by the Monte Carlo and delta-method intervals (docs/uncertainty.md;
:mod:`tradetalks.analyses.intervals`, :mod:`tradetalks.analyses.delta_method`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from tradetalks.analyses.options import Options
from tradetalks.analyses.uncertainty import ELASTICITY_METHODS, PARAMETERS, Priors
from tradetalks.data.horizons import LONG
from tradetalks.errors import OptionsError
from tradetalks.levers.purchase import PurchaseCommitment
from tradetalks.results import Provenance, Result
from tradetalks.scenarios import Scenario


class IntervalOptions(Options):
    """What intervals to compute, validated up front.

    Attributes
    ----------
    method : {"mc", "delta"}
        Monte Carlo over parameter draws, or the delta method (normal approximation).
    draws : int
        Parameter draws of the Monte Carlo (at least 1); 0 for the delta method.
    seed : int
        Seed of the draws (draw ``k`` of seed ``s`` is the same however many are drawn; eq. 9.1).
    vary : tuple of str
        The parameters varied (:data:`tradetalks.analyses.uncertainty.PARAMETERS`; default all).
    elasticity_method : {"lognormal", "sets"}
        Trade elasticities drawn log-normal by sector, or one published set whole (Monte Carlo only).
    batched : bool
        Solve the draws together with the batched solver where it applies (the same equilibria to
        the solver's tolerance; faster); ``False``: one by one.
    """

    method: Literal["mc", "delta"] = "mc"
    draws: int = Field(default=0, ge=0, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    vary: tuple[str, ...] = PARAMETERS
    elasticity_method: Literal["lognormal", "sets"] = "lognormal"
    batched: bool = True

    @field_validator("draws")
    @classmethod
    def _draws_fit_the_method(cls, value: int, info: ValidationInfo) -> int:
        method = info.data.get("method")
        if method == "mc" and value < 1:
            raise ValueError("method 'mc' needs draws >= 1 (the number of parameter draws)")
        if method == "delta" and value:
            raise ValueError("draws apply to method 'mc'; the delta method takes no draws (draws=0)")
        return value

    @field_validator("vary")
    @classmethod
    def _known_parameters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in value if p not in PARAMETERS]
        if unknown:
            raise ValueError(f"unknown {unknown}; allowed: {', '.join(PARAMETERS)}")
        return value

    @field_validator("elasticity_method")
    @classmethod
    def _continuous_prior_for_delta(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("method") == "delta" and value != "lognormal":
            raise ValueError(
                "the delta method needs the continuous log-normal elasticity prior; 'sets' draws whole "
                "published sets: use method 'mc'"
            )
        return value

    def priors(self) -> Priors:
        return Priors(vary=self.vary, elasticity_method=self.elasticity_method)

    @classmethod
    def of(
        cls, method: str | None, draws: int, seed: int, priors: Priors | None = None
    ) -> IntervalOptions | None:
        """The options of :func:`tradetalks.run`'s ``intervals``, ``draws``, ``seed``, ``priors``:
        ``None`` when no intervals are asked (no method and no draws); ``draws > 0`` alone means
        Monte Carlo."""
        if method is None and not draws:
            if priors is not None:
                raise OptionsError("priors apply to intervals: give draws >= 1 or intervals='delta'")
            return None
        chosen = method if method is not None else "mc"
        if chosen not in ("mc", "delta"):
            raise OptionsError(f"intervals={method!r}; allowed: mc, delta (or None)")
        pr = priors or Priors()
        return cls(
            method=chosen, draws=draws, seed=seed, vary=pr.vary, elasticity_method=pr.elasticity_method
        )


def priors_info(priors: Priors, scenario: Scenario, centrals: Mapping[str, Result]) -> dict[str, Any]:
    return {
        "vary": list(priors.vary),
        "enter": entering(priors, scenario, centrals),
        "elasticity_method": priors.elasticity_method,
        "sources": priors.sources(),
    }


def entering(priors: Priors, scenario: Scenario, centrals: Mapping[str, Result]) -> list[str]:
    """The parameters of ``priors.vary`` that move the scenario's equilibrium at some horizon of
    ``centrals``: the trade elasticities always; ``L`` at the short and medium horizons; the
    critical-product supply elasticity with capacity limits; the critical-input sigma with CES
    nests; compliance with purchase commitments below full compliance; never the governments'
    political weights (a scenario has no government)."""
    shocks = [r.equilibrium.shocks for r in centrals.values()]
    moves = {
        "trade_elasticity": True,
        "long_run_response": any(h != LONG for h in centrals),
        "critical_supply_elasticity": any(c.kind == "capacity" for s in shocks for c in s.constraints),
        "critical_input_sigma": any(s.critical_inputs for s in shocks),
        "purchase_compliance": any(
            isinstance(lever, PurchaseCommitment) and lever.compliance < 1.0 for lever in scenario.levers
        ),
        "political_weight_scale": False,
    }
    return [p for p in priors.vary if moves[p]]


def source_notes(priors: Priors) -> tuple[str, ...]:
    return tuple(f"prior {name}: {source}" for name, source in priors.sources().items())


def interval_provenance(central: Result, options: IntervalOptions) -> Provenance:
    p = central.provenance
    return dataclasses.replace(
        p, analysis="intervals", options={**dict(p.options), "intervals": options.to_dict()}
    )


__all__ = [
    "ELASTICITY_METHODS",
    "IntervalOptions",
    "entering",
    "interval_provenance",
    "priors_info",
    "source_notes",
]
