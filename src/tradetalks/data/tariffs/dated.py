"""Dated tariff baselines: the tariffs in force on a date, layered on the ICIO applied tariffs.

The ICIO cube's tariffs (Teti's Global Tariff Database, capped at 2021) are the ``mfn`` layer: they
hold no Section 301, Section 232, IEEPA or retaliatory duty. :func:`tariff_layers` adds the layers
of the shipped schedule (:mod:`~tradetalks.data.tariffs.schedule`) in force on a date, on the
baseline's axes; :func:`tradetalks.calibration.dated_baseline` turns them into a baseline of that date
(:func:`plan_dating` does step 1, :func:`dated_from_flows` assembles the result):

1. The 2022 flows were observed under the tariffs in force in 2022 (Section 301, Section 232 of
   2018 and China's retaliation already applied). The layers in force on July 1 of the baseline's
   year (2022-07-01 for the shipped baselines) are put onto the flows as they are; everything
   else (spending, shares, tariff revenue, income, final-demand shares) is derived from them, so
   this baseline closes exactly and its flows are the data's.
2. The tariffs of the requested date are a counterfactual from there, solved with the model's
   equilibrium solver in :mod:`tradetalks.calibration` (deficits fixed in units of world value added). The
   solved world is the dated baseline: its flows are the equilibrium's, its tariffs the date's.

Aggregated regions (``default``'s ASEAN, EU27, ROW) get the layers computed for each ICIO economy
and averaged with the ICIO 2022 flows (``icio2022-full``) through the baseline's region mapping
(``meta["aggregation"]["regions"]``). A split product sector (``meta["splits"]``, sector codes of
:mod:`tradetalks.data.products`) gets the rate of its own HS codes; the parent sector then keeps the
rate of the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.baseline import CLOSE_RTOL, Baseline
from tradetalks.data.concordance import ICIO_SECTORS
from tradetalks.data.products import PRODUCTS
from tradetalks.data.tariffs import measures as ms
from tradetalks.data.tariffs.schedule import SCHEDULE_LAYERS, TariffSchedule, load_schedule
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
#: Layers of a :class:`TariffLayers`, in order; ``mfn`` is the baseline's own (ICIO) tariffs.
LAYERS: tuple[str, ...] = ("mfn", *SCHEDULE_LAYERS)
#: Named dates.
PRESETS: dict[str, str] = {
    "pre-war-2017": "2017-12-31",
    "phase-one-2020": "2020-02-14",
    "2025-01-20": "2025-01-20",
    "geneva-2025": "2025-05-14",
    "pre-summit-2025-10-15": "2025-10-15",
}
#: One line per layer (``docs/tariffs.md`` has the sources).
LAYER_DOCS: dict[str, str] = {
    "mfn": "applied tariffs of the ICIO cube (Teti Global Tariff Database, 2021): the base",
    "section-301": "US Section 301 tariffs on China: lists 1-4A (2018-2019, list 4A halved 2020-02-14) and "
    "the 2024 four-year-review increases (USTR notices; us_tariffs_2020.csv, s301_product_lists.csv)",
    "section-232": "US Section 232 tariffs: steel and aluminium (2018, 2025), autos and parts, copper, "
    "timber (presidential proclamations; calibrated to the tariff tracker's 2025 partner rates)",
    "fentanyl": "US IEEPA fentanyl tariffs 2025: China and Hong Kong 10 % (Feb 4), 20 % (Mar 4), 10 % "
    "(Nov 10); Canada and Mexico fitted to the tracker; ended 2026-02-20",
    "reciprocal": "US IEEPA reciprocal tariffs 2025: 10 % from Apr 5; China 84 % (Apr 9), 125 % (Apr 10), "
    "10 % (May 14, Geneva); other partners fitted to the tariff tracker; ended 2026-02-20",
    "other": "US measures of 2026 after the IEEPA ruling (Section 122 surcharge, Section 301 Brazil, "
    "Section 338 Canada, metals restructuring), fitted to the tariff tracker",
    "retaliation": "China's additional tariffs on US goods: 2018-2019 lists (Bown-Jung-Zhang, PIIE), Phase "
    "One halving, the 2025 steps (facts.csv)",
}
US_IMPORTER = "USA"


def resolve_date(value: str | dt.date, *, check_range: bool = True) -> tuple[str, str | None]:
    """ISO date and preset name of a date, ISO string or preset.

    Raises
    ------
    DataError
        If the value is neither a date nor a preset, or lies outside 2018-01-01..2026-12-31 (the
        ``pre-war-2017`` preset excepted); the message names the range and the presets.
    """
    allowed = (
        f"allowed: a date YYYY-MM-DD from {ms.FIRST_DATE} to {ms.LAST_DATE}, or a preset "
        f"({', '.join(f'{k} = {v}' for k, v in PRESETS.items())})"
    )
    if isinstance(value, dt.date):
        iso, preset = value.isoformat()[:10], None
    elif isinstance(value, str) and value in PRESETS:
        return PRESETS[value], value
    else:
        try:
            iso, preset = dt.date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            raise DataError(f"tariff date {value!r} is not a date or preset; {allowed}") from None
    if check_range and not (ms.FIRST_DATE <= iso <= ms.LAST_DATE):
        raise DataError(f"tariff date {iso} is outside the schedule; {allowed}")
    return iso, preset


def observed_date(baseline: Baseline) -> str:
    """Date whose tariffs the baseline's flows were observed under: July 1 of its year."""
    return f"{int(baseline.year):04d}-07-01"


