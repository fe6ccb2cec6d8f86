"""Property (a): scenario files, valid and invalid, through the file loader (docs/scenario-files.md)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

import tradetalks as tt
from tests.properties.cases import Case, check_scenario_file, scenario_text_case
from tradetalks.errors import ScenarioError
from tradetalks.scenarios import parse_scenario

EXAMPLES = settings(max_examples=200, deadline=None)


@EXAMPLES
@given(scenario_text_case())
def test_every_file_is_loaded_or_refused_by_name(case: Case) -> None:
    check_scenario_file(case)


def _tariff(**mode: object) -> dict[str, object]:
    return {"name": "t", "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN", **mode}]}


def test_a_negative_tariff_level_is_refused_and_points_to_the_subsidy_lever() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_tariff(set_pct=-20), "my.toml")
    text = str(err.value)
    assert "my.toml, levers[0].set_pct: must be >= 0 (got -20)" in text
    assert 'instrument = "subsidy"' in text and "purchase" in text


@pytest.mark.parametrize(
    ("mode", "value", "expect"),
    [
        ("set_pct", 10_000.5, "must be <= 10000"),
        ("add_pp", -10_001, "must be >= -10000"),
        ("all_in_pct", -1, "must be >= 0"),
        ("add_pp", math.nan, "must be a finite number"),
        ("scale", math.inf, "must be a finite number"),
    ],
)
def test_rates_out_of_range_are_refused(mode: str, value: float, expect: str) -> None:
    with pytest.raises(ScenarioError, match=f"levers\\[0\\].{mode}: {expect}"):
        parse_scenario(_tariff(**{mode: value}), "my.toml")


def test_ten_thousand_percent_is_accepted_and_solves() -> None:
    sc = parse_scenario(_tariff(set_pct=10_000, sectors=["C26"]), "my.toml")
    run = tt.run(sc, alongside=[])
    assert run.result.solver.converged
    frames = run.result.frames()
    assert frames["tariff_changes"]["tariff_after_pct"].tolist() == pytest.approx([10_000.0])
    # a 10,000 % US tariff on Chinese electronics: US imports of them from China all but vanish
    flow = frames["bilateral"].loc[("USA", "CHN", "C26")]
    assert flow["trade_pct"] < -90 and flow["trade"] > 0


def test_a_cut_stops_at_a_zero_rate_and_a_rise_above_the_cap_is_refused() -> None:
    base = tt.api.inputs.baseline_of("default")
    cut = parse_scenario(_tariff(add_pp=-50), "cut.toml")
    shocks = cut.compile(base)
    n, i = base.region_index("USA"), base.region_index("CHN")
    before, after = base.tariffs[n, i], shocks.tariffs[n, i]
    assert after.min() == 0.0 and before.max() < 0.5  # every applied rate is below 50 %: all removed
    assert (shocks.tariffs < 0).sum() == 0
    small = parse_scenario(_tariff(add_pp=-0.5), "cut.toml").compile(base).tariffs[n, i]
    expect = [max(b - 0.005, 0.0) for b in before]
    assert small.tolist() == pytest.approx(expect, abs=0.0)
    with pytest.raises(ScenarioError, match=r"levers\[0\]: the tariff of USA on .* would be 1000\d"):
        parse_scenario(_tariff(add_pp=10_000), "up.toml").compile(base)


def test_a_missing_file_path_says_so_and_names_the_path(tmp_path) -> None:
    for given_path in (str(tmp_path / "nope"), str(tmp_path / "nope.toml"), "sub/nope.TOML"):
        with pytest.raises(ScenarioError) as err:
            tt.load_scenario(given_path)
        text = str(err.value)
        assert f"{given_path!r}: no such file" in text and "unknown scenario" not in text
    with pytest.raises(ScenarioError, match="unknown scenario 'us-1000'"):
        tt.load_scenario("us-1000")
