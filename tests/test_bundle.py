"""Result bundles: write, read back, rerun bit for bit, tampering, atomic writes, the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import tradetalks as tt
from tests.conftest import two_tariff_space
from tradetalks.api import bundle as bundle_mod
from tradetalks.cli import main
from tradetalks.errors import OptionsError
from tradetalks.results import baseline_sha256
from tradetalks.scenarios import builtin_text


@pytest.fixture(scope="module")
def run_result():
    return tt.run("us-100", alongside=())


@pytest.fixture(scope="module")
def run_bundle(run_result, tmp_path_factory):
    return tt.write_bundle(run_result, tmp_path_factory.mktemp("b") / "us-100")


def test_bundle_layout_and_manifest(run_result, run_bundle):
    m = json.loads((run_bundle / "manifest.json").read_text())
    frames = run_result.frames()
    assert m["format"] == bundle_mod.FORMAT and m["kind"] == "run" and m["version"] == tt.__version__
    assert m["created"].endswith("+00:00")
    assert m["baseline"]["name"] == "default" and m["baseline"]["year"] == 2022
    assert m["baseline"]["source_sha256"] == baseline_sha256(tt.load_baseline("default"))
    assert m["baseline"]["sha256"] == run_result.provenance.baseline_sha256
    assert m["scenario"] == json.loads(json.dumps(run_result.scenario.to_dict()))
    canonical = json.dumps(m["scenario"], sort_keys=True, separators=(",", ":"))
    assert m["scenario_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert m["call"]["function"] == "run" and m["call"]["kwargs"]["horizon"] == "long"
    assert m["solver"]["horizons"]["long"]["iterations"] == run_result.result.solver.iterations
    assert m["solver"]["horizons"]["long"]["residual"] < 1e-10
    assert m["provenance"] == run_result.provenance.to_dict()
    assert [t["name"] for t in m["tables"]] == list(frames)
    book = load_workbook(run_bundle / "tables.xlsx", read_only=True)
    for t in m["tables"]:
        data = (run_bundle / f"{t['name']}.parquet").read_bytes()
        assert t["sha256"] == hashlib.sha256(data).hexdigest()
        assert (t["rows"], t["columns"]) == frames[t["name"]].shape
        assert (run_bundle / f"{t['name']}.csv").is_file()
        sheet = t["files"][2].split("#")[1]
        assert len(sheet) <= 31 and sheet in book.sheetnames
    assert json.loads((run_bundle / "result.json").read_text())["scenario"] == "us-100"
    assert not [p for p in run_bundle.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_load_bundle_gives_the_frames_exactly(run_result, run_bundle):
    b = tt.load_bundle(run_bundle)
    assert b.kind == "run" and "us-100" in b.describe()
    for name, frame in run_result.frames().items():
        assert b.frames[name].equals(frame), name
        assert b.frames[name].dtypes.equals(frame.dtypes) and b.frames[name].index.equals(frame.index)
    csv = pd.read_csv(run_bundle / "sectors.csv")
    assert list(csv.columns[:3]) == ["region", "sector", "sector_name"]
    np.testing.assert_allclose(csv["gross_output_pct"], b.frames["sectors"]["gross_output_pct"], rtol=1e-15)
    with pytest.raises(OptionsError, match="no table 'nope'"):
        b.frame("nope")


def test_rerun_reproduces_bit_for_bit(run_bundle):
    report = tt.rerun(run_bundle)
    assert report.identical and report.differences == [] and report.warnings == []
    assert report.tables == len(tt.load_bundle(run_bundle).frames) == 9
    assert report.summary() == "reproduced: 9 tables identical"


def test_rerun_names_a_tampered_table(run_bundle, tmp_path):
    copy = tmp_path / "tampered"
    shutil.copytree(run_bundle, copy)
    frame = pd.read_parquet(copy / "regions.parquet")
    frame.iloc[0, 0] += 1e-12  # one value, one ulp-scale change
    frame.to_parquet(copy / "regions.parquet")
    report = tt.rerun(copy)
    assert not report.identical
    assert [d.split(":")[0] for d in report.differences] == ["regions"]
    assert "values differ in welfare_pct" in report.differences[0]
    assert report.summary().startswith("not reproduced: 1 of 9 tables differ")


def test_rerun_says_when_version_or_baseline_differ(run_bundle, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(run_bundle, copy)
    m = json.loads((copy / "manifest.json").read_text())
    m["version"] = "0.0.1"
    m["baseline"]["source_sha256"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(m))
    report = tt.rerun(copy)
    assert report.identical  # the tables still agree; the warnings say what changed
    text = report.summary()
    assert "written by tradetalks 0.0.1" in text and f"this is tradetalks {tt.__version__}" in text
    assert "baseline 'default': sha256" in text and "0" * 64 in text


def test_rerun_uses_the_recorded_scenario_not_the_file(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    text = builtin_text("us-100").replace("us-100", "mine", 1)
    path.write_text(text)
    out = tmp_path / "mine-bundle"
    assert main(["-q", "run", str(path), "--alongside", "none", "--out", str(out), "--format", "json"]) == 0
    capsys.readouterr()
    path.write_text(text.replace("add_pp = 100", "add_pp = 10"))  # the file on disk changes
    assert "add_pp = 10\n" in path.read_text()
    assert main(["rerun", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "reproduced: 9 tables identical"
    m = json.loads((out / "manifest.json").read_text())
    assert m["argv"][:3] == ["tradetalks", "-q", "run"] and m["scenario"]["name"] == "mine"


def test_a_failed_write_leaves_nothing_half_written(run_result, tmp_path, monkeypatch):
    target = tmp_path / "b"
    calls = []

    def failing(frame):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return original(frame)

    original = bundle_mod.parquet_bytes
    monkeypatch.setattr(bundle_mod, "parquet_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        tt.write_bundle(run_result, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    # over an existing bundle: the old one stays whole
    monkeypatch.setattr(bundle_mod, "parquet_bytes", original)
    tt.write_bundle(run_result, target)
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.name != "manifest.json"}
    calls.clear()
    monkeypatch.setattr(bundle_mod, "parquet_bytes", failing)
    with pytest.raises(OSError):
        tt.write_bundle(run_result, target)
    assert {p.name: p.read_bytes() for p in target.iterdir() if p.name != "manifest.json"} == before
    assert [p.name for p in tmp_path.iterdir()] == ["b"]


def test_refuses_a_folder_that_is_not_a_bundle(run_result, tmp_path):
    target = tmp_path / "notes"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    with pytest.raises(OptionsError, match=r"not empty and not a bundle.*--force"):
        tt.write_bundle(run_result, target)
    assert (target / "mine.txt").read_text() == "keep me"
    tt.write_bundle(run_result, target, force=True)
    assert (target / "manifest.json").is_file() and not (target / "mine.txt").exists()


def test_bundle_refuses_other_objects(tmp_path):
    with pytest.raises(OptionsError, match="cannot be bundled"):
        tt.write_bundle(object(), tmp_path / "x")
    with pytest.raises(OptionsError, match="not a bundle folder"):
        tt.load_bundle(tmp_path)


def test_flat_columns_and_sheet_names():
    cols = pd.MultiIndex.from_tuples([("welfare_pct", "long"), ("welfare_pct", "short")])
    frame = pd.DataFrame([[1.0, 2.0]], columns=cols, index=pd.Index(["USA"], name="region"))
    assert list(bundle_mod.flat(frame).columns) == ["region", "welfare_pct|long", "welfare_pct|short"]
    names = bundle_mod._sheet_names(["a" * 40, "a" * 40 + "b", "x/y"])
    assert all(len(s) <= 31 for s in names.values()) and len(set(names.values())) == 3
    assert names["x/y"] == "x_y"


SMALL_SPACE = two_tariff_space("small-space")


def test_deals_bundle_from_the_cli(tmp_path, capsys):
    space = tmp_path / "small.toml"
    space.write_text(SMALL_SPACE)
    out = tmp_path / "deals"
    assert main(["deals", str(space), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.rstrip().splitlines()[-1].startswith(f"bundle: {out} (2 tables")
    b = tt.load_bundle(out)
    assert b.kind == "deals" and set(b.frames) == {"packages", "summary"}
    assert b.manifest["deal_space"]["name"] == "small-space" and b.manifest["scenario"] is None
    assert b.manifest["solver"]["packages"] == 4
    space.write_text(SMALL_SPACE.replace("add_pp = 100", "add_pp = 50"))  # the file changes on disk
    assert main(["rerun", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "reproduced: 2 tables identical"
    frame = b.frames["summary"].copy()
    frame.iloc[0, frame.columns.get_loc("gain_USA_pct")] += 1.0
    frame.to_parquet(out / "summary.parquet")
    assert main(["rerun", str(out)]) == 1
    report = capsys.readouterr().out
    assert "not reproduced: 1 of 2 tables differ" in report
    assert "summary: values differ in gain_USA_pct" in report


def test_optimal_tariff_bundle_reruns(tmp_path, capsys):
    out = tmp_path / "opt"
    argv = ["-q", "optimal-tariff", "--instrument", "uniform", "--out", str(out), "--format", "json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    doc = json.loads(captured.out)  # stdout stays pure JSON with --out
    b = tt.load_bundle(out)
    assert b.kind == "optimal-tariff" and b.manifest["call"]["kwargs"]["instrument"] == "uniform"
    assert b.result["objective_gain"] == doc["objective_gain"]
    assert tt.rerun(out).identical


def test_python_call_without_cli_needs_call_for_strategy_results(tmp_path):
    opt = tt.optimal_tariff("USA", "CHN", instrument="uniform")
    with pytest.raises(OptionsError, match="pass call="):
        tt.write_bundle(opt, tmp_path / "o")
    call = {"region": "USA", "against": "CHN", "instrument": "uniform"}
    path = tt.write_bundle(opt, tmp_path / "o", call=call)
    assert tt.rerun(path).identical


def test_deal_space_bundle_from_python_rebuilds_the_space(tmp_path):
    space = tmp_path / "small.toml"
    space.write_text(SMALL_SPACE)
    result = tt.deals(str(space), horizon="short")
    path = tt.write_bundle(result, tmp_path / "b")
    space.unlink()  # the file is gone: the manifest holds the space
    m = tt.load_bundle(path).manifest
    assert m["deal_space"]["issues"][0]["options"][0]["levers"][0]["add_pp"] == 100
    assert m["call"]["kwargs"]["horizon"] == "short"
    report = tt.rerun(path)
    assert report.identical, report.summary()


@pytest.mark.parametrize(
    "argv",
    [
        ["war", "--instrument", "uniform", "--bilateral"],
        ["talks", "--instrument", "uniform", "--from", "us-100"],
    ],
    ids=["war", "talks"],
)
def test_war_and_talks_bundles_rerun(tmp_path, capsys, argv):
    out = tmp_path / argv[0]
    assert main(["-q", *argv, "--out", str(out), "--format", "csv"]) == 0
    b = tt.load_bundle(out)
    assert b.kind == argv[0] and b.manifest["solver"]["seconds"] > 0
    if argv[0] == "talks":  # the threat is recorded as its scenario table
        assert b.manifest["scenario"]["name"] == "us-100" and b.manifest["options"]["threat"] == "us-100"
    capsys.readouterr()
    assert main(["rerun", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"reproduced: {len(b.frames)} tables identical"
