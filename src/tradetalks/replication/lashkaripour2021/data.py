"""The trade cubes of Lashkaripour's ``tariffwar`` package: one year of WIOD or ICIO, one elasticity set.

Source
------
Lashkaripour, A. (2021), "The cost of a global tariff war: A sufficient statistics approach",
*Journal of International Economics* 131, 103419; the cubes his public MATLAB package
``tariffwar`` ships in ``mat/`` (repository ``ahmadlp/tariffwar``), copied unchanged into
``icio-cube/`` of the raw data directory:

``WIOD{year}.mat``, 2000-2014
    WIOD 2016 release (Timmer et al. 2015), 44 economies (43 countries and ``ROW``) x 16
    sectors: 15 goods sectors and one services aggregate. Of the years, the raw data
    directory holds 2000, 2005 and 2010-2014.
``ICIO{year}.mat``, 2011-2022
    OECD ICIO, 2023 extended release, 81 economies (80 and ``ROW``) x 28 sectors (27 goods
    sectors and one services aggregate).

Both hold the same variables (MATLAB v7.3, i.e. HDF5; read with ``h5py``):

``data/Xjik_3D``
    bilateral flows incl. home sales, USD million. MATLAB dims (exporter, importer, sector),
    so ``h5py`` reads ``[sector, importer, exporter]``. ``tariffwar`` treats them as the
    importer's spending *inclusive* of tariffs: national spending is ``sum X``, the wage bill
    ``sum X / (1 + t)`` (its ``compute_derived_cubes``). So does this replication.
``data/tjik_3D``
    applied tariffs, fractions, same layout; zero on home sales; the services aggregate
    carries tariffs too (up to 0.13 in WIOD 2014, 0.17 in ICIO 2022), and they are used.
``data/sigma/<set>/epsilon_S``, ``sigma_S``, ``source``
    the eight elasticity sets, one value per sector, ``sigma_S = epsilon_S + 1``.
    ``epsilon_S`` is the trade elasticity of the model (:data:`ELASTICITY_SETS`).
``data/countries``, ``data/sectors``, ``data/year``, ``data/services_sector``
    labels (MATLAB cell arrays of object references to ``uint16`` strings), the year and the
    (1-based) position of the services aggregate.

The ``IS`` ("in-sample") set is dataset-specific. For WIOD it is the set of trade elasticities
Lashkaripour (2021) estimated with Caliendo and Parro's triple-difference method on WIOD (his
appendix Table 4, in its order and to rounding: 0.67, 13.53, 0.47, 3.33, 5.73, 8.50, 14.94,
0.91, ...), the set behind ``tariffwar``'s reproduction of the paper's results, with services
at 5 (the paper's footnote 35 sets services to 10, which its Table 2 needs; Table 4 lists 4).
The cube's sector labels do not always name Table 4's categories (the 7th, 14.94, is coke and
refined petroleum in Table 4, "Chemicals, pharmaceuticals" in the cube); the values are used
as stored. For ICIO it is ``tariffwar``'s own Caliendo-Parro estimate on pooled ICIO
2011-2022, mapped to the 28 sectors (several sectors pooled, 4 where the estimate failed,
services 4).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.data.paths import require_data_dir
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Years each dataset covers (the raw data directory may hold only some of them).
YEARS: dict[str, tuple[int, ...]] = {
    "WIOD": tuple(range(2000, 2015)),
    "ICIO": tuple(range(2011, 2023)),
}
#: Countries x sectors of each dataset.
SHAPES: dict[str, tuple[int, int]] = {"WIOD": (44, 16), "ICIO": (81, 28)}

#: Elasticity sets stored in every cube (``data/sigma/<name>``), with their published source.
ELASTICITY_SETS: dict[str, str] = {
    "IS": "in-sample: Lashkaripour (2021) estimates for WIOD; tariffwar's own estimates for ICIO",
    "U4": "uniform trade elasticity of 4 (Simonovska and Waugh 2014)",
    "CP": "Caliendo and Parro (2015), Review of Economic Studies 82(1)",
    "BSY": "Bagwell, Staiger and Yurukoglu (2021), Econometrica 89(4)",
    "GYY": "Giri, Yi and Yilmazkuday (2021), Journal of International Economics 129",
    "Shap": "Shapiro (2016), American Economic Journal: Economic Policy 8(4)",
    "FGO": "Fontagne, Guimbard and Orefice (2022), Journal of International Economics 137",
    "LL": "Lashkaripour and Lugovskyy (2023), American Economic Review 113(10)",
}

SOURCE = (
    "Lashkaripour, A. (2021), 'The cost of a global tariff war: A sufficient statistics approach', "
    "Journal of International Economics 131; trade cubes of the public tariffwar package "
    "(ahmadlp/tariffwar, mat/), copied unchanged"
)


def _dataset_name(dataset: str) -> str:
    name = str(dataset).upper()
    if name not in YEARS:
        raise DataError(f"dataset={dataset!r} unknown; allowed: {', '.join(YEARS)}")
    return name


def cube_file(data_dir: str | Path | None, dataset: str, year: int) -> Path:
    """Path of ``icio-cube/{WIOD,ICIO}{year}.mat``.

    Parameters
    ----------
    data_dir : str or Path, optional
        Raw data directory (holding ``icio-cube/``); default: the one
        :func:`tradetalks.data.paths.find_data_dir` finds.
    dataset : {"WIOD", "ICIO"}
        Case-insensitive.
    year : int
        2000-2014 for WIOD, 2011-2022 for ICIO.

    Raises
    ------
    DataError
        Unknown dataset or year (the message names the allowed ones), or the file is absent
        (the message lists the years present).
    """
    name = _dataset_name(dataset)
    years = YEARS[name]
    if not isinstance(year, (int, np.integer)) or int(year) not in years:
        raise DataError(f"year={year!r} not covered by {name}; allowed: {years[0]}-{years[-1]}")
    folder = require_data_dir(data_dir) / "icio-cube"
    path = folder / f"{name}{int(year)}.mat"
    if not path.is_file():
        present = [y for y in years if (folder / f"{name}{y}.mat").is_file()]
        raise DataError(
            f"{name} cube for {year} not found ({path.name} under icio-cube/); years present: "
            f"{', '.join(map(str, present)) or 'none'}"
        )
    return path


def available_years(dataset: str, data_dir: str | Path | None = None) -> tuple[int, ...]:
    """Years of ``dataset`` whose cube is in the raw data directory."""
    name = _dataset_name(dataset)
    folder = require_data_dir(data_dir) / "icio-cube"
    return tuple(y for y in YEARS[name] if (folder / f"{name}{y}.mat").is_file())


@dataclass(frozen=True, eq=False)
class PeerCube:
    """One year of a ``tariffwar`` cube with one elasticity set, on the package's axes (read-only).

    Attributes
    ----------
    dataset : str                 ``"WIOD"`` or ``"ICIO"``
    year : int
    countries : tuple of str      ISO3 codes in file order (the last is ``ROW``)
    sectors : tuple of str        sector labels as stored (the last is the services aggregate)
    flows : (N, N, S)             ``flows[n, i, k]``: spending of importer ``n`` on exporter
                                  ``i``'s sector-``k`` goods, tariffs included, USD million
    tariffs : (N, N, S)           applied tariffs of importer ``n`` on ``i``, fractions
    epsilon : (S,)                trade elasticities of the chosen set
    elasticity_set : str          key of :data:`ELASTICITY_SETS`
    elasticity_source : str       the source name stored with the set in the file
    services_index : int          0-based position of the services aggregate
    path : Path
    sha256 : str                  digest of the file read
    """

    dataset: str
    year: int
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    flows: FloatArray
    tariffs: FloatArray
    epsilon: FloatArray
    elasticity_set: str
    elasticity_source: str
    services_index: int
    path: Path
    sha256: str

    @property
    def shape(self) -> tuple[int, int]:
        """``(N, S)``."""
        return len(self.countries), len(self.sectors)

    def country_index(self, country: str) -> int:
        """Position of an ISO3 code; raises :class:`DataError` naming the allowed codes."""
        if country not in self.countries:
            raise DataError(
                f"country {country!r} not in {self.dataset}; allowed: {', '.join(self.countries)}"
            )
        return self.countries.index(country)


def _strings(f: Any, refs: Any) -> tuple[str, ...]:
    out = []
    for ref in np.asarray(refs).ravel():
        out.append("".join(chr(int(c)) for c in np.asarray(f[ref][()]).ravel()))
    return tuple(out)


def _string(ds: Any) -> str:
    return "".join(chr(int(c)) for c in np.asarray(ds[()]).ravel())


def _frozen(arr: FloatArray) -> FloatArray:
    out = np.ascontiguousarray(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def read_peer_cube(
    data_dir: str | Path | None = None, dataset: str = "WIOD", year: int = 2014, elasticities: str = "IS"
) -> PeerCube:
    """Read one cube year with one elasticity set (see the module docstring for the layout).

    Parameters
    ----------
    data_dir : str or Path, optional
        Raw data directory (holding ``icio-cube/``).
    dataset : {"WIOD", "ICIO"}
    year : int
    elasticities : str
        One of :data:`ELASTICITY_SETS` (default ``"IS"``, the paper's for WIOD).

    Raises
    ------
    DataError
        Unknown dataset, year or elasticity set; missing file; shapes, year or labels that
        disagree with the file's own fields; negative or non-finite flows; tariffs not above
        -1 or non-zero on home sales; ``sigma_S != epsilon_S + 1``; non-positive elasticities.
    """
    if elasticities not in ELASTICITY_SETS:
        raise DataError(f"elasticities={elasticities!r} unknown; allowed: {', '.join(ELASTICITY_SETS)}")
    name = _dataset_name(dataset)
    path = cube_file(data_dir, name, year)
    import h5py  # optional dependency (the "data" extra): only to read raw files

    raw = path.read_bytes()
    with h5py.File(path, "r") as f:
        d = f["data"]
        countries = _strings(f, d["countries"][()])
        sectors = _strings(f, d["sectors"][()])
        x = np.asarray(d["Xjik_3D"][()], dtype=np.float64)
        t = np.asarray(d["tjik_3D"][()], dtype=np.float64)
        file_year = int(np.asarray(d["year"][()]).ravel()[0])
        services = int(np.asarray(d["services_sector"][()]).ravel()[0]) - 1
        if elasticities not in d["sigma"]:
            raise DataError(
                f"{path.name}: elasticity set {elasticities!r} not stored; has {list(d['sigma'])}"
            )
        g = d["sigma"][elasticities]
        eps = np.asarray(g["epsilon_S"][()], dtype=np.float64).ravel()
        sig = np.asarray(g["sigma_S"][()], dtype=np.float64).ravel()
        source = _string(g["source"])
    n, s = len(countries), len(sectors)
    if (n, s) != SHAPES[name]:
        raise DataError(f"{path.name}: {n} countries x {s} sectors, expected {SHAPES[name]}")
    if x.shape != (s, n, n) or t.shape != (s, n, n):
        raise DataError(f"{path.name}: Xjik_3D/tjik_3D have shapes {x.shape}/{t.shape}, expected {(s, n, n)}")
    if file_year != year:
        raise DataError(f"{path.name}: field 'year' says {file_year}, expected {year}")
    if countries[-1] != "ROW":
        raise DataError(f"{path.name}: last country is {countries[-1]!r}, expected 'ROW'")
    if not 0 <= services < s or not sectors[services].lower().startswith("services"):
        raise DataError(f"{path.name}: services_sector points at {services + 1}, not the services aggregate")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t))):
        raise DataError(f"{path.name}: flows or tariffs contain NaN or infinity")
    if np.any(x < 0):
        raise DataError(f"{path.name}: negative flows in Xjik_3D")
    if np.any(t <= -1.0):
        raise DataError(f"{path.name}: tariffs at or below -1 in tjik_3D")
    # h5py: [sector, importer, exporter] -> package: [importer, exporter, sector]
    flows = np.transpose(x, (1, 2, 0))
    tariffs = np.transpose(t, (1, 2, 0))
    idx = np.arange(n)
    if np.any(tariffs[idx, idx, :] != 0.0):
        raise DataError(f"{path.name}: non-zero tariffs on home sales")
    if eps.shape != (s,) or sig.shape != (s,):
        raise DataError(f"{path.name}: elasticity set {elasticities!r} has {eps.size} values, expected {s}")
    if not np.allclose(sig, eps + 1.0):
        raise DataError(f"{path.name}: elasticity set {elasticities!r}: sigma_S != epsilon_S + 1")
    if not (np.all(np.isfinite(eps)) and np.all(eps > 0)):
        raise DataError(f"{path.name}: elasticity set {elasticities!r} ({source}) has non-positive values")
    log.info("read %s: %d economies x %d sectors, elasticities %s", path.name, n, s, elasticities)
    return PeerCube(
        dataset=name,
        year=int(year),
        countries=countries,
        sectors=sectors,
        flows=_frozen(flows),
        tariffs=_frozen(tariffs),
        epsilon=_frozen(eps),
        elasticity_set=elasticities,
        elasticity_source=source,
        services_index=services,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )
