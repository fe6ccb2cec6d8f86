"""CLI commands for wars and talks: optimal-tariff, war, deals (small worlds, fast)."""

from __future__ import annotations

import json

from tests.analyses.test_deals import SPACE
from tests.conftest import write_deal_space
from tradetalks.cli import main


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
    path = write_deal_space(SPACE, tmp_path / "mini.toml")
    assert main(["deals", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parties"] == ["USA", "CHN"] and len(doc["packages"]) == 12
    assert {"frontier", "zopa", "nash", "kalai_smorodinsky", "rubinstein"} <= set(doc["packages"][0])
    assert doc["solutions"]["nash"] is not None
    assert main(["deals", str(path)]) == 0
    assert "packages" in capsys.readouterr().out
    assert main(["deals", "no-such-space"]) == 2


def test_deals_take_the_options_of_run(tmp_path, capsys):
    path = str(write_deal_space(SPACE, tmp_path / "mini.toml"))
    argv = ["deals", path, "--closure", "balanced", "--discount", "0.9,0.8", "--tie-tol", "1e-8"]
    assert main([*argv, "--horizon", "short", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["provenance"]["closure"] == "balanced" and doc["provenance"]["horizon"] == "short"
    assert doc["provenance"]["options"]["deals"]["discount"] == [0.9, 0.8]
    assert doc["provenance"]["options"]["deals"]["tie_tol"] == 1e-8
    assert set(doc["alternating_offers"]) == {"USA_first", "CHN_first", "equilibria"}
    mapping = tmp_path / "map.csv"
    regions = ("USA", "CHN", "JPN", "KOR", "TWN", "MYS", "ASEAN", "EU27", "BRA", "MEX", "CAN", "IND", "ROW")
    mapping.write_text(
        "source,target\n" + "".join(f"{r},{'ROW' if r in ('MEX', 'CAN') else r}\n" for r in regions)
    )
    assert main(["deals", path, "--mapping", str(mapping), "--format", "json"]) == 0
    assert "map.csv" in json.loads(capsys.readouterr().out)["provenance"]["baseline"]
    assert main(["deals", path, "--discount", "1.2"]) == 2
    assert "--discount='1.2'; allowed: one or two numbers in (0, 1)" in capsys.readouterr().err
    assert main(["deals", path, "--discount", "0.9,0.8,0.7"]) == 2
    assert "allowed: one or two numbers in (0, 1)" in capsys.readouterr().err


def test_talks_from_a_war(toy_dir, capsys):
    assert main(["talks", "R0,R1", "--baseline", toy_dir, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parties"] == ["R0", "R1"] and all(v > 0 for v in doc["gains_pct"].values())
    assert main(["talks", "R0,R1", "--baseline", toy_dir, "--solution", "equal-gains"]) == 0
    assert "equal-gains talks between R0 and R1" in capsys.readouterr().out
    assert main(["talks", "R0", "--baseline", toy_dir]) == 2


def test_war_and_talks_json_name_their_sectors(capsys):
    """The JSON of a war and of talks carries the sector names beside the codes (shipped ``default``)."""
    assert main(["war", "USA,CHN", "--bilateral", "--format", "json"]) == 0
    war = json.loads(capsys.readouterr().out)
    assert set(war["sector_names"]) == set(war["tariffs_pct"]["USA"])
    assert war["sector_names"]["A02"] == "Forestry and logging"
    assert main(["talks", "USA,CHN", "--format", "json"]) == 0
    talks = json.loads(capsys.readouterr().out)
    assert set(talks["sector_names"]) == set(talks["tariffs_pct"]["USA"])
    assert talks["sector_names"]["A03"] == "Fishing and aquaculture"
