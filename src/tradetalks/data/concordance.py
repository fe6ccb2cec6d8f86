"""Concordances between the OECD ICIO cube and the ADB MRIO files, and the production
structure (value-added and input-output shares) they give each ICIO economy and sector.

Sectors
-------
ICIO's 28 sectors map to the 19 sectors of the ADB model file as in the reading notes of the
raw data: A01-A03 -> 1 agriculture; B07-B09 -> 2 other mining; C10T12 -> 3; C13T15 -> 4;
C16 -> 5; C17_18 -> 6; C20, C21 -> 7; C22 -> 8; C23 -> 9; C24A, C24B, C25 -> 10; C28 -> 11;
C26, C27 -> 12; C29, C301, C302T309 -> 13; C31T33 -> 14; SERV -> 15-19 (output-weighted).

The fossil sectors B05 (coal), B06 (crude oil and gas) and C19 (coke and refined petroleum)
have no output column in the ADB model file (it treats coal, oil and gas as inputs outside the
19 sectors). Documented choice:

* **value added**: from ``summary.parquet`` 2022 (ADB 35-sector code 2 "mining and quarrying"
  for B05/B06, code 8 "coke, refined petroleum" for C19), which covers them for all 73 ADB MRIO
  economies; where that cell is empty or outside [0, 1), the donor sector's share below;
* **input mix**: B05 and B06 take the mix of ADB sector 2 (other mining, the same extraction
  technology), C19 that of ADB sector 7 (chemicals, the neighbouring process industry);
* **fossil inputs** of every sector (``ξᶠʲ``): coal -> B05, gas -> B06, oil -> C19 (refined
  products), except that refineries' (C19's) own oil input is crude and goes to B06.

Where one ADB input sector maps to several ICIO sectors (A01-A03, B07-B09, C20/C21, ...), its
share is split in proportion to the buying economy's own spending on those ICIO sectors.

Economies
---------
``tables/icio_adb_economies.csv`` lists every ICIO economy with its ADB MRIO code (``ROW`` for
economies ADB lacks), the block of the ADB model file whose input mix it takes (its own, or a
documented nearest economy) and where its value-added shares come from (``model``: the block;
``summary``: its own 2022 row in ``summary.parquet``), with the reason for each choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.data.adb import FOSSILS, MODEL_SECTORS, AdbModel
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

#: ICIO sector codes in cube order (the services aggregate renamed ``SERV``).
ICIO_SECTORS: tuple[str, ...] = (
    "A01", "A02", "A03", "B05", "B06", "B07", "B08", "B09", "C10T12", "C13T15", "C16", "C17_18",
    "C19", "C20", "C21", "C22", "C23", "C24A", "C24B", "C25", "C26", "C27", "C28", "C29", "C301",
    "C302T309", "C31T33", "SERV",
)  # fmt: skip

#: Descriptions of the ICIO sectors (OECD ICIO 2023 release; SERV aggregates ICIO D35-T98).
SECTOR_NAMES: dict[str, str] = {
    "A01": "Crop and animal production, hunting and related service activities",
    "A02": "Forestry and logging",
    "A03": "Fishing and aquaculture",
    "B05": "Mining of coal and lignite",
    "B06": "Extraction of crude petroleum and natural gas",
    "B07": "Mining of metal ores",
    "B08": "Other mining and quarrying",
    "B09": "Mining support service activities",
    "C10T12": "Food products, beverages and tobacco",
    "C13T15": "Textiles, textile products, leather and footwear",
    "C16": "Wood and products of wood and cork",
    "C17_18": "Paper products and printing",
    "C19": "Coke and refined petroleum products",
    "C20": "Chemical and chemical products",
    "C21": "Pharmaceuticals, medicinal chemical and botanical products",
    "C22": "Rubber and plastics products",
    "C23": "Other non-metallic mineral products",
    "C24A": "Basic iron and steel",
    "C24B": "Basic precious and other non-ferrous metals",
    "C25": "Fabricated metal products, except machinery and equipment",
    "C26": "Computer, electronic and optical equipment",
    "C27": "Electrical equipment",
    "C28": "Machinery and equipment n.e.c.",
    "C29": "Motor vehicles, trailers and semi-trailers",
    "C301": "Building of ships and boats",
    "C302T309": "Other transport equipment",
    "C31T33": "Manufacturing n.e.c.; repair and installation of machinery and equipment",
    "SERV": "Services (aggregate): utilities, construction and all services (ICIO D35-T98)",
}

#: ICIO sector -> ADB model sectors (1-based, :data:`tradetalks.data.adb.MODEL_SECTORS`).
SECTOR_TO_MODEL: dict[str, tuple[int, ...]] = {
    "A01": (1,), "A02": (1,), "A03": (1,), "B07": (2,), "B08": (2,), "B09": (2,), "C10T12": (3,),
    "C13T15": (4,), "C16": (5,), "C17_18": (6,), "C20": (7,), "C21": (7,), "C22": (8,), "C23": (9,),
    "C24A": (10,), "C24B": (10,), "C25": (10,), "C28": (11,), "C26": (12,), "C27": (12,),
    "C29": (13,), "C301": (13,), "C302T309": (13,), "C31T33": (14,), "SERV": (15, 16, 17, 18, 19),
}  # fmt: skip

#: Fossil ICIO sectors -> the ADB model sector whose input mix they take.
FOSSIL_DONOR: dict[str, int] = {"B05": 2, "B06": 2, "C19": 7}

#: ICIO sector -> ADB 35-sector codes of ``summary.parquet`` (for value-added shares).
SECTOR_TO_SUMMARY: dict[str, tuple[int, ...]] = {
    "A01": (1,), "A02": (1,), "A03": (1,), "B05": (2,), "B06": (2,), "B07": (2,), "B08": (2,),
    "B09": (2,), "C10T12": (3,), "C13T15": (4, 5), "C16": (6,), "C17_18": (7,), "C19": (8,),
    "C20": (9,), "C21": (9,), "C22": (10,), "C23": (11,), "C24A": (12,), "C24B": (12,), "C25": (12,),
    "C28": (13,), "C26": (14,), "C27": (14,), "C29": (15,), "C301": (15,), "C302T309": (15,),
    "C31T33": (16,), "SERV": tuple(range(17, 36)),
}  # fmt: skip

#: ADB 35-sector code -> ADB model sector (1-based; 8 = coke and petroleum is fossil: 0).
SUMMARY_TO_MODEL: dict[int, int] = {
    1: 1, 2: 2, 3: 3, 4: 4, 5: 4, 6: 5, 7: 6, 8: 0, 9: 7, 10: 8, 11: 9, 12: 10, 13: 11, 14: 12,
    15: 13, 16: 14, 17: 19, 18: 15, **{k: 16 for k in range(19, 23)}, **{k: 17 for k in range(23, 28)},
    **{k: 18 for k in range(28, 36)},
}  # fmt: skip

#: Fossil input of the ADB model file -> the ICIO sector that supplies it.
FOSSIL_INPUT: dict[str, str] = {"coal": "B05", "oil": "C19", "gas": "B06"}
#: Exception: the oil input of refineries (C19) is crude oil (B06).
FOSSIL_INPUT_OVERRIDE: dict[tuple[str, str], str] = {("C19", "oil"): "B06"}

ECONOMY_TABLE = "icio_adb_economies.csv"
VA_SOURCES = ("model", "summary")


def load_economy_table() -> pd.DataFrame:
    """The shipped ICIO -> ADB economy table (columns ``icio, adb, block, va_source, reason``)."""
    text = (resources.files("tradetalks.data") / "tables" / ECONOMY_TABLE).read_text(encoding="utf-8")
    table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    expected = ["icio", "adb", "block", "va_source", "reason"]
    if list(table.columns) != expected:
        raise DataError(f"{ECONOMY_TABLE}: columns {list(table.columns)}, expected {expected}")
    bad = sorted(set(table["va_source"]) - set(VA_SOURCES))
    if bad:
        raise DataError(f"{ECONOMY_TABLE}: field 'va_source' has {bad}; allowed: {list(VA_SOURCES)}")
    dup = table["icio"][table["icio"].duplicated()].tolist()
    if dup:
        raise DataError(f"{ECONOMY_TABLE}: duplicate ICIO economies {dup}")
    return table


@dataclass
class StructureReport:
    """Where each share came from; fallbacks name the economy, sector and reason."""

    va_from_model: int = 0
    va_from_summary: int = 0
    fallbacks: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "va_cells_from_adb_model": self.va_from_model,
            "va_cells_from_adb_summary": self.va_from_summary,
            "va_fallbacks": self.fallbacks,
        }


def _summary_tables(summary: pd.DataFrame) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    go: dict[str, FloatArray] = {}
    va: dict[str, FloatArray] = {}
    for code, g in summary.groupby("adb", sort=True):
        x = np.zeros(36)
        v = np.zeros(36)
        x[g["sector"].to_numpy()] = g["gross_output"].to_numpy()
        v[g["sector"].to_numpy()] = g["value_added"].to_numpy()
        go[str(code)] = x
        va[str(code)] = v
    return go, va


def production_structure(
    countries: tuple[str, ...],
    sectors: tuple[str, ...],
    spending: FloatArray,
    model: AdbModel,
    summary: pd.DataFrame,
    table: pd.DataFrame,
) -> tuple[FloatArray, FloatArray, StructureReport]:
    """Value-added and input-output shares of every ICIO economy and sector, before balancing.

    Parameters
    ----------
    countries, sectors : tuple of str
        ICIO economies and sector codes (:data:`ICIO_SECTORS` order).
    spending : ndarray (N, J)
        Each economy's spending by ICIO sector (split weights within ADB input groups).
    model : AdbModel
        The ADB MRIO 2023 calibration.
    summary : DataFrame
        :func:`tradetalks.data.adb.read_summary` output (value added and gross output).
    table : DataFrame
        :func:`load_economy_table`.

    Returns
    -------
    va_share : ndarray (N, J)
    io_share : ndarray (N, J, J)
        ``[economy, input k, output j]``; ``va_share + io_share.sum(1) == 1``.
    report : StructureReport
    """
    if tuple(sectors) != ICIO_SECTORS:
        raise DataError(f"sectors must be the ICIO sectors {ICIO_SECTORS}, got {tuple(sectors)}")
    rows = table.set_index("icio")
    missing = [c for c in countries if c not in rows.index]
    if missing:
        raise DataError(f"{ECONOMY_TABLE}: no row for ICIO economies {missing}")
    sum_go, sum_va = _summary_tables(summary)
    n_reg, n_sec = len(countries), len(sectors)
    sec_idx = {s: k for k, s in enumerate(sectors)}
    # ADB input h (0-based) -> ICIO sectors supplying it
    groups: list[list[int]] = [[] for _ in MODEL_SECTORS]
    for code, model_groups in SECTOR_TO_MODEL.items():
        for g in model_groups:
            groups[g - 1].append(sec_idx[code])
    n_model = len(MODEL_SECTORS)
    va_out = np.zeros((n_reg, n_sec))
    io_out = np.zeros((n_reg, n_sec, n_sec))
    report = StructureReport()
    for n, country in enumerate(countries):
        row = rows.loc[country]
        b = model.index(str(row["block"]))
        adb = str(row["adb"])
        if adb not in sum_go:
            raise DataError(
                f"{ECONOMY_TABLE}: economy {country!r} names ADB code {adb!r}, not in the summary"
            )
        # per ADB model sector g: value-added share and the 22 input shares (19 sectors + 3 fossil)
        cols = np.concatenate([model.io_share[b], model.fossil_share[b].T], axis=0)  # (22, 19)
        m_va = model.va_share[b]
        if row["va_source"] == "summary":
            w_model = np.zeros(n_model)
            for k35, g in SUMMARY_TO_MODEL.items():
                if g:
                    w_model[g - 1] += sum_go[adb][k35]
        else:
            w_model = model.gross_output[b].copy()
        # split weights of ICIO inputs within each ADB input group: the economy's own spending
        split = np.zeros((n_model, n_sec))
        for h, members in enumerate(groups):
            x = spending[n, members]
            split[h, members] = x / x.sum() if x.sum() > 0 else 1.0 / len(members)
        for j, s in enumerate(sectors):
            if s in FOSSIL_DONOR:
                gs: tuple[int, ...] = (FOSSIL_DONOR[s],)
                w = np.ones(1)
            else:
                gs = SECTOR_TO_MODEL[s]
                w = w_model[[g - 1 for g in gs]]
                if w.sum() <= 0:
                    w = model.gross_output[b, [g - 1 for g in gs]]
                w = w / w.sum() if w.sum() > 0 else np.full(len(gs), 1.0 / len(gs))
            gi = [g - 1 for g in gs]
            col = cols[:, gi] @ w
            va_model = float(m_va[gi] @ w)
            va = va_model
            use_summary = row["va_source"] == "summary" or s in FOSSIL_DONOR
            if use_summary:
                codes = list(SECTOR_TO_SUMMARY[s])
                x35, v35 = float(sum_go[adb][codes].sum()), float(sum_va[adb][codes].sum())
                if x35 > 0 and 0.0 <= v35 / x35 < 1.0:
                    va = v35 / x35
                    report.va_from_summary += 1
                else:
                    report.fallbacks.append(
                        {
                            "economy": country,
                            "sector": s,
                            "reason": f"summary {adb} output {x35:.3f}, "
                            f"value added {v35:.3f}: used the ADB model block {row['block']}",
                        }
                    )
                    report.va_from_model += 1
            else:
                report.va_from_model += 1
            inputs = col[:n_model]
            fossil = col[n_model:]
            if 1.0 - va_model <= 0 or col.sum() <= 0:
                raise DataError(f"ADB block {row['block']}: no inputs for sector {s} of {country}")
            mix = np.zeros(n_sec)
            mix += inputs @ split
            for f_pos, fname in enumerate(FOSSILS):
                target = FOSSIL_INPUT_OVERRIDE.get((s, fname), FOSSIL_INPUT[fname])
                mix[sec_idx[target]] += fossil[f_pos]
            mix /= mix.sum()
            va_out[n, j] = va
            io_out[n, :, j] = (1.0 - va) * mix
    return va_out, io_out, report
