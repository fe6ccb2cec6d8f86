"""Readers of the raw tariff files (read only by the schedule builder, never at run time).

Folders of the raw data directory (``tradetalks.data.paths``):

``us-tariff-tracker-2026/`` (tradewartracker/trade-war-redux-2025, M. Waugh, MIT licence, updated
2026-07-22)
    ``country-by-time.csv``: additional US tariff of the 2025-2026 actions on each of 51 partners at
    23 dates, import-weighted with 2024 Census HS10 imports, percent, on top of the partner's 2024
    rate (duties / imports); ``daily-tariff-latest-data.csv``: the overall daily average;
    ``data-hs2/hs2-tariff-CTY.csv``: by HS2 chapter for every Census partner: 2024 imports and
    duties and the additional tariff of the tracker's 2025-08-07 state (the HS2 averages match the
    tracker's 2025-08-07 partner rates); ``hs10-imports-2024/*.parquet``: 2024 US imports for
    consumption by HS10 from ten partners (Census codes 1220, 3510, 5490, 5520, 5570, 5650, 5700,
    5800, 5830, 5880) with calculated duties.
``tariffs-2018-2025/`` (mwaugh0328/tradewar-tracker, MIT; Budget-Lab-Yale/tariff-rate-tracker, MIT;
PIIE; USITC)
    ``us_tariffs_2020.csv``: US tariffs on China by HS6 (HS 2017) at seven dates 2018-01-01 to
    2020-02-14, percent, MFN + Section 301; ``s301_product_lists.csv``: HTS8 -> Section 301 list
    (1, 2, 3, 4A, 4B, the 2024 four-year-review lists); ``new_tariff_list_2020.csv``: China's
    tariffs on US goods by HS6 at twelve dates 2018-01-01 to 2019-12-26, percent;
    ``bown-jung-zhang-2019-06-12.xlsx``: China's MFN rates and each retaliation step by HS10 and
    China's 2017 imports from the US by HS8 (Bown, Jung and Zhang 2019, PIIE);
    ``mfn_rates_2025.csv``: US MFN rates by HTS8 (specific rates given as 0);
    ``ieepa_rates_gtap_2025-10-30.csv``: IEEPA rates by GTAP sector for ten partner groups.
``facts/facts.csv``
    sourced figures, one source per row (PIIE averages, China's 2025 steps, ...).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tradetalks.data.hs import normalize_hs
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

TRACKER = "us-tariff-tracker-2026"
LISTS = "tariffs-2018-2025"
FACTS = "facts/facts.csv"
#: Census codes of the ten partners with HS10 import files.
HS10_PARTNERS = ("1220", "3510", "5490", "5520", "5570", "5650", "5700", "5800", "5830", "5880")

#: Raw files the schedule is built from (relative paths; their sha256 go into the manifest).
RAW_FILES: tuple[str, ...] = (
    f"{TRACKER}/country-by-time.csv",
    *(f"{TRACKER}/hs10-imports-2024/2024-hs10-imports{c}.parquet" for c in HS10_PARTNERS),
    f"{LISTS}/hs6_gtap_crosswalk.csv",
    f"{LISTS}/us_tariffs_2020.csv",
    f"{LISTS}/s301_product_lists.csv",
    f"{LISTS}/new_tariff_list_2020.csv",
    f"{LISTS}/bown-jung-zhang-2019-06-12.xlsx",
    f"{LISTS}/mfn_rates_2025.csv",
    f"{LISTS}/ieepa_rates_gtap_2025-10-30.csv",
    f"{LISTS}/country_partner_mapping.csv",
    FACTS,
)


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataError(f"raw tariff file not found: {path}")
    return path


def read_country_by_time(data_dir: Path) -> pd.DataFrame:
    """Tracker partner series: columns ``date, name, additional, imports, base_2024`` (percent, USD).

    ``additional`` is the import-weighted extra tariff of the 2025-2026 actions; ``base_2024`` the
    partner's 2024 duties over imports.
    """
    df = pd.read_csv(_need(data_dir / TRACKER / "country-by-time.csv"))
    df = df.rename(
        columns={
            "country_name": "name",
            "effective tariff": "additional",
            "total imports": "imports",
            "2024 tariff": "base_2024",
        }
    )
    df["date"] = df["date"].astype(str)
    return df[["date", "name", "additional", "imports", "base_2024"]]


def read_hs2(data_dir: Path) -> pd.DataFrame:
    """All ``data-hs2`` files: ``cty_code, name, hs2, imports, duty, increase`` (increase: percent at
    the tracker's 2025-08-07 state)."""
    frames = []
    for path in sorted((_need(data_dir / TRACKER / "data-hs2")).glob("hs2-tariff-*.csv")):
        df = pd.read_csv(path, dtype={"HS2": str, "CTY_CODE": str})
        if df.empty:
            continue
        frames.append(df)
    if not frames:
        raise DataError(f"no hs2-tariff-*.csv files in {data_dir / TRACKER / 'data-hs2'}")
    df = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame(
        {
            "cty_code": df["CTY_CODE"].str.zfill(4),
            "name": df["CTY_NAME"],
            "hs2": df["HS2"].str.zfill(2),
            "imports": df["2024_imports"].astype(float),
            "duty": df["2024_duty"].astype(float),
            "increase": df["2025_tariff_increase"].astype(float),
        }
    )
    return out


def read_hs10_imports(data_dir: Path) -> pd.DataFrame:
    """2024 US imports by HS10 from the ten partners: ``cty_code, hs10, hs8, hs6, imports, duty`` (USD)."""
    frames = []
    for code in HS10_PARTNERS:
        path = _need(data_dir / TRACKER / "hs10-imports-2024" / f"2024-hs10-imports{code}.parquet")
        df = pd.read_parquet(path, columns=["CTY_CODE", "HS10", "imports", "duty"])
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    hs10 = df["HS10"].astype(str).str.zfill(10)
    return pd.DataFrame(
        {
            "cty_code": df["CTY_CODE"].astype(str).str.zfill(4),
            "hs10": hs10,
            "hs8": hs10.str[:8],
            "hs6": hs10.str[:6],
            "imports": df["imports"].astype(float),
            "duty": df["duty"].astype(float),
        }
    )


def read_us_tariffs_2020(data_dir: Path) -> pd.DataFrame:
    """US tariffs on China by HS6 (rows) and date (columns ``YYYY-MM-DD``), percent."""
    df = pd.read_csv(_need(data_dir / LISTS / "us_tariffs_2020.csv"), dtype={"hs6": str})
    df["hs6"] = df["hs6"].map(normalize_hs)
    wide = df.pivot(index="hs6", columns="time_of_tariff", values="tariff")
    wide.columns = [str(c) for c in wide.columns]
    return wide


def read_s301_lists(data_dir: Path) -> pd.DataFrame:
    """Section 301 product lists: ``hts8, list, ch99``."""
    df = pd.read_csv(_need(data_dir / LISTS / "s301_product_lists.csv"), dtype=str)
    return pd.DataFrame({"hts8": df["hts8"].map(normalize_hs), "list": df["list"], "ch99": df["ch99_code"]})


def read_china_lists(data_dir: Path) -> pd.DataFrame:
    """China's tariffs on US goods by HS6 (rows) and date (columns), percent (MFN + retaliation)."""
    df = pd.read_csv(_need(data_dir / LISTS / "new_tariff_list_2020.csv"), dtype={"hs6": str})
    df["hs6"] = df["hs6"].map(normalize_hs)
    wide = df.pivot(index="hs6", columns="time_of_tariff", values="tariff")
    wide.columns = [str(c) for c in wide.columns]
    return wide


#: Columns of the "China Tariff Rates" sheet of Bown, Jung and Zhang (2019), in order, and the date
#: each step took effect (MFN changes and retaliation steps are separate columns; values are the
#: change in percentage points, the first column the January 2018 MFN rate).
BJZ_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("mfn", "2018-01-01", "MFN rates January 1, 2018"),
    ("ret", "2018-04-02", "retaliation to US Section 232 tariffs"),
    ("mfn", "2018-05-01", "MFN cut on pharmaceuticals"),
    ("mfn", "2018-07-01", "MFN cut on consumer goods, autos and ITA products"),
    ("ret", "2018-07-06", "retaliation to Section 301 list 1 ($34 billion)"),
    ("ret", "2018-08-23", "retaliation to Section 301 list 2 ($16 billion)"),
    ("ret", "2018-09-24", "retaliation to Section 301 list 3 ($60 billion)"),
    ("mfn", "2018-11-01", "MFN cut on industrial goods"),
    ("mfn", "2019-01-01", "temporary MFN rates for 2019"),
    ("ret", "2019-01-01", "suspension of retaliation on US autos and parts"),
    ("ret", "2019-06-01", "increase on part of the $60 billion list"),
)


