"""Resolving the labels a lever names (regions, sectors, products) on a baseline's axes."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.data.products import PRODUCTS
from tradetalks.errors import DataError, ScenarioError

SECTOR_GROUPS = ("all", "goods")
REGION_GROUPS = ("all", "others")


def as_tuple(value: Any, field: str, lever: str) -> tuple[str, ...] | str:
    """A string stays a string (a group name or one label); a list becomes a tuple of strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value) and value:
        return tuple(value)
    raise ScenarioError(f"{lever} lever: {field!r} must be a string or a non-empty list of strings")


def check_keys(spec: Mapping[str, Any], allowed: set[str], required: set[str], lever: str) -> None:
    unknown = set(spec) - allowed - {"type"}
    if unknown:
        raise ScenarioError(f"{lever} lever: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(spec)
    if missing:
        raise ScenarioError(f"{lever} lever: missing keys {sorted(missing)}")


def sector_indices(baseline: Baseline, sectors: tuple[str, ...] | str) -> list[int]:
    """Indices of sector codes, product names (``soybeans``: needs the product split) or a group."""
    if sectors == "all":
        return list(range(baseline.n_sectors))
    if sectors == "goods":
        return [baseline.sector_index(s) for s in baseline.goods_sectors()]
    names = (sectors,) if isinstance(sectors, str) else sectors
    out = []
    for name in names:
        if name in PRODUCTS:
            code = PRODUCTS[name].code
            if code not in baseline.sectors:
                raise ScenarioError(
                    f"product {name!r} is not split out in baseline {baseline.name!r}; add it to the "
                    f"scenario's 'products' list (sector {code} out of {PRODUCTS[name].parent})"
                )
            out.append(baseline.sectors.index(code))
        else:
            try:
                out.append(baseline.sector_index(name))
            except DataError as exc:
                raise ScenarioError(f"{exc}; or a product: {', '.join(PRODUCTS)}") from None
    return out


def label(names: tuple[str, ...] | str) -> str:
    """Readable form of a label spec: ``soybeans``, ``rare-earth-magnets+rare-earth-compounds``."""
    return names if isinstance(names, str) else "+".join(names)


def region_indices(
    baseline: Baseline, regions: tuple[str, ...] | str, exclude: int | None = None
) -> list[int]:
    """Indices of region codes, or ``all`` / ``others`` (every region but ``exclude``).

    A code of the ``default`` baseline's aggregates (``EU27``, ``ASEAN``, ``ROW``) that the
    baseline does not have stands for its members, so scenarios run on finer baselines too.
    """
    names = (regions,) if isinstance(regions, str) else regions
    if len(names) == 1 and names[0] in REGION_GROUPS:
        return [k for k in range(baseline.n_regions) if k != exclude]
    out: list[int] = []
    for r in names:
        if r not in baseline.regions and r in _group_members():
            members = [m for m in _group_members()[r] if m in baseline.regions]
            if members:
                out.extend(baseline.regions.index(m) for m in members)
                continue
        out.append(baseline.region_index(r))
    return out


@functools.cache
def _group_members() -> dict[str, tuple[str, ...]]:
    """Members of each aggregate region of the shipped ``default`` mapping."""
    from tradetalks.data.aggregate import default_mapping

    groups: dict[str, list[str]] = {}
    for member, group in default_mapping().items():
        if member != group:
            groups.setdefault(group, []).append(member)
    return {g: tuple(m) for g, m in groups.items()}


def flow_mask(
    baseline: Baseline,
    importers: tuple[str, ...] | str,
    exporters: tuple[str, ...] | str,
    sectors: tuple[str, ...] | str,
) -> NDArray[np.bool_]:
    """Boolean ``[importer, exporter, sector]`` mask of the named trade flows (home sales excluded)."""
    mask = np.zeros(baseline.flows.shape, dtype=bool)
    cols = sector_indices(baseline, sectors)
    for i in region_indices(baseline, exporters):
        for n in region_indices(baseline, importers, exclude=i):
            if n != i:
                mask[n, i, cols] = True
    return mask
