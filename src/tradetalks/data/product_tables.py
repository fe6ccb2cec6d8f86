"""The shipped product-share table and the share matrices it gives any baseline.

``tables/product_shares.csv`` (built by :mod:`tradetalks.data.product_build`, manifest
``tables/product_shares.json``) holds, per product, rows at five levels; a bilateral cell
``[importer n, exporter i]`` (n != i) of the ICIO economies takes the share of the first level
that covers it:

1. ``pair`` -- a share computed for that pair from data (US imports by HS10, a figure of
   ``facts.csv``, China's 2017 imports from the US by HS8);
2. ``exporter-total`` -- the residual share of an exporter whose world exports of the product are
   known, spread over its flows not covered by a pair in proportion to the parent flows;
3. ``importer-total`` -- for an importer whose imports of the product are known: what pairs and
   exporter totals leave of it, spread over its other import flows in proportion to the
   exporter-proxy or world share (one scale factor, capped); one row per cell;
4. ``exporter-proxy`` -- the exporter's product share in US imports (the ten Census partners);
5. ``world`` -- the pooled product share of US imports from those ten partners.

Home sales (n == i) take the exporter's product share of its own foreign sales (the product is
assumed to be as export-intensive as its parent; see ``docs/products.md`` for the bias). Where
``facts.csv`` gives one economy's share of world output of the product (``producer-share``:
China makes 94 % of the world's permanent magnets and 92 % of its refined rare earths), the
other economies' home shares are scaled down by one factor so that the share holds; where that
is not enough (their exports alone exceed what the share leaves them), their home shares go to
zero and their proxy-filled export shares (rules ``world-us`` and ``exporter-us``: no figure for
the pair, the exporter or the importer) are scaled down by one more factor. Shares computed from
a figure are never changed.

A baseline whose regions are ICIO economies uses the matrix directly; an aggregated one gets
flow-weighted averages over member pairs (weights: the ICIO 2022 parent flows of the shipped
``icio2022-full`` baseline), through an explicit mapping, the baseline's ``meta["aggregation"]``
or the shipped ``default`` mapping.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import DataError

FloatArray = NDArray[np.float64]

TABLE_FILE = "product_shares.csv"
MANIFEST_FILE = "product_shares.json"
FORMAT = "tradetalks-product-shares/1"
#: No product takes more than this share of a parent flow (the rest stays positive).
SHARE_CAP = 0.99
LEVELS = ("pair", "exporter-total", "importer-total", "exporter-proxy", "world", "producer-share")
#: Labels of the rule that filled a cell (index = code in :func:`complete`'s rule matrix).
RULES = ("world-us", "exporter-us", "importer-residual", "exporter-residual",
         "us-hs10", "pair-fact", "china-2017", "home", "home-scaled", "proxy-scaled")  # fmt: skip
#: Rules that fill a foreign cell from a proxy (no figure for the pair, the exporter or the importer).
PROXY_RULES = ("world-us", "exporter-us")


@dataclass(frozen=True)
class ShareRow:
    """One row of the table; ``importer``/``exporter`` is ``*`` where the level spans all."""

    product: str
    level: str
    importer: str
    exporter: str
    share: float
    value_usd_mn: float
    flow_usd_mn: float
    rule: str
    source: str
    note: str


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return "" if math.isnan(x) else f"{x:.10g}"
    return str(x)


def table_text(rows: Sequence[ShareRow]) -> str:
    """CSV text of the rows (deterministic)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f.name for f in fields(ShareRow)])
    for r in rows:
        w.writerow([_fmt(x) for x in astuple(r)])
    return out.getvalue()


def parse_table(text: str) -> list[ShareRow]:
    """Rows from CSV text written by :func:`table_text`."""
    rows = []
    for k, r in enumerate(csv.DictReader(io.StringIO(text))):
        try:
            rows.append(ShareRow(
                r["product"], r["level"], r["importer"], r["exporter"], float(r["share"]),
                float(r["value_usd_mn"] or "nan"), float(r["flow_usd_mn"] or "nan"),
                r["rule"], r["source"], r["note"],
            ))  # fmt: skip
        except (KeyError, ValueError) as exc:
            raise DataError(f"{TABLE_FILE}: malformed row {k + 2}: {exc}") from None
        if rows[-1].level not in LEVELS or not 0.0 <= rows[-1].share <= SHARE_CAP:
            raise DataError(
                f"{TABLE_FILE}: row {k + 2} has level {rows[-1].level!r} / share {rows[-1].share}"
            )
    return rows


