"""Caliendo and Parro (2015): the paper's original data as a :class:`~tradetalks.baseline.Baseline`.

Source
------
Caliendo, L. and F. Parro (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
*Review of Economic Studies* 82(1), 1-44: the data files distributed with the paper's
replication package (``Data_and_Codes_CP.zip``), as copied unchanged into
``validation/cp2015/`` of the raw data directory (from ``paulofelipe/cp2015-jax``,
``original_data/``). 31 countries x 40 sectors, 1993. Nothing from these files is committed
to the repository; they are read at call time (see :func:`cp2015_dir`).

File layouts (worked out by reading the files; shapes, signs and diagonals are checked on
load, axis orientation and country order in ``tests/validation/test_cp2015.py``)
------------------------------------------------------------------------------------------
``xbilat1993.txt`` (620 x 31)
    Bilateral trade of the 20 tradable sectors in 1993, **thousands of USD**, valued net of
    tariffs. Rows are stacked sector blocks of 31 rows (sector 1 first); within a block the
    row is the **importer** and the column the **exporter**; the diagonal is zero (home sales
    are not in the file). Checked with magnitudes: the US row sums to 557 bn and its column to
    433 bn (the US ran a deficit), Mexico's and Canada's largest supplier is the US (75 % and
    68 % of their imports) and the US imports 108 bn from Japan, 105 bn from Canada and 38 bn
    from Mexico; Austria's and Hungary's largest supplier is Germany, Ireland's the UK,
    Portugal's Spain, New Zealand's Australia. This also verifies the country order below.
``tariffs1993.txt``, ``tariffs2005.txt`` (620 x 31)
    Applied tariffs in **percent**, same layout as the trade file (sector blocks; row =
    importer, column = exporter; zero diagonal). The NAFTA counterfactual of the paper moves
    only the cells among Mexico, Canada and the US to their 2005 values.
``GO.txt`` (40 x 31)
    Gross output in **USD** (not thousands), row = sector, column = country. 25 cells hold a
    placeholder of exactly 1 USD (a sector absent in that country).
``B.txt`` (40 x 31)
    Value-added share of gross output, row = sector, column = country. Equals 1 where a
    sector uses no inputs (sector 40, private households, everywhere; public administration
    in India and Turkey).
``IO.txt`` (1240 x 40)
    Input-output coefficients: 31 stacked country blocks of 40 x 40 (Argentina first); in a
    block the row is the **input** sector ``k`` and the column the **output** sector ``j``,
    and each column holds the shares of the inputs in that sector's intermediate purchases
    (the columns sum to one within 1.6e-6, or to zero where ``B == 1``). The share of input
    ``k`` in the gross output of ``j`` is therefore ``(1 - B[j]) * IO[k, j]``.
``T.txt`` (20 values)
    Trade elasticities ``theta`` (Frechet dispersion) of the 20 tradable sectors, the values
    the paper's counterfactual code uses (agriculture 9.11, ..., petroleum 64.85; 8.22 for
    auto and for other transport).

Countries (file order, ISO3): ARG AUS AUT BRA CAN CHL CHN DNK FIN FRA DEU GRC HUN IND IDN IRL
ITA JPN KOR MEX NLD NZL NOR PRT ZAF ESP SWE TUR GBR USA ROW (rest of the world).
Sectors: 20 tradable goods (agriculture ... other manufacturing) then 20 services
(electricity ... private households), with the paper's labels in :data:`SECTOR_NAMES`.

Services are non-traded, as in the paper: they have no bilateral data, so their flows are
home sales only and their tariffs are zero. The paper's replication code gives the services
a dispersion of 1/8.22 (``theta = 8.22``); the value never matters because a sector bought
only at home has ``P_hat = c_hat`` whatever its ``theta``.

Data preparation (each step and its size are recorded in ``baseline.meta["adjustments"]``)
------------------------------------------------------------------------------------------
1. Units: trade from thousands of USD and output from USD to **USD million**.
2. Gross output is raised to at least a sector's exports where the file says otherwise (26
   country-sectors in the raw data, +12.7 bn USD in all), as the replication code does;
   domestic sales are then ``gross output - exports`` (replication code,
   ``Equilibrium/script.m``).
3. Input-output coefficients: the one negative entry (Canada, input "other manufacturing"
   into "basic metals", -0.000846) is set to zero and every column is rescaled to sum to
   one, so that ``va_share + io_share`` sums to one within 1e-12 (the raw columns are off by
   up to 1.6e-6).
4. Final-demand shares ``alpha = (X - sum_k io Y) / I`` computed from the data are negative
   in 185 country-sectors (-893 bn USD, 3.6 % of world income): as in the paper's
   code they are clipped to zero and each country's shares rescaled to sum to one.
5. The data with these shares is not an equilibrium of the model. Caliendo and Parro solve
   their model once at the base-year tariffs, with the clipped shares, the data's trade
   shares, value added and deficits, and use that equilibrium as the 1993 world. This
   loader does the same in two exact steps: (a) at the data's prices, solve the linear
   market-clearing system for the spending that the clipped shares imply (trade shares and
   deficits unchanged, world value added kept at the data's); (b) in that world each
   country employs value added ``VA_c`` instead of the data's ``VA_data``; restoring the
   data's labour endowments ``L_hat = VA_data / VA_c`` is, in the model's hat algebra, a
   uniform productivity shift of ``L_hat ** -va_share[i, j]`` on everything country ``i``
   sells (an ``iceberg_hat`` on all its routes, home sales included), solved with the
   package solver under the ``fixed`` closure. The result is the world of the paper's
   calibration step (when this loader was written, a separate direct implementation of that
   step gave the same flows to 1e-12 of the largest flow) and closes exactly
   (:meth:`Baseline.check`). Steps 1-5a are :func:`cp2015_at_data_prices` (data only); step
   5b solves the model and is :func:`tradetalks.calibration.load_cp2015` (its
   ``equilibrate=False`` returns the world of step (a) instead, which shifts Mexico's NAFTA
   welfare by about 0.01 percentage points).

Counterfactuals in the paper's section 4 then re-solve this world with zero deficits
(``SolverOptions(closure="balanced")``) and move the NAFTA tariffs (:func:`nafta_tariffs`).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.paths import dataset_dir
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: Country codes in file order (ISO3; ``ROW`` is the rest of the world).
REGIONS: tuple[str, ...] = (
    "ARG", "AUS", "AUT", "BRA", "CAN", "CHL", "CHN", "DNK", "FIN", "FRA", "DEU",
    "GRC", "HUN", "IND", "IDN", "IRL", "ITA", "JPN", "KOR", "MEX", "NLD", "NZL",
    "NOR", "PRT", "ZAF", "ESP", "SWE", "TUR", "GBR", "USA", "ROW",
)  # fmt: skip

#: Country names in file order (the comment of the paper's replication scripts).
COUNTRY_NAMES: tuple[str, ...] = (
    "Argentina", "Australia", "Austria", "Brazil", "Canada", "Chile", "China", "Denmark",
    "Finland", "France", "Germany", "Greece", "Hungary", "India", "Indonesia", "Ireland",
    "Italy", "Japan", "Korea", "Mexico", "Netherlands", "New Zealand", "Norway", "Portugal",
    "South Africa", "Spain", "Sweden", "Turkey", "UK", "USA", "Rest of the world",
)  # fmt: skip

#: Sector codes of the package, in file order (20 tradable goods, then 20 services).
SECTORS: tuple[str, ...] = (
    "agriculture", "mining", "food", "textile", "wood", "paper", "petroleum", "chemicals",
    "plastic", "minerals", "basic_metals", "metal_products", "machinery", "office",
    "electrical", "communication", "medical", "auto", "other_transport", "other_manufacturing",
    "electricity", "construction", "retail", "hotels", "land_transport", "water_transport",
    "air_transport", "aux_transport", "post", "finance", "real_estate", "renting_machinery",
    "computer", "r_and_d", "other_business", "public", "education", "health",
    "other_services", "private_households",
)  # fmt: skip

#: The paper's sector labels, same order as :data:`SECTORS`.
SECTOR_NAMES: tuple[str, ...] = (
    "Agriculture", "Mining", "Food", "Textile", "Wood", "Paper", "Petroleum", "Chemicals",
    "Plastic", "Minerals", "Basic metals", "Metal products", "Machinery n.e.c.", "Office",
    "Electrical", "Communication", "Medical", "Auto", "Other transport", "Other",
    "Electricity", "Construction", "Retail", "Hotels", "Land transport", "Water transport",
    "Air transport", "Auxiliary transport", "Post", "Finance", "Real estate",
    "Renting of machinery", "Computer", "R&D", "Other business", "Public", "Education",
    "Health", "Other services", "Private households",
)  # fmt: skip

N_REGIONS = 31
N_SECTORS = 40
#: Number of tradable sectors (the first ones in the files).
N_TRADABLE = 20
#: ``theta`` the paper's code gives the (non-traded) services sectors.
SERVICES_THETA = 8.22
#: Years with a tariff file.
TARIFF_YEARS: tuple[int, ...] = (1993, 2005)
#: The members of NAFTA.
NAFTA: tuple[str, ...] = ("MEX", "CAN", "USA")

FILES: tuple[str, ...] = (
    "B.txt",
    "GO.txt",
    "IO.txt",
    "T.txt",
    "tariffs1993.txt",
    "tariffs2005.txt",
    "xbilat1993.txt",
)
_SUBDIR = Path("validation") / "cp2015"

#: Largest residual a calibration step may leave (relative units) before the loader gives up.
CALIBRATION_RTOL = 1e-9

SOURCE = (
    "Caliendo, L. and F. Parro (2015), 'Estimates of the Trade and Welfare Effects of NAFTA', "
    "Review of Economic Studies 82(1), 1-44; original data of the replication package "
    "(Data_and_Codes_CP.zip), copied unchanged from paulofelipe/cp2015-jax, original_data/"
)


# ---------------------------------------------------------------------------------- files
def cp2015_dir(data_dir: str | Path | None = None) -> Path:
    """The folder holding the Caliendo-Parro files.

    Parameters
    ----------
    data_dir : str or Path, optional
        Either the raw data directory (holding ``validation/cp2015/``) or the ``cp2015``
        folder itself. By default the raw data directory that
        :func:`tradetalks.data.paths.find_data_dir` finds (``TRADETALKS_DATA``, else
        ``../shared/data``).

    Raises
    ------
    DataError
        If no folder with all of :data:`FILES` is found.
    """
    return dataset_dir(data_dir, _SUBDIR, FILES, "Caliendo-Parro")


@dataclass(frozen=True, eq=False)
class CP2015Raw:
    """The raw files, re-ordered to the package's axes but otherwise unchanged.

    Attributes
    ----------
    trade : ndarray (N, N, 20)
        ``trade[n, i, j]``: imports of ``n`` from ``i`` of tradable sector ``j``, USD million,
        net of tariffs; zero diagonal.
    tariffs : dict of int to ndarray (N, N, 20)
        Tariffs by year as fractions (the files hold percent).
    gross_output : ndarray (N, 40)
        USD million, as in the file (before raising it to exports).
    va_share : ndarray (N, 40)
        ``B``.
    io_coef : ndarray (N, 40, 40)
        ``io_coef[n, k, j]``: share of input ``k`` in sector ``j``'s intermediate purchases, raw.
    theta_tradable : ndarray (20,)
    sha256 : dict of str to str
        Digest of each file read.
    directory : Path
    """

    trade: FloatArray
    tariffs: dict[int, FloatArray]
    gross_output: FloatArray
    va_share: FloatArray
    io_coef: FloatArray
    theta_tradable: FloatArray
    sha256: dict[str, str]
    directory: Path


def _load(path: Path, shape: tuple[int, ...]) -> FloatArray:
    try:
        arr = np.loadtxt(path, dtype=np.float64, ndmin=2 if len(shape) == 2 else 1)
    except ValueError as exc:
        raise DataError(f"{path.name}: not a whitespace-separated numeric table ({exc})") from None
    if arr.shape != shape:
        raise DataError(f"{path.name}: shape {arr.shape}, expected {shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{path.name}: contains NaN or infinity")
    return arr


def _blocks(arr: FloatArray) -> FloatArray:
    """(20 * N, N) sector blocks of (importer rows, exporter columns) -> [importer, exporter, sector]."""
    return np.ascontiguousarray(arr.reshape(N_TRADABLE, N_REGIONS, N_REGIONS).transpose(1, 2, 0))


def read_cp2015(data_dir: str | Path | None = None) -> CP2015Raw:
    """Read the seven files (see the module docstring for their layouts).

    Parameters
    ----------
    data_dir : str or Path, optional
        See :func:`cp2015_dir`.

    Raises
    ------
    DataError
        A file is missing or does not have the documented shape, sign or diagonal.
    """
    d = cp2015_dir(data_dir)
    digests = {name: hashlib.sha256((d / name).read_bytes()).hexdigest() for name in FILES}
    nt = N_TRADABLE * N_REGIONS
    trade = _blocks(_load(d / "xbilat1993.txt", (nt, N_REGIONS))) / 1e3
    tariffs = {y: _blocks(_load(d / f"tariffs{y}.txt", (nt, N_REGIONS))) / 100.0 for y in TARIFF_YEARS}
    go = _load(d / "GO.txt", (N_SECTORS, N_REGIONS)).T / 1e6
    b = _load(d / "B.txt", (N_SECTORS, N_REGIONS)).T
    io = _load(d / "IO.txt", (N_REGIONS * N_SECTORS, N_SECTORS)).reshape(N_REGIONS, N_SECTORS, N_SECTORS)
    theta = _load(d / "T.txt", (N_TRADABLE,))
    idx = np.arange(N_REGIONS)
    if np.any(trade < 0):
        raise DataError("xbilat1993.txt: negative trade flows")
    if np.any(trade[idx, idx, :] != 0):
        raise DataError("xbilat1993.txt: non-zero diagonal (the file should hold foreign trade only)")
    for y, t in tariffs.items():
        if np.any(t < 0) or np.any(t[idx, idx, :] != 0):
            raise DataError(f"tariffs{y}.txt: negative tariffs or a non-zero diagonal")
    if np.any(go <= 0):
        raise DataError("GO.txt: non-positive gross output")
    if np.any(b <= 0) or np.any(b > 1):
        raise DataError("B.txt: value-added shares outside (0, 1]")
    if np.any(theta <= 0):
        raise DataError("T.txt: non-positive trade elasticities")
    return CP2015Raw(trade, tariffs, go, b, io, theta, digests, d)


def _full(tradable: FloatArray) -> FloatArray:
    """Pad a ``[n, i, tradable sector]`` array with zeros for the 20 services sectors."""
    out = np.zeros((N_REGIONS, N_REGIONS, N_SECTORS))
    out[:, :, :N_TRADABLE] = tradable
    return out


def cp2015_tariffs(year: int = 1993, data_dir: str | Path | None = None) -> FloatArray:
    """Applied tariffs of one year as a full ``[importer, exporter, sector]`` array of fractions.

    Services tariffs are zero. ``year`` is 1993 or 2005.
    """
    if year not in TARIFF_YEARS:
        raise DataError(f"Caliendo-Parro tariff year {year!r} not available; allowed: {TARIFF_YEARS}")
    return _full(read_cp2015(data_dir).tariffs[year])


def nafta_tariffs(baseline: Baseline | None = None, data_dir: str | Path | None = None) -> FloatArray:
    """The paper's NAFTA counterfactual tariffs, ``[importer, exporter, sector]`` fractions.

    Tariffs among Mexico, Canada and the US at their 2005 levels, every other tariff at its
    1993 level (Caliendo and Parro 2015, section 4: "NAFTA's tariff reductions").

    Parameters
    ----------
    baseline : Baseline, optional
        A Caliendo-Parro baseline whose tariffs give the non-NAFTA cells (for
        :func:`tradetalks.calibration.load_cp2015` with ``tariff_year=1993`` the same as the 1993
        file); its regions and sectors must be :data:`REGIONS` and :data:`SECTORS`.
    data_dir : str or Path, optional
        See :func:`cp2015_dir`.
    """
    raw = read_cp2015(data_dir)
    if baseline is None:
        out = _full(raw.tariffs[1993])
    else:
        if baseline.regions != REGIONS or baseline.sectors != SECTORS:
            raise DataError(
                f"nafta_tariffs: baseline {baseline.name!r} lacks the Caliendo-Parro regions and sectors"
            )
        out = np.array(baseline.tariffs, dtype=np.float64)
    new = _full(raw.tariffs[2005])
    members = [REGIONS.index(c) for c in NAFTA]
    for n in members:
        for i in members:
            if n != i:
                out[n, i, :] = new[n, i, :]
    return out


# ---------------------------------------------------------------------------------- baseline
@dataclass(frozen=True, eq=False)
class CP2015AtDataPrices:
    """Steps 1-5a of the module docstring: the 1993 world at the data's prices.

    Attributes
    ----------
    baseline : Baseline
        The world of step 5a (closes exactly; its value added is not the data's).
    alpha : ndarray (N, J)
        The clipped final-demand shares of step 4 (the equilibrated world must reproduce them).
    deficit : ndarray (N,)
        The data's trade deficits.
    value_added : ndarray (N,)
        The data's value added, ``VA_data`` (step 5b restores it as labour endowments).
    data_flows : ndarray (N, N, J)
        The flows of step 2, before any re-solve (to measure how far the calibration moves them).
    """

    baseline: Baseline
    alpha: FloatArray
    deficit: FloatArray
    value_added: FloatArray
    data_flows: FloatArray


def cp2015_at_data_prices(data_dir: str | Path | None = None, tariff_year: int = 1993) -> CP2015AtDataPrices:
    """The Caliendo-Parro (2015) world of 1993 at the data's prices (steps 1-5a; USD million).

    Step 5b, the paper's calibration solve, needs the model and is
    :func:`tradetalks.calibration.load_cp2015`.

    Parameters
    ----------
    data_dir : str or Path, optional
        See :func:`cp2015_dir`.
    tariff_year : {1993, 2005}
        Tariffs the 1993 flows are taken to be priced at. The paper's counterfactuals start
        from 1993; 2005 gives a what-if world (1993 trade under 2005 tariffs).

    Raises
    ------
    DataError
        Missing or malformed files, or a calibration step that does not close.
    """
    if tariff_year not in TARIFF_YEARS:
        raise DataError(f"Caliendo-Parro tariff year {tariff_year!r} not available; allowed: {TARIFF_YEARS}")
    raw = read_cp2015(data_dir)
    tariffs = _full(raw.tariffs[tariff_year])
    theta = np.concatenate([raw.theta_tradable, np.full(N_SECTORS - N_TRADABLE, SERVICES_THETA)])
    adjustments: list[dict[str, Any]] = []

    # 2. gross output at least exports; domestic sales = output - exports
    trade = _full(raw.trade)
    exports = trade.sum(axis=0)
    raised = raw.gross_output < exports
    output = np.maximum(raw.gross_output, exports)
    flows0 = trade.copy()
    idx = np.arange(N_REGIONS)
    flows0[idx, idx, :] = output - exports
    adjustments.append(
        {
            "step": "gross output raised to exports where below; domestic sales = gross output - exports",
            "cells": int(raised.sum()),
            "added_output_usd_million": float((output - raw.gross_output).sum()),
            "where": [f"{REGIONS[n]}/{SECTORS[j]}" for n, j in np.argwhere(raised)],
        }
    )
    placeholder = raw.gross_output <= 1e-6
    adjustments.append(
        {
            "step": "gross output placeholders of 1 USD (sector absent): kept unless raised above",
            "cells": int(placeholder.sum()),
        }
    )

    # 3. input-output coefficients
    coef = raw.io_coef
    negative = coef < 0
    coef = np.maximum(coef, 0.0)
    col = coef.sum(axis=1, keepdims=True)
    has_inputs = col > 0
    coef = np.where(has_inputs, coef / np.where(has_inputs, col, 1.0), 0.0)
    va = raw.va_share.copy()
    no_inputs = ~has_inputs[:, 0, :]
    if np.any(no_inputs & (va < 1.0)):
        n, j = np.argwhere(no_inputs & (va < 1.0))[0]
        raise DataError(f"IO.txt: {REGIONS[n]}/{SECTORS[j]} has no inputs but a value-added share below one")
    io = coef * (1.0 - va)[:, None, :]
    raw_dev = np.abs(raw.io_coef.sum(axis=1) - 1.0)[has_inputs[:, 0, :]]
    adjustments.append(
        {
            "step": "negative input-output coefficients set to zero",
            "cells": int(negative.sum()),
            "where": [
                f"{REGIONS[n]}: input {SECTORS[k]} into {SECTORS[j]} = {raw.io_coef[n, k, j]:.7f}"
                for n, k, j in np.argwhere(negative)
            ],
        }
    )
    adjustments.append(
        {
            "step": "input-output columns rescaled to sum to one (va_share + io_share = 1)",
            "max_raw_deviation": float(raw_dev.max()) if raw_dev.size else 0.0,
            "max_deviation_after": float(np.max(np.abs(va + io.sum(axis=1) - 1.0))),
        }
    )

    # 4. final-demand shares from the data, negatives clipped
    spend0 = (flows0 * (1.0 + tariffs)).sum(axis=1)
    va_data = (va * output).sum(axis=1)
    revenue0 = (flows0 * tariffs).sum(axis=(1, 2))
    deficit = flows0.sum(axis=(1, 2)) - flows0.sum(axis=(0, 2))
    income0 = va_data + revenue0 + deficit
    final0 = spend0 - np.einsum("njk,nk->nj", io, output)
    clipped = final0 < 0
    alpha = np.where(clipped, 0.0, final0 / income0[:, None])
    alpha = alpha / alpha.sum(axis=1, keepdims=True)
    adjustments.append(
        {
            "step": "negative final-demand shares clipped to zero, shares rescaled to sum to one",
            "cells": int(clipped.sum()),
            "clipped_final_demand_usd_million": float(final0[clipped].sum()),
            "share_of_world_income": float(final0[clipped].sum() / income0.sum()),
        }
    )

    # 5a. market clearing at the data's prices
    shares = flows0 * (1.0 + tariffs)
    if np.any(shares.sum(axis=1) <= 0):
        n, j = np.argwhere(shares.sum(axis=1) <= 0)[0]
        raise DataError(f"cp2015: {REGIONS[n]} buys nothing of {SECTORS[j]} (no imports, no domestic sales)")
    shares = shares / shares.sum(axis=1, keepdims=True)
    spending = _spending_at_data_prices(shares, tariffs, va, io, alpha, deficit, float(va_data.sum()))
    flows = shares * spending[:, None, :] / (1.0 + tariffs)
    name = "cp2015" if tariff_year == 1993 else f"cp2015-t{tariff_year}"
    meta: dict[str, Any] = {
        "source": SOURCE,
        "files": {f"{_SUBDIR.as_posix()}/{k}": v for k, v in raw.sha256.items()},
        "country_names": dict(zip(REGIONS, COUNTRY_NAMES, strict=True)),
        "sector_names": dict(zip(SECTORS, SECTOR_NAMES, strict=True)),
        "services_sectors": list(SECTORS[N_TRADABLE:]),
        "tariff_year": tariff_year,
        "flows_year": 1993,
        "theta": "T.txt for the 20 tradable sectors; 8.22 for services (the paper's code; irrelevant "
        "for non-traded sectors)",
        "layout": {
            "xbilat1993.txt": "20 sector blocks x (31 importer rows) x 31 exporter columns, thousand USD, "
            "net of tariffs",
            "tariffs{1993,2005}.txt": "same layout, percent",
            "GO.txt": "40 sectors x 31 countries, USD",
            "B.txt": "40 sectors x 31 countries, value-added share of gross output",
            "IO.txt": "31 country blocks x (40 input rows) x 40 output columns, shares of intermediate "
            "purchases",
            "T.txt": "20 tradable sectors, theta",
        },
        "adjustments": adjustments,
    }
    step_a = Baseline(
        name=name,
        year=1993,
        regions=REGIONS,
        sectors=SECTORS,
        flows=flows,
        tariffs=tariffs,
        va_share=va,
        io_share=io,
        theta=theta,
        units="USD million",
        meta=meta,
    )
    va_ratio = step_a.value_added / va_data
    adjustments.append(
        {
            "step": "5a: spending re-solved at the data's prices so that final demand matches the clipped "
            "shares (trade shares and deficits unchanged, world value added kept)",
            "value_added_vs_data_min": float(va_ratio.min()),
            "value_added_vs_data_max": float(va_ratio.max()),
            "flows_moved_share": moved_share(flows0, flows),
        }
    )
    meta["calibration"] = "data prices (step 5a only)"
    step_a = step_a.replace(meta=meta)
    step_a.check()
    return CP2015AtDataPrices(step_a, _frozen(alpha), _frozen(deficit), _frozen(va_data), _frozen(flows0))


def moved_share(before: FloatArray, after: FloatArray) -> float:
    """Half the sum of absolute changes of the flows, relative to their total."""
    return float(0.5 * np.abs(after - before).sum() / before.sum())


def _frozen(arr: FloatArray) -> FloatArray:
    out = np.array(arr, dtype=np.float64)
    out.setflags(write=False)
    return out


def _spending_at_data_prices(
    shares: FloatArray,
    tariffs: FloatArray,
    va_share: FloatArray,
    io_share: FloatArray,
    alpha: FloatArray,
    deficit: FloatArray,
    world_value_added: float,
) -> FloatArray:
    """Spending ``X[n, j]`` that clears markets at fixed trade shares (step 5a).

    Solves ``X[n, j] = sum_k io[n, j, k] Y[n, k] + alpha[n, j] (VA[n] + R[n] + D[n])`` with
    ``Y[i, k] = sum_m pi[m, i, k] X[m, k] / tau[m, i, k]``, ``VA = sum_k va Y`` and
    ``R[n] = sum_k X[n, k] sum_i pi[n, i, k] t / tau``. The equations sum to an identity
    over the world, so one is replaced by the normalisation ``sum VA = world_value_added``.
    """
    n, j = va_share.shape
    producer = shares / (1.0 + tariffs)  # [m, i, k]
    revenue = (shares * tariffs / (1.0 + tariffs)).sum(axis=1)  # [n, k]
    h = io_share + alpha[:, :, None] * va_share[:, None, :]  # [n, j, k]
    m = np.einsum("njk,mnk->njmk", h, producer)
    m[np.arange(n), :, np.arange(n), :] += alpha[:, :, None] * revenue[:, None, :]
    a = np.eye(n * j) - m.reshape(n * j, n * j)
    rhs = (alpha * deficit[:, None]).ravel()
    a_full, rhs_full = a.copy(), rhs.copy()
    a[-1] = np.einsum("ik,mik->mk", va_share, producer).ravel()
    rhs[-1] = world_value_added
    x = np.linalg.solve(a, rhs)
    scale = float(np.abs(x).sum())
    resid = float(np.max(np.abs(a_full @ x - rhs_full))) / scale
    if resid > CALIBRATION_RTOL or np.any(x <= 0):
        raise DataError(
            f"cp2015 calibration: market clearing at data prices failed (residual {resid:.2e}, "
            f"min spending {x.min():.3g})"
        )
    return x.reshape(n, j)
