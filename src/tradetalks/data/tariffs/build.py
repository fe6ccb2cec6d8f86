"""Build the shipped tariff schedule: ``python -m tradetalks.data.tariffs.build``.

Reads the raw files (:mod:`~tradetalks.data.tariffs.readers`), computes every layer at HS detail on
each date where any measure changes (:mod:`~tradetalks.data.tariffs.us_layers`,
:mod:`~tradetalks.data.tariffs.china_side`), averages the HS lines into the 27 ICIO goods sectors
(without the named products) and the named products of :mod:`tradetalks.data.products` with the
import weights, and writes ``tradetalks/data/tariffs/schedule/``:

``schedule.npz``
    per layer ``<layer>.dates`` (first day of each state), ``<layer>.exporters`` (ICIO economies
    with a non-zero rate) and ``<layer>.rates`` ``[date, exporter, group]`` (percent, float32);
    ``weights.us`` ``[partner, group]`` (2024 US imports, USD) and ``weights.cn`` ``[group]``
    (China's 2017 imports from the US, USD) to combine groups into sectors; ``duties.us``
    ``[partner, group]`` (duties collected on the 2024 US imports, USD; effective tariff rates on
    the collected basis, :mod:`~tradetalks.data.tariffs.etr`); ``icio2017.flows``
    ``[importer, exporter, sector]`` (USA's and China's imports in the ICIO 2017 cube, USD million,
    the 2017 pre-war weights) with ``icio2017.importers``, ``icio2017.exporters``,
    ``icio2017.sectors``.
``manifest.json``
    labels, layer descriptions and sources, sha256 of every raw file read and of ``schedule.npz``,
    the build command and the checks (facts rows read, calibration report).
``averages.csv``
    HS-level trade-weighted averages by layer for US imports from China (2024 weights) and China's
    imports from the US (2017 weights) at the check dates (PIIE comparison, presets).

It also rewrites ``tradetalks/data/tables/hs6_icio.csv`` (:mod:`tradetalks.data.hs`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks._atomic import atomic_write
from tradetalks.data import hs as hsmod
from tradetalks.data.catalog import load as load_shipped
from tradetalks.data.concordance import ICIO_SECTORS
from tradetalks.data.icio import cube_path, read_cube
from tradetalks.data.paths import require_data_dir
from tradetalks.data.products import PRODUCTS
from tradetalks.data.store import npz_bytes, sha256_file
from tradetalks.data.tariffs import measures as ms
from tradetalks.data.tariffs import readers as rd
from tradetalks.data.tariffs.china_side import ChinaLines, check_facts, load_china_lines
from tradetalks.data.tariffs.us_inputs import eu_members, load_us_inputs
from tradetalks.data.tariffs.us_layers import US_LAYERS, section_301, us_layers_at
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BUILD_COMMAND = "python -m tradetalks.data.tariffs.build"
FORMAT = "tradetalks-tariff-schedule/1"
#: Groups: the 27 ICIO goods sectors (without the named products) and the named products.
GROUPS: tuple[str, ...] = tuple(s for s in ICIO_SECTORS if s != "SERV") + tuple(
    p.code for p in PRODUCTS.values()
)
#: Dates of the HS-level averages (PIIE figures of facts.csv, presets, the 2022 observation date).
CHECK_DATES = (
    "2017-12-31",
    "2018-01-01",
    "2018-07-01",
    "2018-09-24",
    "2019-05-31",
    "2019-06-15",
    "2019-09-01",
    "2019-12-31",
    "2020-02-14",
    "2022-07-01",
    "2025-01-20",
    "2025-04-11",
    "2025-05-05",
    "2025-05-14",
    "2025-08-07",
    "2025-10-15",
    "2025-11-14",
    "2026-03-01",
    "2026-08-19",
)


def schedule_dir() -> Path:
    """Directory of the shipped schedule inside the package."""
    return Path(__file__).resolve().parent / "schedule"


def _group_matrix(groups: Sequence[str]) -> FloatArray:
    m = np.zeros((len(groups), len(GROUPS)))
    for k, g in enumerate(groups):
        m[k, GROUPS.index(g)] = 1.0
    return m


def to_groups(rates: FloatArray, weights: FloatArray, member: FloatArray) -> FloatArray:
    """Weighted mean of HS-line rates ``[..., line]`` within each group; where a row has no weight
    in a group, the pooled weights of all rows, else the plain mean of the group's lines."""
    w2 = np.atleast_2d(weights)
    r2 = np.atleast_2d(rates)
    num = (r2 * w2) @ member
    den = w2 @ member
    pooled_w = w2.sum(axis=0)
    pooled = np.divide(
        (r2 * pooled_w) @ member, pooled_w @ member, out=np.zeros_like(num), where=(pooled_w @ member) > 0
    )
    plain = (r2 @ member) / np.maximum(member.sum(axis=0), 1.0)
    pooled = np.where((pooled_w @ member) > 0, pooled, plain)
    out: FloatArray = np.where(den > 0, num / np.where(den > 0, den, 1.0), pooled)
    return out.reshape((*rates.shape[:-1], len(GROUPS)))


