"""Political-economy weights by sector from Ossa (2014)'s calibrated lambdas.

Ossa (2014, section I.C) lets a government weigh industry profits by ``lambda[n, s]`` (his
``LAMBDAPOL``, calibrated so that the model's non-cooperative tariffs match the data). The
Caliendo-Parro model of this package has no profits, so the preset translates the weights to
first order: a government that values profits of industry ``s`` at ``lambda`` instead of 1 gains
``(lambda - 1) Pi_s / I`` per log point of ``Pi_s``; with Krugman markups ``Pi_s = Y_s / sigma_s``
moves with output, so the weight on log sector output is

``omega[n, s] = (lambda[n, s] - 1) * (Y[n, s] / sigma_s) / I[n]``,

with ``Y`` (sales) and ``I`` (spending on the 33 industries) from Ossa's own data. Each of his 33
GTAP industries maps to one or more ICIO sectors (:data:`OSSA_TO_ICIO`); a weight shared by
several ICIO sectors is split by their gross output in the baseline it is used on. Sectors his
data does not cover (fishing, mining, petroleum, services) get 0.

This is the package's own translation (a first-order approximation), not Ossa's objective; see
``docs/ossa2014.md`` for why his political-economy tables are not replicated.

The shipped table ``tables/political_ossa2014.csv`` is built from ``validation/ossa2014/
results/DATA.mat`` by ``python -m tradetalks.data.political --build``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from tradetalks._atomic import atomic_write
from tradetalks.baseline import Baseline
from tradetalks.data.paths import dataset_dir
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

OSSA_REGIONS = ("BRA", "CHN", "EU27", "IND", "JPN", "ROW", "USA")
OSSA_INDUSTRIES = (
    "ric", "wht", "gro", "v_f", "osd", "sug", "pfb", "ocr", "ctl", "oap", "dry", "wol", "frs",
    "cmt", "omt", "vol", "ofd", "b_t", "tex", "wap", "lea", "lum", "ppp", "crp", "nmm", "i_s",
    "nfm", "fmp", "mvh", "otn", "ele", "ome", "omf",
)  # fmt: skip
#: Ossa's GTAP industries -> ICIO sectors (GTAP sector definitions against ISIC rev. 4).
OSSA_TO_ICIO: dict[str, tuple[str, ...]] = {
    **{s: ("A01",) for s in ("ric", "wht", "gro", "v_f", "osd", "sug", "pfb", "ocr", "ctl", "oap", "wol")},
    "dry": ("C10T12",),
    "frs": ("A02",),
    **{s: ("C10T12",) for s in ("cmt", "omt", "vol", "ofd", "b_t")},
    **{s: ("C13T15",) for s in ("tex", "wap", "lea")},
    "lum": ("C16",),
    "ppp": ("C17_18",),
    "crp": ("C20", "C21", "C22"),
    "nmm": ("C23",),
    "i_s": ("C24A",),
    "nfm": ("C24B",),
    "fmp": ("C25",),
    "mvh": ("C29",),
    "otn": ("C301", "C302T309"),
    "ele": ("C26",),
    "ome": ("C27", "C28"),
    "omf": ("C31T33",),
}
TABLE = "political_ossa2014.csv"
MANIFEST = "political_ossa2014.json"
_SUBDIR = Path("validation") / "ossa2014" / "results"
SOURCE = (
    "Ossa, R. (2014), 'Trade Wars and Trade Talks with Data', American Economic Review 104(12); "
    "replication files, results/DATA.mat (LAMBDAPOL, TRADE, SIGMA)"
)


def build_table(data_dir: str | Path | None = None) -> tuple[list[tuple[str, str, float, float]], str]:
    """Rows ``(ossa_region, industry, lambda, omega)`` and the sha256 of the file read."""
    import scipy.io

    folder = dataset_dir(data_dir, _SUBDIR, ("DATA.mat",), "Ossa (2014)")
    raw = (folder / "DATA.mat").read_bytes()
    mat = scipy.io.loadmat(io.BytesIO(raw))
    lam = np.asarray(mat["LAMBDAPOL"], dtype=np.float64)  # (7 regions, 33 industries)
    sigma = np.asarray(mat["SIGMA"], dtype=np.float64).ravel()  # (33,)
    trade = np.asarray(mat["TRADE"], dtype=np.float64).reshape(33, 7, 7)  # [industry, exporter, importer]
    if lam.shape != (7, 33) or sigma.shape != (33,):
        raise DataError(f"DATA.mat: unexpected shapes LAMBDAPOL {lam.shape}, SIGMA {sigma.shape}")
    sales = trade.sum(axis=2).T  # [region, industry]
    spending = trade.sum(axis=(0, 1))  # [region]
    omega = (lam - 1.0) * (sales / sigma[None, :]) / spending[:, None]
    rows = [
        (OSSA_REGIONS[n], OSSA_INDUSTRIES[s], float(lam[n, s]), float(omega[n, s]))
        for n in range(7)
        for s in range(33)
    ]
    return rows, hashlib.sha256(raw).hexdigest()


def write_table(data_dir: str | Path | None = None) -> Path:
    """Build the shipped table and its manifest (deterministic bytes)."""
    rows, sha = build_table(data_dir)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ossa_region", "industry", "lambda", "omega"])
    for r in rows:
        w.writerow([r[0], r[1], f"{r[2]:.12g}", f"{r[3]:.12g}"])
    out = Path(__file__).resolve().parent / "tables"
    atomic_write(out / TABLE, buf.getvalue())
    manifest = {
        "source": SOURCE,
        "raw_files": {"validation/ossa2014/results/DATA.mat": sha},
        "build_command": "python -m tradetalks.data.political --build",
        "formula": "omega = (lambda - 1) * (sales / sigma) / spending, Ossa's data",
        "table_sha256": hashlib.sha256(buf.getvalue().encode()).hexdigest(),
        "industry_to_icio": {k: list(v) for k, v in OSSA_TO_ICIO.items()},
    }
    atomic_write(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return out / TABLE


def _table() -> dict[tuple[str, str], float]:
    text = (resources.files("tradetalks.data") / "tables" / TABLE).read_text(encoding="utf-8")
    return {(r["ossa_region"], r["industry"]): float(r["omega"]) for r in csv.DictReader(io.StringIO(text))}


def ossa_region(code: str) -> str:
    """Ossa's region standing for a region code (EU members -> EU27; others not his -> ROW)."""
    if code in OSSA_REGIONS:
        return code
    from tradetalks.data.aggregate import default_mapping

    return "EU27" if default_mapping().get(code) == "EU27" else "ROW"


def ossa2014_weights(baseline: Baseline, region: str) -> dict[str, float]:
    """Political-economy weights ``omega`` on log sector output for ``region`` (sector -> weight)."""
    n = baseline.region_index(region)
    table = _table()
    src = ossa_region(region)
    out: dict[str, float] = {}
    for industry, sectors in OSSA_TO_ICIO.items():
        present = [s for s in sectors if s in baseline.sectors]
        if not present:
            continue
        y = np.array([baseline.gross_output[n, baseline.sector_index(s)] for s in present])
        split = y / y.sum() if y.sum() > 0 else np.full(len(present), 1.0 / len(present))
        for s, part in zip(present, split, strict=True):
            out[s] = out.get(s, 0.0) + table[(src, industry)] * float(part)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tradetalks.data.political", description=__doc__.splitlines()[0]
    )
    p.add_argument("--build", action="store_true", help="rebuild the shipped table from the raw data")
    p.add_argument("--data-dir", default=None)
    args = p.parse_args(argv)
    if not args.build:
        p.print_help()
        return 0
    try:
        log.info("wrote %s", write_table(args.data_dir))
    except DataError as exc:
        print(f"tradetalks.data.political: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
