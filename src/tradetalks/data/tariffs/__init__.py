"""Dated tariffs: the US and Chinese tariff layers of 2018-2026 on top of the ICIO applied tariffs.

>>> import tradetalks as tt
>>> from tradetalks.calibration import dated_baseline
>>> from tradetalks.data.tariffs import tariff_layers
>>> base = tt.load_baseline("default")                          # doctest: +SKIP
>>> tariff_layers(base, "geneva-2025").averages("USA", "CHN")   # doctest: +SKIP
>>> dated = dated_baseline(base, "2025-10-15")                  # doctest: +SKIP
>>> dated.name                                                  # doctest: +SKIP
'default@2025-10-15'

Layers, sources and rules: ``docs/tariffs.md`` and :mod:`tradetalks.data.tariffs.measures`. The
schedule the package ships is built from the raw files by ``python -m tradetalks.data.tariffs.build``;
run time needs only the shipped schedule. Moving a baseline to a date's tariffs takes an equilibrium
solve, so :func:`~tradetalks.calibration.dated_baseline` lives in the calibration layer, above the model.
"""

from tradetalks.data.tariffs.dated import (
    LAYER_DOCS,
    LAYERS,
    PRESETS,
    DatingPlan,
    TariffLayers,
    dated_from_flows,
    observed_date,
    plan_dating,
    resolve_date,
    tariff_layers,
)
from tradetalks.data.tariffs.schedule import TariffSchedule, load_schedule

__all__ = [
    "LAYERS",
    "LAYER_DOCS",
    "PRESETS",
    "DatingPlan",
    "TariffLayers",
    "TariffSchedule",
    "dated_from_flows",
    "load_schedule",
    "observed_date",
    "plan_dating",
    "resolve_date",
    "tariff_layers",
]
