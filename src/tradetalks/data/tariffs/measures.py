"""The legal measures behind the dated tariff layers: rates, dates, product coverage, sources.

Every rate is in percent, ADDED to the tariff in force before (the ICIO / Teti applied rate of the
``mfn`` layer), unless a row says "all-in". Where a figure is in ``facts/facts.csv`` the builder
checks it against the facts row named in ``fact`` and fails on any difference; every other figure
cites the legal act it comes from. Dates are the first day in force.

Layers (see ``docs/tariffs.md``):

``section-301``
    US tariffs on products of China under Section 301 (Trade Act of 1974): lists 1-4A of
    2018-2019 (USTR notices 83 FR 28710, 83 FR 40823, 83 FR 47974, 84 FR 20459, 84 FR 43304) with
    the Phase One halving of list 4A to 7.5 % (85 FR 3741, 2020-02-14); list 4B never took effect
    (suspended, 84 FR 69447); the 2024 four-year-review increases (89 FR 76581, FR Doc 2024-21217,
    HTSUS U.S. note 31). Per HS line the highest rate in force applies (note-31 headings replace
    the list rate of the lines they took over).
``section-232``
    US tariffs on steel and aluminium (Proclamations 9704/9705 of 2018 and their amendments; 10895,
    10896 and 10947 of 2025), motor vehicles and parts (10908 of 2025), copper (10962) and timber
    (10976), with the country exemptions, quotas and deals listed in :data:`SECTION_232`.
``fentanyl``, ``reciprocal``
    IEEPA tariffs of 2025 (EO 14193-14195 and EO 14257 with amendments), revoked from 2026-02-20
    after the Supreme Court ruling on IEEPA tariffs (V.O.S. Selections v. United States, as the
    tracker's README names it; the tracker's partner series fall to the Section 232 part that day).
``retaliation``
    China's additional tariffs on US goods (State Council Tariff Commission).
"""

from __future__ import annotations

from dataclasses import dataclass

#: First date of the schedule and of the ``--date`` range; presets may lie before it.
FIRST_DATE = "2018-01-01"
LAST_DATE = "2026-12-31"
#: The Supreme Court ruling that ended IEEPA tariffs (tracker: all IEEPA duties revoked).
IEEPA_END = "2026-02-20"


@dataclass(frozen=True)
class Step:
    """A rate from a date on (percent added)."""

    start: str
    rate: float


# ---------------------------------------------------------------- Section 301
#: Section 301 headings (HTSUS chapter 99) -> rate steps. The 2018-2020 steps of lists 1-4A are the
#: modal increases of each list's lines in ``us_tariffs_2020.csv`` at its seven dates (checked by the
#: builder); ``us_tariffs_2020.csv`` dates the list 3 increase of May 10, 2019 (goods exported from
#: then on) at 2019-06-01, when goods in transit at the old rate had to be entered.
SECTION_301: dict[str, tuple[Step, ...]] = {
    "9903.88.01": (Step("2018-07-06", 25.0),),  # list 1, 83 FR 28710
    "9903.88.02": (Step("2018-08-23", 25.0),),  # list 2, 83 FR 40823
    "9903.88.03": (Step("2018-09-24", 10.0), Step("2019-06-01", 25.0)),  # list 3, 83 FR 47974, 84 FR 20459
    "9903.88.04": (Step("2018-09-24", 10.0), Step("2019-06-01", 25.0)),  # list 3 additions
    "9903.88.15": (Step("2019-09-01", 15.0), Step("2020-02-14", 7.5)),  # list 4A, 84 FR 43304, 85 FR 3741
    "9903.88.16": (),  # list 4B: suspended before it took effect (84 FR 69447)
    "9903.91.01": (Step("2024-09-27", 25.0),),  # note 31(b): critical minerals, steel and aluminium products
    "9903.91.02": (Step("2024-09-27", 50.0),),  # note 31(c): solar cells
    "9903.91.03": (Step("2024-09-27", 100.0),),  # note 31(d): electric vehicles, syringes
    "9903.91.05": (Step("2025-01-01", 50.0),),  # note 31(f): semiconductors 8541/8542, polysilicon, wafers
    "9903.91.06": (Step("2026-01-01", 25.0),),  # note 31(g): natural graphite, permanent magnets, batteries
    "9903.91.07": (Step("2026-01-01", 50.0),),  # note 31(h): respirators and face masks
    "9903.91.08": (Step("2026-01-01", 100.0),),  # note 31(i): medical rubber gloves
    "9903.91.11": (Step("2025-01-01", 25.0),),  # note 31(j): tungsten products
    "9903.92.10": (Step("2024-09-27", 25.0),),  # ship-to-shore gantry cranes
}
#: Headings of the 2018-2019 lists (their history comes from ``us_tariffs_2020.csv`` where it has the HS6).
LEGACY_301 = ("9903.88.01", "9903.88.02", "9903.88.03", "9903.88.04", "9903.88.15", "9903.88.16")
#: The seven dates of ``us_tariffs_2020.csv``.
US_2020_DATES = (
    "2018-01-01",
    "2018-07-06",
    "2018-08-23",
    "2018-09-24",
    "2019-06-01",
    "2019-09-01",
    "2020-02-14",
)


