"""A deal space under parameter draws: how likely a deal is, and which (docs/deals-uncertainty.md).

Every package of a deal space is solved again under each draw of the uncertain parameters
(:mod:`tradetalks.analyses.uncertainty`) and the bargaining flags of docs/model.md, section 7.6,
are computed afresh on each draw's table. :class:`DealUncertainty` holds the draws' payoffs and
flags and reports (docs/model.md, section 9.6)

* the probability that a zone of agreement exists (eq. 9.6),
* for each package the probability that it is the Nash, Kalai-Smorodinsky, equal-gains,
  alternating-offers (for each first proposer) or concession outcome, in the frontier, in the
  zone of agreement, ratified (eq. 9.7),
* the most robust package, the one most often the Nash solution, with that probability,
* the median and 5-95 % range of each package's payoffs and gains (eq. 9.2).

A solution flag marks the package that stands for its outcome in that draw (its group's
representative, section 7.6), so each draw credits each solution to at most one package: the
Nash probabilities over the packages sum to the probability that a zone of agreement exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.analyses.uncertainty import ParameterDraw, Priors, intervals
from tradetalks.errors import OptionsError
from tradetalks.results import Section, json_safe
from tradetalks.results.common import pct, records

#: Rows of :meth:`DealUncertainty.summary` (the packages most often the Nash solution).
SUMMARY_ROWS = 10
#: The per-draw flags, in the order of :attr:`DealUncertainty.flags` (the alternating-offers
#: outcomes come after, one per first proposer: ``rubinstein_<party>_first``).
FLAG_NAMES = ("ratified", "frontier", "zopa", "nash", "kalai_smorodinsky", "equal_gains", "concession")
#: Solution concepts credited to one package per draw.
SOLUTION_NAMES = ("nash", "kalai_smorodinsky", "equal_gains", "concession")


def check_draws(draws: object, seed: object) -> None:
    """Raise :class:`OptionsError` unless ``draws >= 1`` and ``seed >= 0`` are whole numbers."""
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise OptionsError(f"draws must be a whole number >= 1, got {draws!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise OptionsError(f"seed must be a whole number >= 0, got {seed!r}")


def parameter_row(draw: ParameterDraw) -> dict[str, Any]:
    """A draw's parameters as one flat row (``theta_<sector>``, ``critical_supply_<horizon>``)."""
    out: dict[str, Any] = {}
    for key, value in draw.to_dict().items():
        if isinstance(value, Mapping):
            out.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def flag_columns(parties: Sequence[str]) -> tuple[str, ...]:
    """The flag columns of a deal table read for each draw, in :attr:`DealUncertainty.flags` order:
    :data:`FLAG_NAMES` then the alternating-offers outcome of each first proposer."""
    return (*FLAG_NAMES, "rubinstein", f"rubinstein_{parties[1]}_first")


def flag_labels(parties: Sequence[str]) -> tuple[str, ...]:
    """The names of the flags in the outputs (``rubinstein_<party>_first`` for both proposers)."""
    return (*FLAG_NAMES, *(f"rubinstein_{p}_first" for p in parties))


