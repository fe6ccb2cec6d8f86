"""Inputs of the US layers at HS6 x partner detail: import weights, tracker series, IEEPA profiles.

* **Weights** (2024 US imports for consumption, Census, via the tariff tracker): HS10 values for the
  ten partners with HS10 files, summed to HS6; for every other ICIO economy the partner's HS2 values
  (``data-hs2``) spread over the HS6 subheadings of each chapter in proportion to the pooled HS6
  imports from the ten partners. ICIO ROW pools every other Census country (the aggregate code 0003
  European Union excluded). HS chapters 98-99 and electricity (services) are left out.
* **Duties collected** in 2024 (Census calculated duties, same files): HS10 duties summed to HS6
  for the ten partners; for every other economy the chapter's duty rate (HS2 duties over HS2
  imports) applied to its HS6 weights, so duties over weights is the chapter's collected rate.
* **Tracker series**: the additional tariff of the 2025-2026 actions by partner and date
  (``country-by-time.csv``); EU members without their own series take the European Union's; the
  2025-08-07 level of every other partner is its HS2-weighted ``data-hs2`` average.
* **IEEPA profiles**: the share of each GTAP sector subject to the IEEPA tariffs on 2025-10-30
  (``ieepa_rates_gtap_2025-10-30.csv``, Yale Budget Lab): rate over the group's headline (its
  highest rate). For China the rate is fentanyl (10 %, the rate of the sectors exempt from the
  reciprocal tariff) plus reciprocal (10 %): the fentanyl profile is 1 where the rate reaches 10 %,
  the reciprocal profile ``(rate - 10) / 10``. The Korea and Vietnam columns are flat averages
  without exemptions; those partners take the ``ftrow`` and ``row`` profiles.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.data.aggregate import default_mapping
from tradetalks.data.hs import HsConcordance
from tradetalks.data.tariffs import readers as rd
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
CENSUS_TABLE = "census_icio.csv"
EU_NAME = "EUROPEAN UNION"
EU_CODE = "0003"


def eu_members() -> tuple[str, ...]:
    """The 27 EU member states (from the shipped ``default`` mapping)."""
    return tuple(sorted(k for k, v in default_mapping().items() if v == "EU27"))


def census_table() -> pd.DataFrame:
    """Census code -> ICIO economy table shipped in ``tradetalks/data/tables``."""
    text = (resources.files("tradetalks.data") / "tables" / CENSUS_TABLE).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    df = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, quoting=csv.QUOTE_MINIMAL)
    if len(df) != 79 or df["iso3"].duplicated().any():
        raise DataError(f"{CENSUS_TABLE}: expected 79 distinct ICIO economies, got {len(df)}")
    return df


@dataclass(frozen=True, eq=False)
class UsInputs:
    """HS6 x partner inputs of the US layers (arrays indexed ``[partner, hs6]``)."""

    partners: tuple[str, ...]
    hs6: tuple[str, ...]
    group: NDArray[np.str_]
    gtap: NDArray[np.str_]
    weights: FloatArray
    duties: FloatArray
    china_hs8: pd.DataFrame
    mfn_china: FloatArray
    tracker_dates: tuple[str, ...]
    tracker: FloatArray
    hs2_level: FloatArray
    profile_group: tuple[str, ...]
    yale: pd.DataFrame

    def index(self, partner: str) -> int:
        return self.partners.index(partner)


def _weights(
    data_dir: Path, conc: HsConcordance, partners: tuple[str, ...], census: pd.DataFrame
) -> tuple[tuple[str, ...], FloatArray, FloatArray, pd.DataFrame]:
    hs10 = rd.read_hs10_imports(data_dir)
    hs10["group"] = [conc.sector(h, default="") for h in hs10["hs6"]]
    keep = (hs10["group"] != "") & (hs10["group"] != "SERV")
    log.info(
        "HS10 imports without a goods sector (chapters 98-99, electricity): %.2f %% of value",
        100 * hs10.loc[~keep, "imports"].sum() / hs10["imports"].sum(),
    )
    hs10 = hs10[keep]
    iso = dict(zip(census["census_code"], census["iso3"], strict=True))
    hs10["iso"] = hs10["cty_code"].map(iso)
    by6 = hs10.groupby(["iso", "hs6"])["imports"].sum().unstack(fill_value=0).astype(float)
    duty6 = hs10.groupby(["iso", "hs6"])["duty"].sum().unstack(fill_value=0).astype(float)
    codes = tuple(sorted(by6.columns))
    w = np.zeros((len(partners), len(codes)))
    d = np.zeros((len(partners), len(codes)))
    for p in by6.index:
        w[partners.index(p), :] = by6.loc[p, list(codes)].to_numpy()
        d[partners.index(p), :] = duty6.reindex(columns=list(codes), fill_value=0.0).loc[p].to_numpy()
    pooled = by6.sum(axis=0).reindex(list(codes)).to_numpy()
    chapter = np.array([h[:2] for h in codes])
    chap_total = pd.Series(pooled).groupby(chapter).transform("sum").to_numpy()
    share = np.divide(pooled, chap_total, out=np.zeros_like(pooled), where=chap_total > 0)
    hs2 = rd.read_hs2(data_dir)
    hs2 = hs2[hs2["cty_code"] != EU_CODE].copy()
    hs2["iso"] = hs2["cty_code"].map(iso).fillna("ROW")
    direct = set(by6.index)
    lost = 0.0
    for p, frame in hs2.groupby("iso"):
        if p in direct or p not in partners:
            continue
        values = frame.groupby("hs2")["imports"].sum()
        duties = frame.groupby("hs2")["duty"].sum()
        row = np.zeros(len(codes))
        drow = np.zeros(len(codes))
        for ch, value in values.items():
            mask = chapter == ch
            if not mask.any() or share[mask].sum() <= 0:
                lost += float(value)
                continue
            row[mask] = value * share[mask]
            drow[mask] = float(duties.get(ch, 0.0)) * share[mask]
        k = partners.index(str(p))
        w[k, :] += row
        d[k, :] += drow
    log.info("HS2 imports in chapters without pooled HS6 detail (dropped): %.3g USD", lost)
    china = hs10[hs10["iso"] == "CHN"].groupby(["hs8", "hs6"])["imports"].sum().reset_index()
    return codes, w, d, china


def _tracker(
    data_dir: Path, partners: tuple[str, ...], census: pd.DataFrame
) -> tuple[tuple[str, ...], FloatArray]:
    ct = rd.read_country_by_time(data_dir)
    names = dict(zip(census["name"], census["iso3"], strict=True))
    dates = tuple(sorted(ct["date"].unique()))
    out = np.full((len(dates), len(partners)), np.nan)
    eu = ct[ct["name"] == EU_NAME].set_index("date")["additional"]
    for member in eu_members():
        out[:, partners.index(member)] = eu.reindex(list(dates)).to_numpy()
    for name, frame in ct.groupby("name"):
        iso = names.get(str(name))
        if iso is None or iso not in partners:
            continue
        out[:, partners.index(iso)] = frame.set_index("date")["additional"].reindex(list(dates)).to_numpy()
    return dates, out


def _hs2_level(data_dir: Path, partners: tuple[str, ...], census: pd.DataFrame) -> FloatArray:
    hs2 = rd.read_hs2(data_dir)
    hs2 = hs2[hs2["cty_code"] != EU_CODE].copy()
    hs2["iso"] = (
        hs2["cty_code"].map(dict(zip(census["census_code"], census["iso3"], strict=True))).fillna("ROW")
    )
    out = np.zeros(len(partners))
    hs2 = hs2[hs2["increase"].notna()]
    for p, frame in hs2.groupby("iso"):
        if p in partners:
            out[partners.index(str(p))] = rd.weighted_mean(frame["increase"], frame["imports"])
    return out


def _profile_groups(data_dir: Path, partners: tuple[str, ...], census: pd.DataFrame) -> tuple[str, ...]:
    groups = rd.read_partner_groups(data_dir)
    iso = dict(zip(census["census_code"], census["iso3"], strict=True))
    ftrow = {iso[c] for c in groups.loc[groups["group"] == "ftrow", "cty_code"] if c in iso}
    eu = set(eu_members())
    fixed = {"CHN": "china", "HKG": "china", "CAN": "canada", "MEX": "mexico", "JPN": "japan", "GBR": "uk"}
    out = []
    for p in partners:
        if p in fixed:
            out.append(fixed[p])
        elif p in eu:
            out.append("eu")
        elif p in ftrow:
            out.append("ftrow")
        else:
            out.append("row")
    return tuple(out)


def load_us_inputs(data_dir: Path, conc: HsConcordance, partners: tuple[str, ...]) -> UsInputs:
    """Read everything the US layers need (see the module docstring).

    Parameters
    ----------
    partners : tuple of str
        Exporting ICIO economies (the 80 economies other than the US, ROW included).
    """
    census = census_table()
    codes, weights, duties, china = _weights(data_dir, conc, partners, census)
    mfn8 = rd.read_mfn_2025(data_dir)
    china["mfn"] = china["hs8"].map(mfn8).fillna(0.0)
    num = (china["mfn"] * china["imports"]).groupby(china["hs6"]).sum()
    den = china["imports"].groupby(china["hs6"]).sum()
    mfn_china = (num / den.where(den > 0)).reindex(list(codes)).fillna(0.0).to_numpy()
    tracker_dates, tracker = _tracker(data_dir, partners, census)
    return UsInputs(
        partners=partners,
        hs6=codes,
        group=np.array([conc.group(h) for h in codes]),
        gtap=np.array([conc.gtap(h) or "" for h in codes]),
        weights=weights,
        duties=duties,
        china_hs8=china,
        mfn_china=mfn_china,
        tracker_dates=tracker_dates,
        tracker=tracker,
        hs2_level=_hs2_level(data_dir, partners, census),
        profile_group=_profile_groups(data_dir, partners, census),
        yale=rd.read_ieepa_gtap(data_dir),
    )