@lru_cache(maxsize=1)
def load_table() -> tuple[tuple[ShareRow, ...], dict[str, Any]]:
    """The shipped rows and manifest (sha256 of the table checked)."""
    base = resources.files("tradetalks.data") / "tables"
    try:
        blob = (base / TABLE_FILE).read_bytes()
        manifest = json.loads((base / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"product-share table tables/{TABLE_FILE} not shipped; build it with "
            "python -m tradetalks.data.splits --build"
        ) from None
    if manifest.get("format") != FORMAT or hashlib.sha256(blob).hexdigest() != manifest.get("table_sha256"):
        raise DataError(f"tables/{TABLE_FILE}: format or sha256 does not match tables/{MANIFEST_FILE}")
    return tuple(parse_table(blob.decode("utf-8"))), manifest


@lru_cache(maxsize=1)
def _full_flows() -> tuple[tuple[str, ...], tuple[str, ...], FloatArray]:
    from tradetalks.data.catalog import load

    full = load("icio2022-full")
    return full.regions, full.sectors, full.flows


def complete(
    rows: Sequence[ShareRow], economies: Sequence[str], flows: FloatArray
) -> tuple[FloatArray, NDArray[np.int8]]:
    """Full share matrix ``[importer, exporter]`` of one product at ICIO detail, and the rule
    (index into :data:`RULES`) that filled each cell. ``flows``: parent flows, same axes."""
    ix = {c: k for k, c in enumerate(economies)}
    n = len(economies)
    share, rule = np.zeros((n, n)), np.zeros((n, n), dtype=np.int8)

    def put(where: Any, r: ShareRow) -> None:
        share[where], rule[where] = r.share, RULES.index(r.rule)

    by_level = {lv: [r for r in rows if r.level == lv] for lv in LEVELS}
    world = by_level["world"][0].share if by_level["world"] else 0.0
    for r in by_level["world"]:
        put((slice(None), slice(None)), r)
    for r in by_level["exporter-proxy"]:
        put((slice(None), ix[r.exporter]), r)
    for r in by_level["importer-total"]:
        put((ix[r.importer], ix[r.exporter]), r)
    pairs = {(ix[r.importer], ix[r.exporter]) for r in by_level["pair"]}
    for r in by_level["exporter-total"]:
        i = ix[r.exporter]
        put(([a for a in range(n) if (a, i) not in pairs], i), r)
    for r in by_level["pair"]:
        put((ix[r.importer], ix[r.exporter]), r)
    diag = np.arange(n)
    foreign = flows.copy()
    foreign[diag, diag] = 0.0
    exports = foreign.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        home = np.where(
            exports > 0, (share * foreign).sum(axis=0) / np.where(exports > 0, exports, 1.0), world
        )
    share[diag, diag], rule[diag, diag] = home, RULES.index("home")
    for r in by_level["producer-share"]:
        _scale_home(share, rule, flows, ix[r.exporter], r.share)
    return share, rule


def _scale_home(
    share: FloatArray, rule: NDArray[np.int8], flows: FloatArray, top: int, target: float
) -> None:
    """Scale the home shares of every economy but ``top`` by one factor in [0, 1] so that ``top``
    makes ``target`` of world output of the product; if home sales alone cannot make room, scale
    the others' proxy-filled export shares too (shares from figures are kept)."""
    n = share.shape[0]
    diag = np.arange(n)
    out = (share * flows).sum(axis=0)
    home = share[diag, diag] * flows[diag, diag]
    others = np.arange(n) != top
    exports = float((out - home)[others].sum())
    home_others = float(home[others].sum())
    if home_others <= 0 or not 0 < target < 1:
        return
    room = out[top] / target - out[top]  # what the others may make
    factor = min(max((room - exports) / home_others, 0.0), 1.0)
    share[diag[others], diag[others]] *= factor
    rule[diag[others], diag[others]] = RULES.index("home-scaled")
    if room >= exports:
        return
    proxy = np.isin(rule, [RULES.index(r) for r in PROXY_RULES])
    proxy[:, ~others] = False
    proxy[diag, diag] = False
    scalable = float((share * flows)[proxy].sum())
    if scalable <= 0:
        return
    cut = min(max(1.0 - (exports - room) / scalable, 0.0), 1.0)
    share[proxy] *= cut
    rule[proxy] = RULES.index("proxy-scaled")


def icio_shares(product: str) -> tuple[tuple[str, ...], FloatArray, NDArray[np.int8], FloatArray]:
    """ICIO economies, share matrix, rule matrix and ICIO 2022 parent flows of one product."""
    from tradetalks.data.products import product as spec_of

    spec = spec_of(product)
    rows, manifest = load_table()
    mine = [r for r in rows if r.product == product]
    if not mine:
        raise DataError(f"tables/{TABLE_FILE} has no rows for product {product!r}; rebuild the table")
    regions, sectors, flows = _full_flows()
    if tuple(manifest["economies"]) != regions:
        raise DataError(f"tables/{MANIFEST_FILE}: economies differ from the shipped icio2022-full baseline")
    f = flows[:, :, sectors.index(spec.parent)]
    share, rule = complete(mine, regions, f)
    return regions, share, rule, f


def region_groups(baseline: Baseline, mapping: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """ICIO economies behind each region of ``baseline``.

    In order: ``mapping`` (ICIO economy -> region) if given; else ``meta["aggregation"]["regions"]``
    (sources that are ICIO economies or regions of the shipped ``default`` mapping, so an
    aggregation of ``default`` works too); else the regions themselves when they are ICIO
    economies; else the ``default`` mapping when the regions are its 13 targets.

    Raises
    ------
    DataError
        Naming the regions that no ICIO economy maps to (no product shares for them).
    """
    from tradetalks.data.aggregate import default_mapping

    economies = set(_full_flows()[0])
    dm = default_mapping()
    members = {t: [e for e, x in dm.items() if x == t] for t in dict.fromkeys(dm.values())}

    def expand(names: Any) -> list[str] | None:
        out: list[str] = []
        for x in names if isinstance(names, list | tuple) else ():
            if x in economies:
                out.append(x)
            elif x in members:
                out += members[x]
            else:
                return None
        return out

    agg = baseline.meta.get("aggregation", {})
    sources = agg.get("regions") if isinstance(agg, Mapping) else None
    groups: dict[str, list[str]] | None = None
    if mapping is not None:
        unknown = sorted(set(mapping) - economies)
        if unknown:
            raise DataError(
                f"mapping: unknown ICIO economies {unknown}; allowed: {', '.join(sorted(economies))}"
            )
        groups = {r: [e for e, t in mapping.items() if t == r] for r in baseline.regions}
    elif isinstance(sources, Mapping) and all(expand(v) is not None for v in sources.values()):
        groups = {r: expand(sources.get(r, [])) or [] for r in baseline.regions}
    elif set(baseline.regions) <= economies:
        groups = {r: [r] for r in baseline.regions}
    elif set(baseline.regions) == set(members):
        groups = {r: members[r] for r in baseline.regions}
    lacking = sorted(baseline.regions) if groups is None else [r for r, g in groups.items() if not g]
    if lacking:
        raise DataError(
            f"baseline {baseline.name!r}: no product shares for regions {lacking}: they are neither ICIO "
            "economies nor described by meta['aggregation']; pass mapping={ICIO economy: region}"
        )
    assert groups is not None
    return groups


def baseline_shares(
    baseline: Baseline, product: str, mapping: Mapping[str, str] | None = None
) -> tuple[FloatArray, dict[str, float]]:
    """Product shares ``[importer, exporter]`` on the baseline's regions, and the part of the
    product's ICIO 2022 value filled by each rule (fractions summing to 1)."""
    economies, share, rule, f = icio_shares(product)
    groups = region_groups(baseline, mapping)
    ix = {c: k for k, c in enumerate(economies)}
    member = np.zeros((baseline.n_regions, len(economies)))
    for a, r in enumerate(baseline.regions):
        member[a, [ix[e] for e in groups[r]]] = 1.0
    num = member @ (share * f) @ member.T
    den = member @ f @ member.T
    plain = (member @ share @ member.T) / (member.sum(axis=1)[:, None] * member.sum(axis=1)[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), plain)
    used = member.sum(axis=0) > 0
    value = (share * f)[np.ix_(used, used)]
    codes = rule[np.ix_(used, used)]
    total = float(value.sum())
    parts = {RULES[c]: float(value[codes == c].sum()) / total for c in np.unique(codes)} if total > 0 else {}
    return np.minimum(out, SHARE_CAP), parts
