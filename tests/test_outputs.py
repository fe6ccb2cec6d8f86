"""Output people can use: sector names, the tariff before and after, --regions all, headers that
say what a result is, --version, --quiet and --verbose."""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tradetalks.analyses.deal_space import parse_deal_space
from tradetalks.cli import allies as cli_allies
from tradetalks.cli import main
from tradetalks.cli import options as cli_options
from tradetalks.data.concordance import SECTOR_NAMES
from tradetalks.data.products import PRODUCTS
from tradetalks.results.common import sector_names, with_sector_names


@pytest.fixture(scope="module")
def us100():
    return tt.run("us-100", alongside=())


@pytest.fixture(scope="module")
def ban():
    return tt.run("rare-earth-ban", alongside=())


def test_sector_names_beside_codes_in_every_frame(us100):
    frames = us100.frames()
    sectors = frames["sectors"]
    assert sectors.columns[0] == "sector_name"
    assert sectors.loc[("USA", "C26"), "sector_name"] == "Computer, electronic and optical equipment"
    assert sectors.loc[("CHN", "C24A"), "sector_name"] == "Basic iron and steel"
    bil = frames["bilateral"]
    assert bil.columns[0] == "sector_name"
    assert (bil.xs("C26", level="sector")["sector_name"] == SECTOR_NAMES["C26"]).all()
    for name, frame in frames.items():
        has_codes = "sector" in frame.columns or "sector" in frame.index.names
        assert not has_codes or "sector_name" in frame.columns, name
    assert us100.to_dict()["sector_names"]["C24A"] == "Basic iron and steel"


def test_split_products_are_named_and_chokepoint_inputs_too(ban):
    hit = ban.frames()["chokepoints"]
    assert len(hit) > 0
    code = PRODUCTS["rare-earth-magnets"].code
    assert (hit["input"] == code).all()
    assert (hit["input_name"] == PRODUCTS["rare-earth-magnets"].description).all()
    assert list(hit.columns[:5]) == ["region", "sector", "sector_name", "input", "input_name"]
    assert ban.result.sector_names[code] == PRODUCTS["rare-earth-magnets"].description
    text = ban.report().to_text()
    assert "Electrical equipment" in text  # the chokepoint section names the sectors it hits


def test_with_sector_names_on_columns_index_and_unknown_codes():
    names = sector_names()
    frame = pd.DataFrame({"sector": ["C26", "XYZ"], "v": [1.0, 2.0]})
    out = with_sector_names(frame, names)
    assert list(out.columns) == ["sector", "sector_name", "v"]
    assert list(out["sector_name"]) == [names["C26"], ""]
    assert "sector_name" not in frame.columns  # a copy
    indexed = with_sector_names(frame.set_index("sector"), names)
    assert list(indexed.columns) == ["sector_name", "v"]
    assert with_sector_names(pd.DataFrame({"v": [1.0]}), names).columns.tolist() == ["v"]


def test_tariff_changes_before_and_after_every_changed_flow(us100):
    changes = us100.frames()["tariff_changes"]
    base = us100.result.baseline
    goods = [s for s in base.sectors if s != "SERV"]
    assert list(changes.columns) == [
        "importer", "exporter", "sector", "sector_name", "trade_base", "tariff_before_pct",
        "tariff_after_pct", "change_pp",
    ]  # fmt: skip
    assert len(changes) == len(goods) == 27
    assert set(changes["importer"]) == {"USA"} and set(changes["exporter"]) == {"CHN"}
    np.testing.assert_allclose(changes["change_pp"], 100.0, rtol=0, atol=1e-9)
    n, i = base.region_index("USA"), base.region_index("CHN")
    j = [base.sectors.index(s) for s in changes["sector"]]
    np.testing.assert_allclose(changes["tariff_before_pct"], 100 * base.tariffs[n, i, j], rtol=1e-14)
    np.testing.assert_allclose(changes["trade_base"], base.flows[n, i, j], rtol=1e-14)
    pair = us100.result.tariff_changes_frame(by="pair")
    assert len(pair) == 1 and pair.loc[0, "sectors"] == 27
    w = changes["trade_base"].to_numpy()
    before = float(np.average(changes["tariff_before_pct"], weights=w))
    assert pair.loc[0, "tariff_before_pct"] == pytest.approx(before, rel=1e-12)
    assert pair.loc[0, "change_pp"] == pytest.approx(100.0, abs=1e-9)
    # the reference world's trade-weighted US tariff on China, 2025-10-15: about 44 %
    assert 30.0 < before < 60.0
    doc = us100.to_dict()
    assert len(doc["tariff_changes"]) == 27 and doc["tariff_changes"][0]["change_pp"] == pytest.approx(100.0)
    text = us100.report().to_text()
    assert "tariff changes, largest first (27 flows changed" in text


