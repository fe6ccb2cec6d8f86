"""Shared fixtures.

Theory tests (closed forms that hold for any data) run on small seeded worlds built here;
everything that is about real numbers uses the shipped baselines or the raw data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tradetalks.baseline import Baseline
from tradetalks.data.paths import find_data_dir
from tradetalks.data.store import save_baseline
from tradetalks.model import balanced_baseline


def make_world(
    n: int = 5, j: int = 4, *, io: bool = True, tariffs: bool = True, seed: int = 0, name: str = "toy"
) -> Baseline:
    """A small consistent world: lognormal flows, home bias, IO shares that keep final demand >= 0."""
    rng = np.random.default_rng(seed)
    flows = rng.lognormal(mean=0.0, sigma=1.0, size=(n, n, j))
    idx = np.arange(n)
    flows[idx, idx, :] *= 8.0
    tar = rng.uniform(0.0, 0.15, size=(n, n, j)) if tariffs else np.zeros((n, n, j))
    tar[idx, idx, :] = 0.0
    spend = (flows * (1 + tar)).sum(axis=1)
    weights = spend / spend.sum(axis=1, keepdims=True)
    if io:
        va = rng.uniform(0.45, 0.7, size=(n, j))
        io_share = (1.0 - va)[:, None, :] * weights[:, :, None]
    else:
        va = np.ones((n, j))
        io_share = np.zeros((n, j, j))
    theta = rng.uniform(3.0, 9.0, size=j)
    return Baseline(
        name=name,
        year=2022,
        regions=tuple(f"R{k}" for k in range(n)),
        sectors=tuple(f"S{k}" for k in range(j)),
        flows=flows,
        tariffs=tar,
        va_share=va,
        io_share=io_share,
        theta=theta,
        units="toy units",
    )


@pytest.fixture
def world() -> Baseline:
    return make_world()


@pytest.fixture(scope="module")
def data_dir() -> Path:
    """The raw data directory; tests that need it skip, saying why, when it is absent."""
    found = find_data_dir()
    if found is None:
        pytest.skip("raw data directory not found (set TRADETALKS_DATA or place it at ../shared/data)")
    return found


@pytest.fixture(scope="session")
def toy_dir(tmp_path_factory) -> str:
    """A saved 4 x 3 deficit-free toy world: strategy calls on it take a second or two."""
    path = tmp_path_factory.mktemp("toy")
    save_baseline(balanced_baseline(make_world(n=4, j=3, seed=21)).replace(name="toy"), path)
    return str(path)


def write_deal_space(space: Mapping[str, Any], path: Path) -> Path:
    """Write a deal-space table (as ``parse_deal_space`` takes it) as a TOML file."""
    lines = [f'name = "{space["name"]}"', f"parties = {json.dumps(list(space['parties']))}", "[disagreement]"]
    lines += [f'{k} = "{v}"' for k, v in space["disagreement"].items()]
    for issue in space["issues"]:
        lines += ["[[issues]]", f'name = "{issue["name"]}"']
        for opt in issue["options"]:
            levers = ", ".join(
                "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in lever.items()) + "}"
                for lever in opt["levers"]
            )
            lines += ["[[issues.options]]", f'name = "{opt["name"]}"', f"levers = [{levers}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


def two_tariff_space(name: str, *, us_pause: str = "pause", description: str | None = None) -> str:
    """A deal space of two issues (each side's +100 points on the other, or a pause) on the tariffs
    of 15 October 2025, as TOML; ``us_pause`` names the US pause option (tests of escaping give
    it markup)."""
    about = f'description = "{description}"\n' if description is not None else ""
    return f"""
name = "{name}"
{about}parties = ["USA", "CHN"]
date = "pre-summit-2025-10-15"

[disagreement]
us = "escalate +100"
china = "retaliate +100"

[[issues]]
name = "us"
[[issues.options]]
name = "escalate +100"
levers = [{{ type = "tariff", importer = "USA", exporter = "CHN", sectors = "goods", add_pp = 100 }}]
[[issues.options]]
name = "{us_pause}"
levers = []

[[issues]]
name = "china"
[[issues.options]]
name = "retaliate +100"
levers = [{{ type = "tariff", importer = "CHN", exporter = "USA", sectors = "goods", add_pp = 100 }}]
[[issues.options]]
name = "pause"
levers = []
"""