# ---------------------------------------------------------------- Section 232
@dataclass(frozen=True)
class Measure:
    """A Section 232 product measure: rate steps by partner over HS prefixes.

    ``steps`` maps a date to ``(default rate, {partner: rate})``; a partner in the dict pays that
    rate instead of the default (0 = exempt or in-quota). The last step before a date applies.
    """

    name: str
    hs: tuple[str, ...]
    steps: tuple[tuple[str, float, dict[str, float]], ...]
    source: str


_STEEL_2018 = (*(str(h) for h in range(7206, 7230)), "7301", "7302", "7304", "7305", "7306")
_ALU_2018 = ("7601", "7604", "7605", "7606", "7607", "7608", "7609")
_EU = "EU27"  # expanded to the 27 member states by the builder
_QUOTA: dict[str, float] = {"AUS": 0, "ARG": 0, "BRA": 0, "KOR": 0}  # exempt, or absolute quotas (no duty)
_USMCA0: dict[str, float] = {"CAN": 0, "MEX": 0}
_AUTOS = ("8703", "870421", "870431")
_PARTS = (
    "8706",
    "8707",
    "8708",
    "840734",
    "840820",
    "8409",
    "401110",
    "401120",
    "841330",
    "842123",
    "842131",
    "848310",
    "851140",
    "851150",
    "854430",
)