def test_tariff_changes_empty_without_tariff_levers(ban):
    assert len(ban.frames()["tariff_changes"]) == 0
    assert "tariff changes" not in ban.report().to_text()
    with pytest.raises(tt.OptionsError, match="allowed: flow, pair"):
        ban.result.tariff_changes_frame(by="region")


def test_regions_all_in_the_api(us100):
    every = list(us100.result.regions)
    assert list(us100.summary(regions="all").index) == every
    assert list(us100.frames(regions="all")["regions"].index) == every
    assert [r["code"] for r in us100.to_dict(regions="all")["regions"]] == every
    assert {"TWN", "BRA", "MEX", "CAN", "IND"} <= set(every)
    assert list(us100.summary(regions="USA,TWN").index) == ["USA", "TWN"]


def test_regions_all_on_the_command_line_csv(capsys):
    assert main(["-q", "run", "--alongside", "none", "--regions", "all", "--format", "csv"]) == 0
    table = capsys.readouterr().out
    assert table.count("\n") >= 13 and "TWN," in table and "IND," in table


HEADER = ("baseline default", "(2022;", "horizon long", "elasticities CP", "closure fixed")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--alongside", "none"],
        ["optimal-tariff", "--instrument", "uniform"],
        ["war", "--instrument", "uniform", "--bilateral"],
        ["talks", "--instrument", "uniform", "--from", "us-100"],
        ["allies", "JPN"],
    ],
    ids=lambda a: a[0],
)
def test_every_header_says_baseline_date_horizon_elasticities_closure(capsys, argv):
    assert main(["-q", *argv]) == 0
    head = "\n".join(capsys.readouterr().out.splitlines()[:4])
    for part in HEADER:
        assert part in head, (argv[0], part, head)
    assert "tariffs in force on" in head or "applied tariffs of the data year" in head


def test_deals_and_tariff_rates_headers():
    space = parse_deal_space(
        {
            "name": "tiny",
            "date": "geneva-2025",
            "disagreement": {"us": "up"},
            "issues": [
                {
                    "name": "us",
                    "options": [
                        {"name": "up", "levers": [{"type": "tariff", "importer": "USA", "exporter": "CHN",
                                                   "sectors": "goods", "add_pp": 10}]},
                        {"name": "hold", "levers": []},
                    ],
                }
            ],
        },
        "test",
    )  # fmt: skip
    text = tt.deals(space).report().to_text()
    for part in (*HEADER, "tariffs in force on 2025-05-14"):
        assert part in text
    rates = tt.tariff_rates("2025-10-15").report().to_text()
    assert "tariffs in force on 2025-10-15" in rates and "baseline icio2022-full (2022" in rates


def test_version_line(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out.strip()
    assert out.startswith("tradetalks ") and out.split()[1] == tt.__version__


def test_quiet_leaves_stderr_empty_even_with_a_progress_task(capsys):
    assert main(["-q", "run", "--alongside", "none", "--draws", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "median" in captured.out


def test_verbose_logs_every_solve(capsys):
    assert main(["-v", "run", "--alongside", "none", "--format", "json"]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "tradetalks.model.solver" in line]
    assert lines and all(line.startswith("DEBUG ") for line in lines)
    assert "iterations" in lines[-1]
    json.loads(captured.out)  # the JSON on stdout is untouched
    assert main(["run", "--alongside", "none", "--format", "json"]) == 0
    assert "DEBUG" not in capsys.readouterr().err  # the default is warnings only
    logging.getLogger("tradetalks").setLevel(logging.NOTSET)


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["run", "--alongside", "none", "--draws", "2"], cli_options),
        (["optimal-tariff", "--instrument", "uniform"], cli_options),
        (["war", "--instrument", "uniform", "--bilateral"], cli_options),
        (["allies", "JPN"], cli_allies),
    ],
    ids=lambda a: a[0] if isinstance(a, list) else "",
)
def test_long_commands_report_progress_and_quiet_or_json_turn_it_off(monkeypatch, capsys, argv, module):
    seen: list[tuple[bool, list[str]]] = []

    @contextmanager
    def recorder(enabled, delay=0.0):
        tasks: list[str] = []
        seen.append((enabled, tasks))
        yield lambda task, done, total: tasks.append(task)

    monkeypatch.setattr(module, "stderr_progress", recorder)
    assert main(argv) == 0
    assert main(["-q", *argv]) == 0
    assert main([*argv, "--format", "json"]) == 0
    capsys.readouterr()
    (shown, tasks), (quiet, _), (as_json, _) = seen
    assert shown and tasks  # the bar is fed
    assert not quiet and not as_json
