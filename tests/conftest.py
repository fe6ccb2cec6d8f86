"""Shared fixtures.

Theory tests (closed forms that hold for any data) run on small seeded worlds built here;
everything that is about real numbers uses the shipped baselines or the raw data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tradetalks.baseline import Baseline
from tradetalks.data.paths import find_data_dir


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