SECTION_232: tuple[Measure, ...] = (
    Measure(
        "steel",
        _STEEL_2018,
        (
            ("2018-03-23", 25.0, {**_QUOTA, **_USMCA0, _EU: 0}),
            ("2018-06-01", 25.0, dict(_QUOTA)),
            ("2018-08-13", 25.0, {**_QUOTA, "TUR": 50}),
            ("2019-05-20", 25.0, {**_QUOTA, **_USMCA0, "TUR": 50}),
            ("2019-05-21", 25.0, {**_QUOTA, **_USMCA0}),
            ("2022-01-01", 25.0, {**_QUOTA, **_USMCA0, _EU: 0}),
            ("2022-04-01", 25.0, {**_QUOTA, **_USMCA0, _EU: 0, "JPN": 0}),
            ("2022-06-01", 25.0, {**_QUOTA, **_USMCA0, _EU: 0, "JPN": 0, "GBR": 0, "UKR": 0}),
        ),
        "Proc. 9705 (2018-03-08) as amended by 9711 (exemptions), 9740 (quotas ARG/BRA/KOR, end of "
        "CAN/MEX/EU exemption 2018-06-01), 9772 (Turkey 50 %), 9886 (Turkey back to 25 %), 9894 (CAN/MEX "
        "exempt 2019-05-20), 10328 (EU tariff-rate quota 2022-01-01), 10356 (Japan TRQ 2022-04-01), 10406 "
        "(UK TRQ 2022-06-01), 10403 (Ukraine suspended 2022-06-01); in-quota trade is duty free, so quota "
        "partners are set to 0",
    ),
    Measure(
        "aluminium",
        _ALU_2018,
        (
            ("2018-03-23", 10.0, {**_QUOTA, **_USMCA0, _EU: 0}),
            ("2018-06-01", 10.0, {"AUS": 0, "ARG": 0}),
            ("2019-05-20", 10.0, {"AUS": 0, "ARG": 0, "CAN": 0, "MEX": 0}),
            ("2022-01-01", 10.0, {"AUS": 0, "ARG": 0, "CAN": 0, "MEX": 0, _EU: 0}),
            ("2022-06-01", 10.0, {"AUS": 0, "ARG": 0, "CAN": 0, "MEX": 0, _EU: 0, "GBR": 0}),
            ("2023-03-10", 10.0, {"AUS": 0, "ARG": 0, "CAN": 0, "MEX": 0, _EU: 0, "GBR": 0, "RUS": 200}),
        ),
        "Proc. 9704 (2018-03-08) as amended by 9710, 9739 (ARG quota, end of CAN/MEX/EU exemption), "
        "9893 (CAN/MEX exempt 2019-05-20), 10327 (EU TRQ 2022-01-01), 10405 (UK TRQ 2022-06-01), 10522 "
        "(Russia 200 %)",
    ),
    Measure(
        "steel-2025",
        ("72", "73"),
        (("2025-03-12", 25.0, {}), ("2025-06-04", 50.0, {"GBR": 25})),
        "Proc. 10896 (steel, 2025-03-12: every exemption, quota and TRQ ended, derivatives of chapter 73 "
        "added) and 10947 (50 % from 2025-06-04, UK 25 %); whole chapters 72-73 as the coverage "
        "(approximation)",
    ),
    Measure(
        "aluminium-2025",
        ("76",),
        (("2025-03-12", 25.0, {"RUS": 200}), ("2025-06-04", 50.0, {"GBR": 25, "RUS": 200})),
        "Proc. 10895 (aluminium 25 % from 2025-03-12, derivatives of chapter 76) and 10947 (50 %, UK 25 %); "
        "Russia keeps 200 % (Proc. 10522)",
    ),
    Measure(
        "autos",
        _AUTOS,
        (
            ("2025-04-03", 25.0, {"CAN": 15, "MEX": 15}),
            ("2025-06-30", 25.0, {"CAN": 15, "MEX": 15, "GBR": 7.5}),
            ("2025-08-07", 25.0, {"CAN": 15, "MEX": 15, "GBR": 7.5, "JPN": 12.5, _EU: 12.5}),
            ("2025-12-04", 25.0, {"CAN": 15, "MEX": 15, "GBR": 7.5, "JPN": 12.5, _EU: 12.5, "KOR": 15}),
        ),
        "Proc. 10908 (passenger vehicles and light trucks 25 % from 2025-04-03; USMCA vehicles pay on non-US "
        "content, about 15 % as the tracker treats them); UK 10 % all-in within its quota (Proc. 10960); the "
        "15 % all-in deal rates of Japan and the EU (tracker date 2025-08-07) and Korea (ITA notice 90 FR "
        "55964, tracker date 2025-12-04), less the 2.5 % MFN rate where it applies",
    ),
    Measure(
        "auto-parts",
        _PARTS,
        (
            ("2025-05-03", 25.0, {"CAN": 0, "MEX": 0}),
            ("2025-08-07", 25.0, {"CAN": 0, "MEX": 0, "JPN": 12.5, _EU: 12.5}),
            ("2025-12-04", 25.0, {"CAN": 0, "MEX": 0, "JPN": 12.5, _EU: 12.5, "KOR": 15}),
        ),
        "Proc. 10908 Annex I parts (25 % from 2025-05-03; USMCA-compliant parts exempt), approximated by "
        "the HS headings listed; deal rates as for vehicles",
    ),
    Measure(
        "copper",
        ("7407", "7408", "7409", "7410", "7411", "7412", "7413", "7419"),
        (("2025-08-07", 50.0, {}),),
        "Proc. 10962 (semi-finished copper and copper-intensive derivatives 50 %, in force 2025-08-01; "
        "tracker date 2025-08-07)",
    ),
    Measure(
        "timber",
        ("4403", "4406", "4407"),
        (("2025-10-14", 10.0, {}),),
        "Proc. 10976 (softwood timber and lumber 10 % from 2025-10-14)",
    ),
    Measure(
        "furniture",
        ("940161", "940340"),
        (("2025-10-14", 25.0, {"GBR": 10, "JPN": 15, _EU: 15}),),
        "Proc. 10976 (upholstered wooden seats and kitchen cabinets 25 %; UK 10 %, Japan and EU 15 %)",
    ),
)


