"""Published numbers of the global tariff war, for comparison.

Two sources:

* the public ``tariffwar`` package's README ("Validated Results"): on WIOD 2014, 44 economies,
  16 sectors, with the paper's elasticities (the cube's ``IS`` set), the Nash war's welfare
  change averages **-2.41 %** across the 44 economies; the same table lists -2.42 % for the
  uniform elasticity ``U4`` (a line this replication does not reproduce; see the docs);
* Lashkaripour (2021), Table 2, "The welfare cost of a tariff war (year 2014)", columns
  "Baseline Model": each country's Nash tariff and "% change in real GDP" for the 43
  countries (``ROW`` not listed); averages 40.5 % and -2.42 %. The paper computed them on
  WIOD's 56 industries grouped into 16 elasticity categories, with UNCTAD-TRAINS tariffs, a
  services elasticity of 10 (its footnote 35) and no cap on the formula (Ireland 117.7 %), not
  on the 16-sector cube with Teti's tariffs. With services at 10 and no cap the cube matches
  every country's welfare change within 0.4 points (median 0.04); not to the printed digit.
"""

from __future__ import annotations

#: ``tariffwar`` README: mean welfare change (percent) of the Nash war, WIOD 2014, ``IS`` set.
README_MEAN_WELFARE_WIOD2014_IS = -2.41
#: ``tariffwar`` README: the same for the uniform elasticity ``U4`` (not reproduced: we get -1.67;
#: see ``docs/lashkaripour2021.md``, Open problems).
README_MEAN_WELFARE_WIOD2014_U4 = -2.42

#: Lashkaripour (2021), Table 2, baseline model, 2014: country -> (Nash tariff %, welfare %).
PAPER_TABLE2_BASELINE: dict[str, tuple[float, float]] = {
    "AUS": (14.1, -1.38),
    "AUT": (45.7, -2.82),
    "BEL": (55.9, -3.27),
    "BGR": (37.1, -3.24),
    "BRA": (98.2, -0.50),
    "CAN": (21.0, -2.37),
    "CHE": (51.9, -1.97),
    "CHN": (40.7, -0.35),
    "CYP": (12.5, -3.48),
    "CZE": (49.3, -2.85),
    "DEU": (59.1, -0.96),
    "DNK": (59.3, -2.31),
    "ESP": (59.9, -1.45),
    "EST": (28.4, -4.18),
    "FIN": (31.4, -1.75),
    "FRA": (51.8, -1.73),
    "GBR": (27.9, -2.03),
    "GRC": (12.5, -2.81),
    "HRV": (38.3, -3.12),
    "HUN": (52.7, -4.23),
    "IDN": (54.1, -0.99),
    "IND": (49.6, -0.90),
    "IRL": (117.7, -1.42),
    "ITA": (49.8, -0.78),
    "JPN": (44.9, -0.53),
    "KOR": (43.6, -1.22),
    "LTU": (31.8, -4.00),
    "LUX": (12.0, -6.33),
    "LVA": (26.0, -3.16),
    "MEX": (39.7, -2.42),
    "MLT": (12.4, -5.45),
    "NLD": (37.1, -4.19),
    "NOR": (17.2, -2.05),
    "POL": (46.4, -2.67),
    "PRT": (27.3, -2.49),
    "ROU": (32.8, -2.56),
    "RUS": (12.2, -2.54),
    "SVK": (41.5, -4.48),
    "SVN": (46.3, -3.26),
    "SWE": (38.5, -1.95),
    "TUR": (45.6, -1.28),
    "TWN": (35.4, -2.35),
    "USA": (43.6, -0.76),
}
#: Table 2's printed averages (baseline model, 43 countries): Nash tariff %, welfare %.
PAPER_TABLE2_AVERAGE = (40.5, -2.42)
