"""Named products of the October 2025 talks, as HS codes carved out of an ICIO sector.

This registry is the single definition of each product: its parent ICIO sector, the HS codes
(prefixes, 4 to 10 digits) that make it up, and the code of the new sector it becomes when a
baseline is split (:mod:`tradetalks.data.splits`). Dated tariffs
(:mod:`tradetalks.data.tariffs`) use the same HS codes to give a split product its own rate.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    name: str
    code: str
    parent: str
    hs: tuple[str, ...]
    description: str


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
        ),
        ProductSpec(
            "rare-earth-compounds",
            "C20_REE",
            "C20",
            ("280530", "2846"),
            "rare-earth metals, scandium and yttrium (HS 2805.30) and their compounds (HS 2846)",
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
