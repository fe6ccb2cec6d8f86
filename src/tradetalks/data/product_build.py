"""Build the product-share table from the raw files: ``python -m tradetalks.data.splits --build``.

The table (``tradetalks/data/tables/product_shares.csv``, manifest ``product_shares.json``)
gives, for every product of :mod:`tradetalks.data.products`, its share of the parent ICIO
sector's bilateral flows at ICIO economy detail. It is derived here from the raw sources, never
copied from them:

* **US imports by HS10, 2024** (Census, imports for consumption, via the trade-war tracker,
  ``us-tariff-tracker-2026/hs10-imports-2024/``) from ten partners: product value (the HS10 lines
  under the product's HS prefixes) / ICIO 2022 flow of the parent from the same partner, capped
  at :data:`~tradetalks.data.product_tables.SHARE_CAP` (2024 values over 2022 flows: the ICIO
  cube ends in 2022).
* **China's imports from the US by HS8, 2017** (ITC Trade Map, in the PIIE workbook of Bown, Jung
  and Zhang, 12 June 2019, sheet ``Imports Value``): the product's share of China's imports from
  the US / the parent's share of CHN<-USA goods in ICIO 2017 (same year). China's c.i.f. customs
  total is 50 % above ICIO's basic-price flow (154.8 vs 102.9 bn), so a plain value / flow ratio
  would be biased; a ratio of shares is not.
* **Sourced figures** of ``facts/facts.csv`` (:mod:`tradetalks.data.product_facts`): pair values
  (over the ICIO 2022 flow), exporter totals (spread as a residual over the exporter's other
  flows) and importer totals (spread over the importer's other flows in proportion to the
  exporter-proxy or world shares, one scale factor, capped).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.data import icio
from tradetalks.data.product_facts import FACTS_FILE, Figure, fact_figures, read_facts
from tradetalks.data.product_tables import FORMAT, LEVELS, RULES, SHARE_CAP, TABLE_FILE, ShareRow
from tradetalks.data.products import PRODUCTS, ProductSpec
from tradetalks.data.store import sha256_file
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

Array = NDArray[Any]

HS10_DIR = "us-tariff-tracker-2026/hs10-imports-2024"
PIIE_FILE = "tariffs-2018-2025/bown-jung-zhang-2019-06-12.xlsx"
PIIE_SHEET = "Imports Value"
#: Census country codes of the HS10 files -> ICIO economy codes.
CENSUS_PARTNERS: dict[str, str] = {
    "5700": "CHN", "5880": "JPN", "5800": "KOR", "5570": "MYS", "5830": "TWN",
    "5520": "VNM", "5490": "THA", "5650": "PHL", "3510": "BRA", "1220": "CAN",
}  # fmt: skip
US_YEAR, CHINA_YEAR, FLOW_YEAR = 2024, 2017, 2022


def _prefix_sum(codes: Array, values: Array, prefixes: Sequence[str]) -> float:
    mask = np.zeros(len(codes), dtype=bool)
    for p in prefixes:
        mask |= np.char.startswith(codes, p)
    return float(np.asarray(values, dtype=np.float64)[mask].sum())


def us_imports(data_dir: Path) -> dict[str, dict[str, float]]:
    """US 2024 imports for consumption (USD mn) of every product from each Census partner."""
    import pandas as pd

    out: dict[str, dict[str, float]] = {p: {} for p in PRODUCTS}
    for cty, code in CENSUS_PARTNERS.items():
        path = data_dir / HS10_DIR / f"{US_YEAR}-hs10-imports{cty}.parquet"
        if not path.is_file():
            raise DataError(f"{HS10_DIR}/{path.name} not found under the data directory")
        df = pd.read_parquet(path, columns=["CTY_CODE", "HS10", "CON_VAL_YR", "imports"])
        if set(df["CTY_CODE"]) != {cty} or not df["HS10"].is_unique:
            raise DataError(f"{path.name}: expected unique HS10 lines of country {cty}")
        if not np.allclose(df["imports"], df["CON_VAL_YR"].astype(float)):
            raise DataError(f"{path.name}: column 'imports' differs from CON_VAL_YR")
        codes = df["HS10"].to_numpy(dtype=str)
        for name, spec in PRODUCTS.items():
            out[name][code] = _prefix_sum(codes, df["imports"].to_numpy(), spec.hs) / 1e6
    return out


def china_imports_2017(data_dir: Path) -> tuple[dict[str, float], float]:
    """China's 2017 imports from the US (USD mn) of every product, and of all goods."""
    import pandas as pd

    path = data_dir / PIIE_FILE
    if not path.is_file():
        raise DataError(f"{PIIE_FILE} not found under the data directory")
    df = pd.read_excel(path, sheet_name=PIIE_SHEET, dtype={"hs08": str})
    col = [c for c in df.columns if "Imports from US" in str(c)]
    if len(col) != 1:
        raise DataError(f"{PIIE_FILE} [{PIIE_SHEET}]: no single column of imports from the US")
    codes = df["hs08"].str.strip().str.zfill(8).to_numpy(dtype=str)
    vals = df[col[0]].to_numpy(dtype=np.float64) / 1e3
    return {n: _prefix_sum(codes, vals, s.hs) for n, s in PRODUCTS.items()}, float(vals.sum())


