"""The command-line interface on the shipped default baseline."""

from __future__ import annotations

import json

import pytest

from tradetalks.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_default_prints_the_focus_regions(capsys):
    code, out, _ = run(capsys, "run")
    assert code == 0
    assert "scenario us-100 on baseline default" in out
    for region in ("USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "ROW"):
        assert f"\n{region} " in out
    assert "converged=True" in out


def test_run_json_shape_and_signs(capsys):
    code, out, _ = run(capsys, "run", "us-100-retaliation", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["scenario"] == "us-100-retaliation"
    assert doc["baseline"]["name"].startswith("default") and doc["baseline"]["year"] == 2022
    assert doc["baseline"]["tariff_date"] == "2025-10-15"
    regions = {r["code"]: r for r in doc["regions"]}
    assert set(regions) == {"USA", "CHN", "JPN", "KOR", "MYS", "ASEAN", "EU27", "ROW"}
    for key in ("welfare_pct", "real_wage_pct", "price_index_pct", "exports_pct", "imports_pct"):
        assert isinstance(regions["USA"][key], float)
    pairs = {(b["importer"], b["exporter"]): b["trade_pct"] for b in doc["bilateral"]}
    # on the pre-summit tariffs (already high), +100 points more still cut both flows by a third or more
    assert pairs[("USA", "CHN")] < -50 and pairs[("CHN", "USA")] < -30
    assert doc["solver"]["converged"] is True and doc["solver"]["residual"] < 1e-9


def test_run_csv(capsys):
    code, out, _ = run(capsys, "run", "--format", "csv", "--regions", "USA,CHN")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("region,welfare_pct") and len(lines) == 3


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("run", "no-such-scenario"), "unknown scenario 'no-such-scenario'"),
        (("run", "--baseline", "no-such-baseline"), "no-such-baseline"),
        (("run", "--regions", "USA,XXX"), "unknown region 'XXX'"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert needle in err and err.count("\n") == 1


def test_bad_scenario_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\n[[levers]]\ntype = "tariff"\nimporter = "USA"\nexporter = "CHN"\nadd_pp = 10\n'
        'sectors = ["NOPE"]\n'
    )
    code, _, err = run(capsys, "run", str(path))
    assert code == 2 and "unknown sector 'NOPE'" in err


def test_data_and_scenarios_listing(capsys):
    code, out, _ = run(capsys, "data", "list")
    assert code == 0 and "default" in out and "icio2022-full" in out
    code, out, _ = run(capsys, "data", "info", "default")
    assert code == 0 and "USA" in out and "2022" in out
    code, out, _ = run(capsys, "scenarios", "list")
    assert code == 0 and "us-100-retaliation" in out and "article" in out


def test_run_with_fallout(capsys):
    code, out, _ = run(capsys, "run", "us-100", "--fallout", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    codes = [r["code"] for r in doc["fallout"]]
    assert codes == ["JPN", "KOR", "MYS", "ASEAN", "EU27", "BRA", "ROW"]
    assert {"welfare_pct", "exposure_before_pct", "exposure_after_pct"} <= set(doc["fallout"][0])
    code, out, _ = run(capsys, "run", "us-100", "--fallout")
    assert code == 0 and "fallout" in out and "exposure_after_pct" in out


def test_core_install_needs_no_raw_data_readers():
    """The CLI runs every built-in scenario with the readers of raw files (h5py, pyarrow,
    openpyxl: the optional 'data' extra) unavailable, as after a plain ``pip install``."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for m in ('h5py', 'pyarrow', 'openpyxl'):\n"
        "    sys.modules[m] = None\n"
        "from tradetalks.cli import main\n"
        "from tradetalks.scenarios import builtin_names\n"
        "for name in builtin_names():\n"
        "    assert main(['run', name, '--format', 'csv']) == 0, name\n"
        "assert main(['run', 'us-100', '--fallout', '--baseline', 'icio2022-full', '--format', 'csv']) == 0\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