def read_bjz_rates(data_dir: Path) -> pd.DataFrame:
    """China's tariff steps by HS10 (Bown, Jung and Zhang 2019): ``hs10, hs8`` and one column per
    :data:`BJZ_COLUMNS` entry named ``<kind>:<date>`` (percentage points)."""
    path = _need(data_dir / LISTS / "bown-jung-zhang-2019-06-12.xlsx")
    df = pd.read_excel(path, sheet_name="China Tariff Rates", dtype={"hs10": str})
    if df.shape[1] != 2 + len(BJZ_COLUMNS):
        raise DataError(f"{path.name}: sheet 'China Tariff Rates' has {df.shape[1]} columns, expected 13")
    names = [f"{k}:{d}" for k, d, _ in BJZ_COLUMNS]
    out = pd.DataFrame({"hs10": df["hs10"].astype(str).str.strip()})
    out["hs8"] = out["hs10"].str[:8]
    for name, col in zip(names, df.columns[2:], strict=True):
        out[name] = pd.to_numeric(df[col], errors="coerce").fillna(0.0).round(6)
    return out


def read_bjz_imports(data_dir: Path) -> pd.Series:
    """China's 2017 imports from the US by HS8, USD (the sheet gives USD thousand)."""
    path = _need(data_dir / LISTS / "bown-jung-zhang-2019-06-12.xlsx")
    df = pd.read_excel(path, sheet_name="Imports Value", dtype={"hs08": str})
    values = pd.to_numeric(df.iloc[:, 2], errors="coerce").fillna(0.0) * 1e3
    return pd.Series(values.to_numpy(), index=df["hs08"].astype(str).str.strip(), name="imports_2017")