@dataclass(frozen=True, eq=False)
class TariffLayers:
    """The tariff layers in force on a date, on a baseline's ``[importer, exporter, sector]`` axes.

    Attributes
    ----------
    layers : mapping of str to ndarray
        ``mfn`` (the baseline's tariffs) and every added layer (fractions, read-only).
    total : ndarray
        ``mfn`` plus the added layers: the tariffs in force.
    weights : ndarray
        Flows used by :meth:`averages` (the baseline's).
    """

    baseline: str
    date: str
    preset: str | None
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    goods: tuple[str, ...]
    layers: Mapping[str, FloatArray]
    total: FloatArray
    weights: FloatArray

    def averages(self, importer: str = "USA", exporter: str = "CHN") -> pd.DataFrame:
        """Trade-weighted average of each layer and the total on one pair, percent (goods sectors,
        weights: the baseline's flows)."""
        try:
            n, i = self.regions.index(importer), self.regions.index(exporter)
        except ValueError:
            raise DataError(
                f"unknown region in pair {importer}<-{exporter}; allowed: {', '.join(self.regions)}"
            ) from None
        cols = [self.sectors.index(s) for s in self.goods]
        w = self.weights[n, i, cols]
        total_w = float(w.sum())

        def avg(arr: FloatArray) -> float:
            return 100.0 * float((arr[n, i, cols] * w).sum() / total_w) if total_w > 0 else 0.0

        rows = [(name, avg(arr)) for name, arr in self.layers.items()] + [("total", avg(self.total))]
        df = pd.DataFrame(rows, columns=["layer", "rate_pct"])
        df.insert(0, "exporter", exporter)
        df.insert(0, "importer", importer)
        df.insert(0, "date", self.date)
        return df

    def frame(self, pairs: Sequence[tuple[str, str]] = (("USA", "CHN"), ("CHN", "USA"))) -> pd.DataFrame:
        """:meth:`averages` of several pairs in one tidy frame."""
        return pd.concat([self.averages(n, i) for n, i in pairs], ignore_index=True)


def _region_members(baseline: Baseline, icio: Sequence[str]) -> dict[str, list[str]] | None:
    """Baseline region -> ICIO economies; ``None`` when the regions are ICIO economies themselves."""
    if all(r in icio for r in baseline.regions):
        return None
    groups = baseline.meta.get("aggregation", {}).get("regions")
    if not isinstance(groups, Mapping) or set(groups) != set(baseline.regions):
        raise DataError(
            f"baseline {baseline.name!r}: dated tariffs need regions that are ICIO economies or a region "
            "mapping in meta['aggregation']['regions'] (as tradetalks.data.aggregate writes it)"
        )
    members = {str(k): [str(m) for m in v] for k, v in groups.items()}
    unknown = sorted({m for v in members.values() for m in v} - set(icio))
    if unknown:
        raise DataError(f"baseline {baseline.name!r}: aggregated from non-ICIO economies {unknown}")
    return members


