"""Scenario files: includes, overrides, --set and errors that name the file, the line and the field."""

from __future__ import annotations

import json
import textwrap

import pytest

from tradetalks.cli import main
from tradetalks.errors import ScenarioError
from tradetalks.levers import DatedTariffs, ExportControl, TariffChange
from tradetalks.scenarios import load_scenario, parse_levers_table
from tradetalks.scenarios.files import dumps_toml, key_lines, parse_literal
from tradetalks.scenarios.schema import LEVER_MODELS

TARIFF = 'type = "tariff"\nimporter = "USA"\nexporter = "CHN"\n'


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path, **kw) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(str(path), **kw)
    return str(exc.value)


# ------------------------------------------------------------------ errors name file, line and field
@pytest.mark.parametrize(
    ("body", "line", "field", "needle"),
    [
        # wrong type
        ("[[levers]]\n" + TARIFF + 'add_pp = "ten"\n', 9, "levers[0].add_pp", "must be a number (got 'ten')"),
        # unknown key in a lever, with the allowed ones
        (
            "[[levers]]\n" + TARIFF + "add_pp = 1\nbogus = 2\n",
            10,
            "levers[0]",
            "unknown keys ['bogus']; allowed: type",
        ),
        # two tariff modes (the lever's own rule), at the line of the first mode
        ("[[levers]]\n" + TARIFF + "add_pp = 1\nscale = 0.5\n", 9, "levers[0]", "exactly one of"),
        # a bad enum
        (
            '[[levers]]\ntype = "export_control"\nexporter = "CHN"\nproducts = ["C27"]\nmode = "embargo"\n',
            9,
            "levers[0].mode",
            "'embargo' is not allowed; allowed: tax, ban, cap",
        ),
        # an unknown lever type
        (
            '[[levers]]\ntype = "quota"\n',
            6,
            "levers[0].type",
            "type='quota'; allowed: tariff, export_control",
        ),
        # a missing required key
        ('[[levers]]\ntype = "tariff"\nexporter = "CHN"\nadd_pp = 1\n', 5, "levers[0].importer", "missing"),
        # [run]
        (
            '[run]\nhorizon = "soon"\n',
            6,
            "run.horizon",
            "'soon' is not allowed; allowed: short, medium, long",
        ),
        ("[run]\ndraws = 0\n", 6, "run.draws", "must be >= 1 (got 0)"),
        ("[run]\nfast = true\n", 6, "run", "unknown keys ['fast']; allowed: baseline, horizon"),
        # top-level keys
        ('products = ["soy"]\n', 5, "products[0]", "'soy' is not allowed; allowed: soybeans"),
        ("colour = 1\n", 5, "(top level)", "unknown keys ['colour']; allowed: name, title"),
        ('[[sources]]\ntitle = "A"\n', 5, "sources[0].url", "missing"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, body, line, field, needle):
    head = 'name = "mine"\ntitle = "t"\ndate = "pre-summit-2025-10-15"\n\n'
    path = write(tmp_path, "mine.toml", head + body)
    message = error_of(path)
    assert f"{path}, line {line}, {field}: " in message and needle in message, message


def test_levers_in_an_inline_array_are_located(tmp_path):
    path = write(
        tmp_path,
        "inline.toml",
        """
        name = "inline"
        notes = \"\"\"
        importer = "not a key"
        \"\"\"
        levers = [
          { type = "tariff", importer = "USA", exporter = "CHN", add_pp = 1 },
          { type = "tariff", importer = "USA", exporter = "JPN", add_pp = "x" },
        ]
        """,
    )
    assert f"{path}, line 7, levers[1].add_pp: must be a number" in error_of(path)
    lines = key_lines(path.read_text())
    assert lines[("levers", 0)] == 6 and lines[("notes",)] == 2 and ("importer",) not in lines


def test_several_errors_are_all_reported_in_line_order(tmp_path):
    path = write(
        tmp_path, "two.toml", 'name = "x"\n[run]\nseed = -1\n[[levers]]\n' + TARIFF + "add_pp = true\n"
    )
    first, second = error_of(path).splitlines()
    assert first.startswith(f"{path}, line 3, run.seed: must be >= 0")
    assert second.startswith(f"{path}, line 8, levers[0].add_pp: must be a number (got True)")


def test_a_date_outside_the_schedule_is_named(tmp_path):
    path = write(tmp_path, "date.toml", 'name = "x"\n\ndate = "2031-01-01"\n')
    message = error_of(path)
    assert f"{path}, line 3, date: " in message and "2018-01-01 to 2026-12-31" in message


def test_toml_syntax_errors_carry_the_line(tmp_path):
    path = write(tmp_path, "bad.toml", 'name = "x"\n\nlevers = = 1\n')
    message = error_of(path)
    assert f"{path}: not valid TOML" in message and "line 3" in message


def test_deal_space_levers_are_checked_by_the_same_models():
    with pytest.raises(
        ScenarioError, match=r"deal space 'd', issues\[0\]\.options\[1\]\.levers\[0\]\.add_pp: must be"
    ):
        parse_levers_table([{"type": "tariff", "importer": "USA", "exporter": "CHN", "add_pp": "x"}],
                           "deal space 'd'", "issues[0].options[1].levers")  # fmt: skip
    (lever,) = parse_levers_table([{"type": "tariffs_of_date", "date": "geneva-2025"}], "d")
    assert lever == DatedTariffs("2025-05-14")


# ------------------------------------------------------------------ includes
def test_includes_come_first_and_the_including_file_overrides(tmp_path):
    write(
        tmp_path,
        "base.toml",
        """
        name = "base"
        title = "the base"
        date = "2025-01-20"
        products = ["soybeans"]
        include = ["us-100"]

        [run]
        horizon = "short"
        draws = 10

        [[sources]]
        title = "A"
        url = "https://example.org/a"

        [[levers]]
        type = "tariff"
        importer = "CHN"
        exporter = "USA"
        add_pp = 25
        """,
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    path = write(
        sub,
        "mine.toml",
        """
        name = "mine"
        include = ["../base.toml"]
        date = "pre-summit-2025-10-15"
        products = ["aircraft", "soybeans"]

        [run]
        draws = 3

        [[levers]]
        type = "tariff"
        importer = "USA"
        exporter = "JPN"
        set_pct = 15
        """,
    )
    sc = load_scenario(str(path))
    assert sc.name == "mine" and sc.title == "the base" and sc.date == "pre-summit-2025-10-15"
    assert sc.products == ("soybeans", "aircraft")
    assert sc.run.horizon == "short" and sc.run.draws == 3
    assert [s.title for s in sc.sources] == ["A"]
    assert sc.levers == (
        TariffChange("USA", ("CHN",), "goods", add_pp=100.0),
        TariffChange("CHN", ("USA",), "goods", add_pp=25.0),
        TariffChange("USA", ("JPN",), "goods", set_pct=15.0),
    )
    # the merged scenario is self-contained
    assert "include" not in sc.to_dict()


def test_an_error_in_an_included_file_names_that_file_and_its_own_lever(tmp_path):
    inner = write(tmp_path, "inner.toml", 'name = "inner"\n[[levers]]\n' + TARIFF + 'add_pp = "ten"\n')
    outer = write(tmp_path, "outer.toml", 'name = "outer"\ninclude = ["us-100", "inner.toml"]\n')
    assert f"{inner}, line 6, levers[0].add_pp: must be a number" in error_of(outer)


def test_missing_include_and_cycles_name_the_chain(tmp_path):
    miss = write(tmp_path, "miss.toml", 'name = "m"\ninclude = ["us-100", "nope.toml"]\n')
    message = error_of(miss)
    assert (
        f"{miss}, line 2, include: 'nope.toml': no such file" in message
        and f"included from {miss}" in message
    )
    unknown = write(tmp_path, "unknown.toml", 'name = "u"\ninclude = ["us-1000"]\n')
    message = error_of(unknown)
    assert "include: unknown scenario 'us-1000'; built-in: " in message and "us-100" in message
    a = write(tmp_path, "a.toml", 'name = "a"\ninclude = ["b.toml"]\n')
    b = write(tmp_path, "b.toml", 'name = "b"\n\ninclude = ["a.toml"]\n')
    message = error_of(a)
    assert f"{b}, line 3, include: cycle {a} -> {b} -> {a}" in message
    self_ = write(tmp_path, "self.toml", 'name = "s"\ninclude = ["self.toml"]\n')
    assert "include: cycle" in error_of(self_)
    bad = write(tmp_path, "bad.toml", 'name = "s"\ninclude = 3\n')
    assert f"{bad}, line 2, include: must be a list" in error_of(bad)


# ------------------------------------------------------------------ overrides and --set
def test_overrides_set_any_key():
    sc = load_scenario(
        "us-100", overrides={"run.horizon": "short", "date": "2025-01-20", "levers.0.add_pp": 50}
    )
    assert sc.run.horizon == "short" and sc.date == "2025-01-20"
    assert sc.levers == (TariffChange("USA", ("CHN",), "goods", add_pp=50.0),)
    rare = load_scenario("rare-earth-ban", overrides={"levers.0.mode": "cap", "levers.0.cap_share": 0.5})
    assert isinstance(rare.levers[0], ExportControl) and rare.levers[0].cap_share == 0.5


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (
            {"levers.3.add_pp": 1},
            "scenario 'us-100': override 'levers.3.add_pp': levers has 1 entry (levers.0); no 3",
        ),
        ({"levers.x.add_pp": 1}, "override 'levers.x.add_pp': levers has 1 entry"),
        ({"name.first": 1}, "override 'name.first': name is a value, not a table or a list"),
        ({"run..horizon": 1}, "override 'run..horizon': not a path"),
        ({"include": ["x"]}, "includes cannot be overridden"),
        (
            {"levers.0.add_pp": "x"},
            "override 'levers.0.add_pp', levers[0].add_pp: must be a number (got 'x')",
        ),
        ({"run.horizon": "soon"}, "override 'run.horizon', run.horizon: 'soon' is not allowed"),
        ({"run.speed": 1}, "override 'run.speed', run: unknown keys ['speed']"),
    ],
)
def test_bad_overrides_name_the_path(overrides, needle):
    with pytest.raises(ScenarioError) as exc:
        load_scenario("us-100", overrides=overrides)
    assert needle in str(exc.value)


def test_cli_set_errors_name_the_path(capsys):
    assert main(["run", "us-100", "--set", "levers.5.add_pp=50"]) == 2
    assert "override 'levers.5.add_pp': levers has 1 entry (levers.0); no 5" in capsys.readouterr().err
    assert main(["run", "us-100", "--set", "run.horizon"]) == 2
    assert "--set 'run.horizon': expected PATH=VALUE" in capsys.readouterr().err


def test_set_values_are_toml_literals():
    assert parse_literal("50") == 50 and parse_literal("-2.5") == -2.5 and parse_literal("true") is True
    assert parse_literal('["USA", "JPN"]') == ["USA", "JPN"] and parse_literal("short") == "short"
    assert parse_literal('"50"') == "50"


# ------------------------------------------------------------------ writing and the schema command
def test_dumps_toml_writes_what_tomllib_reads():
    import tomllib

    table = {"name": "x", "n": 3, "f": 25e6, "g": 0.57, "notes": 'a "b"\nc', "run": {"horizon": "short"},
             "levers": [{"type": "export_control", "reach": {"MYS": 0.6, "EU-27": 1.0}}]}  # fmt: skip
    assert tomllib.loads(dumps_toml(table)) == table


def test_schema_command(capsys, tmp_path):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["properties"]["levers"]["items"]["discriminator"]["mapping"]) == set(LEVER_MODELS)
    assert main(["schema", "--lever", "purchase"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["properties"]["instrument"]["enum"] == ["preference", "subsidy"]
    out = tmp_path / "schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == schema and str(out) in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["schema", "--lever", "quota"])
    assert "invalid choice: 'quota'" in capsys.readouterr().err


def test_scenarios_show_and_list_know_the_new_file(capsys):
    assert main(["scenarios", "show", "back-to-2017"]) == 0
    assert 'type = "tariffs_of_date"' in capsys.readouterr().out
    assert main(["scenarios", "list"]) == 0
    assert "back-to-2017" in capsys.readouterr().out


def test_a_toml_date_needs_no_quotes(tmp_path):
    path = write(
        tmp_path,
        "d.toml",
        'name = "d"\ndate = 2025-01-20\n[[levers]]\ntype = "tariffs_of_date"\ndate = 2025-05-14\n',
    )
    sc = load_scenario(str(path))
    assert sc.date == "2025-01-20" and sc.levers == (DatedTariffs("2025-05-14"),)