def _capped(
    spec: ProductSpec, pair: tuple[str, str], share: float, value: float, flow: float, rule: str, source: str
) -> ShareRow:
    note = f"capped from {share:.4f}" if share > SHARE_CAP else ""
    return ShareRow(spec.name, "pair", *pair, min(share, SHARE_CAP), value, flow, rule, source, note)


def _scale(target: float, pattern: Array, flows: Array) -> float:
    """``k`` with ``sum(min(k * pattern, cap) * flows) == target`` (bisection; a huge ``k`` when
    even every cell at the cap falls short)."""

    def placed(k: float) -> float:
        return float((np.minimum(k * pattern, SHARE_CAP) * flows).sum())

    lo, hi = 0.0, 1.0
    while placed(hi) < target and hi < 1e12:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if placed(mid) < target else (lo, mid)
    return hi


def _importer_rows(
    spec: ProductSpec,
    g: Figure,
    economies: Sequence[str],
    flows: Array,
    share: Array,
    placed: Array,
    proxy: Array,
) -> list[ShareRow]:
    """One row per remaining import flow of an importer total (see the module docstring)."""
    n = economies.index(g.importer)
    done = float((share[n] * flows[n])[placed[n]].sum())
    dom = ~placed[n] & (flows[n] > 0)
    dom[n] = False
    k = _scale(max(g.value - done, 0.0), proxy * dom, flows[n] * dom)
    new = np.minimum(k * proxy, SHARE_CAP)
    short = g.value - done - float((new * flows[n])[dom].sum())
    note = f"every cell at the cap, short by {short:.1f}" if short > 1e-6 else f"scale {k:.4f}"
    how = f"importer total {g.importer}: " + " + ".join(g.sources)
    return [
        ShareRow(
            spec.name,
            g.level,
            g.importer,
            economies[int(i)],
            float(new[i]),
            float(new[i] * flows[n, i]),
            float(flows[n, i]),
            "importer-residual",
            how,
            note,
        )
        for i in np.flatnonzero(dom)
    ]


