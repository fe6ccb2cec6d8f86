"""Determinism: the same inputs and seed give bit-identical results across runs, processes, worker
counts and backends.

Every comparison is exact: ``assert_frame_equal(check_exact=True)`` on every frame of a result,
and the parquet bytes a bundle would hold (:func:`tradetalks.api.bundle.parquet_bytes`). Covered
here: two runs in one process (with parameter draws), a run in a fresh process, a deal space on one
worker and on two (with and without draws, blocks small enough that the pool is used), a sweep on
the in-process backend, a process pool and a Dask ``LocalCluster`` started by the sweep, with
different partition sizes. ``tests/test_sweep.py`` already compares the in-process backend, a
pool of two and a running Dask scheduler partition by partition.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tradetalks.analyses import deal_solve
from tradetalks.analyses.deal_space import parse_deal_space
from tradetalks.analyses.options import DealOptions
from tradetalks.analyses.uncertainty import drawn_baseline, drawn_scenario, parameter_draws
from tradetalks.api.bundle import parquet_bytes
from tradetalks.api.inputs import baseline_of, scenario_of
from tradetalks.api.sweep import SweepOptions
from tradetalks.model import solve_batch

ROOT = Path(__file__).resolve().parents[1]
#: The call compared across runs and processes: us-100 with Monte Carlo draws.
RUN = {"scenario": "us-100", "draws": 3, "seed": 7, "alongside": ()}


def _issue(name: str, up: str, importer: str, exporter: str) -> dict[str, Any]:
    def tariff(pp: float) -> list[dict[str, Any]]:
        return [{"type": "tariff", "importer": importer, "exporter": exporter, "add_pp": pp}]

    options = [{"name": up, "levers": tariff(100)}, {"name": "pause", "levers": []}]
    return {"name": name, "options": [*options, {"name": "cut 10", "levers": tariff(-10)}]}


#: busan-2025's tariff issues only (its parties, date and options): 9 packages.
TARIFFS = {
    "name": "busan-tariffs",
    "parties": ["USA", "CHN"],
    "date": "pre-summit-2025-10-15",
    "disagreement": {"us": "escalate +100", "cn": "retaliate +100"},
    "issues": [_issue("us", "escalate +100", "USA", "CHN"), _issue("cn", "retaliate +100", "CHN", "USA")],
}
SWEEP = """name = "determinism"
partition_size = {size}
[job]
scenario = "us-100"
baseline = "default"
[monte_carlo]
draws = 6
seed = 9
"""


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], what: str) -> None:
    assert list(a) == list(b), what
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=f"{what}: {name}")
        assert parquet_bytes(a[name]) == parquet_bytes(b[name]), f"{what}: {name} parquet bytes"


def _digests(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    return {name: hashlib.sha256(parquet_bytes(f)).hexdigest() for name, f in frames.items()}


@pytest.fixture(scope="module")
def drawn_run() -> tt.ScenarioRun:
    return tt.run(**RUN)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ runs
def test_two_runs_in_one_process_are_bit_identical(drawn_run):
    again = tt.run(**RUN)  # type: ignore[arg-type]
    _assert_same(drawn_run.frames(), again.frames(), "run twice")
    assert "intervals" in drawn_run.frames() and drawn_run.uncertainty.draws == 3
    # the draws do move the result: a different seed gives other intervals
    other = tt.run(**(RUN | {"seed": 8})).frames()["intervals"]  # type: ignore[arg-type]
    assert not other.equals(drawn_run.frames()["intervals"])


def test_a_fresh_process_gives_the_same_bytes(drawn_run):
    code = (
        "import hashlib, json; import tradetalks as tt; from tradetalks.api.bundle import parquet_bytes; "
        f"r = tt.run(**{RUN!r}); "
        "print(json.dumps({k: hashlib.sha256(parquet_bytes(f)).hexdigest() for k, f in r.frames().items()}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert theirs == _digests(drawn_run.frames())
    assert len(theirs) >= 10


# ------------------------------------------------------------------------------ deal spaces
def test_a_deal_space_gives_the_same_bits_on_one_worker_and_on_two(monkeypatch):
    space = parse_deal_space(TARIFFS, "test")
    monkeypatch.setattr(deal_solve, "BLOCK", 4)  # 9 packages in 3 blocks: two workers share them
    one = tt.deals(space, options=DealOptions(workers=1))
    two = tt.deals(space, options=DealOptions(workers=2))
    assert len(one.solved) == 9
    _assert_same(one.frames(), two.frames(), "deals, 1 vs 2 workers")
    # under parameter draws (each draw solves every package; the draws spread over the workers)
    one = tt.deals(space, options=DealOptions(workers=1), draws=2, seed=4)
    two = tt.deals(space, options=DealOptions(workers=2), draws=2, seed=4)
    assert one.uncertainty is not None and one.uncertainty.draws == 2
    assert len(one.frames()) > 2
    _assert_same(one.frames(), two.frames(), "deals with draws, 1 vs 2 workers")
    assert np.array_equal(one.uncertainty.payoffs, two.uncertainty.payoffs)


# ------------------------------------------------------------------------------ sweeps
def _spec(tmp_path: Path, size: int) -> Path:
    path = tmp_path / f"determinism-{size}.toml"
    path.write_text(SWEEP.format(size=size), encoding="utf-8")
    return path


def test_a_sweep_gives_the_same_bits_whatever_the_backend_and_the_partition_size(tmp_path):
    distributed = pytest.importorskip("distributed")
    assert distributed is not None
    ref = tt.sweep(_spec(tmp_path, 2), tmp_path / "serial")
    runs: dict[str, Any] = {
        "pool-3, partitions of 1": tt.sweep(
            _spec(tmp_path, 1), tmp_path / "pool", options=SweepOptions(workers=3)
        ),
        "dask LocalCluster, partitions of 3": tt.sweep(
            _spec(tmp_path, 3), tmp_path / "dask", options=SweepOptions(dask=True)
        ),
    }
    assert runs["dask LocalCluster, partitions of 3"].backend == "dask-local"
    assert len(ref.frame()) == 6 * len(ref.frame()["region"].unique())
    for name, res in runs.items():
        pd.testing.assert_frame_equal(res.frame(), ref.frame(), check_exact=True, obj=name)
        assert parquet_bytes(res.frame()) == parquet_bytes(ref.frame()), name


# ------------------------------------------------------------------------------ the batched solver
def _members(n: int) -> tuple[list[Any], list[Any]]:
    sc = scenario_of("us-100")
    prep = sc.prepare(baseline_of("default"))
    draws = parameter_draws(prep, n, 7, None)
    worlds = [drawn_baseline(prep, d) for d in draws]
    return worlds, [drawn_scenario(sc, d).compile(w) for d, w in zip(draws, worlds, strict=True)]


def test_a_batch_solved_twice_gives_the_same_bits():
    worlds, shocks = _members(3)
    a, b = solve_batch(worlds, shocks), solve_batch(worlds, shocks)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.state, y.state) and np.array_equal(x.flows, y.flows)
        assert x.info.iterations == y.info.iterations
    # alone (a batch of one each), every member is the same to far below the solver's tolerance
    for x, y in zip(a, solve_batch(worlds, shocks, batch_size=1), strict=True):
        np.testing.assert_allclose(x.state, y.state, rtol=0, atol=1e-12)
        assert x.info.iterations == y.info.iterations


def test_a_members_bits_do_not_depend_on_what_else_is_in_its_batch():
    worlds, shocks = _members(2)
    together = solve_batch(worlds, shocks)
    alone = solve_batch(worlds, shocks, batch_size=1)
    assert all(np.array_equal(x.state, y.state) for x, y in zip(together, alone, strict=True))


def test_monte_carlo_intervals_do_not_depend_on_how_the_draws_are_batched(drawn_run, monkeypatch):
    from tradetalks.analyses import intervals

    monkeypatch.setattr(intervals, "CHUNK", 2)  # the 3 draws in batches of 2 and 1, not one of 3
    rebatched = tt.run(**RUN)  # type: ignore[arg-type]
    got, ref = rebatched.frames()["intervals"], drawn_run.frames()["intervals"]
    np.testing.assert_allclose(got.to_numpy(dtype=float), ref.to_numpy(dtype=float), rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
