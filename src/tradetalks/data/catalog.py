"""The baselines shipped with the package, and loading by name or path.

Shipped (``src/tradetalks/baselines/<name>/``, rebuilt bit for bit by
``python -m tradetalks.data.build --all``; sources and adjustments in
``src/tradetalks/baselines/README.md`` and in each ``manifest.json``):

``default``
    2022, 13 regions (USA, CHN, JPN, KOR, TWN, MYS, ASEAN, EU27, BRA, MEX, CAN, IND, ROW)
    x 28 ICIO sectors.
``icio2022-full``
    2022, the 81 ICIO economies x 28 sectors.
"""

from __future__ import annotations

from pathlib import Path

from tradetalks.baseline import Baseline
from tradetalks.data.store import MANIFEST_FILE
from tradetalks.data.store import load_baseline as _load_dir
from tradetalks.errors import DataError

#: Shipped baselines: name -> one-line description.
SHIPPED: dict[str, str] = {
    "default": "OECD ICIO 2022 on ADB MRIO structure: 13 regions (USA, CHN, JPN, KOR, TWN, MYS, ASEAN, "
    "EU27, BRA, MEX, CAN, IND, ROW) x 28 sectors",
    "icio2022-full": "OECD ICIO 2022 on ADB MRIO structure: 81 economies x 28 sectors",
}


def baselines_dir() -> Path:
    """Directory holding the shipped baselines."""
    return Path(__file__).resolve().parent.parent / "baselines"


def shipped_baselines() -> dict[str, str]:
    """Names of the shipped baselines with a one-line description each."""
    return dict(SHIPPED)


def load(name_or_path: str | Path = "default") -> Baseline:
    """Load a shipped baseline by name, or a baseline saved in a directory.

    Parameters
    ----------
    name_or_path : str or Path
        A name from :func:`shipped_baselines` or a directory written by
        :func:`tradetalks.data.store.save_baseline`.

    Raises
    ------
    DataError
        If it is neither a shipped name nor a baseline directory (the message names the allowed
        names), or the stored files fail their checksum.
    """
    key = str(name_or_path)
    if key in SHIPPED:
        d = baselines_dir() / key
        if not (d / MANIFEST_FILE).is_file():
            raise DataError(
                f"shipped baseline {key!r} is missing from the package; rebuild it with "
                "python -m tradetalks.data.build --all"
            )
        return _load_dir(d)
    path = Path(name_or_path)
    if path.is_dir() and (path / MANIFEST_FILE).is_file():
        return _load_dir(path)
    raise DataError(
        f"unknown baseline {key!r}: not a shipped name and not a baseline directory; "
        f"allowed names: {', '.join(SHIPPED)}"
    )


#: Alias used by ``tradetalks.load_baseline`` and the CLI.
load_baseline = load


def describe_baseline(name_or_path: str | Path) -> str:
    """A text description: labels, sources, adjustments and the region table."""
    b = load(name_or_path)
    meta = b.meta
    lines = [
        f"{b.name}: {meta.get('description', '')}",
        f"year {b.year}; {b.n_regions} regions x {b.n_sectors} sectors; units {b.units}",
        f"regions: {' '.join(b.regions)}",
        f"sectors: {' '.join(b.sectors)} (services: {', '.join(meta.get('services_sectors', []))})",
        f"theta: {meta.get('elasticity_set', '?')}; build: {meta.get('build_command', '?')}",
        "sources:",
    ]
    lines += [f"  - {s.get('name', '')}" for s in meta.get("sources", [])]
    bal = meta.get("adjustments", {}).get("balance", {})
    if bal:
        lines.append(
            f"balancing: {bal.get('negative_cells_before')} negative final-demand cells "
            f"({bal.get('negative_final_demand_before')}) fixed by moving {bal.get('value_moved')} "
            f"({100 * bal.get('share_of_intermediate_value_moved', 0.0):.2f} % of input value)"
        )
    lines.append(b.summary().to_string(float_format=lambda v: f"{v:14.1f}"))
    return "\n".join(lines)
