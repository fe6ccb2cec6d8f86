"""Ossa (2014) data: the replication package's CSV files as an immutable, labelled object.

Source
------
Ossa, R. (2014), "Trade Wars and Trade Talks with Data", *American Economic Review* 104(12),
4104-46: the files of the replication package's ``Data/CSV files`` folder, copied unchanged
into ``validation/ossa2014/`` of the raw data directory (from ``adamsconchallos/trade``).
Nothing from these files is committed to the repository; they are read at call time.

File layouts (from the package's ``readme.pdf``, checked against Ossa's own processed data,
``results/DATA.mat`` and ``results/RAWDATA.mat``, which hold the same numbers)
--------------------------------------------------------------------------------------
``trade_ijs.csv`` (231 x 7)
    ``TRADEs(i, j, s)``, the flow from exporter ``i`` to importer ``j`` in industry ``s``,
    stacked vertically by industry: rows ``7 (s-1) + i`` are exporter ``i`` of industry
    ``s``, the column is the importer. Home sales are on the diagonal (e.g. Brazilian rice
    bought in Brazil, 10,172.6, against 65.6 exported to the rest of the world). The
    orientation is confirmed by the flows: the US buys 21,969 of apparel (``wap``) from China
    and China 104 from the US; China buys 4,537 of oil seeds (``osd``) from the US and the US
    34 from China. Values in GTAP's units (the magnitudes are those of USD million), net of
    tariffs: the deficit-free world Ossa derives from them (``results/DATA.mat``) is
    reproduced to 1e-9 of each flow with this reading (:func:`.solver.balanced_world`).
``tariff_ijs.csv`` (231 x 7)
    ``TARIFFs(i, j, s)``, the tariff of importer ``j`` on industry ``s`` imports from ``i``,
    same stacking, as fractions (Japan's tariff on Brazilian rice is 1.93, i.e. 193 %);
    zero diagonal.
``tariff_noncoop.csv`` (33 x 7)
    Ossa's measure of non-cooperative tariffs (row = industry, column = country), the targets
    of his political-economy calibration (Section IV).
``sigma_s.csv`` (33 x 5)
    Elasticities of substitution. Column 1: Ossa's Feenstra (1994) estimates, the baseline
    (mean 3.42). Columns 2-4: the estimates scaled to means 3.5, 5.0 and 6.5, the
    sensitivity checks of Panel C of Tables 3-5. Column 5: the baseline mean, 3.42, in every
    industry (the version without profit-shifting effects, footnotes 30, 36, 41).
``regions.csv``, ``sectors.csv``, ``labels.csv``
    Names: 7 regions (Brazil, China, EU, India, Japan, ROW, US) and 33 GTAP industries
    (``sectors.csv`` also lists a 34th, "xxx All other sectors", which has no data).
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tradetalks.data.paths import dataset_dir
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Region codes in file order.
REGIONS: tuple[str, ...] = ("BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA")
#: Region names as in ``regions.csv``.
REGION_NAMES: tuple[str, ...] = ("Brazil", "China", "EU", "India", "Japan", "ROW", "US")
N_REGIONS = 7
N_SECTORS = 33
#: Names of the five columns of ``sigma_s.csv``.
SIGMA_COLUMNS: tuple[str, ...] = ("baseline", "mean3.5", "mean5.0", "mean6.5", "uniform")

FILES: tuple[str, ...] = (
    "trade_ijs.csv",
    "tariff_ijs.csv",
    "tariff_noncoop.csv",
    "sigma_s.csv",
    "regions.csv",
    "sectors.csv",
)
_SUBDIR = Path("validation") / "ossa2014"

SOURCE = (
    "Ossa, R. (2014), 'Trade Wars and Trade Talks with Data', American Economic Review 104(12), "
    "4104-46; replication package Data/CSV files, copied unchanged from adamsconchallos/trade"
)


def ossa2014_dir(data_dir: str | Path | None = None) -> Path:
    """The folder holding Ossa's CSV files.

    Parameters
    ----------
    data_dir : str or Path, optional
        The raw data directory (holding ``validation/ossa2014/``) or that folder itself. By
        default the directory :func:`tradetalks.data.paths.find_data_dir` finds
        (``TRADETALKS_DATA``, else ``../shared/data``).

    Raises
    ------
    DataError
        If no folder with all of :data:`FILES` is found.
    """
    return dataset_dir(data_dir, _SUBDIR, FILES, "Ossa (2014)")


@dataclass(frozen=True, eq=False)
class OssaData:
    """Ossa's data on the package's axes; every array is read-only.

    Attributes
    ----------
    regions, region_names : tuple of str
        :data:`REGIONS` and :data:`REGION_NAMES`.
    sectors, sector_names : tuple of str
        GTAP industry codes (``ric`` ... ``omf``) and names, file order.
    trade : ndarray (N, N, S)
        ``trade[n, i, s]``: sales of exporter ``i`` to importer ``n`` in industry ``s``, net of
        tariffs, home sales on the diagonal ``n == i``.
    tariffs : ndarray (N, N, S)
        ``tariffs[n, i, s]``: ad-valorem tariff of importer ``n`` on ``i``'s goods, fraction.
    sigma : ndarray (S,)
        Elasticities of substitution of the chosen column (:attr:`sigma_column`).
    sigma_alt : ndarray (S, 5)
        All five columns of ``sigma_s.csv`` (:data:`SIGMA_COLUMNS`).
    sigma_column : str
    noncoop_tariffs : ndarray (N, S)
        Ossa's non-cooperative tariff measure, ``[country, industry]``.
    sha256 : dict of str to str
        Digest of each file read.
    directory : Path
    """

    regions: tuple[str, ...]
    region_names: tuple[str, ...]
    sectors: tuple[str, ...]
    sector_names: tuple[str, ...]
    trade: FloatArray
    tariffs: FloatArray
    sigma: FloatArray
    sigma_alt: FloatArray
    sigma_column: str
    noncoop_tariffs: FloatArray
    sha256: dict[str, str]
    directory: Path

    @property
    def shape(self) -> tuple[int, int]:
        """``(N, S)``."""
        return len(self.regions), len(self.sectors)

    def region_index(self, region: str) -> int:
        """Position of a region code; raises :class:`DataError` naming the allowed codes."""
        if region not in self.regions:
            raise DataError(f"region {region!r} unknown; allowed: {', '.join(self.regions)}")
        return self.regions.index(region)


def _read_table(path: Path, shape: tuple[int, int]) -> FloatArray:
    try:
        arr = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"{path.name}: not a comma-separated numeric table ({exc})") from None
    if arr.shape != shape:
        raise DataError(f"{path.name}: shape {arr.shape}, expected {shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{path.name}: contains NaN or infinity")
    return arr


def _read_names(path: Path, n_cols: int) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or rows[0][0] != "No.":
        raise DataError(f"{path.name}: expected a header starting with 'No.'")
    out = [r[1 : 1 + n_cols] for r in rows[1:] if r]
    if any(len(r) != n_cols for r in out):
        raise DataError(f"{path.name}: expected {n_cols} name column(s) per row")
    return out


def _stacked(arr: FloatArray) -> FloatArray:
    """``[7 (s-1) + i, j]`` (exporter-industry rows, importer columns) to ``[n=j, i, s]``."""
    by_sector = arr.reshape(N_SECTORS, N_REGIONS, N_REGIONS)  # [s, i, j]
    return np.ascontiguousarray(by_sector.transpose(2, 1, 0))


def _frozen(arr: FloatArray) -> FloatArray:
    out = np.array(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def load_ossa2014(data_dir: str | Path | None = None, sigma: str = "baseline") -> OssaData:
    """Read Ossa's data (see the module docstring for the layouts and checks).

    Parameters
    ----------
    data_dir : str or Path, optional
        Raw data directory or the ``ossa2014`` folder itself (see :func:`ossa2014_dir`).
    sigma : str
        Column of ``sigma_s.csv`` to use, one of :data:`SIGMA_COLUMNS`.

    Returns
    -------
    OssaData

    Raises
    ------
    DataError
        Missing files, wrong shapes, negative flows or tariffs, non-zero home tariffs,
        elasticities not above one, unknown ``sigma`` column or region names that differ
        from :data:`REGION_NAMES`.
    """
    if sigma not in SIGMA_COLUMNS:
        raise DataError(f"sigma={sigma!r} unknown; allowed: {', '.join(SIGMA_COLUMNS)}")
    folder = ossa2014_dir(data_dir)
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}
    n, s = N_REGIONS, N_SECTORS
    trade = _stacked(_read_table(folder / "trade_ijs.csv", (n * s, n)))
    tariffs = _stacked(_read_table(folder / "tariff_ijs.csv", (n * s, n)))
    noncoop = _read_table(folder / "tariff_noncoop.csv", (s, n)).T
    sig_alt = _read_table(folder / "sigma_s.csv", (s, len(SIGMA_COLUMNS)))
    regions = [r[0] for r in _read_names(folder / "regions.csv", 1)]
    sector_rows = _read_names(folder / "sectors.csv", 2)[:s]
    if tuple(regions) != REGION_NAMES:
        raise DataError(f"regions.csv: regions {regions}, expected {list(REGION_NAMES)}")
    if np.any(trade < 0) or np.any(tariffs < 0):
        raise DataError("trade_ijs.csv / tariff_ijs.csv: negative entries")
    idx = np.arange(n)
    if np.any(tariffs[idx, idx, :] != 0):
        raise DataError("tariff_ijs.csv: non-zero tariff on home sales")
    if np.any(trade[idx, idx, :] <= 0):
        raise DataError("trade_ijs.csv: a region has no home sales in some industry")
    if np.any(sig_alt <= 1):
        raise DataError("sigma_s.csv: elasticities of substitution must exceed 1")
    col = SIGMA_COLUMNS.index(sigma)
    log.info("read Ossa (2014) data from %s (sigma column %s)", folder, sigma)
    return OssaData(
        regions=REGIONS,
        region_names=REGION_NAMES,
        sectors=tuple(r[0] for r in sector_rows),
        sector_names=tuple(r[1] for r in sector_rows),
        trade=_frozen(trade),
        tariffs=_frozen(tariffs),
        sigma=_frozen(sig_alt[:, col]),
        sigma_alt=_frozen(sig_alt),
        sigma_column=sigma,
        noncoop_tariffs=_frozen(noncoop),
        sha256=digests,
        directory=folder,
    )
