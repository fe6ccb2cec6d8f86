"""CLI commands for wars and talks: optimal-tariff, war, deals (small worlds, fast)."""

from __future__ import annotations

import json

import pytest

from tests.analyses.test_deals import SPACE
from tests.conftest import make_world
from tradetalks.cli import main
from tradetalks.data.store import save_baseline
from tradetalks.model.solver import balanced_baseline


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy")
    save_baseline(balanced_baseline(make_world(n=4, j=3, seed=21)).replace(name="toy"), path)
    return str(path)


def test_optimal_tariff_json(toy_dir, capsys):
    assert main(["optimal-tariff", "R0", "--against", "R1", "--baseline", toy_dir, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "R0" and doc["against"] == ["R1"]
    assert set(doc["tariffs_pct"]) == {"S0", "S1", "S2"} and all(v > 0 for v in doc["tariffs_pct"].values())
    assert doc["objective_gain"] > 0


def test_war_table_and_json(toy_dir, capsys):
    assert main(["war", "R0,R1", "--bilateral", "--baseline", toy_dir]) == 0
    out = capsys.readouterr().out
    assert "Nash tariff war among R0, R1" in out and "Nash tariffs (%)" in out
    assert main(["war", "R0,R1", "--bilateral", "--baseline", toy_dir, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["tariffs_pct"]) == {"R0", "R1"} and doc["rounds"] >= 1


def test_deals_json_flags(tmp_path, capsys):

    lines = ['name = "mini"', 'parties = ["USA", "CHN"]', "[disagreement]"]
    lines += [f'{k} = "{v}"' for k, v in SPACE["disagreement"].items()]
    for issue in SPACE["issues"]:
        lines += ["[[issues]]", f'name = "{issue["name"]}"']
        for opt in issue["options"]:
            levers = ", ".join(
                "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in lever.items()) + "}"
                for lever in opt["levers"]
            )
            lines += ["[[issues.options]]", f'name = "{opt["name"]}"', f"levers = [{levers}]"]
    path = tmp_path / "mini.toml"
    path.write_text("\n".join(lines) + "\n")
    assert main(["deals", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parties"] == ["USA", "CHN"] and len(doc["packages"]) == 12
    assert {"frontier", "zopa", "nash", "kalai_smorodinsky", "rubinstein"} <= set(doc["packages"][0])
    assert doc["solutions"]["nash"] is not None
    assert main(["deals", str(path)]) == 0
    assert "packages" in capsys.readouterr().out
    assert main(["deals", "no-such-space"]) == 2


def test_talks_from_a_war(toy_dir, capsys):
    assert main(["talks", "R0,R1", "--baseline", toy_dir, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parties"] == ["R0", "R1"] and all(v > 0 for v in doc["gains_pct"].values())
    assert main(["talks", "R0,R1", "--baseline", toy_dir, "--solution", "equal-gains"]) == 0
    assert "equal-gains talks between R0 and R1" in capsys.readouterr().out
    assert main(["talks", "R0", "--baseline", toy_dir]) == 2