def product_rows(
    spec: ProductSpec,
    economies: Sequence[str],
    flows: Array,
    us: dict[str, float],
    china: tuple[float, float, float, float],
    figures: Sequence[Figure],
) -> list[ShareRow]:
    """Rows of one product.

    Parameters
    ----------
    flows : ndarray (81, 81)
        ICIO 2022 parent flows ``[importer, exporter]``.
    us : dict
        US 2024 imports of the product (USD mn) by partner.
    china : tuple
        Product value and all goods in China's 2017 imports from the US (USD mn), parent and goods
        flows CHN<-USA in ICIO 2017.
    figures : sequence of Figure
        Figures of ``facts.csv`` (those of other products are ignored).
    """
    ix = {c: k for k, c in enumerate(economies)}
    usa, chn = ix["USA"], ix["CHN"]
    rows: list[ShareRow] = []
    for code, v in us.items():
        flow = float(flows[usa, ix[code]])
        src = f"Census HS10 {US_YEAR} US imports from {code} / ICIO {FLOW_YEAR}"
        rows.append(_capped(spec, ("USA", code), v / flow if flow > 0 else 0.0, v, flow, "us-hs10", src))
    mine = [g for g in figures if g.product == spec.name]
    for g in (g for g in mine if g.level == "pair"):
        flow = float(flows[ix[g.importer], ix[g.exporter]])
        src = f"{g.how}: " + " + ".join(g.sources)
        rows.append(
            _capped(
                spec, (g.importer, g.exporter), g.value / max(flow, 1e-300), g.value, flow, "pair-fact", src
            )
        )
    if not any((r.importer, r.exporter) == ("CHN", "USA") for r in rows):
        v, total, pflow, gflow = china
        s, flow = (v / total) / (pflow / gflow), float(flows[chn, usa])
        src = (
            f"ITC Trade Map {CHINA_YEAR} via {PIIE_FILE}: ({v:.2f} / {total:.0f}) / "
            f"(ICIO {CHINA_YEAR} {pflow:.0f} / {gflow:.0f})"
        )
        rows.append(_capped(spec, ("CHN", "USA"), s, min(s, SHARE_CAP) * flow, flow, "china-2017", src))
    share, known = np.zeros(flows.shape), np.zeros(flows.shape, dtype=bool)
    for r in rows:
        share[ix[r.importer], ix[r.exporter]], known[ix[r.importer], ix[r.exporter]] = r.share, True
    foreign = ~np.eye(len(economies), dtype=bool)
    for g in (g for g in mine if g.level == "exporter-total"):
        i = ix[g.exporter]
        done = float((share[:, i] * flows[:, i])[known[:, i] & foreign[:, i]].sum())
        dom = ~known[:, i] & foreign[:, i]
        rest = float(flows[dom, i].sum())
        raw = (g.value - done) / rest
        s = min(max(raw, 0.0), SHARE_CAP)
        how = f"({g.value:.1f} - {done:.1f} in pairs) / {rest:.1f}; total = {g.how}: " + " + ".join(g.sources)
        note = f"residual {raw:.4f} clipped" if s != raw else ""
        rows.append(
            ShareRow(spec.name, g.level, "*", g.exporter, s, g.value, rest, "exporter-residual", how, note)
        )
        share[dom, i], known[dom, i] = s, True
    us_v, us_f = sum(us.values()), sum(float(flows[usa, ix[c]]) for c in us)
    world = min(us_v / us_f, SHARE_CAP)
    proxy = np.full(len(economies), world)
    for r in [r for r in rows if r.rule == "us-hs10"]:
        proxy[ix[r.exporter]] = r.share
        src = f"{r.exporter}'s share in US imports (row USA<-{r.exporter})"
        rows.append(
            ShareRow(
                spec.name, "exporter-proxy", "*", r.exporter, r.share, np.nan, np.nan, "exporter-us", src, ""
            )
        )
    for g in (g for g in mine if g.level == "importer-total"):
        rows += _importer_rows(spec, g, economies, flows, share, known & foreign, proxy)
    src = "pooled share of the product in US imports from the ten Census partners"
    rows.append(ShareRow(spec.name, "world", "*", "*", world, us_v, us_f, "world-us", src, ""))
    for g in (g for g in mine if g.level == "producer-share"):
        how = f"{g.how}: " + " + ".join(g.sources)
        rows.append(
            ShareRow(spec.name, g.level, "*", g.exporter, g.value, np.nan, np.nan, "home-scaled", how, "")
        )
    return rows


def build_rows(data_dir: Path) -> tuple[list[ShareRow], list[Figure], tuple[str, ...], dict[str, Any]]:
    """All rows of the table, the figures of ``facts.csv`` used, the ICIO economies, and the
    manifest entries of the raw inputs (sha256, US and Chinese product values, facts used)."""
    cube = icio.read_cube(data_dir, FLOW_YEAR)
    old = icio.read_cube(data_dir, CHINA_YEAR)
    if old.countries != cube.countries or old.sectors != cube.sectors:
        raise DataError(f"ICIO{CHINA_YEAR} and ICIO{FLOW_YEAR} have different economies or sectors")
    economies, sectors = cube.countries, cube.sectors
    goods = [k for k, s in enumerate(sectors) if s != icio.SERVICES_CODE]
    us = us_imports(data_dir)
    cn, cn_total = china_imports_2017(data_dir)
    figures, used = fact_figures(read_facts(data_dir))
    chn, usa = economies.index("CHN"), economies.index("USA")
    rows: list[ShareRow] = []
    for name, spec in PRODUCTS.items():
        j = sectors.index(spec.parent)
        china = (cn[name], cn_total, float(old.flows[chn, usa, j]), float(old.flows[chn, usa, goods].sum()))
        rows += product_rows(spec, economies, cube.flows[:, :, j], us[name], china, figures)
    files = [f"icio-cube/ICIO{FLOW_YEAR}.mat", f"icio-cube/ICIO{CHINA_YEAR}.mat", FACTS_FILE, PIIE_FILE]
    files += [f"{HS10_DIR}/{US_YEAR}-hs10-imports{c}.parquet" for c in CENSUS_PARTNERS]
    extra: dict[str, Any] = {
        "raw_files": {f: sha256_file(data_dir / f) for f in files},
        "us_imports_2024_usd_mn": {p: {k: round(v, 6) for k, v in d.items()} for p, d in us.items()},
        "china_imports_from_us_2017_usd_mn": {
            **{p: round(v, 6) for p, v in cn.items()},
            "all": round(cn_total, 3),
        },
        "facts_used": {f.ref: f.describe() for f in used.values()},
    }
    log.info("built %d product-share rows for %d products", len(rows), len(PRODUCTS))
    return rows, figures, economies, extra


