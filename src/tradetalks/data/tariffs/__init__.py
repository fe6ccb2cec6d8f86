"""Dated tariffs: the US and Chinese tariff layers of 2018-2026 on top of the ICIO applied tariffs.

>>> import tradetalks as tt
>>> from tradetalks.data.tariffs import dated_baseline, tariff_layers
>>> base = tt.load_baseline("default")                          # doctest: +SKIP
>>> tariff_layers(base, "geneva-2025").averages("USA", "CHN")   # doctest: +SKIP
>>> dated = dated_baseline(base, "2025-10-15")                  # doctest: +SKIP
>>> dated.name                                                  # doctest: +SKIP
'default@2025-10-15'

Layers, sources and rules: ``docs/tariffs.md`` and :mod:`tradetalks.data.tariffs.measures`. The
schedule the package ships is built from the raw files by ``python -m tradetalks.data.tariffs.build``;
run time needs only the shipped schedule.
"""

from tradetalks.data.tariffs.dated import (
    LAYER_DOCS,
    LAYERS,
    PRESETS,
    TariffLayers,
    dated_baseline,
    observed_date,
    resolve_date,
    tariff_layers,
)
from tradetalks.data.tariffs.schedule import TariffSchedule, load_schedule

__all__ = [
    "LAYERS",
    "LAYER_DOCS",
    "PRESETS",
    "TariffLayers",
    "TariffSchedule",
    "dated_baseline",
    "load_schedule",
    "observed_date",
    "resolve_date",
    "tariff_layers",
]
