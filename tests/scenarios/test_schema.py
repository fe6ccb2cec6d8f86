"""Scenario files as pydantic models: round trips, the JSON Schema, the generated docs page, [run]."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.calibration import dated_baseline
from tradetalks.cli import main
from tradetalks.data.horizons import HORIZONS
from tradetalks.data.products import PRODUCTS
from tradetalks.levers import LEVER_TYPES
from tradetalks.levers.export_control import MODES
from tradetalks.model import CLOSURES
from tradetalks.scenarios import builtin_names, load_scenario, parse_scenario
from tradetalks.scenarios.run_options import RunOptions
from tradetalks.scenarios.schema import LEVER_MODELS, lever_to_dict, to_lever
from tradetalks.scenarios.schema_docs import lever_json_schema, markdown_reference, scenario_json_schema

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "scenario-files.md"


@pytest.fixture(scope="module")
def base():
    return tt.load_baseline("default")


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_round_trips_through_to_dict(name):
    sc = load_scenario(name)
    table = sc.to_dict()
    assert parse_scenario(table, "round trip") == sc
    # JSON- and TOML-able: through both texts and back, equal
    assert parse_scenario(json.loads(json.dumps(table)), "json") == sc
    assert parse_scenario(tomllib.loads(sc.to_toml()), "toml") == sc
    # the table is a valid file again (no key the file format does not know)
    assert set(table) <= {"name", "title", "article", "notes", "date", "products", "sources", "levers", "run"}


def test_round_trip_compiles_the_same_shocks_on_default(base):
    worlds = {}  # prepared baselines by (products, date): many scenarios share one
    for name in builtin_names():
        sc = load_scenario(name)
        again = parse_scenario(sc.to_dict(), "round trip")
        key = (sc.products, sc.date)
        prepared = worlds[key] = worlds[key] if key in worlds else sc.prepare(base)
        a, b = sc.compile(prepared), again.compile(prepared)
        np.testing.assert_array_equal(a.tariffs, b.tariffs, err_msg=name)
        for arr_a, arr_b in ((a.export_taxes, b.export_taxes), (a.iceberg_hat, b.iceberg_hat)):
            assert (arr_a is None) == (arr_b is None), name
            if arr_a is not None:
                np.testing.assert_array_equal(arr_a, arr_b, err_msg=name)
        assert [c.label for c in a.constraints] == [c.label for c in b.constraints], name
        assert [c.target for c in a.constraints] == [c.target for c in b.constraints], name
        assert [c.sigma for c in a.critical_inputs] == [c.sigma for c in b.critical_inputs], name


def test_run_table_round_trips():
    sc = load_scenario("us-100", overrides={"run.horizon": "short", "run.alongside": [], "run.draws": 5})
    assert sc.run == RunOptions(horizon="short", alongside=(), draws=5)
    assert sc.to_dict()["run"] == {"horizon": "short", "alongside": [], "draws": 5}
    assert parse_scenario(tomllib.loads(sc.to_toml()), "toml") == sc


# ------------------------------------------------------------------ the models and the schema
def test_a_model_for_every_lever_type_and_its_example_builds_the_shipped_lever():
    assert set(LEVER_MODELS) == set(LEVER_TYPES)
    shipped = [lv for name in builtin_names() for lv in load_scenario(name).levers]
    for kind, model in LEVER_MODELS.items():
        (example,) = model.model_json_schema()["examples"]
        lever = to_lever(model.model_validate(example))
        # the example is one of the shipped files' levers, and the old parser agrees with the model
        assert lever in shipped, kind
        assert LEVER_TYPES[kind](example) == lever, kind
        assert lever_to_dict(lever)["type"] == kind


def test_json_schema_describes_every_field_with_enums():
    schema = scenario_json_schema()
    assert schema["$schema"].endswith("2020-12/schema") and schema["additionalProperties"] is False
    defs = schema["$defs"]
    for name, d in defs.items():
        for field, prop in d.get("properties", {}).items():
            assert prop.get("description"), (name, field)
    levers = schema["properties"]["levers"]["items"]
    assert levers["discriminator"]["propertyName"] == "type"
    assert set(levers["discriminator"]["mapping"]) == set(LEVER_TYPES)
    run = defs["RunOptions"]["properties"]
    assert run["horizon"]["enum"] == list(HORIZONS) and run["closure"]["enum"] == list(CLOSURES)
    assert run["draws"]["minimum"] == 1 and run["seed"]["minimum"] == 0
    assert run["intervals"]["enum"] == ["mc", "delta"]
    assert "CP" in run["elasticities"]["enum"]
    assert schema["properties"]["products"]["items"]["enum"] == list(PRODUCTS)
    assert defs["ExportControlLever"]["properties"]["mode"]["enum"] == list(MODES)
    tariff = defs["TariffLever"]["properties"]
    assert tariff["sectors"]["default"] == "goods" and tariff["scale"]["minimum"] == 0
    assert tariff["add_pp"]["type"] == "number" and "anyOf" not in tariff["add_pp"]
    # no null anywhere: TOML cannot write one
    assert '"null"' not in json.dumps(schema)
    one = lever_json_schema("tariffs_of_date")
    assert one["examples"][0]["date"] == "pre-war-2017"
    with pytest.raises(tt.ScenarioError, match="allowed: tariff, export_control"):
        lever_json_schema("quota")


def test_the_docs_page_is_the_generated_one():
    """docs/scenario-files.md is generated: python -m tradetalks.scenarios.schema_docs --docs."""
    page = markdown_reference()
    assert DOCS_PAGE.read_text(encoding="utf-8") == page
    for kind in LEVER_TYPES:
        assert f"### {kind}\n" in page
    for field in ("include", "horizon", "draws", "reach", "compliance", "add_pp", "cap_share", "importers"):
        assert f"| `{field}` |" in page
    assert "python -m tradetalks.scenarios.schema_docs --docs > docs/scenario-files.md" in page


# ------------------------------------------------------------------ [run] honoured by tt.run
def test_run_takes_the_files_run_table_where_the_caller_gives_none(base):
    sc = load_scenario("us-100", overrides={"run.horizon": "short", "run.alongside": []})
    run = tt.run(sc, baseline=base)
    assert run.horizon == "short" and dict(run.alongside) == {}
    explicit = tt.run(sc, baseline=base, horizon="long", alongside=["short"])
    assert explicit.horizon == "long" and set(explicit.alongside) == {"short"}
    # the short run's welfare is the one the file asks for
    direct = tt.run("us-100", baseline=base, horizon="short", alongside=())
    np.testing.assert_allclose(run.result.welfare_hat, direct.result.welfare_hat, rtol=0, atol=1e-13)
    # intervals and the fallout from the file; given as arguments, the caller's win
    asked = {"run.intervals": "delta", "run.alongside": [], "run.fallout": True}
    withu = tt.run(load_scenario("us-100", overrides=asked), baseline=base)
    assert withu.uncertainty is not None and withu.fallout is not None
    without = tt.run(load_scenario("us-100", overrides=asked), baseline=base, fallout=False)
    assert without.fallout is None


def test_cli_run_honours_run_table_and_set(capsys):
    argv = [
        "-q",
        "run",
        "us-100",
        "--set",
        "run.horizon=short",
        "--set",
        "run.alongside=[]",
        "--format",
        "json",
    ]
    assert main([*argv, "--set", "levers.0.add_pp=50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["provenance"]["horizon"] == "short"
    # --horizon on the command line wins over the file's (here: the --set) value
    assert main([*argv, "--horizon", "long"]) == 0
    assert json.loads(capsys.readouterr().out)["provenance"]["horizon"] == "long"


# ------------------------------------------------------------------ back to 2017
def test_back_to_2017_restores_the_pre_war_tariffs_between_the_us_and_china(base):
    sc = load_scenario("back-to-2017")
    assert sc.title and sc.article and sc.notes and sc.date == "pre-summit-2025-10-15"
    prepared = sc.prepare(base)
    tariffs = sc.compile(prepared).tariffs
    before = dated_baseline(base, "pre-war-2017").tariffs
    usa, chn, jpn = (base.region_index(r) for r in ("USA", "CHN", "JPN"))
    np.testing.assert_allclose(tariffs[usa, chn], before[usa, chn], rtol=0, atol=1e-12)
    np.testing.assert_allclose(tariffs[chn, usa], before[chn, usa], rtol=0, atol=1e-12)
    # the pre-summit tariffs on China were far higher; everyone else's stay at their pre-summit level
    assert prepared.tariffs[usa, chn].mean() > before[usa, chn].mean() + 0.2
    np.testing.assert_array_equal(tariffs[usa, jpn], prepared.tariffs[usa, jpn])
    np.testing.assert_array_equal(tariffs[jpn], prepared.tariffs[jpn])
