"""Product splits: carve a named product out of its parent sector, keeping every total.

As GTAP users do with SplitCom, :func:`split_baseline` turns a parent sector ``j`` into two
sectors, the product (code of :mod:`tradetalks.data.products`, inserted right after the parent)
and the rest (keeps the parent's code). Rules (``docs/products.md`` gives the numbers):

* **bilateral flows**: ``flows[n, i, product] = s[n, i] * flows[n, i, parent]``, the rest keeps
  ``(1 - s)``; the shares ``s`` come from the shipped table (:mod:`tradetalks.data.product_tables`:
  US imports by HS10 2024 for the ten Census partners, pair figures of ``facts.csv``, China's 2017
  imports from the US by HS8, exporter and importer totals spread as residuals, the exporter's share
  in US imports, else the pooled US-import share; home sales take the exporter's product share of
  its foreign sales), aggregated with ICIO 2022 flow weights for aggregated baselines;
* **tariffs, value-added and input shares, theta** of the product: the parent's (dated,
  product-specific tariffs are set later from ``meta["splits"]``);
* **input-output use**: every user ``j`` of region ``n`` buys the product and the rest in the
  proportion of ``n``'s total (tariff-inclusive) spending on them:
  ``io[n, product, j] = sigma[n] io[n, parent, j]`` with ``sigma[n] = X[n, product] / X[n, parent]``.
  Final demand then splits in the same proportion, so both parts stay >= 0 and gross output,
  value added, deficits, tariff revenue, income and every final-demand total are unchanged.
  A product with sourced use shares (``ProductSpec.users``: rare-earth magnets) is then moved to
  its users (:func:`allocate_use`): all of its use, intermediate and final, goes to the listed
  sectors by those shares, each user's purchases of parent and product together kept.

With a uniform share, the parent's parameters and proportional use (``use="proportional"``) the
split world is the unsplit one: the product and the rest have the same prices, and every solve
gives the same answer.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tradetalks._atomic import atomic_write
from tradetalks.baseline import CLOSE_RTOL, Baseline, FloatArray
from tradetalks.data import product_tables as pt
from tradetalks.data.products import PRODUCTS, ProductSpec, product
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

#: What ``meta["splits"]`` records as the rule for each cell class.
RULE_TEXT: dict[str, str] = {
    "us-hs10": "US imports from the ten Census partners: HS10 value 2024 / ICIO 2022 parent flow "
    "(capped at 0.99)",
    "pair-fact": "a pair value of facts.csv / ICIO 2022 parent flow (capped 0.99)",
    "china-2017": "CHN<-USA: product share of China's 2017 imports from the US (HS8) / parent share of "
    "CHN<-USA goods in ICIO 2017",
    "exporter-residual": "exporter's world total (facts.csv) minus its pair values, spread over its other "
    "export flows in proportion to the parent flows",
    "importer-residual": "importer's total (facts.csv) minus the values already placed, spread over its "
    "other import flows in proportion to parent flow x exporter-proxy or world share (one factor, capped)",
    "exporter-us": "exporter's product share in US imports (HS10 2024), for the ten Census partners",
    "world-us": "pooled product share of US imports from the ten Census partners",
    "home": "home sales: the exporter's product share of its foreign sales",
    "home-scaled": "home sales scaled down so that the leading producer's share of world output "
    "matches facts.csv",
    "proxy-scaled": "proxy-filled export shares scaled down (after home sales reached zero) so that "
    "the leading producer's share of world output matches facts.csv",
    "override": "shares given by the caller",
}
IO_RULE = (
    "proportional: io[n, product, j] = sigma[n] io[n, parent, j], sigma[n] = tariff-inclusive spending "
    "of n on the product / on the parent, for every user j; final demand splits in the same proportion"
)


def _check_products(baseline: Baseline, products: Sequence[str]) -> list[ProductSpec]:
    if isinstance(products, str):
        products = [products]
    specs = [product(p) for p in products]
    done = {s.get("product") for s in baseline.meta.get("splits", ()) if isinstance(s, Mapping)}
    for k, spec in enumerate(specs):
        if spec.name in done or spec.code in baseline.sectors or spec in specs[:k]:
            allowed = ", ".join(
                p for p in PRODUCTS if p not in done and PRODUCTS[p].code not in baseline.sectors
            )
            raise DataError(
                f"product {spec.name!r} is split twice (baseline {baseline.name!r} already has sector "
                f"{spec.code!r} or it is listed twice); allowed: {allowed}"
            )
        if spec.parent not in baseline.sectors:
            raise DataError(
                f"product {spec.name!r}: parent sector {spec.parent!r} not in baseline {baseline.name!r}; "
                f"allowed sectors: {', '.join(baseline.sectors)}"
            )
    return specs


def _override(baseline: Baseline, name: str, value: float | ArrayLike) -> FloatArray:
    n = baseline.n_regions
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n, n)).copy()
    if arr.shape != (n, n) or not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() >= 1:
        raise DataError(f"shares[{name!r}] must be a number or an ({n}, {n}) array with values in [0, 1)")
    return arr


def split_one(b: Baseline, parent: str, code: str, share: FloatArray) -> Baseline:
    """Split sector ``parent`` of ``b`` into ``code`` (share ``share[n, i]`` of each flow, inserted
    after the parent) and the rest; the bare arithmetic of :func:`split_baseline`."""
    j = b.sector_index(parent)
    prod = b.flows[:, :, j] * share
    flows = np.insert(b.flows, j + 1, prod, axis=2)
    flows[:, :, j] = b.flows[:, :, j] - prod
    tariffs = np.insert(b.tariffs, j + 1, b.tariffs[:, :, j], axis=2)
    spend = (b.flows[:, :, j] * (1.0 + b.tariffs[:, :, j])).sum(axis=1)
    spend_p = (prod * (1.0 + b.tariffs[:, :, j])).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.where(spend > 0, spend_p / np.where(spend > 0, spend, 1.0), 0.0)
    io = np.insert(b.io_share, j + 1, sigma[:, None] * b.io_share[:, j, :], axis=1)
    io[:, j, :] = b.io_share[:, j, :] - io[:, j + 1, :]
    io = np.insert(io, j + 1, io[:, :, j], axis=2)
    sectors = (*b.sectors[: j + 1], code, *b.sectors[j + 1 :])
    return b.replace(
        sectors=sectors,
        flows=flows,
        tariffs=tariffs,
        va_share=np.insert(b.va_share, j + 1, b.va_share[:, j], axis=1),
        io_share=io,
        theta=np.insert(b.theta, j + 1, b.theta[j]),
    )


def allocate_use(
    b: Baseline, code: str, parent: str, weights: Mapping[str, float]
) -> tuple[Baseline, dict[str, Any]]:
    """Move each region's use of product ``code`` to the user sectors of ``weights``.

    The product is an intermediate good: in every region its whole absorption, intermediate use
    ``sum_j io[n, p, j] Y[n, j]`` plus the final demand the proportional split gave it, ``U[n]``,
    goes to the listed users in proportion to ``weights`` (those with output; the others get
    none): ``io[n, p, j] = U[n] w_j / Y[n, j]``. Each user's purchases of the parent and the product
    together are kept (the parent's input share takes the difference) and the parent's final
    demand takes the product's (but for a part in 10^9, so that rounding cannot make the product's
    final demand negative), so spending, output, value added and total final demand are unchanged
    and the baseline still closes. A user whose parent purchases cannot hold its allocation is
    capped there and the excess goes to the other listed users; what they cannot hold either (small
    economies) goes to every other buyer of the parent in proportion to its purchases.
    """
    p, q = b.sector_index(code), b.sector_index(parent)
    cols = np.array([b.sector_index(s) for s in weights], dtype=np.intp)
    w0 = np.array(list(weights.values()), dtype=np.float64)
    y = b.gross_output
    io = np.array(b.io_share)
    moved = 0.0
    final = b.final_demand
    for n in range(b.n_regions):
        use = float(io[n, p, :] @ y[n]) + max(float(final[n, p]), 0.0) * (1.0 - 1e-9)
        if use <= 0:
            continue
        room_all = (io[n, p, :] + io[n, q, :]) * y[n]  # most each buyer can take
        alloc = np.zeros(b.n_sectors)
        listed = np.zeros(b.n_sectors)
        listed[cols] = np.where(y[n, cols] > 0, w0, 0.0)
        for w in (listed, room_all):  # the listed users first, then everyone by purchases
            alloc = _water_fill(alloc, w, room_all, use)
        if use - alloc.sum() > 1e-12 * use:
            raise DataError(
                f"product {code!r}: the buyers of {parent!r} in {b.regions[n]} cannot hold its use "
                f"({use:.6g}) within their purchases of it"
            )
        new_row = np.where(y[n] > 0, alloc / np.where(y[n] > 0, y[n], 1.0), 0.0)
        moved += 0.5 * float(np.abs((new_row - io[n, p, :]) * y[n]).sum())
        io[n, q, :] += io[n, p, :] - new_row
        io[n, p, :] = new_row
    out = b.replace(io_share=np.maximum(io, 0.0))
    info = {
        "rule": "sourced: all use (intermediate and final) to user sectors by use data, each user's "
        "parent + product purchases kept, the product's final demand moved to the parent",
        "users": {s: float(v / w0.sum()) for s, v in weights.items()},
        "moved_usd_million": moved,
    }
    return out, info


def _water_fill(alloc: FloatArray, weights: FloatArray, room: FloatArray, total: float) -> FloatArray:
    """Add to ``alloc`` up to ``total`` in all, in proportion to ``weights``, no cell above ``room``."""
    out = alloc.copy()
    for _ in range(out.size):
        free = (weights > 0) & (out < room - 1e-15 * total)
        left = total - out.sum()
        if left <= 1e-15 * total or not free.any():
            break
        out = np.minimum(out + np.where(free, left * weights / weights[free].sum(), 0.0), room)
    return out


def _pairs(b: Baseline, share: FloatArray, flows: FloatArray) -> dict[str, dict[str, float]]:
    """Share and product value (USD mn) of every foreign pair with a parent flow of >= 0.1 % of
    the parent's world trade, and of every home market; keys ``importer<-exporter``."""
    foreign = flows.copy()
    diag = np.arange(b.n_regions)
    foreign[diag, diag] = 0.0
    big = flows >= 1e-3 * foreign.sum()
    out = {}
    for n, i in zip(*np.nonzero(big | np.eye(b.n_regions, dtype=bool)), strict=True):
        value = round(float(share[n, i] * flows[n, i]), 3)
        out[f"{b.regions[n]}<-{b.regions[i]}"] = {"share": round(float(share[n, i]), 6), "value": value}
    return out


