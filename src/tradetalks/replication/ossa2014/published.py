"""Ossa's own stored results (``validation/ossa2014/results/*.mat``), read for comparison.

The replication package stores the tables of the paper and the solved tariff vectors as
MATLAB v5 files. Rows of every table are Brazil, China, EU, India, Japan, ROW, US and the
(simple) average. The column meanings below were worked out by recomputing every column from
the stored tariffs with this package's model (they match to the printed digit):

Table 3 (optimal tariffs; ``a`` without, ``b`` with political economy), 9 columns
    government welfare of the country setting its tariffs, mean over the others; welfare,
    mean over the others; wage change against the world average ``100 (w_hat - mean w_hat)``,
    mean over the others; change of profits relative to wages ``100 (Pi_hat / w_hat - 1)``,
    mean over the others; the median of the country's optimal (bilateral) tariffs, percent.
Table 4 (Nash war), 5 columns
    government welfare, welfare, relative wage, profits relative to wages, median Nash tariff.
Table 5 (trade talks), 12 columns
    the four quantities of Table 4 (without the tariff) from each of three starting points in
    turn: Nash tariffs, factual tariffs, free trade.
Tables 8, 9, 10
    Tables 3, 4, 5 with MFN tariffs. Panel ``c`` of each: the sensitivity rows (mean
    elasticity 3.5, 5, 6.5, without then with political economy; first column the mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import DataError
from tradetalks.replication.ossa2014.data import N_REGIONS, N_SECTORS, ossa2014_dir

FloatArray = NDArray[np.float64]

TABLE3_COLUMNS: tuple[str, ...] = (
    "gov_welfare",
    "gov_welfare_others",
    "welfare",
    "welfare_others",
    "relative_wage",
    "relative_wage_others",
    "profit_wage",
    "profit_wage_others",
    "median_tariff",
)
TABLE4_COLUMNS: tuple[str, ...] = ("gov_welfare", "welfare", "relative_wage", "profit_wage", "median_tariff")
STARTS: tuple[str, ...] = ("nash", "factual", "free")
TABLE5_COLUMNS: tuple[str, ...] = tuple(
    f"{q}_{s}" for q in ("gov_welfare", "welfare", "relative_wage", "profit_wage") for s in STARTS
)
#: Row labels of the tables.
ROWS: tuple[str, ...] = ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA", "average")


@dataclass(frozen=True, eq=False)
class OssaResults:
    """Ossa's stored tables and tariffs (BAS: without political economy).

    Attributes
    ----------
    tables : dict of str to ndarray
        ``TABLE3a`` ... ``TABLE10c`` as stored (see the module docstring for the columns).
    optimal_tariffs, mfn_optimal_tariffs : (N, N, S)
        Each country's optimal tariffs against the factual ones of the others, stacked: row
        ``n`` holds country ``n``'s optimum (bilateral; MFN). ``[importer, exporter, industry]``.
    nash_tariffs, mfn_nash_tariffs : (N, N, S)
        Nash tariffs of the bilateral and the MFN war.
    pol_optimal_tariffs, pol_nash_tariffs : (N, N, S)
        The same (bilateral) with political economy (POL: Tables 3b, 4b).
    balanced_trade : (N, N, S)
        The deficit-free baseline trade of ``DATA.mat`` ``[importer, exporter, industry]``.
    lambda_pol : (N, S)
        Ossa's calibrated political-economy weights.
    directory : Path
    """

    tables: dict[str, FloatArray]
    optimal_tariffs: FloatArray
    mfn_optimal_tariffs: FloatArray
    nash_tariffs: FloatArray
    mfn_nash_tariffs: FloatArray
    pol_optimal_tariffs: FloatArray
    pol_nash_tariffs: FloatArray
    balanced_trade: FloatArray
    lambda_pol: FloatArray
    directory: Path


def _mat(folder: Path, name: str) -> dict[str, object]:
    from scipy.io import loadmat

    path = folder / f"{name}.mat"
    if not path.is_file():
        raise DataError(f"Ossa (2014) results: {path.name} missing in {folder}")
    out: dict[str, object] = loadmat(path)
    return out


def _array(d: dict[str, object], key: str, shape: tuple[int, ...]) -> FloatArray:
    arr = np.asarray(d.get(key), dtype=np.float64)
    if arr.shape != shape:
        raise DataError(f"Ossa (2014) results: {key} has shape {arr.shape}, expected {shape}")
    arr.setflags(write=False)
    return arr


def _own_rows(stacked: FloatArray, mfn: bool) -> FloatArray:
    """Column ``j`` of Ossa's ``(N-1) S x N`` (or ``S x N``) vectors into row ``j`` of a cube."""
    n, s = N_REGIONS, N_SECTORS
    out = np.zeros((n, n, s))
    for j in range(n):
        partners = [i for i in range(n) if i != j]
        col = stacked[:, j]
        out[j, partners, :] = col[None, :] if mfn else col.reshape(s, n - 1).T
    out.setflags(write=False)
    return out


def load_ossa2014_results(data_dir: str | Path | None = None) -> OssaResults:
    """Read Ossa's stored results from ``validation/ossa2014/results/``.

    Parameters
    ----------
    data_dir : str or Path, optional
        As for :func:`tradetalks.replication.ossa2014.data.ossa2014_dir`.

    Raises
    ------
    DataError
        A file is missing or an array has an unexpected shape.
    """
    folder = ossa2014_dir(data_dir) / "results"
    n, s = N_REGIONS, N_SECTORS
    tables: dict[str, FloatArray] = {}
    for number in (3, 4, 5, 8, 9, 10):
        stored = _mat(folder, f"TABLE{number}")
        for panel in "abc":
            key = f"TABLE{number}{panel}"
            arr = np.asarray(stored.get(key), dtype=np.float64)
            if arr.ndim != 2:
                raise DataError(f"Ossa (2014) results: {key} missing or not a table")
            arr.setflags(write=False)
            tables[key] = arr

    def cube(name: str) -> FloatArray:
        arr = _array(_mat(folder, name), name, (n, n, s))
        out = np.ascontiguousarray(arr.transpose(1, 0, 2))  # Ossa's (i, j, s) to [importer, exporter, s]
        out.setflags(write=False)
        return out

    data = _mat(folder, "DATA")
    trade = _array(data, "TRADE", (n * s, n)).reshape(s, n, n).transpose(2, 1, 0)
    balanced = np.ascontiguousarray(trade)
    balanced.setflags(write=False)
    optimal = _array(_mat(folder, "OPTIMALTARIFFBAS"), "OPTIMALTARIFFBAS", ((n - 1) * s, n))
    pol_optimal = _array(_mat(folder, "OPTIMALTARIFFPOL"), "OPTIMALTARIFFPOL", ((n - 1) * s, n))
    mfn_optimal = _array(_mat(folder, "MFNOPTIMALTARIFFBAS"), "MFNOPTIMALTARIFFBAS", (s, n))
    return OssaResults(
        tables=tables,
        optimal_tariffs=_own_rows(optimal, False),
        mfn_optimal_tariffs=_own_rows(mfn_optimal, True),
        nash_tariffs=cube("NASHTARIFFBASs"),
        mfn_nash_tariffs=cube("MFNNASHTARIFFBASs"),
        pol_optimal_tariffs=_own_rows(pol_optimal, False),
        pol_nash_tariffs=cube("NASHTARIFFPOLs"),
        balanced_trade=balanced,
        lambda_pol=_array(data, "LAMBDAPOL", (n, s)),
        directory=folder,
    )
