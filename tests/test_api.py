"""The workflow API: the same numbers as the CLI, JSON-safe results, immutability, provenance, options."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tests.analyses.test_deals import SPACE
from tests.conftest import write_deal_space
from tradetalks.cli import main
from tradetalks.results import ResultProtocol


def _cli_json(capsys, *argv: str) -> dict[str, Any]:
    assert main([*argv, "--format", "json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def _untimed(doc: Any) -> Any:
    """``doc`` without the wall-clock fields (``seconds``), which differ between two runs."""
    if isinstance(doc, dict):
        return {k: _untimed(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [_untimed(v) for v in doc]
    return doc


def _assert_same_numbers(api_doc: dict[str, Any], cli_doc: dict[str, Any]) -> None:
    a, b = _untimed(api_doc), _untimed(cli_doc)
    assert a.keys() == b.keys()
    # the same solves in the same process: identical up to the solver's warm state (1e-9 of a percent)
    flat_a, flat_b = _flatten(a), _flatten(b)
    assert flat_a.keys() == flat_b.keys()
    for key, value in flat_a.items():
        other = flat_b[key]
        if isinstance(value, float) and isinstance(other, float):
            assert value == pytest.approx(other, rel=1e-9, abs=1e-9), key
        else:
            assert value == other, key


def _flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            out |= _flatten(v, f"{prefix}/{k}")
        return out
    if isinstance(doc, list):
        out = {}
        for k, v in enumerate(doc):
            out |= _flatten(v, f"{prefix}[{k}]")
        return out
    return {prefix: doc}


@pytest.fixture(scope="module")
def space_file(tmp_path_factory):
    return str(write_deal_space(SPACE, tmp_path_factory.mktemp("space") / "mini.toml"))


@pytest.fixture(scope="module")
def results(toy_dir, space_file):
    """One result of each kind, as the API returns them."""
    return {
        "run": tt.run("us-100-retaliation", fallout=True),
        "optimal": tt.optimal_tariff("R0", "R1", baseline=toy_dir),
        "war": tt.war("R0,R1", bilateral=True, baseline=toy_dir),
        "talks": tt.talks("R0,R1", baseline=toy_dir),
        "deals": tt.deals(space_file),
    }


# ------------------------------------------------------------------ API == CLI
def test_run_matches_the_cli(results, capsys):
    api_doc = results["run"].to_dict()
    _assert_same_numbers(api_doc, _cli_json(capsys, "run", "us-100-retaliation", "--fallout"))
    chosen = tt.run("chip-controls-tighten", date="data", elasticities="FGO").to_dict(["USA", "CHN", "MYS"])
    cli = _cli_json(
        capsys,
        "run",
        "chip-controls-tighten",
        "--date",
        "data",
        "--elasticities",
        "FGO",
        "--regions",
        "USA,CHN,MYS",
    )
    _assert_same_numbers(chosen, cli)
    assert chosen["baseline"]["tariff_date"] is None and chosen["provenance"]["elasticity_set"] == "FGO"


def test_strategy_calls_match_the_cli(results, toy_dir, capsys):
    _assert_same_numbers(
        results["optimal"].to_dict(),
        _cli_json(capsys, "optimal-tariff", "R0", "--against", "R1", "--baseline", toy_dir),
    )
    _assert_same_numbers(
        results["war"].to_dict(), _cli_json(capsys, "war", "R0,R1", "--bilateral", "--baseline", toy_dir)
    )
    _assert_same_numbers(
        results["talks"].to_dict(), _cli_json(capsys, "talks", "R0,R1", "--baseline", toy_dir)
    )


def test_deals_match_the_cli(results, space_file, capsys):
    _assert_same_numbers(results["deals"].to_dict(), _cli_json(capsys, "deals", space_file))


def test_strategy_calls_state_their_closure_and_elasticities(toy_dir, space_file):
    opt = tt.optimal_tariff("R0", "R1", baseline=toy_dir, closure="balanced")
    assert opt.provenance.closure == "balanced" and "closure balanced" in opt.report().to_text()
    deals = tt.deals(space_file, elasticities="FGO")
    assert deals.provenance.elasticity_set == "FGO"
    assert deals.to_dict()["provenance"]["elasticity_set"] == "FGO"


def test_names_paths_and_objects_give_the_same_run():
    by_name = tt.run("soybeans-12mt", baseline="default")
    by_object = tt.run(tt.load_scenario("soybeans-12mt"), baseline=tt.load_baseline("default"))
    np.testing.assert_array_equal(by_name.result.welfare_hat, by_object.result.welfare_hat)


# ------------------------------------------------------------------ the results protocol
KINDS = ("run", "optimal", "war", "talks", "deals")


@pytest.mark.parametrize("kind", KINDS)
def test_every_result_follows_the_protocol(results, kind):
    res = results[kind]
    assert isinstance(res, ResultProtocol)
    doc = res.to_dict()
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc  # JSON-safe, and round-trips exactly
    prov = doc["provenance"]
    assert {"baseline", "baseline_sha256", "tariff_date", "elasticity_set", "closure", "horizon"} <= set(prov)
    assert {"options", "version"} <= set(prov) and prov["version"] == tt.__version__
    assert len(prov["baseline_sha256"]) == 64
    text = res.report().to_text()
    assert res.provenance.baseline in text and "horizon long" in text and "closure" in text
    assert res.summary().shape[0] > 0
    frames = res.frames()
    assert frames and all(isinstance(f, pd.DataFrame) for f in frames.values())
    first = next(iter(frames.values()))
    assert len(first) > 0 and len(first.columns) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_percents_are_named_pct(results, kind):
    """Every key of the JSON that holds a percent ends in ``_pct``; none is a fraction in disguise."""
    keys = set(_flatten_keys(results[kind].to_dict()))
    assert not {k for k in keys if "pct" in k and not k.endswith("_pct")}
    assert not {k for k in keys if k.startswith(("payoff_", "gain_", "welfare_")) and not k.endswith("_pct")}


def _flatten_keys(doc: Any) -> list[str]:
    if isinstance(doc, dict):
        return [k for k in doc] + [x for v in doc.values() for x in _flatten_keys(v)]
    if isinstance(doc, list):
        return [x for v in doc for x in _flatten_keys(v)]
    return []


def test_deal_space_units_agree_with_the_solved_table(results):
    deals = results["deals"]
    packages, table = deals.packages(), deals.table
    np.testing.assert_allclose(packages["gain_USA_pct"], 100 * np.expm1(table["gain_USA"]), rtol=1e-14)
    np.testing.assert_allclose(packages["welfare_JPN_pct"], table["welfare_JPN"], rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_results_refuse_mutation(results, kind):
    res = results[kind]
    field = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, field, None)
    # frames are handed out as copies: changing one leaves the result as it was
    for name, frame in res.frames().items():
        if frame.size and np.issubdtype(frame.dtypes.iloc[-1], np.number):
            before = res.frames()[name].iloc[:, -1].copy()
            frame.iloc[0, -1] = 1e9
            assert res.frames()[name].iloc[:, -1].equals(before), name


def test_arrays_of_results_are_read_only(results):
    for arr in (
        results["optimal"].rates,
        results["war"].rates,
        results["talks"].rates,
        results["talks"].gain_values,
        results["run"].result.welfare_hat,
        results["run"].result.equilibrium.flows,
    ):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.0
    tariffs = results["war"].tariffs
    tariffs.iloc[0, 0] = 9.0
    assert results["war"].tariffs.iloc[0, 0] != 9.0


# ------------------------------------------------------------------ options
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (
            lambda: tt.TalksOptions(solution="split"),
            r"TalksOptions\.solution = 'split'.*'nash' or 'equal-gains'",
        ),
        (lambda: tt.WarOptions(tol=0), r"WarOptions\.tol = 0: Input should be greater than 0"),
        (lambda: tt.DealOptions(discount=(0.9, 1.0)), r"DealOptions\.discount .*between 0 and 1"),
        (lambda: tt.OptimizerOptions(uper=1.0), r"OptimizerOptions\.uper: unknown option; allowed: upper"),
        (
            lambda: tt.SolverOptions(closure="open"),
            r"SolverOptions\.closure='open'; allowed: fixed, balanced",
        ),
    ],
)
def test_bad_options_name_the_field_and_the_allowed_values(make, needle):
    with pytest.raises(tt.OptionsError, match=needle):
        make()


def test_options_are_frozen():
    opts = tt.WarOptions()
    with pytest.raises(Exception, match="frozen"):
        opts.tol = 1.0  # type: ignore[misc]
    assert tt.WarOptions(tol=1e-3).to_dict()["tol"] == 1e-3


def test_cli_reports_bad_options_in_one_line(capsys, space_file):
    with pytest.raises(SystemExit) as refused:  # argparse refuses it before anything is loaded
        main(["deals", space_file, "--workers", "0"])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "argument --workers: '0': allowed: a whole number >= 1" in err and err.count("\n") == 1
    assert main(["optimal-tariff", "USA", "--against", "XXX"]) == 2
    assert "unknown region 'XXX'" in capsys.readouterr().err


# ------------------------------------------------------------------ horizons
def test_run_shows_short_and_long_side_by_side(results, capsys):
    run = results["run"]
    assert run.horizon == "long" and set(run.alongside) == {"short"}
    doc = run.to_dict()
    assert doc["horizon"] == "long" and set(doc["horizons"]) == {"short"}
    short = doc["horizons"]["short"]
    assert {"regions", "bilateral", "solver", "provenance"} <= set(short)
    assert short["provenance"]["horizon"] == "short" and doc["provenance"]["horizon"] == "long"
    table = run.summary()
    assert list(table.columns.get_level_values("horizon")[:2]) == ["long", "short"]
    # the short run: lower trade elasticities, so the same tariff raises US prices more
    usa = run.at("short").regions_frame().loc["USA"]
    assert usa["price_index_pct"] > run.result.regions_frame().loc["USA", "price_index_pct"]
    text = run.report().to_text()
    assert "horizons long, short side by side" in text and "solver (short)" in text


def test_horizon_flag_picks_the_result_and_names_it(capsys, toy_dir):
    doc = _cli_json(capsys, "run", "us-100", "--horizon", "short", "--alongside", "none")
    assert doc["horizon"] == "short" and "horizons" not in doc
    assert doc["provenance"]["horizon"] == "short" and doc["baseline"]["horizon"] == "short"
    api = tt.run("us-100", horizon="short", alongside=()).to_dict()
    _assert_same_numbers(api, doc)
    opt = tt.optimal_tariff("R0", "R1", baseline=toy_dir, horizon="medium")
    assert opt.provenance.horizon == "medium" and "horizon medium" in opt.report().to_text()
    with pytest.raises(tt.OptionsError, match="horizon='soon'; allowed: short, medium, long"):
        tt.run("us-100", horizon="soon")
