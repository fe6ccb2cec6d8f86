"""Effective tariff rates before substitution, by date: the data, no model solve."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tradetalks.data.catalog import load as load_shipped
from tradetalks.data.tariffs.etr import ICIO_BASELINE, effective_rates
from tradetalks.data.tariffs.schedule import load_schedule
from tradetalks.results.common import Provenance
from tradetalks.results.tariff_rates import TariffRates


def tariff_rates(
    dates: str | dt.date | Sequence[str | dt.date],
    *,
    importer: str = "USA",
    weights: str = "2024",
    basis: str = "statutory",
) -> TariffRates:
    """Effective tariff rates of ``importer`` on one or more dates, before substitution.

    Parameters
    ----------
    dates : date, ISO string or preset, or a sequence of them
    importer : str
        ICIO economy levying the tariffs (``USA``, ``CHN``, ...).
    weights : {"2024", "2022", "2017"}
        Base-period imports (:data:`tradetalks.data.tariffs.etr.WEIGHTS`).
    basis : {"statutory", "collected"}
        Rates in force, or 2024 duties collected plus the change since
        (:data:`tradetalks.data.tariffs.etr.BASES`).

    Examples
    --------
    >>> import tradetalks as tt
    >>> tt.tariff_rates(["2025-09-04", "2025-11-10"], basis="collected").summary()  # doctest: +SKIP
    """
    items = [dates] if isinstance(dates, str | dt.date) else list(dates)
    icio = load_shipped(ICIO_BASELINE)
    sched = load_schedule()
    tables = [
        effective_rates(d, importer=importer, weights=weights, basis=basis, schedule=sched, icio=icio)
        for d in items
    ]
    prov = Provenance.of(
        icio,
        "tariff-rates",
        closure="none (no model solve)",
        horizon="none (before substitution)",
        options={
            "importer": importer,
            "weights": weights,
            "basis": basis,
            "dates": [t.date for t in tables],
            "schedule_sha256": sched.manifest.get("schedule_sha256"),
        },
    )
    return TariffRates(tuple(tables), prov)