@dataclass(frozen=True, eq=False)
class DealUncertainty:
    """The packages of a deal space under ``draws`` parameter draws (docs/model.md, eqs. 9.6-9.7).

    Attributes
    ----------
    space : str
        The deal space's name.
    parties : (str, str)
    options : DataFrame
        The option of each issue for every package (index: the package number).
    disagreement : int
        The disagreement package.
    draws, seed : int
        Draws ``0 .. draws - 1`` of ``seed`` (eq. 9.1).
    priors : Priors
        The parameters varied and how.
    flags : ndarray of bool (draws, packages, flags)
        Each draw's flags, in :func:`flag_labels` order (a solution flag marks the package that
        stands for its outcome in that draw).
    payoffs : ndarray (draws, packages, 2)
        Each draw's payoffs, log points of each party's objective against that draw's baseline.
    central : DataFrame
        The central case (shipped parameters): ``payoff_<party>``, ``gain_<party>`` (log points)
        and the flags, one row per package.
    rank : ndarray of int (packages,)
        The tie-break order of the packages (section 7.6): ties of probability go to the lower.
    iterations : ndarray of int (draws, packages)
        Passes of the equilibrium map per solve.
    parameters : DataFrame
        The parameters of each draw (one row a draw; ``theta_<sector>`` for the elasticities).
    seconds : float
        Time spent on the draws.
    """

    space: str
    parties: tuple[str, str]
    options: pd.DataFrame
    disagreement: int
    draws: int
    seed: int
    priors: Priors
    flags: NDArray[np.bool_]
    payoffs: NDArray[np.float64]
    central: pd.DataFrame
    rank: NDArray[np.int64]
    iterations: NDArray[np.int64]
    parameters: pd.DataFrame
    seconds: float

    def __post_init__(self) -> None:
        k, p = self.draws, len(self.options)
        labels = flag_labels(self.parties)
        if self.flags.shape != (k, p, len(labels)) or self.payoffs.shape != (k, p, 2):
            raise OptionsError(
                f"DealUncertainty: flags {self.flags.shape} and payoffs {self.payoffs.shape} do not fit "
                f"{k} draws of {p} packages"
            )
        for name in ("flags", "payoffs", "rank", "iterations"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for name in ("options", "central", "parameters"):
            object.__setattr__(self, name, getattr(self, name).copy())

    # ----------------------------------------------------------------- numbers
    @property
    def flag_labels(self) -> tuple[str, ...]:
        return flag_labels(self.parties)

    def _flag(self, name: str) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = self.flags[:, :, self.flag_labels.index(name)]
        return out

    @property
    def zopa_exists(self) -> NDArray[np.bool_]:
        """Whether each draw has a zone of agreement (some ratified package gains both)."""
        out: NDArray[np.bool_] = np.asarray(self._flag("zopa").any(axis=1), dtype=bool)
        return out

    @property
    def prob_zopa_exists(self) -> float:
        """The probability that a zone of agreement exists (eq. 9.6)."""
        return float(self.zopa_exists.mean())

    def probabilities(self) -> pd.DataFrame:
        """For each package (index) the share of draws with each flag (eq. 9.7), ``prob_<flag>`` in
        [0, 1]: ``prob_nash`` (the Nash solution), ``prob_kalai_smorodinsky``, ``prob_equal_gains``,
        ``prob_rubinstein_<party>_first`` (the alternating-offers outcome with that party proposing
        first), ``prob_concession``, ``prob_zopa``, ``prob_frontier``, ``prob_ratified``."""
        means = self.flags.mean(axis=0)
        order = [
            "nash",
            "kalai_smorodinsky",
            "equal_gains",
            *(f"rubinstein_{p}_first" for p in self.parties),
            "concession",
            "zopa",
            "frontier",
            "ratified",
        ]
        labels = self.flag_labels
        data = {f"prob_{name}": means[:, labels.index(name)] for name in order}
        return pd.DataFrame(data, index=self.options.index).rename_axis("package")

    def most_robust(self, solution: str = "nash") -> tuple[int | None, float]:
        """The package most often ``solution`` (default Nash) and that probability; ties go to the
        first in the tie-break order; ``(None, 0.0)`` when no draw has the solution."""
        if solution not in self.flag_labels:
            raise OptionsError(f"most_robust: solution={solution!r}; allowed: {', '.join(self.flag_labels)}")
        prob = self._flag(solution).mean(axis=0)
        if not prob.any():
            return None, 0.0
        best = np.flatnonzero(prob == prob.max())
        k = int(best[np.argmin(self.rank[best])])
        return int(self.options.index[k]), float(prob[k])

    def samples(self) -> dict[str, pd.DataFrame]:
        """Each draw's payoffs and gains by package, percent of real income equivalent (one row a
        draw): ``payoff_<party>_pct`` and ``gain_<party>_pct`` (against that draw's disagreement
        package)."""
        out = {}
        index = pd.RangeIndex(self.draws, name="draw")
        gains = self.payoffs - self.payoffs[:, [self.disagreement], :]
        for k, party in enumerate(self.parties):
            out[f"payoff_{party}_pct"] = pd.DataFrame(
                pct(self.payoffs[:, :, k]), index=index, columns=self.options.index
            )
            out[f"gain_{party}_pct"] = pd.DataFrame(
                pct(gains[:, :, k]), index=index, columns=self.options.index
            )
        return out

    def payoff_intervals(self) -> pd.DataFrame:
        """For each package (index): ``<measure>_{central,median,p5,p95}`` of ``payoff_<party>_pct``
        and ``gain_<party>_pct`` (eq. 9.2; central: the shipped parameters)."""
        cols: dict[str, Any] = {}
        for measure, frame in self.samples().items():
            iv = intervals(frame)
            base = measure.removesuffix("_pct")
            cols[f"{measure}_central"] = pct(self.central[base].to_numpy())
            for stat in ("median", "p5", "p95"):
                cols[f"{measure}_{stat}"] = iv[stat].to_numpy()
        return pd.DataFrame(cols, index=self.options.index).rename_axis("package")

    def solutions_by_draw(self) -> pd.DataFrame:
        """One row per draw: whether a zone of agreement exists and the package of each solution
        concept (missing when the draw has none); ``iterations``, the passes of all its solves."""
        index = pd.RangeIndex(self.draws, name="draw")
        data: dict[str, Any] = {"zopa_exists": self.zopa_exists}
        for name in (
            "nash",
            "kalai_smorodinsky",
            "equal_gains",
            *(f"rubinstein_{p}_first" for p in self.parties),
            "concession",
        ):
            flag = self._flag(name)
            pick = pd.array(self.options.index.to_numpy()[flag.argmax(axis=1)], dtype="Int64")
            pick[~flag.any(axis=1)] = pd.NA
            data[name] = pick
        data["iterations"] = self.iterations.sum(axis=1)
        return pd.DataFrame(data, index=index)

    # ----------------------------------------------------------------- outputs
    def packages(self) -> pd.DataFrame:
        """Every package: its options, the probabilities of :meth:`probabilities` and the intervals
        of :meth:`payoff_intervals` (index: the package number)."""
        return self.options.join(self.probabilities()).join(self.payoff_intervals()).rename_axis("package")

    def summary(self) -> pd.DataFrame:
        """The packages most often the Nash solution (at most :data:`SUMMARY_ROWS`, then those most
        often in the zone of agreement): options, solution probabilities and gain intervals."""
        t = self.packages()
        key = np.lexsort((self.rank, -t["prob_zopa"].to_numpy(), -t["prob_nash"].to_numpy()))
        shown = [
            c
            for c in t.columns
            if c in self.options.columns
            or c.startswith("prob_")
            or (c.startswith("gain_") and not c.endswith("_central"))
        ]
        return t.iloc[key[:SUMMARY_ROWS]][shown]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            "draw_packages": self.packages(),
            "draw_solutions": self.solutions_by_draw(),
            "draw_parameters": self.parameters.copy(),
        }

    def describe(self) -> str:
        """One line: the draws, the seed, the parameters varied, the chance of a deal."""
        robust, prob = self.most_robust()
        varied = ", ".join(self.priors.vary) or "none"
        which = "no package" if robust is None else f"package {robust}"
        return (
            f"under {self.draws} parameter draws (seed {self.seed}; parameters varied: {varied}; trade "
            f"elasticities drawn {self.priors.elasticity_method}): a zone of agreement exists in "
            f"{100 * self.prob_zopa_exists:.0f} % of draws; the most robust Nash package is {which} "
            f"({100 * prob:.0f} % of draws)"
        )

    def to_dict(self) -> dict[str, Any]:
        robust, prob = self.most_robust()
        concepts = [
            "nash",
            "kalai_smorodinsky",
            "equal_gains",
            *(f"rubinstein_{p}_first" for p in self.parties),
        ]
        out: dict[str, Any] = json_safe(
            {
                "draws": self.draws,
                "seed": self.seed,
                "priors": self.priors.to_dict() | {"sources": self.priors.sources()},
                "prob_zopa_exists": self.prob_zopa_exists,
                "most_robust": {"package": robust, "prob_nash": prob},
                "most_likely": {
                    name: dict(zip(("package", "prob"), self.most_robust(name), strict=True))
                    for name in concepts
                },
                "packages": records(self.packages()),
                "solutions_by_draw": records(self.solutions_by_draw()),
                "parameters": records(self.parameters),
                "iterations_per_solve": float(self.iterations.mean()),
                "seconds": self.seconds,
                "units": {
                    "prob_*": "share of draws, in [0, 1]",
                    "*_pct_central, *_pct_median, *_pct_p5, *_pct_p95": (
                        "percent of real income, equivalent; the central case (shipped parameters), "
                        "the median and the 5-95 % range of the draws"
                    ),
                },
            }
        )
        return out

    def sections(self) -> tuple[Section, ...]:
        """The report's tables: the summary, transposed (one column a package)."""
        return (Section(f"packages under {self.draws} draws (prob_*: share of draws)", self.summary().T),)
