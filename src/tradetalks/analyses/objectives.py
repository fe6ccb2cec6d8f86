"""Government objectives: welfare, political-economy weights and named strategic terms.

``G[n] = log W_hat[n] + sum_j omega[n, j] log Y_hat[n, j] + sum_s kappa_s log F_hat_s``
(docs/model.md, eq. 7.1): real income, plus Grossman-Helpman / Ossa (2014) style weights on
sector output (``omega = 0`` is the pure-welfare government, the default), plus strategic
terms on named flows ``F_s`` (for example the US valuing *less* Chinese access to advanced
chips: a negative weight on China's chip imports from the US and its allies).

Objectives are written with numpy operations only, so they take complex states and their
gradients come from :mod:`tradetalks.model.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ScenarioError
from tradetalks.levers.common import flow_mask
from tradetalks.model import Evaluation, System, objective_values
from tradetalks.results import Result

Objective = Callable[[System, Evaluation], NDArray[np.generic]]


@dataclass(frozen=True)
class StrategicTerm:
    """``weight * log`` of the change in a group of flows (producer prices).

    Parameters
    ----------
    label : str
    weight : float
        Utility per log point of the flows (negative: the government wants them smaller).
    importers, exporters, sectors : labels
        The flows (codes, ``others``/``all``, product names for split baselines).
    source : str
        Why the term exists (the policy it stands for).
    """

    label: str
    weight: float
    importers: tuple[str, ...] | str
    exporters: tuple[str, ...] | str
    sectors: tuple[str, ...] | str
    source: str = ""

    def cells(self, baseline: Baseline) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
        mask = flow_mask(baseline, self.importers, self.exporters, self.sectors)
        if not (mask & (baseline.flows > 0)).any():
            raise ScenarioError(f"strategic term {self.label!r} covers no positive baseline flow")
        n_idx, i_idx, j_idx = np.nonzero(mask)
        return n_idx, i_idx, j_idx


@dataclass(frozen=True)
class Government:
    """What a government maximises.

    Parameters
    ----------
    region : str
    political_weights : mapping sector -> omega
        Weights on log sector output (Ossa 2014's lambda in spirit); empty = pure welfare.
    strategic : tuple of StrategicTerm
    source : str
        Where the weights come from.
    """

    region: str
    political_weights: Mapping[str, float] = field(default_factory=dict)
    strategic: tuple[StrategicTerm, ...] = ()
    source: str = "pure welfare (real income), docs/model.md eq. 7.1"

    def objective(self, baseline: Baseline) -> Objective:
        """``G`` as a function of an evaluation of the equilibrium on ``baseline``."""
        n = baseline.region_index(self.region)
        income0 = float(baseline.income[n])
        alpha = np.asarray(baseline.alpha[n])
        omega = np.zeros(baseline.n_sectors)
        for sector, w in self.political_weights.items():
            omega[baseline.sector_index(sector)] = float(w)
        y0 = np.asarray(baseline.gross_output[n])
        has_y = (y0 > 0) & (omega != 0)
        terms = [(t.weight, t.cells(baseline)) for t in self.strategic]
        flows0 = [float(baseline.flows[c].sum()) for _, c in terms]

        def g(sys: System, ev: Evaluation) -> NDArray[np.generic]:
            value = np.log(ev.income[..., n] / income0) - (alpha * ev.log_P[..., n, :]).sum(axis=-1)
            if has_y.any():
                value = value + (omega[has_y] * np.log(ev.output[..., n, has_y] / y0[has_y])).sum(axis=-1)
            if not terms:
                out0: NDArray[np.generic] = value
                return out0
            producer = sys.producer if sys.wedges is None else sys.producer_at(np.real(ev.log_m))
            for (weight, (ni, ii, ji)), f0 in zip(terms, flows0, strict=True):
                flow = (
                    producer[..., ni, ii, ji] * ev.cost_term[..., ii, ji] * ev.spending_ratio[..., ni, ji]
                ).sum(axis=-1)
                value = value + weight * np.log(flow / f0)
            out: NDArray[np.generic] = value
            return out

        return g

    def value(self, result: Result) -> float:
        """``G`` of a solved result (relative to the result's reference baseline)."""
        if not self.strategic and not any(self.political_weights.values()):
            return float(np.log(result.welfare_hat[result.baseline.region_index(self.region)]))
        eq = result.equilibrium
        return float(objective_values(eq, [self.objective(eq.baseline)])[0])

    def describe(self) -> dict[str, object]:
        """The objective as plain values (for provenance)."""
        return {
            "region": self.region,
            "political_weights": {k: float(v) for k, v in self.political_weights.items() if v},
            "strategic": [{"label": t.label, "weight": t.weight} for t in self.strategic],
            "source": self.source,
        }


#: Named strategic terms (weights are the analyst's to set; the defaults are illustrative).
STRATEGIC_PRESETS: dict[str, StrategicTerm] = {
    "us-chip-denial": StrategicTerm(
        "US values less Chinese access to advanced chips",
        -0.01,
        "CHN",
        ("USA", "JPN", "KOR", "TWN", "EU27"),
        ("semiconductors", "chip-tools"),
        "US export controls on advanced computing and semiconductor manufacturing items (BIS rules of "
        "7 Oct 2022, 17 Oct 2023, 2 Dec 2024); weight illustrative: 0.01 welfare-log-points per log point",
    ),
    "china-rare-earth-leverage": StrategicTerm(
        "China values its rare-earth magnet sales abroad (leverage)",
        0.01,
        "others",
        "CHN",
        ("rare-earth-magnets",),
        "China's rare-earth export controls (MOFCOM announcements of April and 9 October 2025); "
        "weight illustrative",
    ),
}


#: Objectives by name: pure welfare, or welfare plus Ossa (2014)'s political-economy weights.
OBJECTIVE_PRESETS = ("welfare", "ossa2014")


def government(baseline: Baseline, region: str, preset: str = "welfare") -> Government:
    """A government of ``region`` with a named objective (see :data:`OBJECTIVE_PRESETS`).

    ``ossa2014``: political-economy weights on log sector output translated from Ossa (2014)'s
    calibrated lambdas (:mod:`tradetalks.data.political`; a first-order translation, documented
    there).
    """
    if preset == "welfare":
        return Government(region)
    if preset == "ossa2014":
        from tradetalks.data.political import SOURCE, ossa2014_weights

        return Government(region, political_weights=ossa2014_weights(baseline, region), source=SOURCE)
    raise ScenarioError(f"unknown objective {preset!r}; allowed: {', '.join(OBJECTIVE_PRESETS)}")
