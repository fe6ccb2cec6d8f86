"""The peer model (Lashkaripour 2021's global tariff war, uniform tariffs, no input-output links).

It runs on the raw trade cubes (WIOD 2000-2014, OECD ICIO 2011-2022), which are not shipped: the
raw data directory (``$TRADETALKS_DATA``) must hold them (docs/lashkaripour2021.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tradetalks.replication.lashkaripour2021 import PeerNashWar, peer_nash_war, peer_world, read_peer_cube
from tradetalks.replication.lashkaripour2021 import peer_war_years as _years


def peer_war(
    dataset: str = "WIOD",
    year: int = 2014,
    *,
    elasticities: str = "IS",
    foc: str = "tariffwar",
    cap: bool = True,
    data_dir: str | Path | None = None,
) -> PeerNashWar:
    """Every country's uniform Nash tariff in a global war (docs/lashkaripour2021.md, eqs. 1-7).

    Parameters
    ----------
    dataset : {"WIOD", "ICIO"}
    year : int
        A cube year (WIOD 2000-2014, ICIO 2011-2022).
    elasticities : str
        A trade-elasticity set of the cube (``IS``: the paper's; see the docs for the others).
    foc : {"tariffwar", "paper", "exact"}
        The first-order condition: ``tariffwar``'s formula (default), the paper's printed one,
        or the exact welfare derivative.
    cap : bool
        ``tariffwar``'s 100 % cap on the formula.
    data_dir : str or Path, optional
        The raw data directory (default: ``$TRADETALKS_DATA`` or ``../shared/data``).
    """
    cube = read_peer_cube(data_dir, dataset=dataset, year=year, elasticities=elasticities)
    return peer_nash_war(peer_world(cube), foc=foc, cap=cap)


def peer_war_years(
    dataset: str = "WIOD",
    years: Sequence[int] | None = None,
    *,
    elasticities: str = "IS",
    foc: str = "tariffwar",
    cap: bool = True,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`peer_war` for every year of ``dataset`` in the raw data (one row per year)."""
    return _years(dataset, years, elasticities=elasticities, data_dir=data_dir, foc=foc, cap=cap)


__all__ = ["peer_war", "peer_war_years"]
