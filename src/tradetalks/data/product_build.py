"""Build the product-share table from the raw files: ``python -m tradetalks.data.splits --build``.

The table (``tradetalks/data/tables/product_shares.csv`` with its manifest
``product_shares.json``) gives, for every named product of :mod:`tradetalks.data.products`,
the product's share of the parent ICIO sector's bilateral flow at ICIO economy detail. It is
derived here from three raw sources and never copies them:

* **US imports by HS10, 2024** (Census, imports for consumption, via the trade-war tracker,
  ``us-tariff-tracker-2026/hs10-imports-2024/``) from ten partners: the product's value
  (sum of the HS10 lines under the product's HS prefixes) over the ICIO 2022 flow of the parent
  sector from the same partner (the brief's rule; 2024 values over 2022 flows: the most recent
  ICIO year is 2022).
* **China's imports from the US by HS8, 2017** (ITC Trade Map in the PIIE workbook of Bown, Jung
  and Zhang, 12 June 2019, sheet ``Imports Value``): the product's share in China's imports from
  the US, divided by the parent's share of China's goods imports from the US in ICIO 2017 (the
  same year). China's customs values are c.i.f. and 50 % above ICIO's basic-price flow
  (154.8 vs 102.9 bn), so a raw value / flow ratio would be biased; the ratio of shares is not.
* **Sourced figures** of ``facts/facts.csv`` (each used row is named by its line number): pair
  values, exporter totals (world exports of the product) and importer totals (imports of the
  product from the world); see :func:`fact_figures` for every formula.

:func:`tradetalks.data.product_tables.complete` turns the rows into a full matrix with the
precedence pair > exporter-total > importer-total > exporter-proxy > world and the home rule.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tradetalks.data import icio
from tradetalks.data.product_tables import SHARE_CAP, ShareRow
from tradetalks.data.products import PRODUCTS, ProductSpec
from tradetalks.data.store import sha256_file
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

HS10_DIR = "us-tariff-tracker-2026/hs10-imports-2024"
FACTS_FILE = "facts/facts.csv"
PIIE_FILE = "tariffs-2018-2025/bown-jung-zhang-2019-06-12.xlsx"
PIIE_SHEET = "Imports Value"
#: Census country codes of the HS10 files -> ICIO economy codes.
CENSUS_PARTNERS: dict[str, str] = {
    "5700": "CHN", "5880": "JPN", "5800": "KOR", "5570": "MYS", "5830": "TWN",
    "5520": "VNM", "5490": "THA", "5650": "PHL", "3510": "BRA", "1220": "CAN",
}  # fmt: skip
US_YEAR, CHINA_YEAR, FLOW_YEAR = 2024, 2017, 2022
#: Tonnes per bushel of soybeans (60 lb, the USDA standard bushel).
T_PER_BUSHEL = 60 * 0.45359237 / 1000


@dataclass(frozen=True)
class Fact:
    """One row of ``facts.csv`` (``line`` counts the header as line 1)."""

    line: int
    topic: str
    item: str
    value: str
    unit: str
    year: int
    source_title: str
    note: str

    @property
    def number(self) -> float:
        return float(self.value)

    @property
    def ref(self) -> str:
        return f"facts.csv:L{self.line} ({self.item}, {self.year}; {self.source_title})"


def read_facts(data_dir: Path) -> list[Fact]:
    """Every row of ``facts/facts.csv``."""
    path = data_dir / FACTS_FILE
    if not path.is_file():
        raise DataError(f"{FACTS_FILE} not found under the data directory")
    with open(path, encoding="utf-8", newline="") as f:
        return [
            Fact(k + 2, r["topic"], r["item"], r["value"], r["unit"], int(r["year"]), r["source_title"], r["note"])
            for k, r in enumerate(csv.DictReader(f))
        ]


def find_fact(facts: Sequence[Fact], item: str, year: int, unit: str) -> Fact:
    """The single row with this item and year; its unit must be ``unit``."""
    hits = [f for f in facts if f.item == item and f.year == year]
    if len(hits) != 1:
        raise DataError(f"{FACTS_FILE}: expected one row {item!r} ({year}), found {len(hits)}")
    if hits[0].unit != unit:
        raise DataError(f"{FACTS_FILE}:L{hits[0].line}: unit {hits[0].unit!r}, expected {unit!r}")
    return hits[0]


@dataclass(frozen=True)
class Figure:
    """A product value from ``facts.csv``: a pair, an exporter's or an importer's total (USD mn)."""

    product: str
    level: str
    importer: str
    exporter: str
    value: float
    how: str
    sources: tuple[str, ...]


def fact_figures(facts: Sequence[Fact]) -> list[Figure]:
    """The figures of ``facts.csv`` the table uses, with the formula of each.

    Rows used only as checks or not at all (wider definitions, company revenue, conflicts,
    market shares that are not trade values) are listed in ``docs/products.md``.
    """
    f = {
        "soy_cn": find_fact(facts, "US soybean exports to China, value", 2024, "USD bn"),
        "soy_cn_bu": find_fact(facts, "US soybean exports to China, volume", 2024, "million bushels"),
        "soy_br_t": find_fact(facts, "China soybean imports from Brazil", 2023, "million metric tons"),
        "soy_br_share": find_fact(facts, "China share of Brazil's soybean exports", 2024, "percent"),
        "soy_us": find_fact(facts, "US soybean exports, total value", 2024, "USD bn"),
        "ree_us": find_fact(facts, "US imports of rare-earth compounds and metals, value", 2024, "USD mn"),
        "kr_chips": find_fact(facts, "South Korea semiconductor exports, total", 2024, "USD bn"),
        "kr_cn": find_fact(facts, "Share of Korean chip exports going to China", 2024, "percent"),
        "tw_ic": find_fact(facts, "Taiwan IC exports, total", 2024, "USD bn"),
        "cn_ic": find_fact(facts, "China imports of integrated circuits, value", 2024, "USD bn"),
        "jp_sme": find_fact(facts, "Japan chip-equipment exports to China (full year)", 2022, "JPY bn"),
    }
    soy_cn = f["soy_cn"].number * 1e3
    unit_value = soy_cn / (f["soy_cn_bu"].number * T_PER_BUSHEL)  # USD mn per million t
    soy_br = f["soy_br_t"].number * unit_value
    m = re.search(r"\$([0-9.]+)\s*bn", f["jp_sme"].note)
    if m is None:
        raise DataError(f"{FACTS_FILE}:L{f['jp_sme'].line}: no USD value in the note {f['jp_sme'].note!r}")
    kr_cn = f["kr_chips"].number * f["kr_cn"].number / 100 * 1e3

    def refs(*keys: str) -> tuple[str, ...]:
        return tuple(f[k].ref for k in keys)

    return [
        Figure("soybeans", "pair", "CHN", "USA", soy_cn, "value 2024", refs("soy_cn")),
        Figure(
            "soybeans", "pair", "CHN", "BRA", soy_br,
            f"China's 2023 tonnage from Brazil x unit value of US soybeans sold to China in 2024 "
            f"({unit_value:.1f} USD/t = value / (bushels x {T_PER_BUSHEL:.7f} t))",
            refs("soy_br_t", "soy_cn", "soy_cn_bu"),
        ),  # fmt: skip
        Figure("soybeans", "exporter-total", "*", "USA", f["soy_us"].number * 1e3, "value 2024", refs("soy_us")),
        Figure(
            "soybeans", "exporter-total", "*", "BRA", soy_br / (f["soy_br_share"].number / 100),
            "Brazil's sales to China (above) / China's share of Brazil's soybean exports (2024)",
            refs("soy_br_t", "soy_cn", "soy_cn_bu", "soy_br_share"),
        ),  # fmt: skip
        Figure("rare-earth-compounds", "importer-total", "USA", "*", f["ree_us"].number, "USGS value 2024",
               refs("ree_us")),  # fmt: skip
        Figure("semiconductors", "pair", "CHN", "KOR", kr_cn, "Korea's exports x China's share (2024)",
               refs("kr_chips", "kr_cn")),  # fmt: skip
        Figure("semiconductors", "exporter-total", "*", "KOR", f["kr_chips"].number * 1e3, "MOTIE value 2024",
               refs("kr_chips")),  # fmt: skip
        Figure("semiconductors", "exporter-total", "*", "TWN", f["tw_ic"].number * 1e3,
               "IC exports 2024 (HS 8542 only: a lower bound)", refs("tw_ic")),  # fmt: skip
        Figure("semiconductors", "importer-total", "CHN", "*", f["cn_ic"].number * 1e3,
               "GACC IC imports 2024, c.i.f. (HS 8542 only)", refs("cn_ic")),  # fmt: skip
        Figure("chip-tools", "pair", "CHN", "JPN", float(m.group(1)) * 1e3,
               "the source's USD conversion of JPY 820 bn (2022)", refs("jp_sme")),  # fmt: skip
    ]


def _prefix_sum(codes: Any, values: Any, prefixes: Sequence[str]) -> float:
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
            out[name][code] = _prefix_sum(codes, df["imports"], spec.hs) / 1e6
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
        raise DataError(f"{PIIE_FILE} [{PIIE_SHEET}]: no single column of imports from the US: {list(df.columns)}")
    codes = df["hs08"].str.strip().str.zfill(8).to_numpy(dtype=str)
    vals = df[col[0]].to_numpy(dtype=np.float64) / 1e3
    return {n: _prefix_sum(codes, vals, s.hs) for n, s in PRODUCTS.items()}, float(vals.sum())


def _pair_row(spec: ProductSpec, importer: str, exporter: str, share: float, value: float, flow: float,
              rule: str, source: str) -> ShareRow:  # fmt: skip
    capped = min(share, SHARE_CAP)
    note = f"capped from {share:.4f}" if share > SHARE_CAP else ""
    return ShareRow(spec.name, "pair", importer, exporter, capped, value, flow, rule, source, note)


def product_rows(
    spec: ProductSpec,
    economies: Sequence[str],
    flows: np.ndarray[Any, np.dtype[np.float64]],
    us: dict[str, float],
    china: tuple[float, float, float, float],
    figures: Sequence[Figure],
) -> list[ShareRow]:
    """Rows of one product. ``flows``: ICIO 2022 parent flows [importer, exporter] (81 x 81);
    ``china``: (product value, all goods) in China's 2017 imports from the US and (parent flow,
    goods flow) CHN<-USA in ICIO 2017."""
    ix = {c: k for k, c in enumerate(economies)}
    usa, chn = ix["USA"], ix["CHN"]
    rows: list[ShareRow] = []
    for code, v in us.items():
        flow = float(flows[usa, ix[code]])
        share = v / flow if flow > 0 else 0.0
        rows.append(_pair_row(spec, "USA", code, share, v, flow, "us-hs10",
                              f"Census HS10 {US_YEAR} US imports from {code} / ICIO {FLOW_YEAR}"))  # fmt: skip
    mine = [g for g in figures if g.product == spec.name]
    for g in (g for g in mine if g.level == "pair"):
        flow = float(flows[ix[g.importer], ix[g.exporter]])
        share = g.value / flow if flow > 0 else 0.0
        rows.append(_pair_row(spec, g.importer, g.exporter, share, g.value, flow, "pair-fact",
                              f"{g.how}: " + " + ".join(g.sources)))  # fmt: skip
    if not any(r.importer == "CHN" and r.exporter == "USA" for r in rows):
        v, total, pflow, gflow = china
        share = (v / total) / (pflow / gflow)
        rows.append(_pair_row(spec, "CHN", "USA", share, share * float(flows[chn, usa]), float(flows[chn, usa]),
                              "china-2017", f"ITC Trade Map {CHINA_YEAR} via {PIIE_FILE}: ({v:.2f} / {total:.0f}) / "
                              f"(ICIO {CHINA_YEAR} {pflow:.0f} / {gflow:.0f})"))  # fmt: skip
    share = np.zeros(flows.shape)
    known = np.zeros(flows.shape, dtype=bool)
    for r in rows:
        share[ix[r.importer], ix[r.exporter]] = r.share
        known[ix[r.importer], ix[r.exporter]] = True
    foreign = ~np.eye(len(economies), dtype=bool)
    for g in (g for g in mine if g.level == "exporter-total"):
        i = ix[g.exporter]
        done = float((share[:, i] * flows[:, i])[known[:, i] & foreign[:, i]].sum())
        dom = ~known[:, i] & foreign[:, i]
        r = (g.value - done) / float(flows[dom, i].sum())
        rows.append(_residual(spec, g, min(max(r, 0.0), SHARE_CAP), r, done, float(flows[dom, i].sum())))
        share[dom, i], known[dom, i] = rows[-1].share, True
    for g in (g for g in mine if g.level == "importer-total"):
        n = ix[g.importer]
        done = float((share[n] * flows[n])[known[n] & foreign[n]].sum())
        dom = ~known[n] & foreign[n]
        r = (g.value - done) / float(flows[n, dom].sum())
        rows.append(_residual(spec, g, min(max(r, 0.0), SHARE_CAP), r, done, float(flows[n, dom].sum())))
    for r in [r for r in rows if r.rule == "us-hs10"]:
        rows.append(ShareRow(spec.name, "exporter-proxy", "*", r.exporter, r.share, float("nan"), float("nan"),
                             "exporter-us", f"{r.exporter}'s share in US imports (row USA<-{r.exporter})", ""))  # fmt: skip
    us_v = sum(us.values())
    us_f = sum(float(flows[usa, ix[c]]) for c in us)
    rows.append(ShareRow(spec.name, "world", "*", "*", min(us_v / us_f, SHARE_CAP), us_v, us_f, "world-us",
                         "pooled share of the product in US imports from the ten Census partners", ""))  # fmt: skip
    return rows


def _residual(spec: ProductSpec, g: Figure, share: float, raw: float, done: float, rest: float) -> ShareRow:
    note = f"residual {raw:.4f} clipped" if share != raw else ""
    rule = "exporter-residual" if g.level == "exporter-total" else "importer-residual"
    how = (f"({g.value:.1f} - {done:.1f} already placed) / {rest:.1f} of remaining ICIO {FLOW_YEAR} flows; "
           f"total = {g.how}: " + " + ".join(g.sources))  # fmt: skip
    return ShareRow(spec.name, g.level, g.importer, g.exporter, share, g.value, rest, rule, how, note)


def build_rows(data_dir: Path) -> tuple[list[ShareRow], tuple[str, ...], dict[str, Any]]:
    """All rows of the table, the ICIO economies, and the manifest (sources, hashes, checks)."""
    cube = icio.read_cube(data_dir, FLOW_YEAR)
    old = icio.read_cube(data_dir, CHINA_YEAR)
    if old.countries != cube.countries:
        raise DataError(f"ICIO{CHINA_YEAR} and ICIO{FLOW_YEAR} list different economies")
    economies = cube.countries
    sectors = cube.sectors
    goods = [k for k, s in enumerate(sectors) if s != icio.SERVICES_CODE]
    us = us_imports(data_dir)
    cn, cn_total = china_imports_2017(data_dir)
    figures = fact_figures(read_facts(data_dir))
    chn, usa = economies.index("CHN"), economies.index("USA")
    rows: list[ShareRow] = []
    for name, spec in PRODUCTS.items():
        j = sectors.index(spec.parent)
        china = (cn[name], cn_total, float(old.flows[chn, usa, j]), float(old.flows[chn, usa, goods].sum()))
        rows += product_rows(spec, economies, cube.flows[:, :, j], us[name], china, figures)
    files = [f"icio-cube/ICIO{FLOW_YEAR}.mat", f"icio-cube/ICIO{CHINA_YEAR}.mat", FACTS_FILE, PIIE_FILE]
    files += [f"{HS10_DIR}/{US_YEAR}-hs10-imports{c}.parquet" for c in CENSUS_PARTNERS]
    manifest: dict[str, Any] = {
        "raw_files": {f: sha256_file(data_dir / f) for f in files},
        "us_imports_usd_mn": {p: {k: round(v, 6) for k, v in d.items()} for p, d in us.items()},
        "china_imports_from_us_2017_usd_mn": {**{p: round(v, 6) for p, v in cn.items()}, "all": round(cn_total, 3)},
        "facts_used": sorted({s for g in figures for s in g.sources}),
    }
    log.info("built %d product-share rows for %d products", len(rows), len(PRODUCTS))
    return rows, economies, manifest