# ---------------------------------------------------------------- IEEPA (US on China and Hong Kong)
#: Fentanyl tariff on China (EO 14195 and amendments), percent: (date, rate, facts item checked).
FENTANYL_CHINA: tuple[tuple[str, float, str | None], ...] = (
    ("2025-02-04", 10.0, "US fentanyl (IEEPA) tariff on China from Feb 4 2025"),
    ("2025-03-04", 20.0, "US fentanyl (IEEPA) tariff on China from Mar 4 2025"),
    ("2025-11-10", 10.0, "US fentanyl tariff on China after deal (from Nov 10 2025)"),
    (IEEPA_END, 0.0, None),
)
#: Reciprocal tariff on China (EO 14257 and amendments): 10 % baseline from 2025-04-05, +74 pp on
#: 2025-04-09, +41 pp on 2025-04-10 (PIIE, in the note of the facts row), 10 % after Geneva.
RECIPROCAL_CHINA: tuple[tuple[str, float, str | None], ...] = (
    ("2025-04-05", 10.0, None),
    ("2025-04-09", 84.0, None),
    ("2025-04-10", 125.0, "US reciprocal (IEEPA) tariff on China Apr 10-May 13 2025"),
    ("2025-05-14", 10.0, "US reciprocal tariff on China from May 14 2025 (Geneva)"),
    (IEEPA_END, 0.0, None),
)
#: Economies treated as China by the IEEPA orders (EO 14195 covers Hong Kong).
CHINA_LIKE = ("CHN", "HKG")
#: Electronics exempted from the reciprocal tariff from 2025-04-11 (memorandum of 2025-04-11: HS 8471,
#: 8473.30, 8486, 8517.13, 8517.62, 8523.51, 8524, 8528.52, 8541, 8542); before that date the
#: Yale profile's exemption of GTAP ``ELE`` does not apply.
ELECTRONICS_EXEMPTION = "2025-04-11"
#: Reciprocal headline on partners without a tracker series before the August 2025 rates (EO 14257).
RECIPROCAL_BASELINE = 10.0
RECIPROCAL_START = "2025-04-05"
#: Section 122 surcharge (tracker README): 10 % from 2026-02-24 to 2026-07-23 (last day).
SECTION_122 = (("2026-02-24", 10.0), ("2026-07-24", 0.0))


# ---------------------------------------------------------------- China's retaliation in 2025
@dataclass(frozen=True)
class ChinaStep:
    """A 2025 Chinese step: rate on HS prefixes (``()`` = every good) from ``start`` to ``end``."""

    name: str
    hs: tuple[str, ...]
    rate: float
    start: str
    end: str | None
    fact: str


#: HS headings of the product names of the facts rows (the Tariff Commission lists are at HS8; we
#: map each named product to its HS headings: an approximation, documented in docs/tariffs.md).
CHINA_2025: tuple[ChinaStep, ...] = (
    ChinaStep(
        "coal, LNG",
        ("2701", "2702", "271111"),
        15.0,
        "2025-02-10",
        None,
        "China retaliation Feb 10 2025: coal and LNG",
    ),
    ChinaStep(
        "crude oil, farm machinery, large cars",
        ("2709", "8432", "8433", "8701", "870324", "870333"),
        10.0,
        "2025-02-10",
        None,
        "China retaliation Feb 10 2025: coal and LNG",
    ),
    ChinaStep(
        "chicken, wheat, corn, cotton",
        ("0105", "0207", "1001", "1005", "5201"),
        15.0,
        "2025-03-10",
        "2025-11-10",
        "China retaliation Mar 10 2025: chicken, wheat, corn, cotton",
    ),
    ChinaStep(
        "soybeans, sorghum, pork, beef, seafood, fruit, vegetables, dairy",
        (
            "1201",
            "1007",
            "0203",
            "020630",
            "020641",
            "020649",
            "0201",
            "0202",
            "020610",
            "020621",
            "020622",
            "020629",
            "03",
            "07",
            "08",
            "0401",
            "0402",
            "0403",
            "0404",
            "0405",
            "0406",
        ),
        10.0,
        "2025-03-10",
        "2025-11-10",
        "China retaliation Mar 10 2025: chicken, wheat, corn, cotton",
    ),
    ChinaStep(
        "all goods: reciprocal answer",
        (),
        84.0,
        "2025-04-10",
        "2025-04-12",
        "China retaliatory tariff on all US goods Apr 2025 (peak)",
    ),
    ChinaStep(
        "all goods: reciprocal answer",
        (),
        125.0,
        "2025-04-12",
        "2025-05-14",
        "China retaliatory tariff on all US goods Apr 2025 (peak)",
    ),
    ChinaStep(
        "all goods after Geneva",
        (),
        10.0,
        "2025-05-14",
        None,
        "China retaliatory tariff on all US goods from May 14 2025",
    ),
)
#: Soybeans: facts row "Total Chinese tariff on US soybeans after Nov 10 2025" = 13 (3 MFN + 10): from
#: that date the 2018-2019 retaliation on HS 1201 is not collected (exclusion), only the 10 %.
SOY_FACT = "Total Chinese tariff on US soybeans after Nov 10 2025"
SOY_FROM = "2025-11-10"
#: Phase One: China halved the additional tariffs of its September 1, 2019 list from 2020-02-14
#: (Tariff Commission announcement [2020] No. 1); the halving is a rule (not in the data files),
#: checked against PIIE's post-Phase One average.
PHASE_ONE = "2020-02-14"
CHINA_SEP_2019 = "2019-09-01"
