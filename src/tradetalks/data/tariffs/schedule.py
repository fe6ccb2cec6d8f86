"""The shipped tariff schedule: loading it and reading the rates in force on a date.

The schedule (``tradetalks/data/tariffs/schedule/``, built by ``python -m
tradetalks.data.tariffs.build``, see :mod:`~tradetalks.data.tariffs.build`) holds every dated layer
at full ICIO detail: ``rates[layer][state, exporter, group]`` in percent, one state per date on
which the layer changes, for the exporting ICIO economies with a non-zero rate, on 33 groups (the 27
ICIO goods sectors without the named products, and the six named products of
:mod:`tradetalks.data.products`). Groups are combined into a baseline's sectors with the import
weights stored alongside (2024 US imports for the US layers, China's 2017 imports from the US for
``retaliation``), so that a split baseline gets product and rest rates and an unsplit one the whole
sector's. Nothing is cached: each call reads the files again (about 100 kB).
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.errors import DataError

FloatArray = NDArray[np.float64]
SCHEDULE_FILE = "schedule.npz"
MANIFEST_FILE = "manifest.json"
AVERAGES_FILE = "averages.csv"
#: Layers in the schedule, in the order they are reported (``mfn`` is the baseline's own tariffs).
SCHEDULE_LAYERS = ("section-301", "section-232", "fentanyl", "reciprocal", "other", "retaliation")


@dataclass(frozen=True, eq=False)
class LayerData:
    """One layer: its importer, the exporters it touches and its states."""

    name: str
    importer: str
    exporters: tuple[str, ...]
    dates: tuple[str, ...]
    rates: NDArray[np.float32]  # [state, exporter, group], percent

    def at(self, date: str) -> NDArray[np.float64]:
        """Rates ``[exporter, group]`` in force on ``date`` (ISO string), as fractions (0.25 = 25 %)."""
        k = bisect.bisect_right(self.dates, date) - 1
        if k < 0:
            return np.zeros(self.rates.shape[1:])
        out: NDArray[np.float64] = self.rates[k].astype(np.float64) / 100.0
        return out


@dataclass(frozen=True, eq=False)
class Icio2017:
    """The 2017 (pre-war) weights: imports of ``importers`` in the ICIO 2017 cube, USD million at
    basic prices, ``flows[importer, exporter, sector]`` (home sales 0)."""

    importers: tuple[str, ...]
    exporters: tuple[str, ...]
    sectors: tuple[str, ...]
    flows: FloatArray


@dataclass(frozen=True, eq=False)
class TariffSchedule:
    """The shipped schedule (see the module docstring)."""

    partners: tuple[str, ...]
    groups: tuple[str, ...]
    group_parent: Mapping[str, str]
    us_weights: FloatArray  # [partner, group]
    cn_weights: FloatArray  # [group]
    us_duties: FloatArray  # [partner, group], duties collected on the 2024 imports, USD
    icio2017: Icio2017
    layers: Mapping[str, LayerData]
    manifest: Mapping[str, Any]
    averages: pd.DataFrame

    def weights(self, layer: str) -> FloatArray:
        """Import weights ``[exporter, group]`` of a layer's exporters."""
        data = self.layers[layer]
        if data.importer == "CHN":
            return np.broadcast_to(self.cn_weights, (len(data.exporters), len(self.groups))).copy()
        rows = [self.partners.index(e) for e in data.exporters]
        return self.us_weights[rows]

    def parent(self, group: str) -> str:
        """ICIO sector a group belongs to (itself for the 27 sector groups)."""
        return self.group_parent.get(group, group)


def _package_dir() -> Any:
    return resources.files("tradetalks.data.tariffs") / "schedule"


def load_schedule(directory: str | Path | None = None) -> TariffSchedule:
    """Read the schedule shipped with the package (or one written to ``directory``).

    Raises
    ------
    DataError
        If the files are missing or ``schedule.npz`` does not match the sha256 of the manifest.
    """
    base: Any = Path(directory) if directory is not None else _package_dir()
    try:
        data = (base / SCHEDULE_FILE).read_bytes()
        manifest = json.loads((base / MANIFEST_FILE).read_text(encoding="utf-8"))
        averages = pd.read_csv(
            io.StringIO((base / AVERAGES_FILE).read_text(encoding="utf-8")), dtype={"date": str}
        )
    except (FileNotFoundError, OSError) as exc:
        raise DataError(
            f"tariff schedule not found ({exc}); rebuild it with python -m tradetalks.data.tariffs.build"
        ) from None
    if hashlib.sha256(data).hexdigest() != manifest.get("schedule_sha256"):
        raise DataError("tariff schedule: schedule.npz does not match the sha256 in manifest.json")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    layers = {}
    for name in SCHEDULE_LAYERS:
        meta = manifest["layers"][name]
        layers[name] = LayerData(
            name=name,
            importer=str(meta["importer"]),
            exporters=tuple(str(x) for x in arrays[f"{name}.exporters"]),
            dates=tuple(str(x) for x in arrays[f"{name}.dates"]),
            rates=arrays[f"{name}.rates"],
        )
    return TariffSchedule(
        partners=tuple(str(x) for x in arrays["partners"]),
        groups=tuple(str(x) for x in arrays["groups"]),
        group_parent=dict(manifest["group_parent"]),
        us_weights=arrays["weights.us"],
        cn_weights=arrays["weights.cn"],
        us_duties=arrays["duties.us"],
        icio2017=Icio2017(
            importers=tuple(str(x) for x in arrays["icio2017.importers"]),
            exporters=tuple(str(x) for x in arrays["icio2017.exporters"]),
            sectors=tuple(str(x) for x in arrays["icio2017.sectors"]),
            flows=arrays["icio2017.flows"],
        ),
        layers=layers,
        manifest=manifest,
        averages=averages,
    )
