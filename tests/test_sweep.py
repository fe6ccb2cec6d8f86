"""Sweeps: the spec's errors, the central case against ``tt.run``, reproducibility by seed, resuming
after ``kill -9``, and the same bits on every backend (docs/sweeps.md; docs/model.md, 9.10)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tradetalks.analyses.uncertainty import PARAMETERS, intervals, parameter_draw, solve_drawn
from tradetalks.api.inputs import baseline_of, scenario_of
from tradetalks.api.sweep import COLUMNS, SweepOptions, load_spec
from tradetalks.api.sweep.plan import HEADLINE_COLUMNS, REGION_COLUMNS
from tradetalks.cli import main
from tradetalks.errors import OptionsError
from tradetalks.results.common import ResultProtocol

ZERO = """name = "zero"
title = "a tariff change of zero"
article = "none"
date = "pre-summit-2025-10-15"

[[levers]]
type = "tariff"
importer = "USA"
exporter = "CHN"
sectors = "goods"
add_pp = 0
"""


def _draws_spec(tmp_path: Path, draws: int, seed: int = 11, size: int = 5, name: str = "draws") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\npartition_size = {size}\n[job]\nscenario = "us-100"\nbaseline = "default"\n'
        f"[monte_carlo]\ndraws = {draws}\nseed = {seed}\n"
    )
    return path


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def _bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(OptionsError) as info:
        tt.sweep(path, tmp_path / "out-bad")
    message = str(info.value)
    assert str(path) in message
    return message


# ------------------------------------------------------------------------------ spec and options
def test_spec_errors_name_the_file_the_field_and_what_is_allowed(tmp_path, monkeypatch):
    m = _bad(tmp_path, 'name = "x"\n[grid]\nhorizon = ["long", "mid"]\n')
    assert "grid.horizon.1 = 'mid'" in m and "'short', 'medium' or 'long'" in m
    m = _bad(tmp_path, 'name = "x"\n[monte_carlo]\ndraw = 5\nseed = 1\n')
    assert "monte_carlo.draw: unknown field; allowed: draws, seed, vary, elasticity_method" in m
    assert "monte_carlo.draws: missing" in m
    m = _bad(tmp_path, 'name = "x"\n[monte_carlo]\ndraws = 5\nseed = 1\nvary = ["theta"]\n')
    assert "monte_carlo.vary.0 = 'theta'" in m and all(p in m for p in PARAMETERS)
    m = _bad(tmp_path, 'name = "x"\n[monte_carlo]\ndraws = 0\nseed = 1\n')
    assert "monte_carlo.draws = 0" in m and "greater than or equal to 1" in m
    m = _bad(tmp_path, 'name = "x"\n[grid]\nscenario = ["us-100", "us-100"]\n')
    assert "grid.scenario" in m and "repeated: us-100" in m
    m = _bad(tmp_path, 'name = "x"\ncolour = 1\n')
    assert "colour: unknown field; allowed: name, partition_size, job, grid, monte_carlo, solver" in m
    m = _bad(tmp_path, 'name = "x"\n[grid]\nscenario = ["us-100", "no-such-scenario"]\n')
    assert "grid.scenario = 'no-such-scenario'" in m and "built-in:" in m and "us-100-retaliation" in m
    m = _bad(tmp_path, 'name = "x"\n[job]\nelasticities = "XX"\n')
    assert "job.elasticities = 'XX'" in m and "allowed: " in m and "FGO" in m
    m = _bad(tmp_path, 'name = "x"\n[job\n')
    assert "not valid TOML" in m
    with pytest.raises(OptionsError, match="shipped examples: us-100-draws, us-100-grid"):
        load_spec("no-such-sweep")

    with pytest.raises(
        OptionsError, match=r"SweepOptions.workers = 0: Input should be greater than or equal to 1"
    ):
        SweepOptions(workers=0)
    with pytest.raises(OptionsError, match="either dask"):
        SweepOptions(dask=True, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(OptionsError, match="scheduler = 'localhost'"):
        SweepOptions(scheduler="localhost")
    spec = _draws_spec(tmp_path, 2)
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert exit_info.value.code == 2
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    with pytest.raises(OptionsError, match=r"pip install 'tradetalks\[dask\]'"):
        tt.sweep(spec, tmp_path / "o", options=SweepOptions(dask=True))


def test_a_folder_of_another_spec_is_refused(tmp_path):
    out = tmp_path / "out"
    tt.sweep(_draws_spec(tmp_path, 2, size=2), out)
    with pytest.raises(OptionsError, match=r"holds another spec .* refusing to mix them"):
        tt.sweep(_draws_spec(tmp_path, 2, seed=12, size=2), out)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(OptionsError, match="not a sweep's folder"):
        tt.sweep(_draws_spec(tmp_path, 2, size=2), tmp_path / "other")


# ------------------------------------------------------------------------------ numbers
def test_grid_points_are_the_central_case_of_run_and_zero_is_zero(tmp_path):
    (tmp_path / "zero.toml").write_text(ZERO)
    spec = tmp_path / "grid.toml"
    spec.write_text(
        'name = "grid"\npartition_size = 3\n[grid]\nscenario = ["zero.toml", "us-100"]\n'
        'horizon = ["long", "short"]\n'
    )
    res = tt.sweep(spec, tmp_path / "out")
    f = res.frame()
    assert list(f.columns) == list(COLUMNS)
    assert (
        f["point"].dtype == np.int64 and f["draw"].dtype == "Int64" and f["welfare_pct"].dtype == np.float64
    )
    assert len(f) == 4 * 13 and res.spec.partitions == 2 and f["draw"].isna().all()
    coords = f.drop_duplicates("point")[["point", "grid_point", "scenario", "horizon"]]
    assert coords.values.tolist() == [
        [0, 0, "zero.toml", "long"],
        [1, 1, "zero.toml", "short"],
        [2, 2, "us-100", "long"],
        [3, 3, "us-100", "short"],
    ]
    zero = f[f["scenario"] == "zero.toml"]
    np.testing.assert_allclose(zero[["welfare_pct", "real_wage_pct", "exports_pct"]], 0.0, atol=1e-9)
    for h in ("long", "short"):
        run = tt.run("us-100", horizon=h, alongside=()).result
        rows = f[(f["scenario"] == "us-100") & (f["horizon"] == h)].set_index("region")
        expected = run.regions_frame().join(run.headline().drop(columns=["welfare_pct", "real_gdp_pct"]))
        cols = [*REGION_COLUMNS, *HEADLINE_COLUMNS]
        np.testing.assert_allclose(rows[cols].to_numpy(), expected[cols].to_numpy(), rtol=1e-12, atol=1e-12)
        assert rows["residual"].max() <= 1e-11 and rows["iterations"].min() > 1
    assert rows.loc["USA", "welfare_pct"] < 0 and rows.loc["USA", "etr_before_2024w_pct"] > 20
    s = res.summary()
    assert s.index.names == ["grid_point", "region"] and len(s) == 52
    assert s.loc[(3, "USA"), "welfare_pct"] == rows.loc["USA", "welfare_pct"]
    d = res.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False))["points"] == 4
    assert d["provenance"]["analysis"] == "sweep" and d["provenance"]["tariff_date"] == "2025-10-15"
    assert "grid point 0" in res.report().to_text()
    assert isinstance(res, ResultProtocol)


def test_reproducible_by_seed_and_equal_to_the_one_by_one_solve(tmp_path):
    calls: list[tuple[str, int, int | None]] = []
    a = tt.sweep(_draws_spec(tmp_path, 12, seed=11), tmp_path / "a", progress=lambda *c: calls.append(c))
    b = tt.sweep(_draws_spec(tmp_path, 12, seed=11), tmp_path / "b")
    c = tt.sweep(_draws_spec(tmp_path, 12, seed=12), tmp_path / "c")
    pd.testing.assert_frame_equal(a.frame(), b.frame(), check_exact=True)
    assert [calls[0][1:], calls[-1][1:]] == [(0, 3), (3, 3)] and len(calls) == 4
    sha = {k: v["sha256"] for k, v in a.manifest["partitions"].items()}
    assert sha == {k: v["sha256"] for k, v in b.manifest["partitions"].items()}
    assert not np.allclose(a.frame()["welfare_pct"], c.frame()["welfare_pct"])
    f = a.frame()
    assert f["draw"].drop_duplicates().tolist() == list(range(12)) and (f["seed"] == 11).all()
    sc = scenario_of("us-100")
    prep = sc.prepare(baseline_of("default"))
    direct = solve_drawn(prep, sc, parameter_draw(prep, 7, 11)).regions_frame()
    np.testing.assert_allclose(
        f[f["draw"] == 7]["welfare_pct"].to_numpy(), direct["welfare_pct"].to_numpy(), rtol=1e-12, atol=1e-13
    )
    usa = f[f["region"] == "USA"][["welfare_pct"]]
    ref = intervals(usa).loc["welfare_pct"]
    got = a.summary().loc[(0, "USA")]
    assert [got["welfare_pct_median"], got["welfare_pct_p5"], got["welfare_pct_p95"]] == [
        ref["median"],
        ref["p5"],
        ref["p95"],
    ]
    assert got["draws"] == 12 and got["welfare_pct_p5"] < got["welfare_pct_median"] < got["welfare_pct_p95"]


# ------------------------------------------------------------------------------ resume
def test_resume_after_kill_gives_the_uninterrupted_frame(tmp_path):
    spec = _draws_spec(tmp_path, 40, seed=5, size=2, name="killed")
    out = tmp_path / "killed"
    manifest = out / "manifest.json"
    code = "import sys; from tradetalks.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, "sweep", str(spec), "--out", str(out), "--format", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done, deadline = 0, time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.is_file():
                done = json.loads(manifest.read_text())["partitions_done"]
                if done >= 1:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    before = json.loads(manifest.read_text())
    assert 1 <= before["partitions_done"] < 20 and not before["complete"]

    assert main(["sweep", str(spec), "--out", str(out), "--format", "json"]) == 0
    after = json.loads(manifest.read_text())
    assert after["complete"] and after["partitions_done"] == 20
    resumed = tt.sweep(spec, out)
    assert len(resumed.resumed) == 20 and resumed.computed == ()
    whole = tt.sweep(spec, tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed.frame(), whole.frame(), check_exact=True)
    f = resumed.frame()
    assert not f.duplicated(["point", "region"]).any() and f["point"].nunique() == 40
    assert sorted(p.name for p in out.glob("part-*.parquet")) == [f"part-{q:06d}.parquet" for q in range(20)]
    _no_temporaries(out)
    for rec in after["partitions"].values():
        assert hashlib.sha256((out / rec["file"]).read_bytes()).hexdigest() == rec["sha256"]
    # an altered partition file is noticed and computed again
    (out / "part-000003.parquet").write_bytes(b"not parquet")
    again = tt.sweep(spec, out)
    assert again.computed == (3,)
    pd.testing.assert_frame_equal(again.frame(), whole.frame(), check_exact=True)


# ------------------------------------------------------------------------------ backends
def test_every_backend_gives_the_same_bits(tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = _draws_spec(tmp_path, 12, seed=3, size=3, name="backends")
    runs = {
        "in-process": tt.sweep(spec, tmp_path / "serial"),
        "pool-2": tt.sweep(spec, tmp_path / "pool", options=SweepOptions(workers=2)),
    }
    # Worker processes, as in production (processes=True), one thread each.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster),
    ):
        runs["dask-2"] = tt.sweep(
            spec, tmp_path / "dask", options=SweepOptions(scheduler=cluster.scheduler_address)
        )
    reference = runs["in-process"]
    for name, res in runs.items():
        pd.testing.assert_frame_equal(res.frame(), reference.frame(), check_exact=True, obj=name)
        parts = {k: (v["points"], v["sha256"]) for k, v in res.manifest["partitions"].items()}
        assert parts == {k: (v["points"], v["sha256"]) for k, v in reference.manifest["partitions"].items()}
        _no_temporaries(res.out)
    assert runs["dask-2"].backend == "dask-scheduler" and runs["pool-2"].backend == "process-pool"


def test_the_spec_allows_exactly_the_parameters_the_priors_draw() -> None:
    from typing import get_args

    from tradetalks.analyses.uncertainty import PARAMETERS
    from tradetalks.api.sweep.spec import Parameter

    assert get_args(Parameter) == PARAMETERS


def test_a_missing_spec_file_is_said_to_be_missing(tmp_path, capsys):
    from tradetalks.cli import main

    assert main(["sweep", str(tmp_path / "dir" / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "missing" in err and "shipped examples" not in err
    assert main(["sweep", "nonesuch", "--out", str(tmp_path / "o")]) == 2
    assert "shipped examples: us-100-draws" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
