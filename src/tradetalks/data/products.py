"""Named products of the October 2025 talks, as HS codes carved out of an ICIO sector.

This registry is the single definition of each product: its parent ICIO sector, the HS codes
(prefixes, 4 to 10 digits) that make it up, and the code of the new sector it becomes when a
baseline is split (:mod:`tradetalks.data.splits`). Dated tariffs
(:mod:`tradetalks.data.tariffs`) use the same HS codes to give a split product its own rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import DataError


@dataclass(frozen=True)
class ProductSpec:
    """A product carved out of a parent sector.

    Parameters
    ----------
    name : str
        Registry key used in scenario files (``soybeans``).
    code : str
        Sector code of the product after a split (``A01_SOY``); the rest keeps the parent's code.
    parent : str
        ICIO sector the product is carved out of.
    hs : tuple of str
        HS code prefixes (HS 2017/2022 nomenclature) that make up the product.
    description : str
        What the codes cover.
    incumbent : str, optional
        The dominant supplier of a critical product: at horizons shorter than the long run the
        supply of everyone else is limited by capacity (:mod:`tradetalks.levers.capacity`).
    incumbent_source : str
        Why it is the incumbent.
    users : tuple of (sector, share)
        Where the product's intermediate use goes, by user sector (shares of the region's
        intermediate use of the product), from use data; empty: in proportion to the parent's
        use (:mod:`tradetalks.data.splits`).
    users_source : str
        Where the use shares come from.
    """

    name: str
    code: str
    parent: str
    hs: tuple[str, ...]
    description: str
    incumbent: str | None = None
    incumbent_source: str = ""
    users: tuple[tuple[str, float], ...] = ()
    users_source: str = ""


PRODUCTS: dict[str, ProductSpec] = {
    p.name: p
    for p in (
        ProductSpec("soybeans", "A01_SOY", "A01", ("1201",), "soya beans, whether or not broken (HS 1201)"),
        ProductSpec(
            "aircraft",
            "C302T309_AIR",
            "C302T309",
            ("8802",),
            "aeroplanes, helicopters and other powered aircraft (HS 8802)",
        ),
        ProductSpec(
            "rare-earth-magnets",
            "C27_REM",
            "C27",
            ("850511",),
            "permanent magnets of metal, incl. sintered NdFeB (HS 8505.11)",
            "CHN",
            "IEA commentary of 23 Oct 2025: China makes 94 % of the world's permanent magnets",
            (
                ("C29", 37.5),  # EV traction motors
                ("C28", 26.5),  # wind turbines 22.5 (direct drive) + robotics and data centres 4
                ("C27", 12.5),  # industrial motors
                ("C26", 6.5),  # consumer electronics
                ("C302T309", 6.0),  # defence and aerospace
            ),
            "Shares of rare-earth demand value by use, midpoints of the ranges of D. Navratil, 'Rare earth "
            "dashboard: demand' (2025, citing IEA 2025 and company data; an analyst estimate): EV traction "
            "motors 35-40 %, wind turbines 20-25 %, industrial motors 10-15 %, consumer electronics 5-8 %, "
            "defence and aerospace 5-7 %, robotics and data centres 3-5 %; mapped to ICIO sectors (motor "
            "vehicles C29, machinery C28 for turbines and robots, electrical equipment C27 for motors, "
            "electronics C26, other transport C302T309) and rescaled to sum to one (the 11 % the source "
            "leaves unassigned goes pro rata). By volume, Heim and Vander Wal (2023, Minerals 13(10)) put "
            "consumer electronics at about 30 % of NdFeB use: the value basis weighs the large EV and wind "
            "magnets more.",
        ),
        ProductSpec(
            "rare-earth-compounds",
            "C20_REE",
            "C20",
            ("280530", "2846"),
            "rare-earth metals, scandium and yttrium (HS 2805.30) and their compounds (HS 2846)",
            "CHN",
            "IEA (2024), Global Critical Minerals Outlook: China refines 92 % of the world's rare "
            "earths (2023)",
        ),
        ProductSpec(
            "semiconductors",
            "C26_SEMI",
            "C26",
            ("8541", "8542"),
            "diodes, transistors, photosensitive devices (HS 8541) and integrated circuits (HS 8542)",
        ),
        ProductSpec(
            "chip-tools",
            "C28_SME",
            "C28",
            ("8486",),
            "machines for making semiconductors, wafers and flat panels (HS 8486)",
        ),
    )
}


def product(name: str) -> ProductSpec:
    """Look up a product by name; raises naming the allowed names."""
    try:
        return PRODUCTS[name]
    except KeyError:
        raise DataError(f"unknown product {name!r}; allowed: {', '.join(PRODUCTS)}") from None


@dataclass(frozen=True, eq=False)
class CapacityGroup:
    """One supplier's sales of one critical product, to every buyer and at home.

    Attributes
    ----------
    label : str
    product : str
    region : str
        The supplier (never the product's incumbent).
    cells : bool array (N, N, J)
        ``[buyer, supplier, product]`` cells with a positive baseline flow.
    value : float
        Their baseline value (the capacity at baseline cost).
    """

    label: str
    product: str
    region: str
    cells: NDArray[np.bool_]
    value: float


def capacity_groups(baseline: Baseline, taken: NDArray[np.bool_] | None = None) -> list[CapacityGroup]:
    """The sales of every supplier other than the incumbent of each critical product split out of
    ``baseline`` (products with an ``incumbent``); cells in ``taken`` are left out."""
    out = []
    for spec in PRODUCTS.values():
        if spec.incumbent is None or spec.code not in baseline.sectors:
            continue
        j = baseline.sector_index(spec.code)
        for i, region in enumerate(baseline.regions):
            if region == spec.incumbent:
                continue
            cells = np.zeros(baseline.flows.shape, dtype=bool)
            cells[:, i, j] = baseline.flows[:, i, j] > 0
            if taken is not None:
                cells &= ~taken
            if cells.any():
                label = f"capacity of {region} in {spec.name}"
                out.append(CapacityGroup(label, spec.name, region, cells, float(baseline.flows[cells].sum())))
    return out
