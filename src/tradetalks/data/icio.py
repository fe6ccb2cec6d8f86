"""Reader for the OECD ICIO trade cube ``icio-cube/ICIO{year}.mat`` (MATLAB v7.3 = HDF5).

Source: OECD Inter-Country Input-Output tables, 2023 extended release (years 2011-2022),
aggregated to 81 economies x 28 sectors (27 goods + one services aggregate) with bilateral
applied tariffs from the Global Tariff Database (Teti 2024, tariff year capped at 2021) and
eight published trade-elasticity vectors, as stored by ``ahmadlp/tariffwar`` (``mat/``).

File layout (checked by reading the files):

``data/Xjik_3D``
    bilateral flows incl. domestic sales, USD million. MATLAB dims are (exporter, importer,
    sector), so h5py reads ``[sector, importer, exporter]``; verified with US goods imports
    from China in 2022 (453 bn) against US goods exports to China (128 bn).
``data/tjik_3D``
    applied ad-valorem tariffs, same layout, as **fractions** (US on Chinese chemicals 0.031;
    the largest value in any year is 1.26).
``data/countries``, ``data/sectors``
    cell arrays of object references to uint16 character arrays.
``data/sigma/<set>/epsilon_S`` and ``sigma_S``
    elasticity vectors over the 28 sectors with ``sigma_S = epsilon_S + 1`` in every set:
    ``epsilon_S`` is the trade elasticity, i.e. the Frechet dispersion ``theta`` of
    Caliendo and Parro (2015) (the ``CP`` set reproduces their 99 % sample estimates:
    agriculture 9.11, mining 13.53, food 2.62, petroleum 64.85, ...), and ``sigma_S`` the
    Armington elasticity of substitution. The services entry is 4 in every set (no estimate).

This module only reads; the treatment of tariffs is :func:`clean_tariffs` (a pure function).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Years available in the cube.
YEARS: tuple[int, ...] = tuple(range(2011, 2023))

#: Elasticity sets stored in the cube (``data/sigma/<name>``), with their published source.
ELASTICITY_SETS: dict[str, str] = {
    "CP": "Caliendo and Parro (2015), Review of Economic Studies 82(1), Table 1 (99% sample)",
    "BSY": "Bagwell, Staiger and Yurukoglu (2021), Econometrica 89(4)",
    "FGO": "Fontagne, Guimbard and Orefice (2022), Journal of International Economics 137",
    "GYY": "Giri, Yi and Yilmazkuday (2021), Journal of International Economics 129",
    "IS": "in-sample estimates stored with the cube (ahmadlp/tariffwar)",
    "LL": "Lashkaripour and Lugovskyy (2023), American Economic Review 113(10)",
    "Shap": "Shapiro (2016), American Economic Journal: Economic Policy 8(4)",
    "U4": "uniform trade elasticity of 4 (benchmark)",
}

#: Label of the services aggregate in the cube, and the code the package uses for it.
SERVICES_LABEL = "Services (aggregate)"
SERVICES_CODE = "SERV"


def cube_path(data_dir: Path, year: int) -> Path:
    """Path of the cube for ``year``; raises :class:`DataError` naming the allowed years."""
    if year not in YEARS:
        raise DataError(f"ICIO year {year!r} not available; allowed: {YEARS[0]}-{YEARS[-1]}")
    path = Path(data_dir) / "icio-cube" / f"ICIO{year}.mat"
    if not path.is_file():
        raise DataError(f"ICIO cube for {year} not found at {path.name} under the data directory")
    return path


@dataclass(frozen=True)
class IcioCube:
    """One year of the ICIO trade cube, re-ordered to the package's axis convention.

    Attributes
    ----------
    year : int
    countries : tuple of str
        81 ISO3 codes (80 economies + ``ROW``) in file order.
    sector_labels : tuple of str
        28 labels as stored in the file (the last is ``"Services (aggregate)"``).
    flows : ndarray (N, N, J)
        ``flows[n, i, j]``: sector-``j`` sales of exporter ``i`` to importer ``n`` (home sales on
        the diagonal), USD million at basic prices.
    tariffs : ndarray (N, N, J)
        Raw applied tariffs as fractions, same axes.
    services_index : int
        Position of the services aggregate (0-based).
    """

    year: int
    countries: tuple[str, ...]
    sector_labels: tuple[str, ...]
    flows: FloatArray
    tariffs: FloatArray
    services_index: int

    @property
    def sectors(self) -> tuple[str, ...]:
        """Sector codes: the file labels with the services aggregate renamed ``SERV``."""
        return tuple(SERVICES_CODE if s == SERVICES_LABEL else s for s in self.sector_labels)


def _decode(f: Any, refs: Any) -> tuple[str, ...]:
    """Decode a MATLAB cell array of strings (object references to uint16 arrays)."""
    out = []
    for ref in np.asarray(refs).ravel():
        chars = np.asarray(f[ref][()]).ravel()
        out.append("".join(chr(int(c)) for c in chars))
    return tuple(out)


def _string(ds: Any) -> str:
    return "".join(chr(int(c)) for c in np.asarray(ds[()]).ravel())


def read_cube(data_dir: Path, year: int) -> IcioCube:
    """Read one year of the cube.

    Parameters
    ----------
    data_dir : Path
        Raw data directory (holding ``icio-cube/``).
    year : int
        2011-2022.
    """
    path = cube_path(data_dir, year)
    import h5py  # optional dependency (the "data" extra): only to read raw files

    with h5py.File(path, "r") as f:
        d = f["data"]
        countries = _decode(f, d["countries"][()])
        sectors = _decode(f, d["sectors"][()])
        x = np.asarray(d["Xjik_3D"][()], dtype=np.float64)
        t = np.asarray(d["tjik_3D"][()], dtype=np.float64)
        file_year = int(np.asarray(d["year"][()]).ravel()[0])
        services_pos = int(np.asarray(d["services_sector"][()]).ravel()[0]) - 1
    n, j = len(countries), len(sectors)
    if x.shape != (j, n, n) or t.shape != (j, n, n):
        raise DataError(f"{path.name}: Xjik_3D/tjik_3D have shapes {x.shape}/{t.shape}, expected {(j, n, n)}")
    if file_year != year:
        raise DataError(f"{path.name}: field 'year' says {file_year}, expected {year}")
    if sectors[services_pos] != SERVICES_LABEL:
        raise DataError(
            f"{path.name}: services_sector points at {sectors[services_pos]!r}, not {SERVICES_LABEL!r}"
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t))):
        raise DataError(f"{path.name}: flows or tariffs contain NaN or infinity")
    if np.any(x < 0):
        raise DataError(f"{path.name}: negative flows")
    # h5py: [sector, importer, exporter] -> package: [importer, exporter, sector]
    flows = np.ascontiguousarray(np.transpose(x, (1, 2, 0)))
    tariffs = np.ascontiguousarray(np.transpose(t, (1, 2, 0)))
    log.info("read %s: %d economies x %d sectors", path.name, n, j)
    return IcioCube(year, countries, sectors, flows, tariffs, services_pos)


def read_elasticities(data_dir: Path, name: str = "CP", year: int = 2022) -> FloatArray:
    """Trade elasticities ``theta`` (= ``epsilon_S``) of one stored set, over the 28 sectors.

    Parameters
    ----------
    data_dir : Path
        Raw data directory.
    name : str
        One of :data:`ELASTICITY_SETS` (default ``"CP"``, Caliendo and Parro 2015).
    year : int
        Which cube to read them from (the vectors are the same in every year).
    """
    if name not in ELASTICITY_SETS:
        raise DataError(f"unknown elasticity set {name!r}; allowed: {', '.join(ELASTICITY_SETS)}")
    import h5py  # optional dependency (the "data" extra): only to read raw files

    with h5py.File(cube_path(data_dir, year), "r") as f:
        g = f["data"]["sigma"][name]
        eps = np.asarray(g["epsilon_S"][()], dtype=np.float64).ravel()
        sig = np.asarray(g["sigma_S"][()], dtype=np.float64).ravel()
        source = _string(g["source"])
    if not np.allclose(sig, eps + 1.0):
        raise DataError(f"elasticity set {name!r}: sigma_S != epsilon_S + 1; cannot tell theta from sigma")
    if np.any(eps <= 0):
        raise DataError(f"elasticity set {name!r} ({source}): non-positive epsilon_S")
    return eps


@dataclass(frozen=True)
class TariffReport:
    """What :func:`clean_tariffs` changed (revenue at the cube's flows, USD million)."""

    services_cells_zeroed: int
    services_revenue_removed: float
    capped_cells: int
    capped_revenue_removed: float
    capped_sector: str
    caps: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "services_cells_zeroed": self.services_cells_zeroed,
            "services_revenue_removed": round(self.services_revenue_removed, 3),
            "capped_sector": self.capped_sector,
            "capped_cells": self.capped_cells,
            "capped_revenue_removed": round(self.capped_revenue_removed, 3),
            "caps_binding": {k: round(v, 6) for k, v in sorted(self.caps.items())},
        }