def _dedupe(dates: list[str], slabs: list[FloatArray]) -> tuple[list[str], list[FloatArray]]:
    keep_d: list[str] = []
    keep_s: list[FloatArray] = []
    for d, s in zip(dates, slabs, strict=True):
        if keep_s and np.array_equal(keep_s[-1], s):
            continue
        keep_d.append(d)
        keep_s.append(s)
    return keep_d, keep_s


def _check_us_facts(facts: pd.DataFrame) -> dict[str, float]:
    seen = {}
    for _, rate, item in (*ms.FENTANYL_CHINA, *ms.RECIPROCAL_CHINA):
        if item is None:
            continue
        value = rd.fact_value(facts, item)
        if value != rate:
            raise DataError(f"measures: {rate} for facts row {item!r}, which says {value}")
        seen[item] = value
    return seen


def build_schedule(
    data_dir: Path,
) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Compute the schedule arrays, the manifest, the averages table and the HS6 table."""
    table = hsmod.build_hs6_table(data_dir)
    conc = hsmod.HsConcordance(table)
    bad = hsmod.check_products(conc)
    if bad:
        raise DataError(f"named products map outside their parent sector: {bad}")
    partners = tuple(r for r in load_shipped("icio2022-full").regions if r != "USA")
    eu = eu_members()
    inp = load_us_inputs(data_dir, conc, partners)
    s301_dates, s301, s301_report = section_301(data_dir, inp)
    china = load_china_lines(data_dir, conc)
    facts = rd.read_facts(data_dir)
    facts_seen = {**_check_us_facts(facts), **check_facts(china, facts)}
    member_us = _group_matrix(list(inp.group))
    member_cn = _group_matrix(list(china.group))
    us_dates = sorted(
        {
            *s301_dates,
            *inp.tracker_dates,
            *(s[0] for m in ms.SECTION_232 for s in m.steps),
            *(d for d, _, _ in (*ms.FENTANYL_CHINA, *ms.RECIPROCAL_CHINA)),
            *(d for d, _ in ms.SECTION_122),
            ms.ELECTRONICS_EXEMPTION,
            ms.RECIPROCAL_START,
            "2025-04-09",
            ms.IEEPA_END,
        }
    )
    slabs: dict[str, list[FloatArray]] = {name: [] for name in US_LAYERS}
    calibration: list[dict[str, Any]] = []
    hs_us: dict[str, dict[str, float]] = {}
    cn = inp.index("CHN")
    for date in us_dates:
        row301 = (
            s301[max(k for k, d in enumerate(s301_dates) if d <= date)]
            if date >= s301_dates[0]
            else 0 * s301[0]
        )
        layers, report = us_layers_at(inp, date, row301, eu)
        calibration += report
        for name in US_LAYERS:
            slabs[name].append(to_groups(layers[name], inp.weights, member_us))
    for date in CHECK_DATES:
        row301 = (
            s301[max(k for k, d in enumerate(s301_dates) if d <= date)]
            if date >= s301_dates[0]
            else 0 * s301[0]
        )
        layers, _ = us_layers_at(inp, date, row301, eu)
        hs_us[date] = {n: rd.weighted_mean(layers[n][cn], inp.weights[cn]) for n in US_LAYERS}
        hs_us[date]["mfn"] = rd.weighted_mean(inp.mfn_china, inp.weights[cn])
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    layer_meta: dict[str, Any] = {}
    for name in US_LAYERS:
        dates, kept = _dedupe(list(us_dates), slabs[name])
        stack = np.stack(kept)
        live = np.flatnonzero(np.abs(stack).max(axis=(0, 2)) > 0)
        arrays[f"{name}.dates"] = np.array(dates, dtype="<U10")
        arrays[f"{name}.exporters"] = np.array([partners[k] for k in live], dtype="<U4")
        arrays[f"{name}.rates"] = stack[:, live, :].astype(np.float32)
        layer_meta[name] = {"importer": "USA", "dates": len(dates), "exporters": len(live)}
    cn_dates, cn_slabs = _china_slabs(china, member_cn)
    arrays["retaliation.dates"] = np.array(cn_dates, dtype="<U10")
    arrays["retaliation.exporters"] = np.array(["USA"], dtype="<U4")
    arrays["retaliation.rates"] = np.stack(cn_slabs)[:, None, :].astype(np.float32)
    layer_meta["retaliation"] = {"importer": "CHN", "dates": len(cn_dates), "exporters": 1}
    arrays["weights.us"] = (inp.weights @ member_us).astype(np.float64)
    arrays["weights.cn"] = (china.imports @ member_cn).astype(np.float64)
    arrays["duties.us"] = (inp.duties @ member_us).astype(np.float64)
    arrays.update(_icio_2017(data_dir))
    arrays["partners"] = np.array(partners, dtype="<U4")
    arrays["groups"] = np.array(GROUPS, dtype="<U16")
    averages = _averages(hs_us, china)
    manifest = {
        "format": FORMAT,
        "build_command": BUILD_COMMAND,
        "units": "percent added to the applied (ICIO/Teti) tariff",
        "raw_files": {
            **{f: sha256_file(data_dir / f) for f in rd.RAW_FILES},
            ICIO_2017_FILE: sha256_file(cube_path(data_dir, 2017)),
        },
        "raw_folders": {f"{rd.TRACKER}/data-hs2": _folder_hash(data_dir / rd.TRACKER / "data-hs2")},
        "hs6_table_sha256": hashlib.sha256(table.to_csv(index=False).encode()).hexdigest(),
        "groups": list(GROUPS),
        "group_parent": {p.code: p.parent for p in PRODUCTS.values()},
        "layers": layer_meta,
        "checks": {
            "facts_rows": facts_seen,
            "section_301": s301_report,
            "china": china.report,
            "calibration": _calibration_summary(calibration),
        },
    }
    return arrays, manifest, averages, table


#: The cube whose flows are the 2017 (pre-war) weights.
ICIO_2017_FILE = "icio-cube/ICIO2017.mat"
#: Importers whose 2017 flows are shipped (the two with dated layers).
ICIO_2017_IMPORTERS = ("USA", "CHN")


def _icio_2017(data_dir: Path) -> dict[str, np.ndarray[Any, Any]]:
    """USA's and China's 2017 imports by exporter and ICIO sector (home sales set to 0)."""
    cube = read_cube(data_dir, 2017)
    rows = [cube.countries.index(c) for c in ICIO_2017_IMPORTERS]
    flows = np.array(cube.flows[rows], dtype=np.float64)
    for k, n in enumerate(rows):
        flows[k, n, :] = 0.0
    return {
        "icio2017.flows": flows,
        "icio2017.importers": np.array(ICIO_2017_IMPORTERS, dtype="<U4"),
        "icio2017.exporters": np.array(cube.countries, dtype="<U4"),
        "icio2017.sectors": np.array(cube.sectors, dtype="<U16"),
    }


def _folder_hash(folder: Path) -> str:
    """sha256 over the names and sha256 of the files of a folder (sorted)."""
    lines = [f"{p.name} {sha256_file(p)}" for p in sorted(folder.glob("*.csv"))]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _china_slabs(china: ChinaLines, member: FloatArray) -> tuple[list[str], list[FloatArray]]:
    dates = sorted(
        {c.split(":")[1] for c in china.steps.columns if c.startswith("ret:")}
        | {ms.CHINA_SEP_2019, ms.PHASE_ONE, ms.SOY_FROM}
        | {s.start for s in ms.CHINA_2025}
        | {s.end for s in ms.CHINA_2025 if s.end}
    )
    slabs = [to_groups(china.retaliation(d), china.imports, member) for d in dates]
    return _dedupe(dates, slabs)


def _averages(hs_us: dict[str, dict[str, float]], china: ChinaLines) -> pd.DataFrame:
    rows = []
    for date, layers in hs_us.items():
        for name, value in layers.items():
            rows.append(("USA", "CHN", date, name, value))
        rows.append(("USA", "CHN", date, "total", sum(layers.values())))
        mfn = rd.weighted_mean(china.mfn(date), china.imports)
        ret = rd.weighted_mean(china.retaliation(date), china.imports)
        rows += [
            ("CHN", "USA", date, "mfn", mfn),
            ("CHN", "USA", date, "retaliation", ret),
            ("CHN", "USA", date, "total", mfn + ret),
        ]
    df = pd.DataFrame(rows, columns=["importer", "exporter", "date", "layer", "rate_pct"])
    df["rate_pct"] = df["rate_pct"].round(4)
    df["weights"] = np.where(
        df["importer"] == "USA",
        "US imports from China 2024 by HS6 (Census)",
        "China's imports from the US 2017 by HS8 (Bown-Jung-Zhang)",
    )
    return df


def _calibration_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    df = pd.DataFrame(rows)
    scaled = df[df["section_232_scale"] < 1.0]
    return {
        "rule": "layer = rho * IEEPA profile; rho fits the tracker's partner rate net of Section 232",
        "fits": len(df),
        "section_232_scaled_down": [
            f"{r.partner} {r.date}: x{r.section_232_scale:.3f}" for r in scaled.itertuples()
        ][:60],
        "largest_unplaced_pct": float(df["unplaced"].abs().max()),
    }


def write_schedule(
    arrays: dict[str, np.ndarray[Any, Any]], manifest: dict[str, Any], averages: pd.DataFrame, out: Path
) -> Path:
    """Write ``schedule.npz``, ``manifest.json`` and ``averages.csv`` (deterministic bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    data = npz_bytes(arrays)
    atomic_write(out / "schedule.npz", data)
    full = dict(manifest)
    full["schedule_sha256"] = hashlib.sha256(data).hexdigest()
    full["averages_sha256"] = hashlib.sha256(
        averages.to_csv(index=False, lineterminator="\n").encode()
    ).hexdigest()
    atomic_write(out / "averages.csv", averages.to_csv(index=False, lineterminator="\n"))
    # the manifest last: it names the sha256 of the others
    atomic_write(out / "manifest.json", json.dumps(full, indent=1, sort_keys=True) + "\n")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild the shipped schedule (or write it to ``--out``)."""
    p = argparse.ArgumentParser(prog=BUILD_COMMAND, description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", help="raw data directory (default: $TRADETALKS_DATA or ../shared/data)")
    p.add_argument("--out", help="output directory (default: the package's tariffs/schedule)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        data_dir = require_data_dir(args.data_dir)
        arrays, manifest, averages, table = build_schedule(data_dir)
        out = Path(args.out) if args.out else schedule_dir()
        write_schedule(arrays, manifest, averages, out)
        if not args.out:
            hsmod.write_hs6_table(table, Path(hsmod.__file__).resolve().parent / "tables" / hsmod.HS6_TABLE)
        log.info("wrote %s (%d bytes)", out / "schedule.npz", (out / "schedule.npz").stat().st_size)
        return 0
    except DataError as exc:
        print(f"{BUILD_COMMAND}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
