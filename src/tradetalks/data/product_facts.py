"""The sourced figures of ``facts/facts.csv`` that the product-share table uses, with formulas.

Each :class:`Figure` is a product value in USD million at one of three levels: a ``pair``
(importer <- exporter), an ``exporter-total`` (the exporter's world exports of the product) or
an ``importer-total`` (the importer's imports from the world). Rows are looked up by item and
year, their unit is checked, and every figure names the lines it comes from. Rows read but not
used (wider definitions, company revenue, conflicting or market-share figures) are listed, with
the reason, in ``docs/products.md``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tradetalks.errors import DataError

FACTS_FILE = "facts/facts.csv"
#: Tonnes per bushel of soybeans (60 lb, the USDA standard bushel).
T_PER_BUSHEL = 60 * 0.45359237 / 1000


@dataclass(frozen=True)
class Fact:
    """One row of ``facts.csv`` (``line`` counts the header as line 1)."""

    line: int
    item: str
    value: str
    unit: str
    year: int
    source_title: str
    source_url: str
    note: str

    @property
    def number(self) -> float:
        """The value as a number."""
        return float(self.value)

    @property
    def ref(self) -> str:
        """Short reference, ``facts.csv:L<line>``."""
        return f"facts.csv:L{self.line}"

    def describe(self) -> str:
        """Item, value, unit, year, source title and address."""
        return f"{self.item} = {self.value} {self.unit} ({self.year}); {self.source_title}; {self.source_url}"


def read_facts(data_dir: Path) -> list[Fact]:
    """Every row of ``facts/facts.csv`` under ``data_dir``."""
    path = data_dir / FACTS_FILE
    if not path.is_file():
        raise DataError(f"{FACTS_FILE} not found under the data directory")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return [
            Fact(
                k + 2,
                r["item"],
                r["value"],
                r["unit"],
                int(r["year"]),
                r["source_title"],
                r["source_url"],
                r["note"],
            )
            for k, r in enumerate(reader)
        ]


def find_fact(facts: Sequence[Fact], item: str, year: int, unit: str) -> Fact:
    """The single row with this item and year, whose unit must be ``unit``.

    Raises
    ------
    DataError
        If no row or several rows match, or the unit differs.
    """
    hits = [f for f in facts if f.item == item and f.year == year]
    if len(hits) != 1:
        raise DataError(f"{FACTS_FILE}: expected one row {item!r} ({year}), found {len(hits)}")
    if hits[0].unit != unit:
        raise DataError(f"{FACTS_FILE}:L{hits[0].line}: unit {hits[0].unit!r}, expected {unit!r}")
    return hits[0]


@dataclass(frozen=True)
class Figure:
    """A product value (USD million) at one level, with its formula and source lines."""

    product: str
    level: str
    importer: str
    exporter: str
    value: float
    how: str
    sources: tuple[str, ...]


#: (key, item, year, unit) of every row used.
ROWS: tuple[tuple[str, str, int, str], ...] = (
    ("soy_cn", "US soybean exports to China, value", 2024, "USD bn"),
    ("soy_cn_bu", "US soybean exports to China, volume", 2024, "million bushels"),
    ("soy_br_t", "China soybean imports from Brazil", 2023, "million metric tons"),
    ("soy_br_share", "China share of Brazil's soybean exports", 2024, "percent"),
    ("soy_us", "US soybean exports, total value", 2024, "USD bn"),
    ("ree_us", "US imports of rare-earth compounds and metals, value", 2024, "USD mn"),
    ("kr_chips", "South Korea semiconductor exports, total", 2024, "USD bn"),
    ("kr_cn", "Share of Korean chip exports going to China", 2024, "percent"),
    ("tw_ic", "Taiwan IC exports, total", 2024, "USD bn"),
    ("cn_ic", "China imports of integrated circuits, value", 2024, "USD bn"),
    ("jp_sme", "Japan chip-equipment exports to China (full year)", 2022, "JPY bn"),
    ("cn_magnets", "China share of global permanent-magnet manufacturing (IEA Oct 2025)", 2025, "percent"),
    ("cn_refining", "China share of global refined rare-earth output (IEA)", 2023, "percent"),
)


def fact_figures(facts: Sequence[Fact]) -> tuple[list[Figure], dict[str, Fact]]:
    """The figures the table uses, and the rows they come from (by key of :data:`ROWS`).

    Formulas (values in USD million):

    * soybeans CHN<-USA = US soybean exports to China 2024;
    * soybeans CHN<-BRA = China's 2023 imports from Brazil (t) x the unit value of US soybeans
      sold to China in 2024 (value / (bushels x 0.0272155 t/bu));
    * soybeans exporter USA = US soybean exports 2024; exporter BRA = CHN<-BRA / China's share of
      Brazil's soybean exports (2024);
    * rare-earth compounds importer USA = USGS US imports of compounds and metals 2024;
    * semiconductors CHN<-KOR = Korea's chip exports x China's share (2024); exporter KOR = Korea's
      chip exports; exporter TWN = Taiwan's IC exports (HS 8542 only); importer CHN = China's IC
      imports (GACC, c.i.f., HS 8542 only);
    * chip tools CHN<-JPN = Japan's 2022 chip-equipment exports to China, in the source's own
      USD conversion of JPY 820 bn (the note's "~$5.7bn").
    """
    f = {key: find_fact(facts, item, year, unit) for key, item, year, unit in ROWS}
    soy_cn = f["soy_cn"].number * 1e3
    unit_value = soy_cn / (f["soy_cn_bu"].number * T_PER_BUSHEL)
    soy_br = f["soy_br_t"].number * unit_value
    m = re.search(r"\$([0-9.]+)\s*bn", f["jp_sme"].note)
    if m is None:
        raise DataError(f"{FACTS_FILE}:L{f['jp_sme'].line}: no USD value in the note {f['jp_sme'].note!r}")
    kr = f["kr_chips"].number * 1e3

    def fig(product: str, level: str, pair: str, value: float, how: str, *keys: str) -> Figure:
        importer, exporter = pair.split("<-")
        return Figure(product, level, importer, exporter, value, how, tuple(f[k].ref for k in keys))

    soy_how = (
        f"China's 2023 tonnage from Brazil x unit value of US soybeans sold to China in 2024 "
        f"({unit_value:.1f} USD/t)"
    )
    figures = [
        fig("soybeans", "pair", "CHN<-USA", soy_cn, "value 2024", "soy_cn"),
        fig("soybeans", "pair", "CHN<-BRA", soy_br, soy_how, "soy_br_t", "soy_cn", "soy_cn_bu"),
        fig("soybeans", "exporter-total", "*<-USA", f["soy_us"].number * 1e3, "value 2024", "soy_us"),
        fig(
            "soybeans",
            "exporter-total",
            "*<-BRA",
            soy_br / (f["soy_br_share"].number / 100),
            "Brazil's sales to China (pair CHN<-BRA) / China's share of Brazil's soybean exports (2024)",
            "soy_br_t",
            "soy_cn",
            "soy_cn_bu",
            "soy_br_share",
        ),
        fig("rare-earth-compounds", "importer-total", "USA<-*", f["ree_us"].number, "USGS 2024", "ree_us"),
        fig(
            "semiconductors",
            "pair",
            "CHN<-KOR",
            kr * f["kr_cn"].number / 100,
            "Korea's chip exports x China's share (2024)",
            "kr_chips",
            "kr_cn",
        ),
        fig("semiconductors", "exporter-total", "*<-KOR", kr, "MOTIE 2024", "kr_chips"),
        fig(
            "semiconductors",
            "exporter-total",
            "*<-TWN",
            f["tw_ic"].number * 1e3,
            "IC exports 2024 (HS 8542 only: a lower bound)",
            "tw_ic",
        ),
        # China's 385 bn of IC imports (GACC 2024, c.i.f.) is deliberately not used as an importer
        # total: it includes processing-trade re-imports and transit through Hong Kong, and does
        # not fit the ICIO 2022 C26 flows (every other supplier would be pushed to the 0.99 cap,
        # EU27 goods sales to China becoming 99 % chips, with 43.7 bn still unplaced).
        fig(
            "rare-earth-magnets",
            "producer-share",
            "*<-CHN",
            f["cn_magnets"].number / 100,
            "China's share of world permanent-magnet manufacturing (IEA, Oct 2025)",
            "cn_magnets",
        ),
        fig(
            "rare-earth-compounds",
            "producer-share",
            "*<-CHN",
            f["cn_refining"].number / 100,
            "China's share of world refined rare-earth output (IEA, 2023)",
            "cn_refining",
        ),
        fig(
            "chip-tools",
            "pair",
            "CHN<-JPN",
            float(m.group(1)) * 1e3,
            "the source's USD conversion of JPY 820 bn (2022)",
            "jp_sme",
        ),
    ]
    return figures, f