#: Sector whose raw tariffs are capped (see :func:`clean_tariffs`).
CAPPED_SECTOR = "C10T12"


def clean_tariffs(
    flows: FloatArray,
    tariffs: FloatArray,
    sectors: tuple[str, ...],
    countries: tuple[str, ...],
    services: tuple[str, ...] = (SERVICES_CODE,),
    zero_services: bool = True,
    cap_food: bool = True,
) -> tuple[FloatArray, TariffReport]:
    """The tariffs the package uses, from the cube's raw applied tariffs.

    Two documented treatments (both on by default):

    * **services**: the tariffs the cube carries on the services aggregate (up to 0.17) are set
      to zero. No customs duty is levied on services; these numbers are not applied tariffs and
      would create tariff revenue that no government collects.
    * **food, beverages and tobacco (C10T12)**: the cube's C10T12 rates are simple averages over
      tariff lines dominated by the ad-valorem equivalents of specific duties on tobacco,
      alcohol and sugar (the US applies 0.91 to every MFN partner; the trade-weighted rate in
      the ADB/WITS tariffs for the same sector is 0.026). Each importer's C10T12 rates are
      capped at the highest rate that importer applies in any other goods sector. In no year
      does any other goods sector exceed 0.31, so the rule binds on C10T12 only.

    The diagonal (home sales) is always zero.

    Returns
    -------
    tariffs : ndarray
        Cleaned tariffs ``[importer, exporter, sector]``.
    report : TariffReport
        Cells changed and tariff revenue removed (at the given flows).
    """
    t = np.array(tariffs, dtype=np.float64, copy=True)
    n = t.shape[0]
    idx = np.arange(n)
    t[idx, idx, :] = 0.0
    serv_cells, serv_rev = 0, 0.0
    if zero_services:
        for s in services:
            j = sectors.index(s)
            serv_cells += int(np.count_nonzero(t[:, :, j]))
            serv_rev += float((flows[:, :, j] * t[:, :, j]).sum())
            t[:, :, j] = 0.0
    cap_cells, cap_rev = 0, 0.0
    caps: dict[str, float] = {}
    if cap_food and CAPPED_SECTOR in sectors:
        jf = sectors.index(CAPPED_SECTOR)
        goods = [k for k, s in enumerate(sectors) if s not in services and k != jf]
        for m in range(n):
            cap = float(t[m, :, goods].max())
            over = t[m, :, jf] > cap
            if np.any(over):
                caps[countries[m]] = cap
                cap_cells += int(over.sum())
                cap_rev += float((flows[m, over, jf] * (t[m, over, jf] - cap)).sum())
                t[m, over, jf] = cap
    report = TariffReport(serv_cells, serv_rev, cap_cells, cap_rev, CAPPED_SECTOR, caps)
    return t, report
