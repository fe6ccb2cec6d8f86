"""Aggregate the regions of a baseline by a mapping, and read mappings from files.

Rules (so that the aggregated baseline is the same world, seen coarser):

* flows add up; trade among members of one target region becomes its home sales;
* tariffs are flow-weighted averages over member pairs, so tariff revenue on trade between
  target regions is preserved exactly. Revenue on trade *among* members of one target region
  (e.g. intra-ROW) sits on the diagonal: ``intra_tariffs="drop"`` (default) sets the diagonal to
  zero, as the model assumes ``tau[n, n, j] = 1``, and records the revenue dropped in
  ``meta["aggregation"]``; ``intra_tariffs="keep"`` keeps it as a flow-weighted diagonal tariff,
  so that total tariff revenue, income and final demand are preserved exactly;
* value-added and input-output shares are gross-output-weighted averages, so value added and
  intermediate purchases of every target region and sector are preserved exactly; deficits are
  preserved because trade among members cancels.

Mapping files: CSV with a header naming ``source`` and ``target`` columns (further columns, e.g. a
note, are ignored; lines starting with ``#`` are comments), or TOML / JSON holding either
``{source: target}`` strings or ``{target: [sources]}`` lists, at the top level or under a
``regions`` table.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import DataError

FloatArray = NDArray[np.float64]

IntraTariffs = Literal["drop", "keep"]


def _check_mapping(regions: tuple[str, ...], mapping: Mapping[str, str], what: str) -> list[str]:
    """Validate a mapping against the regions; return the target regions in order of first use."""
    unknown = [s for s in mapping if s not in regions]
    if unknown:
        raise DataError(
            f"{what}: unknown source regions {unknown}; allowed (the baseline's regions): "
            f"{', '.join(regions)}"
        )
    missing = [r for r in regions if r not in mapping]
    if missing:
        raise DataError(f"{what}: regions not mapped to any target: {missing}; every region must be mapped")
    targets: list[str] = []
    for src, tgt in mapping.items():
        if not isinstance(tgt, str) or not tgt.strip():
            raise DataError(f"{what}: region {src!r} maps to {tgt!r}; the target must be a non-empty string")
        if tgt not in targets:
            targets.append(tgt)
    return targets


def _weighted(values: FloatArray, weights: FloatArray, member: FloatArray) -> FloatArray:
    """Weighted mean over members along axis 0 (``member``: M x N one-hot); unweighted where the
    members' weights add to zero. ``values`` (N, ...), ``weights`` broadcastable to ``values``."""
    w = np.broadcast_to(weights, values.shape)
    num = np.tensordot(member, values * w, axes=(1, 0))
    den = np.tensordot(member, w, axes=(1, 0))
    plain = np.tensordot(member, values, axes=(1, 0)) / member.sum(axis=1).reshape(
        (-1,) + (1,) * (values.ndim - 1)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), plain)