def _split_products(baseline: Baseline) -> set[str]:
    """Product sector codes of the baseline (from ``meta["splits"]`` and the sector codes)."""
    codes = {p.code for p in PRODUCTS.values()}
    split = {s for s in baseline.sectors if s in codes}
    for entry in baseline.meta.get("splits", ()) or ():
        code = entry.get("code") if isinstance(entry, Mapping) else None
        name = entry.get("product") if isinstance(entry, Mapping) else entry
        code = code or (PRODUCTS[name].code if isinstance(name, str) and name in PRODUCTS else None)
        if code is None or code not in baseline.sectors:
            raise DataError(
                f"baseline {baseline.name!r}: meta['splits'] entry {entry!r} names no sector of it"
            )
    return split


def _sector_groups(baseline: Baseline, schedule: TariffSchedule) -> list[list[int]]:
    """Schedule groups making up each baseline sector (empty for services)."""
    split = _split_products(baseline)
    services = set(baseline.meta.get("services_sectors", ("SERV",)))
    out = []
    for s in baseline.sectors:
        if s in split:
            groups = [s]
        elif s in ICIO_SECTORS:
            groups = (
                []
                if s in services or s == "SERV"
                else [s]
                + [g for g in schedule.groups if schedule.parent(g) == s and g != s and g not in split]
            )
        else:
            raise DataError(
                f"baseline {baseline.name!r}: sector {s!r} is neither an ICIO sector nor a named product; "
                "dated tariffs need ICIO sectors"
            )
        out.append([schedule.groups.index(g) for g in groups])
    return out


def _sector_rates(rates: FloatArray, weights: FloatArray, groups: list[list[int]]) -> FloatArray:
    """Combine group rates ``[exporter, group]`` into sector rates ``[exporter, sector]``."""
    out = np.zeros((rates.shape[0], len(groups)))
    for s, idx in enumerate(groups):
        if not idx:
            continue
        w = weights[:, idx]
        den = w.sum(axis=1)
        num = (rates[:, idx] * w).sum(axis=1)
        out[:, s] = np.where(den > 0, num / np.where(den > 0, den, 1.0), rates[:, idx].mean(axis=1))
    return out


def layers_on_axes(
    baseline: Baseline, iso: str, schedule: TariffSchedule | None = None, icio: Baseline | None = None
) -> dict[str, FloatArray]:
    """Added layers in force on ``iso`` on the baseline's axes (no range check; fractions).

    ``icio`` is the full ICIO baseline whose flows weight the members of aggregated regions (the
    shipped ``icio2022-full`` when not given).
    """
    sched = schedule or load_schedule()
    known = (*sched.partners, US_IMPORTER)
    members = _region_members(baseline, known)
    economies = list(baseline.regions) if members is None else sorted(known)
    pos = {e: k for k, e in enumerate(economies)}
    groups = _sector_groups(baseline, sched)
    n_e, n_s = len(economies), baseline.n_sectors
    full: dict[str, FloatArray] = {}
    for name in SCHEDULE_LAYERS:
        data = sched.layers[name]
        arr = np.zeros((n_e, n_e, n_s))
        if data.importer in pos:
            rates = _sector_rates(data.at(iso), sched.weights(name), groups)
            for k, exporter in enumerate(data.exporters):
                if exporter in pos:
                    arr[pos[data.importer], pos[exporter], :] = rates[k]
        full[name] = arr
    if members is None:
        return full
    if icio is None:
        from tradetalks.data.catalog import load as load_shipped

        icio = load_shipped("icio2022-full")
    return _aggregate(baseline, full, members, economies, icio)


