"""Property (c): the command line, in process, on generated argument lists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from tests.properties.cases import Case
from tests.properties.cli_cases import argv_case, check_cli_case, run_cli

EXAMPLES = settings(max_examples=200, deadline=None)


@EXAMPLES
@given(argv_case())
def test_every_command_line_runs_or_exits_2_with_one_line(case: Case) -> None:
    check_cli_case(case)


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["deals", "--workers", "0"], "tradetalks deals: error: argument --workers: '0': allowed: a whole"),
        (["war", "--workers", "-2"], "argument --workers: '-2'"),
        (["sweep", "us-100-draws", "--out", "x", "--workers", "0"], "argument --workers: '0'"),
        (["run", "--seed", "-1"], "argument --seed: '-1': allowed: a whole number >= 0"),
        (["run", "--draws", "0"], "argument --draws: '0': allowed: a whole number >= 1"),
        (["run", "sub/missing"], "tradetalks: error: 'sub/missing': no such file (sub/missing)"),
        (["deals", "missing.toml"], "'missing.toml': no such file"),
        (["deals", "--tie-tol", "nan"], "argument --tie-tol: 'nan': allowed: a finite number"),
        (["deals", "--discount", "1.5"], "--discount='1.5'; allowed: one or two numbers in (0, 1)"),
        (["run", "--set", "levers.0.set_pct=-20"], "levers[0].set_pct: must be >= 0 (got -20)"),
    ],
)
def test_known_defects_end_in_one_error_line(argv: list[str], text: str) -> None:
    status, out, err = run_cli(argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and text in err, err