def aggregate_regions(
    baseline: Baseline,
    mapping: Mapping[str, str],
    name: str | None = None,
    *,
    intra_tariffs: IntraTariffs = "drop",
) -> Baseline:
    """Aggregate a baseline's regions by ``mapping = {source region: target region}``.

    Flows add up; tariffs are flow-weighted averages (so tariff revenue on trade between target
    regions is preserved); value-added and input-output shares are output-weighted averages (so
    value added and intermediate purchases are preserved); trade among members of a target region
    becomes home sales.

    Parameters
    ----------
    baseline : Baseline
    mapping : mapping of str to str
        Every region of ``baseline`` must be a key; target regions appear in the result in the
        order of their first appearance among the mapping's values.
    name : str, optional
        Name of the result (default ``"<baseline name>-aggregated"``).
    intra_tariffs : {"drop", "keep"}
        What happens to tariffs on trade among members of one target region (module docstring).

    Returns
    -------
    Baseline
        With ``meta["aggregation"]`` recording the source, the mapping and the intra-region
        tariff revenue dropped (USD million).

    Raises
    ------
    DataError
        If a region is not mapped or the mapping names an unknown region (both named).
    """
    if intra_tariffs not in ("drop", "keep"):
        raise DataError(f"intra_tariffs must be 'drop' or 'keep', got {intra_tariffs!r}")
    what = f"aggregation of baseline {baseline.name!r}"
    targets = _check_mapping(baseline.regions, mapping, what)
    n_src, n_tgt = baseline.n_regions, len(targets)
    member = np.zeros((n_tgt, n_src))
    for i, region in enumerate(baseline.regions):
        member[targets.index(mapping[region]), i] = 1.0
    flows = baseline.flows
    revenue_cells = flows * baseline.tariffs
    agg_flows = np.einsum("an,bi,nij->abj", member, member, flows)
    agg_rev = np.einsum("an,bi,nij->abj", member, member, revenue_cells)
    plain = (
        np.einsum("an,bi,nij->abj", member, member, baseline.tariffs)
        / np.einsum("an,bi->ab", member, member)[:, :, None]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        tariffs = np.where(agg_flows > 0, agg_rev / np.where(agg_flows > 0, agg_flows, 1.0), plain)
    diag = np.arange(n_tgt)
    dropped = {t: float(agg_rev[a, a, :].sum()) for a, t in enumerate(targets)}
    if intra_tariffs == "drop":
        tariffs[diag, diag, :] = 0.0
    output = baseline.gross_output
    va = _weighted(baseline.va_share, output, member)
    io_share = _weighted(baseline.io_share, output[:, None, :], member)
    groups = {t: [r for r in baseline.regions if mapping[r] == t] for t in targets}
    meta: dict[str, Any] = dict(baseline.meta)
    meta["aggregation"] = {
        "source": baseline.name,
        "regions": groups,
        "intra_tariffs": intra_tariffs,
        "intra_region_tariff_revenue_dropped": {t: round(v, 3) for t, v in dropped.items() if v > 0}
        if intra_tariffs == "drop"
        else {},
    }
    return Baseline(
        name=name or f"{baseline.name}-aggregated",
        year=baseline.year,
        regions=tuple(targets),
        sectors=baseline.sectors,
        flows=agg_flows,
        tariffs=tariffs,
        va_share=va,
        io_share=io_share,
        theta=baseline.theta,
        units=baseline.units,
        meta=meta,
    )


# ---------------------------------------------------------------------- mapping files
def parse_mapping(data: Mapping[str, Any], what: str = "mapping") -> dict[str, str]:
    """A ``{source: target}`` dict from a parsed TOML/JSON document (see the module docstring)."""
    body = data.get("regions", data) if isinstance(data, Mapping) else data
    if not isinstance(body, Mapping):
        raise DataError(f"{what}: expected a table of regions, got {type(body).__name__}")
    out: dict[str, str] = {}

    def put(src: str, tgt: str) -> None:
        if src in out and out[src] != tgt:
            raise DataError(f"{what}: region {src!r} is mapped twice, to {out[src]!r} and {tgt!r}")
        out[src] = tgt

    for key, value in body.items():
        if isinstance(value, str):
            put(str(key), value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            for src in value:
                put(src, str(key))
        else:
            raise DataError(
                f'{what}: entry {key!r} must be a target name (source = "TARGET") or a list of sources '
                f'(TARGET = ["A", "B"]), got {value!r}'
            )
    return out


def parse_mapping_csv(text: str, what: str = "mapping") -> dict[str, str]:
    """A ``{source: target}`` dict from CSV text with ``source`` and ``target`` columns."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    if "source" not in fields or "target" not in fields:
        raise DataError(f"{what}: CSV header must name columns 'source' and 'target', got {fields}")
    out: dict[str, str] = {}
    for row in reader:
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        src, tgt = row["source"], row["target"]
        if not src or not tgt:
            raise DataError(f"{what}: empty source or target in row {row}")
        if src in out and out[src] != tgt:
            raise DataError(f"{what}: region {src!r} is mapped twice, to {out[src]!r} and {tgt!r}")
        out[src] = tgt
    return out


def read_mapping(path: str | Path) -> dict[str, str]:
    """Read a region mapping file (``.csv``, ``.toml`` or ``.json``).

    Raises
    ------
    DataError
        If the file is missing, has another suffix, or is malformed (the message names it).
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"mapping file {str(p)!r} not found")
    text = p.read_text(encoding="utf-8")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return parse_mapping_csv(text, p.name)
    if suffix == ".toml":
        try:
            return parse_mapping(tomllib.loads(text), p.name)
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{p.name}: invalid TOML: {exc}") from None
    if suffix == ".json":
        try:
            return parse_mapping(json.loads(text), p.name)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p.name}: invalid JSON: {exc}") from None
    raise DataError(f"mapping file {p.name!r}: unknown format {suffix!r}; allowed: .csv, .toml, .json")


#: The shipped mapping of the 81 ICIO economies to the 13 regions of ``default``.
DEFAULT_MAPPING = "default.csv"


def default_mapping() -> dict[str, str]:
    """The shipped mapping of the 81 ICIO economies to the 13 regions of ``default``."""
    text = (resources.files("tradetalks.data") / "mappings" / DEFAULT_MAPPING).read_text(encoding="utf-8")
    return parse_mapping_csv(text, f"mappings/{DEFAULT_MAPPING}")
