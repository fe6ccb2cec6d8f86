"""Property (b): the Python API's arguments and option objects, valid and invalid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

import tradetalks as tt
from tests.properties.cases import Case, check_options_case, check_run_options_case, options_case, run_case
from tradetalks.api.inputs import check_run_options
from tradetalks.errors import OptionsError, ScenarioError

EXAMPLES = settings(max_examples=200, deadline=None)


@EXAMPLES
@given(run_case())
def test_run_arguments_are_accepted_or_refused_by_name(case: Case) -> None:
    check_run_options_case(case)


@EXAMPLES
@given(options_case())
def test_option_objects_are_built_or_refused_by_name(case: Case) -> None:
    check_options_case(case)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seed": -1}, "seed=-1"),
        ({"draws": True}, "draws=True"),
        ({"draws": -5}, "draws=-5"),
        ({"fallout": "yes"}, "fallout='yes'"),
        ({"alongside": "short"}, "alongside='short'"),
        ({"date": "2099-01-01"}, "date='2099-01-01'"),
        ({"intervals": "mc"}, "intervals='mc' needs draws"),
        ({"intervals": "delta", "draws": 3}, "draws=3"),
        ({"closure": "open"}, "closure='open'; allowed: fixed, balanced"),
        ({"workers": 2}, "workers: unknown argument"),
    ],
)
def test_check_run_options_names_the_argument(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(OptionsError) as err:
        check_run_options(**kwargs)
    assert field in str(err.value)
    if "workers" not in kwargs:  # tradetalks.run has no such argument: Python's TypeError
        with pytest.raises(OptionsError) as err:
            tt.run(**kwargs)  # type: ignore[arg-type]
        assert field in str(err.value)


def test_valid_arguments_solve() -> None:
    """A few accepted argument sets, solved: validation does not refuse what runs."""
    for kwargs in (
        {"scenario": "us-100", "horizon": "short", "alongside": [], "draws": 0, "seed": 0},
        {"scenario": "modest-deal", "alongside": [], "fallout": False, "closure": "fixed"},
    ):
        check_run_options(**kwargs)
        run = tt.run(**kwargs)  # type: ignore[arg-type]
        assert run.result.solver.converged and not run.alongside


def test_run_refuses_bad_elasticities_by_the_argument_name() -> None:
    with pytest.raises(OptionsError, match="elasticities='XX'; allowed: CP, "):
        tt.run("us-100", elasticities="XX")


def test_deals_workers_zero_is_refused() -> None:
    with pytest.raises(OptionsError, match="workers"):
        tt.api.deals(options=tt.analyses.options.DealOptions(workers=0))


def test_a_missing_deal_space_file_is_not_an_unknown_name(tmp_path) -> None:
    path = str(tmp_path / "space.toml")
    with pytest.raises(ScenarioError, match="no such file") as err:
        tt.api.deals(path)
    assert path in str(err.value) and "unknown deal space" not in str(err.value)