def _entry(
    spec: ProductSpec,
    b: Baseline,
    share: FloatArray,
    original: FloatArray,
    parts: dict[str, float],
    source: str,
) -> dict[str, Any]:
    """The ``meta["splits"]`` entry of one product."""
    value = share * original
    shipped = pt.load_table()[1]["products"][spec.name] if source != "override" else {}
    totals = {
        "parent_flows_usd_mn": round(float(original.sum()), 3),
        "product_flows_usd_mn": round(float(value.sum()), 3),
        "product_trade_usd_mn": round(float(value.sum() - np.trace(value)), 3),
    }
    return {
        "product": spec.name,
        "code": spec.code,
        "parent": spec.parent,
        "hs": list(spec.hs),
        "description": spec.description,
        "shares_source": source,
        "rules": {k: RULE_TEXT[k] for k in parts},
        "value_by_rule": {k: round(v, 6) for k, v in parts.items()},
        "io_rule": IO_RULE,
        "figures": shipped.get("figures", []),
        "facts": shipped.get("facts", {}),
        "totals": totals,
        "pairs": _pairs(b, share, original),
    }


def split_baseline(
    baseline: Baseline,
    products: Sequence[str],
    *,
    shares: Mapping[str, float | ArrayLike] | None = None,
    mapping: Mapping[str, str] | None = None,
    name: str | None = None,
    use: str = "sourced",
) -> Baseline:
    """A new baseline with each product split out of its parent sector (module docstring).

    Parameters
    ----------
    baseline : Baseline
        Any baseline holding the parents (``default``, ``icio2022-full``, an aggregation, or one
        already split for other products).
    products : sequence of str
        Product names of :data:`tradetalks.data.products.PRODUCTS`.
    shares : mapping, optional
        Per product, a number or an ``(N, N)`` array on the baseline's regions replacing the
        shipped shares (share of the *original* parent flow, in [0, 1)).
    mapping : mapping, optional
        ``{ICIO economy: region}`` for a baseline whose regions are neither ICIO economies nor
        described by its ``meta["aggregation"]``.
    name : str, optional
        Default ``"<baseline>+<product>+..."``.
    use : {"sourced", "proportional"}
        How a product with sourced use shares (``ProductSpec.users``) is allocated to its users:
        by those shares (:func:`allocate_use`), or in proportion to the parent's use like every
        other product (with uniform ``shares`` this reproduces the unsplit world exactly).

    Returns
    -------
    Baseline
        Closing at 1e-9, with ``meta["splits"]`` (one entry per product: name, code, parent, HS
        codes, the rule of each cell class and the part of the product's value it fills, the data
        figures used, totals, pair shares) and ``meta["sector_names"]`` extended.

    Raises
    ------
    DataError
        Unknown product, a product split twice, a missing parent, regions without shares, bad
        override shares (each named with the allowed values).
    """
    if use not in ("sourced", "proportional"):
        raise DataError(f"split_baseline(use={use!r}); allowed: sourced, proportional")
    specs = _check_products(baseline, products)
    unknown = sorted(set(shares or {}) - {s.name for s in specs})
    if unknown:
        raise DataError(f"shares: products {unknown} are not split here; allowed: {[s.name for s in specs]}")
    b, entries = baseline, list(baseline.meta.get("splits", ()))
    for spec in specs:
        j = b.sector_index(spec.parent)
        prior = [s["code"] for s in entries if s.get("parent") == spec.parent]
        original = b.flows[:, :, j] + sum(
            (b.flows[:, :, b.sector_index(c)] for c in prior), np.zeros(b.flows.shape[:2])
        )
        if shares and spec.name in shares:
            share, parts, source = _override(b, spec.name, shares[spec.name]), {"override": 1.0}, "override"
        else:
            share, parts = pt.baseline_shares(b, spec.name, mapping)
            source = f"tradetalks/data/tables/{pt.TABLE_FILE}"
        value = share * original
        current = b.flows[:, :, j]
        if np.any(value > current * (1 + 1e-12)):
            raise DataError(
                f"product {spec.name!r}: shares of products of {spec.parent!r} add up to 1 or more"
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(current > 0, np.minimum(value / np.where(current > 0, current, 1.0), 1.0), 0.0)
        b = split_one(b, spec.parent, spec.code, rel)
        entry = _entry(spec, b, share, original, parts, source)
        if spec.users and use == "sourced":
            b, allocation = allocate_use(b, spec.code, spec.parent, dict(spec.users))
            entry["use"] = {**allocation, "source": spec.users_source}
        entries.append(entry)
        log.info(
            "split %s out of %s: %.1f of %.1f USD mn", spec.code, spec.parent, value.sum(), original.sum()
        )
    meta = dict(b.meta)
    meta["splits"] = entries
    names = dict(meta.get("sector_names", {}))
    names.update({s.code: s.description for s in specs})
    meta["sector_names"] = names
    if "zero_output_cells" in meta:
        meta["zero_output_cells"] = [
            f"{b.regions[n]}/{b.sectors[k]}" for n, k in np.argwhere(b.gross_output <= 0)
        ]
    out = b.replace(name=name or "+".join([baseline.name, *(s.name for s in specs)]), meta=meta)
    out.check(CLOSE_RTOL)
    return out


# ---------------------------------------------------------------------- build + command line
def tables_dir() -> Path:
    """Directory of the shipped tables inside the package."""
    return Path(str(resources.files("tradetalks.data") / "tables"))


def build_tables(data_dir: str | Path | None = None, out: Path | None = None) -> Path:
    """Build ``product_shares.csv`` and its manifest from the raw files (into the package)."""
    import hashlib

    from tradetalks.data.paths import require_data_dir
    from tradetalks.data.product_build import build_rows, describe

    d = require_data_dir(data_dir)
    rows, figures, economies, extra = build_rows(d)
    text = pt.table_text(rows)
    manifest = describe(rows, figures, economies, extra, hashlib.sha256(text.encode("utf-8")).hexdigest())
    target = out or tables_dir()
    target.mkdir(parents=True, exist_ok=True)
    atomic_write(target / pt.TABLE_FILE, text)
    atomic_write(target / pt.MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=True) + "\n")
    pt.load_table.cache_clear()
    log.info("wrote %s (%d rows)", target / pt.TABLE_FILE, len(rows))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tradetalks.data.splits --build`` or ``--baseline B --products a,b --out DIR``."""
    p = argparse.ArgumentParser(prog="python -m tradetalks.data.splits", description=__doc__.splitlines()[0])
    p.add_argument(
        "--build", action="store_true", help="rebuild the shipped product-share table from raw files"
    )
    p.add_argument("--data-dir", help="raw data directory (default: $TRADETALKS_DATA or ../shared/data)")
    p.add_argument("--baseline", help="baseline to split (name or directory)")
    p.add_argument("--products", help=f"comma-separated products: {', '.join(PRODUCTS)}")
    p.add_argument("--out", help="output directory (the table with --build, the split baseline otherwise)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        if args.build:
            build_tables(args.data_dir, Path(args.out) if args.out else None)
            return 0
        if not (args.baseline and args.products and args.out):
            raise DataError("give --build, or --baseline, --products and --out")
        from tradetalks.data.catalog import load
        from tradetalks.data.store import save_baseline

        save_baseline(split_baseline(load(args.baseline), args.products.split(",")), args.out)
        return 0
    except DataError as exc:
        sys.stderr.write(f"tradetalks.data.splits: error: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
