"""Intervals on ``tt.run`` and ``tradetalks run``: where they appear and how they are asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses.uncertainty import Priors
from tradetalks.cli import main
from tradetalks.errors import OptionsError
from tradetalks.results import ResultProtocol


@pytest.fixture(scope="module")
def mc() -> tt.ScenarioRun:
    return tt.run("us-100", draws=20, seed=3)


def test_monte_carlo_run_carries_intervals_in_every_output(mc) -> None:
    unc = mc.uncertainty
    assert unc is not None and unc.method == "mc" and unc.draws == 20 and unc.seed == 3
    assert unc.horizons == ("long", "short")
    # every number the result reports per region has an interval, centred on the run's own result
    measures = set(mc.result.regions_frame().columns) | set(mc.result.headline().columns)
    assert set(unc.measures) == measures
    central = unc.table.xs("long", level="horizon")["central"].unstack()
    np.testing.assert_array_equal(
        central.loc[list(mc.result.regions), "welfare_pct"].to_numpy(),
        mc.result.regions_frame()["welfare_pct"],
    )
    t = unc.table.dropna(subset=["p5"])
    assert (t["p5"] <= t["median"] + 1e-12).all() and (t["median"] <= t["p95"] + 1e-12).all()
    # summary: interval columns after each measure, by horizon
    s = mc.summary()
    assert ("welfare_pct_p5", "short") in s.columns and ("imports_pct_p95", "long") in s.columns
    assert list(s.index) == mc.focus()
    # frames: the tidy table for the regions shown, and the draws of the parameters
    frames = mc.frames(regions=["USA", "CHN"])
    assert list(frames["intervals"].index.names) == ["horizon", "region", "measure"]
    assert set(frames["intervals"].index.get_level_values("region")) == {"USA", "CHN"}
    assert len(frames["parameters"]) == 20 and "long_run_response" in frames["parameters"]
    # JSON
    doc = json.loads(json.dumps(mc.to_dict(), allow_nan=False))
    u = doc["uncertainty"]
    assert u["method"] == "mc" and u["draws"] == 20 and u["seed"] == 3 and u["level_pct"] == 90.0
    assert "Caliendo and Parro (2015)" in u["priors"]["sources"]["trade_elasticity"]
    assert u["priors"]["enter"] == ["trade_elasticity", "long_run_response"]
    rec = next(
        r
        for r in u["intervals"]
        if (r["horizon"], r["region"], r["measure"]) == ("short", "USA", "welfare_pct")
    )
    assert rec["p5"] <= rec["median"] <= rec["p95"] and rec["draws"] == 20
    # the report says what the intervals are
    text = mc.report().to_text()
    assert "Monte Carlo over parameter draws, 20 draws, seed 3" in text
    assert "90 % intervals at horizon short" in text and "prior long_run_response: Boehm" in text
    # the intervals are a result of their own
    assert isinstance(unc, ResultProtocol)
    assert list(unc.summary(["USA"]).columns) == ["central", "median", "p5", "p95"]
    assert unc.report(["USA", "CHN"]).to_text().startswith(unc.describe())
    assert set(unc.frames()) == {"intervals", "parameters", "draws_long", "draws_short"}


def test_progress_is_reported_for_the_draws() -> None:
    calls: list[tuple[str, int, int | None]] = []
    tt.run("us-100", alongside=(), draws=60, progress=lambda *a: calls.append(a))
    assert [c[1:] for c in calls] == [(50, 60), (60, 60)]
    assert calls[0][0] == "Monte Carlo draws (us-100)"


def test_delta_run() -> None:
    run = tt.run("us-100", intervals="delta", horizon="short", alongside=(), priors=Priors())
    doc = run.to_dict()["uncertainty"]
    assert doc["method"] == "delta" and doc["draws"] == 0 and doc["seed"] is None
    names = [p["parameter"] for p in doc["parameters"]]
    assert "long_run_response" in names and sum(n.startswith("log_theta[") for n in names) == 16
    assert "delta method (normal approximation)" in run.report().to_text()


def test_run_refuses_bad_draws() -> None:
    with pytest.raises(OptionsError, match="draws"):
        tt.run("us-100", draws=-1)
    with pytest.raises(OptionsError, match="seed"):
        tt.run("us-100", draws=2, seed=-4)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    """The exit status of the command (argparse's refusals exit with 2), its stdout and stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--draws", "0"), "argument --draws: '0': allowed: a whole number >= 1"),
        (("--draws", "-5"), "argument --draws: '-5': allowed: a whole number >= 1"),
        (("--intervals", "mc"), "--intervals mc needs --draws N"),
        (("--intervals", "delta", "--draws", "3"), "--draws applies to --intervals mc"),
        (("--seed", "-1", "--draws", "3"), "argument --seed: '-1': allowed: a whole number >= 0"),
        (("--vary", "theta", "--draws", "3"), "allowed: trade_elasticity, long_run_response"),
    ],
)
def test_cli_refuses_bad_interval_options(capsys, argv, needle) -> None:
    code, out, err = _cli(capsys, "run", *argv)
    assert code == 2 and out == "" and needle in err and len(err.strip().splitlines()) == 1


def test_cli_json_carries_intervals_and_is_silent(capsys) -> None:
    code, out, err = _cli(
        capsys, "run", "--draws", "12", "--seed", "1", "--alongside", "none", "--format", "json"
    )
    assert code == 0 and err == ""
    u = json.loads(out)["uncertainty"]
    assert u["draws"] == 12 and u["seed"] == 1 and u["horizons"] == ["long"]


def test_cli_csv_and_table_carry_intervals(capsys) -> None:
    code, out, _ = _cli(
        capsys, "run", "--intervals", "delta", "--format", "csv", "--regions", "USA", "--alongside", "none"
    )
    assert code == 0
    assert "horizon,region,measure,central,median,p5,p95,sd,draws" in out
    assert "\nlong,USA,welfare_pct," in out
    code, out, _ = _cli(
        capsys,
        "run",
        "--draws",
        "8",
        "--vary",
        "long_run_response",
        "--horizon",
        "short",
        "--alongside",
        "none",
    )
    assert code == 0 and "Monte Carlo over parameter draws, 8 draws, seed 0" in out
    assert "parameters: long_run_response" in out
