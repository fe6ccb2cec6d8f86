"""Harmonized System (HS) products -> the 28 OECD ICIO sectors.

The concordance chains two tables:

1. HS6 (HS 2022 nomenclature, 5,612 subheadings) -> GTAP sector: the crosswalk
   ``tariffs-2018-2025/hs6_gtap_crosswalk.csv`` of the Yale Budget Lab tariff-rate-tracker
   (MIT licence), read by :func:`build_hs6_table`;
2. GTAP sector -> ICIO sector (ISIC rev.4 division): ``tradetalks/data/tables/gtap_icio.csv``,
   written for this package from the GTAP 10 sector definitions (Aguiar et al. 2019, "The GTAP
   Data Base: Version 10", Journal of Global Economic Analysis 4(1), table 2.1) and the ICIO 2023
   sector list; plus the HS-level exceptions of :data:`HS_OVERRIDES` where one GTAP sector spans
   two ICIO sectors or the crosswalk disagrees with ISIC (ships, metal ores, magnets).

The result ships as ``tradetalks/data/tables/hs6_icio.csv`` (``hs6,gtap,icio``), rebuilt by
``python -m tradetalks.data.tariffs.build``, so the concordance works without the raw files.

Codes of 2 to 10 digits are accepted: an HS6 subheading is looked up directly; a longer code by
its first six digits; a code whose HS6 is not in the table (another HS vintage) or a shorter code
takes the sector that most of the subheadings of its HS4 heading (else HS2 chapter) map to.
US special chapters 98-99 have no ICIO sector.

>>> conc = load_concordance()                       # doctest: +SKIP
>>> conc.sector("850511"), conc.sector("1201.90")   # doctest: +SKIP
('C27', 'A01')
>>> conc.group("8542.31.0000")                      # doctest: +SKIP
'C26_SEMI'
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from tradetalks._atomic import atomic_write
from tradetalks.data.concordance import ICIO_SECTORS
from tradetalks.data.products import PRODUCTS, ProductSpec
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

#: Raw crosswalk, relative to the raw data directory.
CROSSWALK_FILE = "tariffs-2018-2025/hs6_gtap_crosswalk.csv"
GTAP_TABLE = "gtap_icio.csv"
HS6_TABLE = "hs6_icio.csv"

#: HS prefixes whose ICIO sector differs from their GTAP sector's (longest prefix wins).
HS_OVERRIDES: dict[str, tuple[str, str]] = {
    "89": ("C301", "ships and boats (ISIC 301); GTAP OTN also holds aircraft and rail"),
    **{
        f"26{k:02d}": ("B07", "metal ores and concentrates (ISIC 07); GTAP puts a few in CHM/OXT")
        for k in range(1, 18)
    },
    "8505": ("C27", "electro-magnets and permanent magnets (ISIC 2790); the crosswalk says FMP"),
}

_DIGITS = re.compile(r"\D")


def normalize_hs(code: str | int) -> str:
    """Digits of an HS code (``"8505.11.00"`` -> ``"85051100"``); a leading zero lost by a numeric
    reader is restored for odd lengths (``"10121"`` -> ``"010121"``)."""
    digits = _DIGITS.sub("", str(code))
    if len(digits) % 2 == 1:
        digits = "0" + digits
    return digits


def read_gtap_table() -> dict[str, str]:
    """The shipped GTAP -> ICIO sector table (upper-case GTAP codes)."""
    text = (resources.files("tradetalks.data") / "tables" / GTAP_TABLE).read_text(encoding="utf-8")
    rows = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    out: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO("\n".join(rows))):
        icio = row["icio"].strip()
        if icio not in ICIO_SECTORS:
            raise DataError(f"{GTAP_TABLE}: GTAP {row['gtap']!r} maps to unknown ICIO sector {icio!r}")
        out[row["gtap"].strip().upper()] = icio
    return out


def icio_of(hs6: str, gtap: str, gtap_table: Mapping[str, str]) -> str:
    """ICIO sector of one HS6 subheading given its GTAP sector (overrides first)."""
    for n in (6, 5, 4, 3, 2):
        hit = HS_OVERRIDES.get(hs6[:n])
        if hit is not None:
            return hit[0]
    try:
        return gtap_table[gtap.upper()]
    except KeyError:
        raise DataError(f"HS6 {hs6}: GTAP sector {gtap!r} is not in {GTAP_TABLE}") from None


def build_hs6_table(data_dir: Path) -> pd.DataFrame:
    """HS6 -> GTAP -> ICIO from the raw crosswalk (columns ``hs6, gtap, icio``, sorted by ``hs6``).

    Raises
    ------
    DataError
        If the crosswalk is missing, has duplicate subheadings or an unmapped GTAP sector.
    """
    path = data_dir / CROSSWALK_FILE
    if not path.is_file():
        raise DataError(f"HS6 -> GTAP crosswalk not found: {path}")
    raw = pd.read_csv(path, dtype=str)
    if raw["hs6_code"].duplicated().any():
        raise DataError(
            f"{CROSSWALK_FILE}: duplicate HS6 codes {raw.loc[raw.hs6_code.duplicated(), 'hs6_code'].tolist()}"
        )
    table = read_gtap_table()
    hs6 = raw["hs6_code"].map(normalize_hs)
    gtap = raw["gtap_code"].str.upper()
    icio = [icio_of(h, g, table) for h, g in zip(hs6, gtap, strict=True)]
    return pd.DataFrame({"hs6": hs6, "gtap": gtap, "icio": icio}).sort_values("hs6", ignore_index=True)


def write_hs6_table(table: pd.DataFrame, path: Path) -> None:
    """Write the derived HS6 table (deterministic text)."""
    header = (
        "# HS6 (HS 2022) -> GTAP -> ICIO sector, derived by tradetalks.data.hs.build_hs6_table from the "
        "Yale Budget Lab hs6_gtap_crosswalk.csv and tables/gtap_icio.csv; rebuild: "
        "python -m tradetalks.data.tariffs.build\n"
    )
    atomic_write(path, header + table.to_csv(index=False, lineterminator="\n"))


@dataclass(frozen=True, eq=False)
class HsConcordance:
    """Lookup of HS codes in the HS6 -> ICIO table (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        Columns ``hs6, gtap, icio``.
    products : mapping of str to ProductSpec
        Named products (default: :data:`tradetalks.data.products.PRODUCTS`) for :meth:`group`.
    """

    table: pd.DataFrame
    products: Mapping[str, ProductSpec] = field(default_factory=lambda: dict(PRODUCTS))
    _hs6: dict[str, str] = field(init=False, repr=False)
    _gtap: dict[str, str] = field(init=False, repr=False)
    _hs4: dict[str, str] = field(init=False, repr=False)
    _hs2: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        hs6 = [normalize_hs(h) for h in self.table["hs6"]]
        icio = [str(s) for s in self.table["icio"]]
        object.__setattr__(self, "_hs6", dict(zip(hs6, icio, strict=True)))
        object.__setattr__(self, "_gtap", dict(zip(hs6, (str(g) for g in self.table["gtap"]), strict=True)))
        for n, attr in ((4, "_hs4"), (2, "_hs2")):
            votes: dict[str, Counter[str]] = {}
            for h, s in zip(hs6, icio, strict=True):
                votes.setdefault(h[:n], Counter())[s] += 1
            object.__setattr__(self, attr, {k: c.most_common(1)[0][0] for k, c in votes.items()})

    def sector(self, code: str | int, default: str | None = None) -> str:
        """ICIO sector of an HS code of 2-10 digits.

        Raises
        ------
        DataError
            If the code maps nowhere (e.g. US chapters 98-99) and no ``default`` is given.
        """
        h = normalize_hs(code)
        if len(h) >= 6 and h[:6] in self._hs6:
            return self._hs6[h[:6]]
        for n, table in ((4, self._hs4), (2, self._hs2)):
            if len(h) >= n and h[:n] in table:
                return table[h[:n]]
        if default is not None:
            return default
        raise DataError(f"HS code {code!r} has no ICIO sector (not in the HS6 table, nor its HS4/HS2)")

    def sectors(self, codes: Iterable[str | int], default: str | None = None) -> list[str]:
        """:meth:`sector` of each code."""
        return [self.sector(c, default) for c in codes]

    def gtap(self, code: str | int) -> str | None:
        """GTAP sector of the code's HS6 subheading, or ``None`` if it is not in the table."""
        return self._gtap.get(normalize_hs(code)[:6])

    def product(self, code: str | int) -> ProductSpec | None:
        """The named product whose HS prefix matches the code (longest prefix), if any."""
        h = normalize_hs(code)
        best: tuple[int, ProductSpec] | None = None
        for spec in self.products.values():
            for prefix in spec.hs:
                p = normalize_hs(prefix)
                if h.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), spec)
        return None if best is None else best[1]

    def group(self, code: str | int, default: str | None = None) -> str:
        """Product sector code (``A01_SOY``) for an HS code of a named product, else its ICIO sector.

        A product code of fewer digits than the product's prefix (``"85"`` for magnets ``850511``)
        is not the product.
        """
        spec = self.product(code)
        if spec is not None:
            return spec.code
        return self.sector(code, default)


def read_hs6_table() -> pd.DataFrame:
    """The shipped HS6 -> GTAP -> ICIO table."""
    text = (resources.files("tradetalks.data") / "tables" / HS6_TABLE).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return pd.read_csv(io.StringIO("\n".join(lines)), dtype=str)


def load_concordance(products: Mapping[str, ProductSpec] | None = None) -> HsConcordance:
    """The HS concordance from the shipped table (a new object each call; nothing is cached)."""
    return HsConcordance(read_hs6_table(), dict(PRODUCTS) if products is None else dict(products))


def check_products(conc: HsConcordance) -> list[str]:
    """Products whose HS codes map to another ICIO sector than their registered parent."""
    bad = []
    for spec in conc.products.values():
        for prefix in spec.hs:
            if conc.sector(prefix) != spec.parent:
                bad.append(f"{spec.name}: HS {prefix} -> {conc.sector(prefix)}, parent {spec.parent}")
    return bad
