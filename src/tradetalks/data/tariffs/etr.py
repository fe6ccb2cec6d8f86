"""Effective tariff rates before substitution: the tariffs in force on a date on base-period imports.

The effective tariff rate (ETR) of an importer is the import-weighted average of its tariffs over
its goods imports, ``ETR = sum t x / sum x`` (docs/model.md, eq. 4.7), by exporter and overall.
Before substitution the weights ``x`` are imports of a base period (nothing reacts to the tariffs);
after substitution they are a solved world's imports (:mod:`tradetalks.results.headline`).

Weights (:data:`WEIGHTS`)
    ``2024``: US imports for consumption in 2024 (Census, via the tariff tracker) in the schedule's
    33 groups (27 ICIO goods sectors and six named products), 80 partners; the US only.
    ``2022``: the ICIO 2022 flows at basic prices (``icio2022-full``), 27 goods sectors, any
    importer. ``2017``: the ICIO 2017 flows (before the 2018 trade war), the US and China. Sector
    rates of the US layers combine their groups with the 2024 weights inside each sector, China's
    retaliation with China's 2017 imports from the US (:mod:`~tradetalks.data.tariffs.schedule`).

Bases (:data:`BASES`)
    ``statutory``: the rates in force on the date: the applied MFN and preferential rates of the
    ICIO cube (Teti's Global Tariff Database, 2021; the ``mfn`` layer) plus every dated layer.
    ``collected``: the duties collected on the 2024 imports over their value (Census calculated
    duties: MFN, preferences, Section 301 and 232 net of exclusions and drawback as actually paid),
    plus the change of the dated layers from 2024-07-01 to the date. This is the Budget Lab's
    convention (its 2025 rates are the 2024 rate, 2.4 %, plus the new measures); 2024 weights only.

Everything is read from the shipped schedule and baselines; nothing is solved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.tariffs.dated import LAYERS, resolve_date, tariff_layers
from tradetalks.data.tariffs.schedule import SCHEDULE_LAYERS, TariffSchedule, load_schedule
from tradetalks.errors import DataError

FloatArray = NDArray[np.float64]

#: Base-period import weights, in words.
WEIGHTS: dict[str, str] = {
    "2024": "US imports for consumption 2024 (Census, via the tariff tracker), 33 goods groups",
    "2022": "ICIO 2022 flows at basic prices (icio2022-full), 27 goods sectors",
    "2017": "ICIO 2017 flows at basic prices (before the 2018 trade war), 27 goods sectors",
}
#: Rate bases, in words.
BASES: dict[str, str] = {
    "statutory": "the rates in force: applied MFN/preferential rates (ICIO, Teti GTD 2021) plus the "
    "dated layers",
    "collected": "2024 duties collected over 2024 imports (Census) plus the change of the dated layers "
    "since 2024-07-01 (the Budget Lab's convention)",
}
#: The date whose layers the 2024 duties were collected under.
COLLECTED_DATE = "2024-07-01"
#: Importers with 2024 weights and duties, and with 2017 weights.
IMPORTERS_2024 = ("USA",)
IMPORTERS_2017 = ("USA", "CHN")
ICIO_BASELINE = "icio2022-full"


@dataclass(frozen=True, eq=False)
class RateTable:
    """Effective tariff rates of one importer on one date (percent; imports in USD billion).

    Attributes
    ----------
    by_partner : DataFrame
        One row per exporter with imports: ``imports_usd_bn``, one ``<part>_pct`` column per part
        of the rate (``mfn`` and each layer for the statutory basis; ``collected_2024`` and the
        change of each layer for the collected basis) and ``total_pct``.
    overall : Series
        The same columns over all exporters.
    """

    importer: str
    date: str
    preset: str | None
    weights: str
    basis: str
    by_partner: pd.DataFrame
    overall: pd.Series

    @property
    def total_pct(self) -> float:
        """The overall effective tariff rate, percent."""
        return float(self.overall["total_pct"])


def _check(importer: str, weights: str, basis: str, regions: Sequence[str]) -> None:
    if weights not in WEIGHTS:
        raise DataError(f"weights {weights!r} unknown; allowed: {', '.join(WEIGHTS)}")
    if basis not in BASES:
        raise DataError(f"basis {basis!r} unknown; allowed: {', '.join(BASES)}")
    if importer not in regions:
        raise DataError(f"importer {importer!r} unknown; allowed: the ICIO economies ({', '.join(regions)})")
    if weights == "2024" and importer not in IMPORTERS_2024:
        other = "2022, 2017" if importer in IMPORTERS_2017 else "2022"
        raise DataError(
            f"weights '2024' exist for importer(s) {', '.join(IMPORTERS_2024)} only, not {importer!r}; "
            f"allowed for it: {other}"
        )
    if weights == "2017" and importer not in IMPORTERS_2017:
        raise DataError(
            f"weights '2017' exist for importers {', '.join(IMPORTERS_2017)} only, not {importer!r}; "
            "allowed for it: 2022"
        )
    if basis == "collected" and weights != "2024":
        raise DataError(
            f"basis 'collected' needs duties collected, which the data have for 2024 US imports only; "
            f"with weights {weights!r} the allowed basis is: statutory"
        )


def weighted(rates: FloatArray, w: FloatArray) -> FloatArray:
    """Import-weighted mean over the last axis, ``sum(r w) / sum(w)`` (0 where no imports; eq. 4.7)."""
    den = w.sum(axis=-1)
    num = (rates * w).sum(axis=-1)
    out: FloatArray = np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)
    return out


def _us_layers_2024(sched: TariffSchedule, date: str) -> dict[str, FloatArray]:
    """US layers ``[partner, group]`` (fractions) on ``date``."""
    out = {}
    for name in SCHEDULE_LAYERS:
        data = sched.layers[name]
        arr = np.zeros((len(sched.partners), len(sched.groups)))
        if data.importer == "USA":
            rates = data.at(date)
            for k, exporter in enumerate(data.exporters):
                arr[sched.partners.index(exporter)] = rates[k]
        out[name] = arr
    return out


def _table(
    importer: str,
    iso: str,
    preset: str | None,
    weights: str,
    basis: str,
    exporters: Sequence[str],
    parts: dict[str, FloatArray],
    w: FloatArray,
) -> RateTable:
    """Average ``parts[name][exporter, cell]`` (fractions) with ``w[exporter, cell]``."""
    imports = w.sum(axis=1)
    keep = imports > 0
    cols = {f"{name}_pct": 100.0 * weighted(arr, w) for name, arr in parts.items()}
    total = sum(parts.values(), np.zeros_like(w))
    frame = pd.DataFrame(
        {"imports_usd_bn": imports, **cols, "total_pct": 100.0 * weighted(total, w)},
        index=pd.Index(list(exporters), name="exporter"),
    )[keep]
    flat = w.ravel()
    overall = pd.Series(
        {
            "imports_usd_bn": float(flat.sum()),
            **{f"{name}_pct": 100.0 * float(weighted(arr.ravel(), flat)) for name, arr in parts.items()},
            "total_pct": 100.0 * float(weighted(total.ravel(), flat)),
        },
        name="all",
    )
    return RateTable(importer, iso, preset, weights, basis, frame, overall)


def _rates_2024(sched: TariffSchedule, icio: Baseline, iso: str, preset: str | None, basis: str) -> RateTable:
    w = np.asarray(sched.us_weights, dtype=np.float64)
    layers = _us_layers_2024(sched, iso)
    us_layers = [n for n in SCHEDULE_LAYERS if sched.layers[n].importer == "USA"]
    if basis == "statutory":
        n = icio.region_index("USA")
        cols = [icio.sector_index(sched.parent(g)) for g in sched.groups]
        rows = [icio.region_index(p) for p in sched.partners]
        mfn = np.asarray(icio.tariffs, dtype=np.float64)[n][np.ix_(rows, cols)]
        parts = {"mfn": mfn, **{name: layers[name] for name in us_layers}}
    else:
        collected = np.divide(sched.us_duties, w, out=np.zeros_like(w), where=w > 0)  # duties / imports, 2024
        before = _us_layers_2024(sched, COLLECTED_DATE)
        parts = {
            "collected_2024": collected,
            **{f"{name}_change": layers[name] - before[name] for name in us_layers},
        }
    return _table("USA", iso, preset, "2024", basis, sched.partners, parts, w / 1e9)


def _rates_icio(
    sched: TariffSchedule, icio: Baseline, importer: str, iso: str, preset: str | None, weights: str
) -> RateTable:
    n = icio.region_index(importer)
    goods = [icio.sector_index(s) for s in icio.goods_sectors()]
    layers = tariff_layers(icio, iso, schedule=sched)
    if weights == "2022":
        flows = np.array(icio.flows[n], dtype=np.float64)
        flows[n, :] = 0.0
    else:
        w17 = sched.icio2017
        order = [w17.exporters.index(r) for r in icio.regions]
        sec = [w17.sectors.index(s) for s in icio.sectors]
        flows = np.asarray(w17.flows[w17.importers.index(importer)], dtype=np.float64)[np.ix_(order, sec)]
    w = flows[:, goods] / 1e3  # USD million -> billion
    parts = {
        name: np.asarray(layers.layers[name], dtype=np.float64)[n][:, goods]
        for name in LAYERS
        if name == "mfn" or np.asarray(layers.layers[name])[n].any()
    }
    return _table(importer, iso, preset, weights, "statutory", icio.regions, parts, w)


def effective_rates(
    date: str | dt.date,
    *,
    importer: str = "USA",
    weights: str = "2024",
    basis: str = "statutory",
    schedule: TariffSchedule | None = None,
    icio: Baseline | None = None,
) -> RateTable:
    """Effective tariff rates of ``importer`` on ``date`` before substitution (eq. 4.7).

    Parameters
    ----------
    date : str or date
        ``YYYY-MM-DD`` from 2018-01-01 to 2026-12-31, or a preset (``geneva-2025``, ...).
    importer : str
        ICIO economy levying the tariffs (``USA``; ``CHN`` for China's tariffs, ...).
    weights : {"2024", "2022", "2017"}
        Base-period imports (:data:`WEIGHTS`).
    basis : {"statutory", "collected"}
        Rate basis (:data:`BASES`).

    Raises
    ------
    DataError
        For an unknown importer, weights or basis, a combination the data do not cover (the message
        names what is allowed), or a date outside the schedule.
    """
    from tradetalks.data.catalog import load as load_shipped

    iso, preset = resolve_date(date)
    base = icio if icio is not None else load_shipped(ICIO_BASELINE)
    _check(importer, weights, basis, base.regions)
    sched = schedule or load_schedule()
    if weights == "2024":
        return _rates_2024(sched, base, iso, preset, basis)
    return _rates_icio(sched, base, importer, iso, preset, weights)
