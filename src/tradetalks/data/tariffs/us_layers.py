"""US layers at HS6 x partner detail on one date (see :mod:`tradetalks.data.tariffs.measures`).

``section-301`` (China only) and ``section-232`` follow the legal measures line by line. The IEEPA
layers follow two rules:

* **China and Hong Kong**: the fentanyl and reciprocal rates of the facts rows
  (:data:`~tradetalks.data.tariffs.measures.FENTANYL_CHINA`, ``RECIPROCAL_CHINA``) times the IEEPA
  profiles of :mod:`~tradetalks.data.tariffs.us_inputs` (exemptions of energy, pharmaceuticals,
  electronics from 2025-04-11, ...); nothing is calibrated.
* **Every other partner with a tracker series**: the tracker's partner rate (import-weighted with
  2024 weights) is the level; the named layers are fitted under it. The Section 232 part is computed
  from the measures, and the rest of the tracker rate goes to ``reciprocal`` (to ``fentanyl`` for
  Canada and Mexico, which the reciprocal orders exempt), spread over the partner's HS lines by its
  IEEPA profile: ``layer = rho * profile`` with ``rho`` such that the 2024-weighted average equals
  the tracker's rate minus the Section 232 average (never negative; shortfalls are reported).
* **Partners without a tracker series** (Iceland, Jordan, Kazakhstan, Morocco, Ukraine, ..., ICIO
  ROW): the 10 % baseline of EO 14257 from 2025-04-05, and from 2025-08-07 their ``data-hs2`` rate
  (the tracker's 2025-08-07 state) as the level.

IEEPA tariffs end on 2026-02-20. After that, the tracker rate net of Section 232 goes to ``other``
(Section 122 surcharge 2026-02-24 to 2026-07-23, Section 301 on Brazil, Section 338 on Canada, the
April 2026 metals restructuring); partners without a series get the 10 % Section 122 rate on their
profile for its 150 days. The IEEPA and Section 122 duties do not stack on goods under a 2025
Section 232 measure (EO 14289), so the profiles are 0 on those lines while the measure is in force.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tradetalks.data.tariffs import measures as ms
from tradetalks.data.tariffs import readers as rd
from tradetalks.data.tariffs.us_inputs import UsInputs
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
US_LAYERS = ("section-301", "section-232", "fentanyl", "reciprocal", "other")
USMCA = ("CAN", "MEX")
_RECIP_AUG = "2025-08-07"
_RECIP_PAUSE = "2025-04-09"


def step_value(steps: Sequence[tuple[str, float, Any]] | Sequence[ms.Step], date: str) -> float:
    """Rate of the last step that starts on or before ``date`` (0 before the first)."""
    value = 0.0
    for step in steps:
        start, rate = (step.start, step.rate) if isinstance(step, ms.Step) else (step[0], step[1])
        if start <= date:
            value = float(rate)
    return value


# ---------------------------------------------------------------- Section 301
def section_301(data_dir: Any, inputs: UsInputs) -> tuple[tuple[str, ...], FloatArray, dict[str, Any]]:
    """Section 301 rates on China by HS6 at each of its change dates.

    History of the 2018-2020 lists: ``us_tariffs_2020.csv`` (increase over 2018-01-01 of each HS6,
    capped at 25 %, the highest list rate, where an HS6 is counted on two lists); lines whose HS6 is
    not in that file (HS 2022 codes) take the list rates of ``s301_product_lists.csv``. The 2024
    four-year-review headings replace the list rate where higher. HS8 rates are averaged to HS6 with
    2024 US imports from China.

    Returns
    -------
    dates, rates (dates x HS6, percent), report
    """
    lists = rd.read_s301_lists(data_dir)
    us2020 = rd.read_us_tariffs_2020(data_dir)
    base = us2020[ms.US_2020_DATES[0]].fillna(us2020[ms.US_2020_DATES[1]])
    raw_inc = us2020[list(ms.US_2020_DATES)].sub(base, axis=0)
    capped = int((raw_inc > 25.0 + 1e-6).any(axis=1).sum())
    inc = raw_inc.clip(lower=0.0, upper=25.0).fillna(0.0)
    report = {"us_tariffs_2020_hs6_capped_at_25": capped, "modal_check": _check_modes(lists, inc)}
    headings = lists.groupby("hts8")["ch99"].apply(tuple).to_dict()
    china = inputs.china_hs8
    dates = sorted({*ms.US_2020_DATES[1:], *(s.start for st in ms.SECTION_301.values() for s in st)})
    out = np.zeros((len(dates), len(inputs.hs6)))
    pos = {h: k for k, h in enumerate(inputs.hs6)}
    col = np.array([pos.get(h, -1) for h in china["hs6"]])
    imports = china["imports"].to_numpy(dtype=float)
    for k, date in enumerate(dates):
        u_date = max(d for d in ms.US_2020_DATES if d <= date)
        legacy_hs6 = inc[u_date]
        r8 = np.zeros(len(china))
        for n, (h8, h6) in enumerate(zip(china["hs8"], china["hs6"], strict=True)):
            heads = headings.get(h8, ())
            legacy = (
                float(legacy_hs6[h6])
                if h6 in legacy_hs6.index
                else max(
                    (step_value(ms.SECTION_301[h], date) for h in heads if h in ms.LEGACY_301), default=0.0
                )
            )
            new = max(
                (step_value(ms.SECTION_301.get(h, ()), date) for h in heads if h not in ms.LEGACY_301),
                default=0.0,
            )
            r8[n] = max(legacy, new)
        num = np.bincount(col[col >= 0], weights=(r8 * imports)[col >= 0], minlength=len(inputs.hs6))
        den = np.bincount(col[col >= 0], weights=imports[col >= 0], minlength=len(inputs.hs6))
        row = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        no_china = den <= 0
        legacy_all = legacy_hs6.reindex(list(inputs.hs6)).fillna(0.0).to_numpy()
        row[no_china] = legacy_all[no_china]
        out[k] = row
    return tuple(dates), out, report


def _check_modes(lists: pd.DataFrame, inc: pd.DataFrame) -> dict[str, str]:
    """Check the list steps of :data:`SECTION_301` against the modal HS6 increases of each list."""
    result = {}
    for heading in ("9903.88.01", "9903.88.02", "9903.88.03", "9903.88.15"):
        hs6 = sorted({h[:6] for h in lists.loc[lists["ch99"] == heading, "hts8"]} & set(inc.index))
        for date in ms.US_2020_DATES[1:]:
            mode = float(inc.loc[hs6, date].round(2).mode().iloc[0])
            expected = step_value(ms.SECTION_301[heading], date)
            if abs(mode - expected) > 1e-6:
                raise DataError(
                    f"Section 301 {heading} on {date}: modal HS6 increase in us_tariffs_2020.csv is {mode}, "
                    f"the measures table says {expected}"
                )
        result[heading] = f"{len(hs6)} HS6 codes, modal increases match"
    return result


# ---------------------------------------------------------------- Section 232
def _partner_rates(
    inputs: UsInputs, default: float, overrides: dict[str, float], eu: Sequence[str]
) -> FloatArray:
    rates = np.full(len(inputs.partners), default)
    for partner, rate in overrides.items():
        for p in eu if partner == "EU27" else (partner,):
            if p in inputs.partners:
                rates[inputs.index(p)] = rate
    return rates


def section_232(inputs: UsInputs, date: str, eu: Sequence[str]) -> FloatArray:
    """Section 232 rates ``[partner, hs6]`` on ``date`` (the highest measure on a line applies)."""
    out = np.zeros((len(inputs.partners), len(inputs.hs6)))
    hs = np.array(inputs.hs6)
    for m in ms.SECTION_232:
        live = [s for s in m.steps if s[0] <= date]
        if not live:
            continue
        _, default, overrides = live[-1]
        mask = np.char.startswith(hs, m.hs[0])
        for prefix in m.hs[1:]:
            mask |= np.char.startswith(hs, prefix)
        rates = _partner_rates(inputs, default, overrides, eu)
        out[:, mask] = np.maximum(out[:, mask], rates[:, None])
    return out


def covered_2025(inputs: UsInputs, date: str) -> NDArray[np.bool_]:
    """HS6 lines under a 2025 Section 232 measure in force on ``date``."""
    hs = np.array(inputs.hs6)
    mask = np.zeros(len(hs), dtype=bool)
    for m in ms.SECTION_232:
        if m.steps[0][0] >= "2025-01-01" and m.steps[0][0] <= date:
            for prefix in m.hs:
                mask |= np.char.startswith(hs, prefix)
    return mask


# ---------------------------------------------------------------- IEEPA profiles
def profiles(inputs: UsInputs, date: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """IEEPA profiles on ``date``: China's fentanyl ``[hs6]``, each partner's reciprocal ``[partner,
    hs6]`` and the ``row`` profile ``[hs6]`` used for Section 122 (all 0 on 2025 Section 232 lines)."""
    yale = inputs.yale
    heads = yale.max(axis=0)
    china = yale["china"]
    fent_min = float(china[china > 0].min())
    cols: dict[str, pd.Series] = {
        c: (yale[c] / heads[c]).clip(0.0, 1.0)
        for c in ("canada", "mexico", "japan", "uk", "eu", "row", "ftrow")
    }
    cols["china"] = ((china - fent_min) / (heads["china"] - fent_min)).clip(0.0, 1.0)
    if date < ms.ELECTRONICS_EXEMPTION:
        for c in cols:
            cols[c] = cols[c].where(cols[c].index != "ELE", 1.0)
    gtap = list(inputs.gtap)
    free = ~covered_2025(inputs, date)
    fent = (china.reindex(gtap).fillna(heads["china"]).to_numpy() >= fent_min - 1e-12) & free
    table = {c: s.reindex(gtap).fillna(1.0).to_numpy() * free for c, s in cols.items()}
    recip = np.vstack([table[g] for g in inputs.profile_group])
    return fent.astype(float), recip, table["row"]


# ---------------------------------------------------------------- one date
def _latest(dates: Sequence[str], date: str) -> int:
    return bisect.bisect_right(list(dates), date) - 1


def us_layers_at(
    inputs: UsInputs, date: str, s301: FloatArray, eu: Sequence[str]
) -> tuple[dict[str, FloatArray], list[dict[str, Any]]]:
    """Every US layer ``[partner, hs6]`` on ``date`` and the calibration report rows."""
    n_p, n_h = len(inputs.partners), len(inputs.hs6)
    layers = {name: np.zeros((n_p, n_h)) for name in US_LAYERS}
    cn = inputs.index("CHN")
    layers["section-301"][cn] = s301
    layers["section-232"] = section_232(inputs, date, eu)
    fent_prof, recip_prof, row_prof = profiles(inputs, date)
    china_like = [inputs.index(p) for p in ms.CHINA_LIKE]
    if date < ms.IEEPA_END:
        for k in china_like:
            layers["fentanyl"][k] = step_value(ms.FENTANYL_CHINA, date) * fent_prof
            layers["reciprocal"][k] = step_value(ms.RECIPROCAL_CHINA, date) * recip_prof[k]
    t_idx = _latest(inputs.tracker_dates, date)
    report: list[dict[str, Any]] = []
    w = inputs.weights
    base232 = section_232(inputs, "2024-12-31", eu)
    for k, partner in enumerate(inputs.partners):
        layer, profile, level, fixed = _target(inputs, k, partner, date, t_idx, recip_prof[k], row_prof)
        reach = rd.weighted_mean(profile, w[k])
        rho = 0.0 if fixed is None else fixed
        if fixed is None and level is not None:
            new232 = rd.weighted_mean(layers["section-232"][k] - base232[k], w[k])
            rest = (
                level - new232 - sum(rd.weighted_mean(layers[x][k], w[k]) for x in ("fentanyl", "reciprocal"))
            )
            scale = 1.0
            if rest < 0 and new232 > 0:
                # the measures overshoot the tracker's rate: scale the 2025 Section 232 part down to it
                scale = max(new232 + rest, 0.0) / new232
                layers["section-232"][k] = base232[k] + scale * (layers["section-232"][k] - base232[k])
                rest = max(new232 + rest, 0.0) - new232 * scale
            if layer is not None and reach > 0:
                rho = max(rest, 0.0) / reach
            report.append(
                {
                    "date": date,
                    "partner": partner,
                    "layer": layer or "",
                    "tracker": round(level, 4),
                    "section_232_new": round(new232, 4),
                    "section_232_scale": round(scale, 4),
                    "rho": round(rho, 4),
                    "unplaced": round(rest - rho * reach, 4),
                }
            )
        if layer is not None:
            layers[layer][k] = rho * profile
    return layers, report


def _target(
    inputs: UsInputs, k: int, partner: str, date: str, t_idx: int, recip: FloatArray, row: FloatArray
) -> tuple[str | None, FloatArray, float | None, float | None]:
    """How partner ``k`` is fitted on ``date``: (layer taking the residual, its profile, the level to
    fit or ``None``, a fixed headline rate or ``None``)."""
    has_series = t_idx >= 0 and not np.isnan(inputs.tracker[t_idx, k])
    tracked = not np.isnan(inputs.tracker[:, k]).all()
    level = float(inputs.tracker[t_idx, k]) if has_series else None
    if date >= ms.IEEPA_END:
        if tracked:
            return ("other", row, level, None)
        return ("other", row, None, step_value([(s, r, None) for s, r in ms.SECTION_122], date))
    if partner in ms.CHINA_LIKE:
        return (None, row, None, None)
    if partner in USMCA:
        return ("fentanyl", recip, level, None)
    if date < ms.RECIPROCAL_START:
        return (None, recip, level, None)
    if date < _RECIP_PAUSE:
        # the tracker's rows of 2025-04-05 and -08 apply the Annex I rates, in force only hours on April 9
        return ("reciprocal", recip, None, ms.RECIPROCAL_BASELINE)
    if tracked:
        return ("reciprocal", recip, level, None)
    if date < _RECIP_AUG:
        return ("reciprocal", recip, None, ms.RECIPROCAL_BASELINE)
    return ("reciprocal", recip, float(inputs.hs2_level[k]), None)
