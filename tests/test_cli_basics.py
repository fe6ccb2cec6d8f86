"""The command line's basics: --version, --quiet, scenarios show, --regions all."""

from __future__ import annotations

import json
import tomllib

import pytest

from tradetalks._version import __version__
from tradetalks.cli import main
from tradetalks.scenarios import builtin_names, builtin_text, load_scenario


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"tradetalks {__version__}"


@pytest.mark.parametrize("name", builtin_names())
def test_scenarios_show_prints_the_shipped_file(capsys, name):
    assert main(["scenarios", "show", name]) == 0
    out = capsys.readouterr().out
    assert out.rstrip("\n") == builtin_text(name).rstrip("\n")
    assert tomllib.loads(out)["name"] == load_scenario(name).name


def test_scenarios_show_unknown_lists_the_allowed(capsys):
    assert main(["scenarios", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nope'" in err and "us-100" in err and "modest-deal" in err


def test_quiet_run_leaves_stderr_empty_and_regions_all(capsys):
    assert main(["-q", "run", "us-100", "--alongside", "none", "--regions", "all", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    doc = json.loads(captured.out)
    regions = [row["code"] for row in doc["regions"]]
    assert {"USA", "CHN", "TWN", "BRA", "MEX", "CAN", "IND"} <= set(regions)
    assert len(regions) == 13


def test_quiet_and_verbose_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-q", "-v", "scenarios", "list"])
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
