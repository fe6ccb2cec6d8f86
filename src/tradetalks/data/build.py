"""Build baselines from the raw files: ``python -m tradetalks.data.build --all``.

Recipe (every step a function of this package; the raw files are only read):

1. trade flows and tariffs from the OECD ICIO cube of the year (:mod:`tradetalks.data.icio`);
   services tariffs zeroed, food tariffs capped (:func:`tradetalks.data.icio.clean_tariffs`);
2. value-added and input-output shares from the ADB MRIO 2023 calibration and the ADB MRIO
   2022 summaries, through the documented concordance (:mod:`tradetalks.data.concordance`);
   the production structure stays ADB 2023 (summaries 2022) for every ICIO year 2011-2022;
3. a capped RAS adjustment that makes final demand non-negative at full 81-economy detail
   (:mod:`tradetalks.data.balance`);
4. trade elasticities ``theta`` = ``epsilon_S`` of the chosen set (default Caliendo-Parro);
5. for ``default``: aggregation of the full baseline by the shipped mapping
   ``tradetalks/data/mappings/default.csv`` (:mod:`tradetalks.data.aggregate`).

Every baseline must pass :meth:`tradetalks.baseline.Baseline.check` at 1e-9.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.baseline import CLOSE_RTOL, Baseline
from tradetalks.data import adb, balance, concordance, icio
from tradetalks.data.aggregate import DEFAULT_MAPPING, aggregate_regions, default_mapping, read_mapping
from tradetalks.data.paths import require_data_dir
from tradetalks.data.store import save_baseline, sha256_file
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

#: Names :func:`build` accepts (``icio<YEAR>-full`` for any cube year, too).
BUILDABLE = ("default", "icio-full")
#: Baselines shipped in ``tradetalks/baselines/`` (name -> year).
SHIPPED: dict[str, int] = {"default": 2022, "icio2022-full": 2022}
DEFAULT_YEAR = 2022
DEFAULT_THETA = "CP"

SOURCES: list[dict[str, str]] = [
    {
        "name": "OECD Inter-Country Input-Output (ICIO) tables, 2023 extended release",
        "citation": "OECD (2023), Inter-Country Input-Output tables, https://oe.cd/icio; 81 economies x 28 "
        "sectors trade cube as stored by ahmadlp/tariffwar (mat/ICIO{year}.mat)",
        "used_for": "bilateral flows incl. home sales (USD million, basic prices)",
    },
    {
        "name": "Global Tariff Database",
        "citation": "Teti, F. (2024), 'Missing Tariffs', CESifo Working Paper 11590; Global Tariff "
        "Database, applied tariffs mapped to ICIO sectors in the same cube (tariff year capped at 2021)",
        "used_for": "bilateral applied ad-valorem tariffs",
    },
    {
        "name": "ADB Multi-Regional Input-Output database (ADB MRIO), 2023 table, Caliendo-Parro calibration",
        "citation": "Asian Development Bank, MRIO database (https://kidb.adb.org/globalization); calibration "
        "ModelDataRaw_23.jld2 from tsupohwaran/DeGlobEnvCost (Data/Model/)",
        "used_for": "value-added and input-output shares (economies with their own block), input mixes",
    },
    {
        "name": "ADB MRIO summaries 2017-2022",
        "citation": "ksreyes/mrio-processing (MIT), commit b0153e5: summary.parquet, countries.xlsx",
        "used_for": "value-added shares of economies without their own block and of the fossil sectors",
    },
    {
        "name": "Trade elasticities",
        "citation": "Caliendo, L. and Parro, F. (2015), 'Estimates of the Trade and Welfare Effects of "
        "NAFTA', Review of Economic Studies 82(1): 1-44 (set CP, default); alternatives BSY, FGO, GYY, "
        "LL, Shap, IS, U4 stored in the same cube (see tradetalks.data.icio.ELASTICITY_SETS)",
        "used_for": "theta (trade elasticity, Frechet dispersion)",
    },
]


def full_name(year: int) -> str:
    return f"icio{year}-full"


def _parse_name(name: str, year: int | None) -> tuple[str, int]:
    """Resolve a buildable name and year; ``icio<YEAR>-full`` carries its year."""
    m = re.fullmatch(r"icio(\d{4})-full", name)
    if m:
        named = int(m.group(1))
        if year is not None and year != named:
            raise DataError(f"baseline name {name!r} says year {named} but year={year} was given")
        return "icio-full", named
    if name not in BUILDABLE:
        raise DataError(
            f"unknown baseline {name!r}; buildable: {', '.join(BUILDABLE)} or icio<YEAR>-full "
            f"(YEAR {icio.YEARS[0]}-{icio.YEARS[-1]})"
        )
    return name, DEFAULT_YEAR if year is None else year


def _raw_hashes(data_dir: Path, files: Sequence[str]) -> dict[str, str]:
    return {f: sha256_file(data_dir / f) for f in files}


def _table_hash() -> str:
    import hashlib

    data = (resources.files("tradetalks.data") / "tables" / concordance.ECONOMY_TABLE).read_bytes()
    return hashlib.sha256(data).hexdigest()


def build_full(data_dir: Path, year: int = DEFAULT_YEAR, theta_set: str = DEFAULT_THETA) -> Baseline:
    """The full ICIO baseline: 81 economies x 28 sectors for ``year`` (2011-2022).

    Parameters
    ----------
    data_dir : Path
        Raw data directory.
    year : int
        ICIO year; the production structure is ADB MRIO 2023 (summaries 2022) in every year.
    theta_set : str
        Elasticity set (:data:`tradetalks.data.icio.ELASTICITY_SETS`).
    """
    cube = icio.read_cube(data_dir, year)
    sectors = cube.sectors
    if sectors != concordance.ICIO_SECTORS:
        raise DataError(f"ICIO{year}: sectors {sectors} differ from {concordance.ICIO_SECTORS}")
    tariffs, tariff_report = icio.clean_tariffs(cube.flows, cube.tariffs, sectors, cube.countries)
    theta = icio.read_elasticities(data_dir, theta_set, year)
    model = adb.read_model(data_dir)
    summary = adb.read_summary(data_dir, 2022)
    table = concordance.load_economy_table()
    spending = (cube.flows * (1.0 + tariffs)).sum(axis=1)
    output = cube.flows.sum(axis=0)
    va, io_raw, structure_report = concordance.production_structure(
        cube.countries, sectors, spending, model, summary, table
    )
    io_share, balance_report = balance.balance_io(va, io_raw, output, spending, cube.countries, sectors)
    zero_output = [f"{cube.countries[n]}/{sectors[j]}" for n, j in np.argwhere(output <= 0)]
    files = [
        f"icio-cube/ICIO{year}.mat",
        adb.MODEL_FILE,
        adb.SUMMARY_FILE,
        adb.COUNTRIES_FILE,
    ]
    name = full_name(year)
    meta: dict[str, Any] = {
        "description": f"OECD ICIO {year} trade and tariffs on ADB MRIO production structure: "
        f"{len(cube.countries)} economies x {len(sectors)} sectors",
        "build_command": f"python -m tradetalks.data.build --name {name} --theta {theta_set}",
        "sources": SOURCES,
        "raw_files": _raw_hashes(data_dir, files),
        "concordance": {
            "economy_table": f"tradetalks/data/tables/{concordance.ECONOMY_TABLE}",
            "economy_table_sha256": _table_hash(),
            "sectors_to_adb_model": {k: list(v) for k, v in concordance.SECTOR_TO_MODEL.items()},
            "fossil_sector_donors": concordance.FOSSIL_DONOR,
            "fossil_inputs": concordance.FOSSIL_INPUT,
            "note": "production structure from ADB MRIO 2023 (value added of economies without their own "
            "block and of B05/B06/C19 from the ADB MRIO 2022 summaries) in every ICIO year",
        },
        "elasticity_set": theta_set,
        "theta": {
            "set": theta_set,
            "source": icio.ELASTICITY_SETS[theta_set],
            "interpretation": "theta = epsilon_S of the cube (trade elasticity, Frechet dispersion); "
            "sigma_S = epsilon_S + 1 is the Armington elasticity; services: 4 (no estimate)",
            # every published set of the cube, so a baseline can switch without the raw files
            "sectors": list(sectors),
            "sets": {
                name: {
                    "source": source,
                    "values": [float(v) for v in icio.read_elasticities(data_dir, name, year)],
                }
                for name, source in icio.ELASTICITY_SETS.items()
            },
        },
        "services_sectors": [icio.SERVICES_CODE],
        "sector_names": dict(concordance.SECTOR_NAMES),
        "sector_labels_in_source": {
            code: label for code, label in zip(sectors, cube.sector_labels, strict=True) if code != label
        },
        "zero_output_cells": zero_output,
        "adjustments": {
            "tariffs": tariff_report.as_dict(),
            "structure": structure_report.as_dict(),
            "balance": balance_report.as_dict(),
        },
    }
    b = Baseline(
        name=name,
        year=year,
        regions=cube.countries,
        sectors=sectors,
        flows=cube.flows,
        tariffs=tariffs,
        va_share=va,
        io_share=io_share,
        theta=theta,
        units="USD million",
        meta=meta,
    )
    b.check(CLOSE_RTOL)
    return b


def _balance_by_target(
    report: dict[str, Any], mapping: dict[str, str], full: Baseline
) -> list[dict[str, Any]]:
    """The full-detail balancing report summed over the members of each target region."""
    inter = (full.io_share.sum(axis=1) * full.gross_output).sum(axis=1)
    rows: dict[str, dict[str, Any]] = {}
    for t in dict.fromkeys(mapping.values()):
        members = [r for r in full.regions if mapping[r] == t]
        total = float(sum(inter[full.region_index(r)] for r in members))
        rows[t] = {"region": t, "negative_cells_before": 0, "negative_final_demand_before": 0.0,
                   "value_moved": 0.0, "intermediate_value": total}  # fmt: skip
    for r in report["by_region"]:
        row = rows[mapping[r["region"]]]
        row["negative_cells_before"] += r["negative_cells_before"]
        row["negative_final_demand_before"] += r["negative_final_demand_before"]
        row["value_moved"] += r["value_moved"]
    out = []
    for row in rows.values():
        total = row.pop("intermediate_value")
        row["share_of_intermediate_value_moved"] = round(row["value_moved"] / total, 6) if total > 0 else 0.0
        row["negative_final_demand_before"] = round(row["negative_final_demand_before"], 3)
        row["value_moved"] = round(row["value_moved"], 3)
        out.append(row)
    return out


def build(
    name: str, data_dir: str | Path | None = None, year: int | None = None, theta_set: str = DEFAULT_THETA
) -> Baseline:
    """Build a baseline from the raw files.

    Parameters
    ----------
    name : str
        ``"default"`` (13 regions x 28 sectors), ``"icio-full"`` or ``"icio<YEAR>-full"``
        (81 economies x 28 sectors).
    data_dir : str or Path, optional
        Raw data directory (default: :func:`tradetalks.data.paths.find_data_dir`).
    year : int, optional
        ICIO year 2011-2022 (default 2022).
    theta_set : str
        Elasticity set, default ``"CP"``.

    Raises
    ------
    DataError
        Unknown name or year, missing raw files, or a baseline that does not close.
    """
    kind, yr = _parse_name(name, year)
    d = require_data_dir(data_dir)
    full = build_full(d, yr, theta_set)
    if kind == "icio-full":
        return full
    mapping = default_mapping()
    b = aggregate_regions(full, mapping, name="default")
    meta = dict(b.meta)
    meta["description"] = (
        f"OECD ICIO {yr} trade and tariffs on ADB MRIO production structure, aggregated to "
        f"{b.n_regions} regions x {b.n_sectors} sectors by tradetalks/data/mappings/{DEFAULT_MAPPING}"
    )
    year_opt = "" if yr == DEFAULT_YEAR else f" --year {yr}"
    meta["build_command"] = f"python -m tradetalks.data.build --name default{year_opt} --theta {theta_set}"
    adjustments = dict(meta["adjustments"])
    balance_meta = dict(adjustments["balance"])
    balance_meta["by_target_region"] = _balance_by_target(balance_meta, mapping, full)
    adjustments["balance"] = balance_meta
    meta["adjustments"] = adjustments
    meta["zero_output_cells"] = [
        f"{b.regions[n]}/{b.sectors[j]}" for n, j in np.argwhere(b.gross_output <= 0)
    ]
    b = b.replace(meta=meta)
    b.check(CLOSE_RTOL)
    return b


def build_shipped(data_dir: str | Path | None = None) -> dict[str, Baseline]:
    """The shipped baselines (``default`` and ``icio2022-full``), built from one pass over the raw files."""
    d = require_data_dir(data_dir)
    full = build(full_name(DEFAULT_YEAR), d)
    default = build("default", d)
    return {"default": default, full.name: full}


def shipped_dir() -> Path:
    """Directory of the shipped baselines inside the package."""
    return Path(__file__).resolve().parent.parent / "baselines"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m tradetalks.data.build --all`` or ``--name NAME [--year Y] --out DIR``."""
    p = argparse.ArgumentParser(prog="python -m tradetalks.data.build", description=__doc__.splitlines()[0])
    p.add_argument("--all", action="store_true", help="rebuild the shipped baselines into the package")
    p.add_argument("--name", help="baseline to build: default, icio-full or icio<YEAR>-full")
    p.add_argument("--year", type=int, help="ICIO year 2011-2022 (default 2022)")
    p.add_argument(
        "--theta", default=DEFAULT_THETA, help=f"elasticity set ({', '.join(icio.ELASTICITY_SETS)})"
    )
    p.add_argument("--data-dir", help="raw data directory (default: $TRADETALKS_DATA or ../shared/data)")
    p.add_argument(
        "--out", help="output directory (default: the package's baselines/<name> for shipped names)"
    )
    p.add_argument(
        "--mapping",
        help="CSV/TOML/JSON mapping of the 81 ICIO economies to your regions; builds the full baseline "
        "of --year and aggregates it (needs --out; --name names the result)",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    try:
        if args.all:
            if args.name or args.year or args.out or args.theta != DEFAULT_THETA:
                raise DataError(
                    "--all rebuilds the shipped baselines as shipped; it takes no --name/--year/--out/--theta"
                )
            for name, b in build_shipped(args.data_dir).items():
                out = save_baseline(b, shipped_dir() / name)
                log.info("wrote %s (%d bytes)", out / "arrays.npz", (out / "arrays.npz").stat().st_size)
            return 0
        if args.mapping:
            if not args.out:
                raise DataError("--mapping needs --out DIR")
            full = build(full_name(args.year or DEFAULT_YEAR), args.data_dir, args.year, args.theta)
            name = args.name or Path(args.mapping).stem
            custom = aggregate_regions(full, read_mapping(args.mapping), name=name)
            meta = dict(custom.meta)
            meta["build_command"] = (
                f"python -m tradetalks.data.build --mapping {Path(args.mapping).name} --name {name}"
                f" --year {custom.year} --theta {args.theta} --out DIR"
            )
            custom = custom.replace(meta=meta)
            custom.check(CLOSE_RTOL)
            save_baseline(custom, Path(args.out))
            log.info("wrote %s", args.out)
            return 0
        if not args.name:
            raise DataError("give --all, --name NAME or --mapping FILE")
        b = build(args.name, args.data_dir, args.year, args.theta)
        shipped = SHIPPED.get(b.name) == b.year and args.theta == DEFAULT_THETA
        if args.out:
            target = Path(args.out)
        elif shipped:
            target = shipped_dir() / b.name
        else:
            raise DataError(f"baseline {b.name!r} ({b.year}) is not a shipped one: give --out DIR")
        save_baseline(b, target)
        log.info("wrote %s", target)
        return 0
    except DataError as exc:
        print(f"tradetalks.data.build: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