def _aggregate(
    baseline: Baseline,
    full: dict[str, FloatArray],
    members: dict[str, list[str]],
    economies: list[str],
    icio: Baseline,
) -> dict[str, FloatArray]:
    """Flow-weighted averages of the full-detail layers over the members of each baseline region."""
    order = [icio.regions.index(e) for e in economies]
    parent = {p.code: p.parent for p in PRODUCTS.values()}
    cols = [icio.sectors.index(parent.get(s, s)) for s in baseline.sectors]
    flows = icio.flows[np.ix_(order, order, cols)]
    member = np.zeros((baseline.n_regions, len(economies)))
    for a, region in enumerate(baseline.regions):
        for e in members[region]:
            member[a, economies.index(e)] = 1.0
    den = _pair_sum(member, flows)
    out = {}
    for name, arr in full.items():
        if not arr.any():
            out[name] = np.zeros_like(den)
            continue
        num = _pair_sum(member, flows * arr)
        agg = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        idx = np.arange(baseline.n_regions)
        agg[idx, idx, :] = 0.0
        out[name] = agg
    return out


def _pair_sum(member: FloatArray, arr: FloatArray) -> FloatArray:
    """``sum over n in a, i in b of arr[n, i, j]`` for one-hot ``member[a, n]``."""
    by_importer = np.tensordot(member, arr, axes=(1, 0))  # [a, i, j]
    out: FloatArray = np.tensordot(by_importer, member, axes=(1, 1)).transpose(0, 2, 1)
    return out


def tariff_layers(
    baseline: Baseline, date: str | dt.date, *, schedule: TariffSchedule | None = None
) -> TariffLayers:
    """The tariff layers in force on ``date`` (a date, ISO string or preset) on ``baseline``'s axes.

    Raises
    ------
    DataError
        For a date outside the schedule, a baseline that is already dated, or axes that are not ICIO
        economies and sectors.
    """
    iso, preset = resolve_date(date)
    return _layers(baseline, iso, preset, schedule)


def _layers(
    baseline: Baseline,
    iso: str,
    preset: str | None,
    schedule: TariffSchedule | None,
    icio: Baseline | None = None,
) -> TariffLayers:
    if "dated" in baseline.meta:
        raise DataError(
            f"baseline {baseline.name!r} is already dated ({baseline.meta['dated'].get('date')}); "
            "start from the undated baseline"
        )
    added = layers_on_axes(baseline, iso, schedule, icio)
    layers = {"mfn": np.array(baseline.tariffs), **added}
    total = sum((layers[k] for k in LAYERS), np.zeros_like(baseline.tariffs))
    for arr in (*layers.values(), total):
        arr.setflags(write=False)
    return TariffLayers(
        baseline=baseline.name,
        date=iso,
        preset=preset,
        regions=baseline.regions,
        sectors=baseline.sectors,
        goods=baseline.goods_sectors(),
        layers=MappingProxyType(layers),
        total=total,
        weights=baseline.flows,
    )


def _rounded(frame: pd.DataFrame) -> dict[str, float]:
    values = frame["rate_pct"].to_numpy(dtype=float)
    return {str(k): round(float(v), 4) for k, v in zip(frame["layer"], values, strict=True)}


@dataclass(frozen=True, eq=False)
class DatingPlan:
    """What dating a baseline takes (step 1 of the module docstring done, step 2 described).

    Attributes
    ----------
    source : Baseline
        The undated baseline.
    observed : Baseline
        ``source`` with the layers of its observation date on its data flows (step 1): it closes
        exactly, and its flows are the data's.
    target : TariffLayers
        The layers in force on the requested date; when :attr:`needs_solve`, a counterfactual of
        ``observed`` (step 2, :func:`tradetalks.calibration.dated_baseline`).
    """

    source: Baseline
    observed: Baseline
    target: TariffLayers
    date: str
    preset: str | None
    observed_date: str
    schedule_manifest: Mapping[str, Any]

    @property
    def needs_solve(self) -> bool:
        """Whether the requested date differs from the observation date (a counterfactual solve)."""
        return self.date != self.observed_date