def read_mfn_2025(data_dir: Path) -> pd.Series:
    """US MFN ad-valorem rates by HTS8, percent (specific and compound rates are 0 in the file)."""
    df = pd.read_csv(_need(data_dir / LISTS / "mfn_rates_2025.csv"), dtype={"hs8": str})
    return pd.Series(100.0 * df["mfn_rate"].to_numpy(dtype=float), index=df["hs8"].map(normalize_hs))


def read_ieepa_gtap(data_dir: Path) -> pd.DataFrame:
    """IEEPA rates by GTAP sector (rows, upper case) and partner group (columns), fractions."""
    df = pd.read_csv(_need(data_dir / LISTS / "ieepa_rates_gtap_2025-10-30.csv"))
    df["gtap_code"] = df["gtap_code"].str.upper()
    return df.set_index("gtap_code").astype(float)


def read_partner_groups(data_dir: Path) -> pd.DataFrame:
    """Census partner -> Yale partner group (``cty_code, group, name``)."""
    df = pd.read_csv(_need(data_dir / LISTS / "country_partner_mapping.csv"), dtype=str)
    return pd.DataFrame(
        {"cty_code": df["cty_code"].str.zfill(4), "group": df["partner"], "name": df["country_name"]}
    )


def read_facts(data_dir: Path) -> pd.DataFrame:
    """``facts/facts.csv``: topic, item, value, unit, year, source_title, source_url, note."""
    return pd.read_csv(_need(data_dir / FACTS), dtype=str)


def fact_value(facts: pd.DataFrame, item: str) -> float:
    """The numeric value of the one facts row whose item is exactly ``item``.

    Raises
    ------
    DataError
        If no row or several rows carry that item, or the value is not a number.
    """
    rows = facts[facts["item"] == item]
    if len(rows) != 1:
        raise DataError(f"{FACTS}: expected one row with item {item!r}, found {len(rows)}")
    try:
        return float(str(rows["value"].iloc[0]).replace("~", ""))
    except ValueError:
        raise DataError(f"{FACTS}: row {item!r} has a non-numeric value {rows['value'].iloc[0]!r}") from None


def weighted_mean(values: pd.Series | np.ndarray, weights: pd.Series | np.ndarray) -> float:
    """Weighted mean, 0 when the weights add to 0."""
    w = np.asarray(weights, dtype=float)
    total = float(w.sum())
    return float((np.asarray(values, dtype=float) * w).sum() / total) if total > 0 else 0.0
