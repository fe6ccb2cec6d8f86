"""Readers for the ADB MRIO files: the Caliendo-Parro calibration ``ModelDataRaw_23.jld2`` and
the country-sector summaries ``summary.parquet``.

Sources
-------
* Asian Development Bank Multi-Regional Input-Output (ADB MRIO) database, 2023 table, as
  calibrated for a Caliendo-Parro model by ``tsupohwaran/DeGlobEnvCost`` (``Data/Model/``):
  44 economies x 19 sectors, USD million; fossil fuels (coal, oil, gas; splits from GTAP 2017)
  sit outside the 19 sectors as cost shares.
* ADB MRIO summaries by ``ksreyes/mrio-processing`` (MIT, commit b0153e5): 73 economies x 35
  sectors, 2017-2022, gross output ``x`` and value added ``va`` in USD million (Malaysia 2022:
  gross output 958,838, value added 400,300).

JLD2 is HDF5. The groups ``inputData``, ``params`` are compound scalars whose fields are object
references; h5py shows Julia arrays with their dimensions reversed. ``ξʲᵏ`` reads as
``[input h, economy, output g]`` (the only orientation for which
``ξʲ + Σ_h ξʲᵏ + Σ_f ξᶠʲ = 1`` holds; verified to 1e-15).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Relative paths (under the raw data directory) of the ADB files read here.
MODEL_FILE = "adb-mrio/ModelDataRaw_23.jld2"
SUMMARY_FILE = "adb-mrio/summary.parquet"
COUNTRIES_FILE = "adb-mrio/countries.xlsx"

#: Economies of the jld2 model file in matrix order (ADB codes; sheet ``country_new`` of
#: ``CouSecConvert_ADB.xlsx``, rows 1-43; row 44 pools the other 30 ADB economies). Verified:
#: gross output by economy matches ``summary.parquet`` within 25 %, and the US deficit is +639 bn.
MODEL_ECONOMIES: tuple[str, ...] = (
    "AUS", "BRA", "CAN", "IND", "INO", "JPN", "MEX", "NOR", "PRC", "KOR", "RUS", "SWI", "TAP", "TUR",
    "UKG", "USA", "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DEN", "EST", "FIN", "FRA", "GER", "GRC",
    "HUN", "IRE", "ITA", "LVA", "LTU", "LUX", "MLT", "NET", "POL", "POR", "ROM", "SVK", "SVN", "SPA",
    "SWE", "RoW",
)  # fmt: skip

#: The 19 sectors of the jld2 model file in matrix order (1-based numbers in the docs).
MODEL_SECTORS: tuple[str, ...] = (
    "agriculture",
    "other mining (fossil removed)",
    "food, beverages, tobacco",
    "textiles and leather",
    "wood",
    "paper and publishing",
    "chemicals",
    "rubber and plastics",
    "non-metallic minerals",
    "basic and fabricated metals",
    "machinery n.e.c.",
    "electrical and optical equipment",
    "transport equipment",
    "other manufacturing, recycling",
    "construction",
    "trade and hotels",
    "transport and telecom",
    "other services",
    "electricity, gas and water",
)

#: Fossil inputs of the model file (third axis of ``ξᶠʲ``).
FOSSILS: tuple[str, ...] = ("coal", "oil", "gas")

#: ADB MRIO 35-sector codes of ``summary.parquet`` (column ``i``), 1-based.
SUMMARY_SECTORS = 35


@dataclass(frozen=True)
class AdbModel:
    """The production structure of the ADB MRIO 2023 Caliendo-Parro calibration.

    Attributes
    ----------
    economies : tuple of str
        44 ADB codes (:data:`MODEL_ECONOMIES`).
    gross_output : ndarray (44, 19)
        ``Yʲ``, USD million.
    va_share : ndarray (44, 19)
        ``ξʲ``: value-added share of gross output.
    io_share : ndarray (44, 19, 19)
        ``[economy, input h, output g]`` (converted from the file's ``[h, economy, g]``).
    fossil_share : ndarray (44, 19, 3)
        ``[economy, output g, fossil]``: cost shares of coal, oil, gas.
    alpha : ndarray (44, 19)
        Final-demand shares over the 19 sectors (fossil final demand ``alpha_fossil`` aside).
    alpha_fossil : ndarray (44, 3)
    deficit : ndarray (44,)
        Positive = deficit, USD million.
    """

    economies: tuple[str, ...]
    gross_output: FloatArray
    va_share: FloatArray
    io_share: FloatArray
    fossil_share: FloatArray
    alpha: FloatArray
    alpha_fossil: FloatArray
    deficit: FloatArray

    def index(self, code: str) -> int:
        try:
            return self.economies.index(code)
        except ValueError:
            raise DataError(
                f"unknown ADB model economy {code!r}; allowed: {', '.join(self.economies)}"
            ) from None


def _field(f: Any, group: str, name: str) -> FloatArray:
    rec = f[group][()]
    if name not in (rec.dtype.names or ()):
        raise DataError(f"{MODEL_FILE}: group {group!r} has no field {name!r}; fields: {rec.dtype.names}")
    return np.asarray(f[rec[name]][()], dtype=np.float64)


def read_model(data_dir: Path) -> AdbModel:
    """Read the ADB MRIO 2023 calibration (``adb-mrio/ModelDataRaw_23.jld2``).

    Raises
    ------
    DataError
        If the file is missing, has other shapes, or its shares do not add up to one.
    """
    path = Path(data_dir) / MODEL_FILE
    if not path.is_file():
        raise DataError(f"ADB model file {MODEL_FILE} not found under the data directory")
    import h5py  # optional dependency (the "data" extra): only to read raw files

    with h5py.File(path, "r") as f:
        y = _field(f, "inputData", "Yʲ")
        va = _field(f, "params", "ξʲ")
        io_raw = _field(f, "params", "ξʲᵏ")
        fossil = _field(f, "params", "ξᶠʲ")
        alpha = _field(f, "params", "αʲ")
        alpha_f = _field(f, "params", "αᶠ")
        deficit = _field(f, "params", "D")
    ne, ns = len(MODEL_ECONOMIES), len(MODEL_SECTORS)
    expected = {
        "Yʲ": (y, (ne, ns)),
        "ξʲ": (va, (ne, ns)),
        "ξʲᵏ": (io_raw, (ns, ne, ns)),
        "ξᶠʲ": (fossil, (ne, ns, 3)),
        "αʲ": (alpha, (ne, ns)),
        "D": (deficit, (ne,)),
    }
    for name, (arr, shape) in expected.items():
        if arr.shape != shape:
            raise DataError(f"{MODEL_FILE}: field {name!r} has shape {arr.shape}, expected {shape}")
    io = np.ascontiguousarray(np.transpose(io_raw, (1, 0, 2)))  # -> [economy, input h, output g]
    total = va + io.sum(axis=1) + fossil.sum(axis=2)
    if np.max(np.abs(total - 1.0)) > 1e-9:
        raise DataError(f"{MODEL_FILE}: value-added + input + fossil shares do not sum to one")
    log.info("read %s: %d economies x %d sectors", MODEL_FILE, ne, ns)
    return AdbModel(MODEL_ECONOMIES, y, va, io, fossil, alpha, alpha_f, deficit)


def read_summary_codes(data_dir: Path) -> pd.DataFrame:
    """The 73 economies of the ADB MRIO summaries: ``number`` (column ``s`` of the summary),
    ``adb`` (ADB MRIO code), ``iso3`` (``countries.xlsx``, columns ``mrio``, ``mrio_code``,
    ``iso_a3``)."""
    path = Path(data_dir) / COUNTRIES_FILE
    if not path.is_file():
        raise DataError(f"ADB country list {COUNTRIES_FILE} not found under the data directory")
    c = pd.read_excel(path)
    c = c[c["mrio"].notna()]
    out = pd.DataFrame(
        {"number": c["mrio"].astype(int), "adb": c["mrio_code"].astype(str), "iso3": c["iso_a3"].astype(str)}
    ).sort_values("number")
    if len(out) != 73 or list(out["number"]) != list(range(1, 74)):
        raise DataError(f"{COUNTRIES_FILE}: expected ADB MRIO economies numbered 1-73, got {len(out)}")
    return out.reset_index(drop=True)


def read_summary(data_dir: Path, year: int = 2022) -> pd.DataFrame:
    """Gross output and value added by economy and ADB 35-sector code for one year.

    Returns
    -------
    DataFrame
        Columns ``adb`` (ADB MRIO code, e.g. ``MAL``), ``sector`` (1-35), ``gross_output``,
        ``value_added`` (USD million).
    """
    path = Path(data_dir) / SUMMARY_FILE
    if not path.is_file():
        raise DataError(f"ADB summary file {SUMMARY_FILE} not found under the data directory")
    s = pd.read_parquet(path, columns=["t", "s", "i", "x", "va"])
    years = sorted(int(v) for v in s["t"].unique())
    if year not in years:
        raise DataError(f"{SUMMARY_FILE}: year {year} not available; allowed: {years}")
    s = s[s["t"] == year]
    codes = read_summary_codes(data_dir)
    code_of = dict(zip(codes["number"], codes["adb"], strict=True))
    out = pd.DataFrame(
        {
            "adb": s["s"].map(code_of).astype(str),
            "sector": s["i"].astype(int),
            "gross_output": s["x"].astype(float),
            "value_added": s["va"].astype(float),
        }
    )
    return out.sort_values(["adb", "sector"]).reset_index(drop=True)