def _figures_of(name: str, rows: Sequence[ShareRow], figures: Sequence[Figure]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in rows:
        if r.product == name and r.level in ("pair", "exporter-total", "world", "producer-share"):
            d: dict[str, Any] = {
                "level": r.level,
                "importer": r.importer,
                "exporter": r.exporter,
                "rule": r.rule,
            }
            d |= {"share": round(r.share, 6), "value_usd_mn": round(r.value_usd_mn, 3), "source": r.source}
            out.append(d | ({"note": r.note} if r.note else {}))
    for g in (g for g in figures if g.product == name and g.level == "importer-total"):
        cells = [r for r in rows if r.product == name and r.level == g.level and r.importer == g.importer]
        d = {"level": g.level, "importer": g.importer, "exporter": "*", "rule": "importer-residual"}
        d |= {"value_usd_mn": round(g.value, 3), "cells": len(cells)}
        d |= {"placed_in_cells_usd_mn": round(sum(r.value_usd_mn for r in cells), 3)}
        out.append(
            d | {"source": f"{g.how}: " + " + ".join(g.sources), "note": cells[0].note if cells else ""}
        )
    return out


def describe(
    rows: Sequence[ShareRow],
    figures: Sequence[Figure],
    economies: Sequence[str],
    extra: dict[str, Any],
    sha256: str,
) -> dict[str, Any]:
    """The manifest of the table: format, sha256, economies, sources, rules, per-product figures."""
    products = {
        name: {
            "code": spec.code,
            "parent": spec.parent,
            "hs": list(spec.hs),
            "description": spec.description,
            "figures": _figures_of(name, rows, figures),
            "facts": {
                ref: extra["facts_used"][ref] for g in figures if g.product == name for ref in g.sources
            },
        }
        for name, spec in PRODUCTS.items()
    }
    return {
        "format": FORMAT,
        "table": TABLE_FILE,
        "table_sha256": sha256,
        "build_command": "python -m tradetalks.data.splits --build",
        "economies": list(economies),
        "flow_year": FLOW_YEAR,
        "share_cap": SHARE_CAP,
        "levels_in_precedence_order": list(LEVELS),
        "rules": list(RULES),
        "home_rule": "n == i: the exporter's product share of its foreign sales (ICIO 2022 parent flows)",
        "year_note": f"product values of {US_YEAR} (US imports, most facts) over ICIO {FLOW_YEAR} flows (the "
        f"cube ends in {FLOW_YEAR}); China's imports from the US: {CHINA_YEAR} shares over ICIO {CHINA_YEAR}",
        "sources": [
            "US Census Bureau, US imports for consumption by HS10, 2024, as compiled by "
            "tradewartracker/trade-war-redux-2025 (MIT), data/2024-hs10-imports<CTY>.parquet",
            "ITC Trade Map, China's 2017 imports from the US by HS8, in Bown, Jung and Zhang (2019), PIIE "
            "Trade and Investment Policy Watch, 12 June 2019 (workbook sheet 'Imports Value')",
            "OECD ICIO 2023 extended release, trade cube of ahmadlp/tariffwar, years 2017 and 2022",
            "facts/facts.csv: the rows listed under facts_used, each with its own source",
        ],
        "products": products,
        **extra,
    }