def plan_dating(baseline: Baseline, date_or_preset: str | dt.date) -> DatingPlan:
    """Step 1 of the module docstring: the observed world and the layers of the requested date.

    Parameters
    ----------
    baseline : Baseline
        An undated baseline on ICIO economies (or an aggregation of them) and ICIO sectors.
    date_or_preset : str or date
        ``YYYY-MM-DD`` from 2018-01-01 to 2026-12-31, or a key of :data:`PRESETS`.
    """
    iso, preset = resolve_date(date_or_preset)
    if "horizon" in baseline.meta:
        raise DataError(
            f"baseline {baseline.name!r} is set to the {baseline.meta['horizon'].get('name')} horizon; "
            "date the long-run baseline, then set the horizon (tradetalks.data.horizons.at_horizon)"
        )
    obs = observed_date(baseline)
    schedule = load_schedule()
    icio = None
    if _region_members(baseline, (*schedule.partners, US_IMPORTER)) is not None:
        from tradetalks.data.catalog import load as load_shipped

        icio = load_shipped("icio2022-full")
    at_obs = _layers(baseline, obs, None, schedule, icio)
    observed = baseline.replace(name=f"{baseline.name}@{obs}", tariffs=at_obs.total)
    target = at_obs if iso == obs else _layers(baseline, iso, preset, schedule, icio)
    return DatingPlan(baseline, observed, target, iso, preset, obs, dict(schedule.manifest))


def dated_from_flows(
    plan: DatingPlan,
    flows: FloatArray | None,
    solver: Mapping[str, Any],
    *,
    va_share: FloatArray | None = None,
    io_share: FloatArray | None = None,
) -> Baseline:
    """The dated baseline of ``plan``: the observed world, or the solved ``flows`` of step 2.

    Parameters
    ----------
    plan : DatingPlan
    flows : ndarray or None
        Counterfactual flows at the target tariffs (``None`` when ``plan.needs_solve`` is false).
    solver : mapping
        Diagnostics of the solve, recorded in ``meta["dated"]["solver"]``.
    va_share, io_share : ndarray, optional
        Value-added and input shares of the solved world, where they differ from the observed
        world's (capacity rents counted in value added).

    Returns
    -------
    Baseline
        Named ``<name>@<date>``; ``meta["dated"]`` records the date, the preset, the observation date,
        the layers and their trade-weighted averages on USA<-CHN and CHN<-USA.
    """
    baseline, target = plan.source, plan.target
    if plan.needs_solve != (flows is not None):
        raise DataError(
            f"dating {baseline.name!r} to {plan.date}: flows must be given exactly when the date differs "
            f"from the observation date {plan.observed_date}"
        )
    if flows is None:
        result = plan.observed
    else:
        shares = {"va_share": va_share, "io_share": io_share}
        result = plan.observed.replace(
            flows=flows, tariffs=target.total, **{k: v for k, v in shares.items() if v is not None}
        )
    pairs = [
        (a, b) for a, b in (("USA", "CHN"), ("CHN", "USA")) if a in baseline.regions and b in baseline.regions
    ]
    meta: dict[str, Any] = dict(baseline.meta)
    meta["dated"] = {
        "date": plan.date,
        "preset": plan.preset,
        "observed_date": plan.observed_date,
        "source_baseline": baseline.name,
        "method": f"layers of {plan.observed_date} put on the data flows; tariffs of {plan.date} solved as a "
        "counterfactual (Caliendo-Parro, deficits fixed in units of world value added)",
        "layers": dict(LAYER_DOCS),
        "averages_pct": {f"{a}<-{b}": _rounded(target.averages(a, b)) for a, b in pairs},
        "averages_weights": f"flows of {baseline.name} ({baseline.year}), goods sectors",
        "schedule_sha256": plan.schedule_manifest.get("schedule_sha256"),
        "schedule_build": plan.schedule_manifest.get("build_command"),
        "solver": dict(solver),
    }
    out = result.replace(name=f"{baseline.name}@{plan.date}", meta=meta)
    out.check(CLOSE_RTOL)
    return out
