"""Nothing lost: writes killed with ``kill -9`` leave the old state or the new one, never half of it.

One driver process (a subprocess: nothing of it is shared with pytest) imports the package once,
solves ``us-100`` once, and then forks a writer per trial: a bundle, a report page, a baseline
store or a sweep, written over an old one (or into nothing). Each writer is killed with SIGKILL,
either by itself at a given step of the write (:data:`tradetalks._atomic.hook`: after every file,
after the folder is complete, after it is put in place) or by the driver after a random delay.
The tests then read what each trial left: the target must be absent or the old version, or the
new version complete (``load_bundle`` works and every table's sha256 matches the manifest); the
next write must leave no temporaries; a killed sweep must resume to exactly the uninterrupted
result.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tradetalks as tt
from tests.conftest import make_world
from tradetalks import _atomic
from tradetalks.api.bundle import load_bundle
from tradetalks.data.store import load_baseline, save_baseline

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill trials fork writers (POSIX)")

ROOT = Path(__file__).resolve().parents[1]
#: Regions of the "new" bundle (the old one has the article's regions): the two differ in rows.
NEW_REGIONS = ["USA", "CHN"]
#: Steps at which a bundle writer kills itself: its 23 steps are 21 files (9 tables as parquet
#: and csv, tables.xlsx, result.json, manifest.json), ``folder-built`` and the exchange.
BUNDLE_POINTS = (1, 9, 18, 20, 22, 23)
#: Of a sweep of 3 partitions (21 steps: the first manifest, then per partition its file and the
#: manifest, each as ``synced``, ``file-written``, ``file-replaced``).
SWEEP_POINTS = (1, 5, 6, 14, 21)
SWEEP_SPEC = """name = "killed"
partition_size = 2
[job]
scenario = "us-100"
baseline = "default"
[monte_carlo]
draws = 6
seed = 3
"""

DRIVER = r"""
import json, os, random, shutil, signal, sys, time
from pathlib import Path

sys.path.insert(0, sys.argv[2])
import tradetalks as tt
from tradetalks import _atomic
from tradetalks.data.store import save_baseline
from tradetalks.report import report_data, write_report
from tests.conftest import make_world

cfg = json.loads(Path(sys.argv[1]).read_text())
base = Path(cfg["dir"])
out = {}


def die_at(k):
    seen = []

    def hook(step, path):
        seen.append(step)
        if len(seen) == k:
            os.kill(os.getpid(), signal.SIGKILL)

    _atomic.hook = hook


def forked(fn):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn()
        except BaseException:
            code = 3
        os._exit(code)
    return pid


def status(pid):
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        return "killed" if os.WTERMSIG(st) == signal.SIGKILL else f"signal {os.WTERMSIG(st)}"
    return f"exit {os.WEXITSTATUS(st)}"


def at_step(name, k, fn):
    out[name] = status(forked(lambda: (die_at(k), fn())))


run = tt.run("us-100", alongside=())
new = cfg["new_regions"]
old = base / "old"
tt.write_bundle(run, old)
for k in cfg["bundle_points"]:
    target = base / f"bundle-{k}"
    shutil.copytree(old, target)
    at_step(target.name, k, lambda: tt.write_bundle(run, target, regions=new))
for k in (1, 22):  # into nothing
    target = base / f"fresh-{k}"
    at_step(target.name, k, lambda: tt.write_bundle(run, target, regions=new))
# without renameat2: killed between moving the old folder aside and the new one in
target = base / "aside"
shutil.copytree(old, target)
exchange = _atomic.exchange
_atomic.exchange = lambda a, b: False
at_step(target.name, 23, lambda: tt.write_bundle(run, target, regions=new))
_atomic.exchange = exchange
# killed from outside at random instants while it rewrites the bundle again and again
rng = random.Random(cfg["seed"])
for t in range(cfg["random_trials"]):
    target = base / f"random-{t}"
    shutil.copytree(old, target)

    def loop(target=target):
        i = 0
        while True:
            tt.write_bundle(run, target, regions=new if i % 2 == 0 else None)
            i += 1

    pid = forked(loop)
    time.sleep(rng.uniform(0.05, cfg["random_max_s"]))
    os.kill(pid, signal.SIGKILL)
    out[target.name] = status(pid)

data = report_data(run)
for k in (2, 3):
    page = base / f"page-{k}.html"
    page.write_text("old page", encoding="utf-8")
    at_step(page.name, k, lambda: write_report(data, page))

world_old, world_new = make_world(seed=0), make_world(seed=1)
for k in (1, 2, 3, 4):
    folder = base / f"store-{k}"
    save_baseline(world_old, folder)
    at_step(folder.name, k, lambda: save_baseline(world_new, folder))

for k in cfg["sweep_points"]:
    at_step(f"sweep-{k}", k, lambda: tt.sweep(cfg["spec"], base / f"sweep-{k}"))
print(json.dumps(out))
"""


def _temporaries(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if _atomic.TMP_MARK in p.name or _atomic.OLD_MARK in p.name
    )


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("killed")
    spec = base / "killed.toml"
    spec.write_text(SWEEP_SPEC, encoding="utf-8")
    cfg = {
        "dir": str(base),
        "new_regions": NEW_REGIONS,
        "bundle_points": list(BUNDLE_POINTS),
        "sweep_points": list(SWEEP_POINTS),
        "spec": str(spec),
        "seed": 20251030,
        "random_trials": 2,
        "random_max_s": 1.2,
    }
    (base / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")
    driver = base / "driver.py"
    driver.write_text(textwrap.dedent(DRIVER), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(driver), str(base / "cfg.json"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return base, json.loads(proc.stdout.strip().splitlines()[-1])


def _valid_bundle(path: Path) -> dict[str, Any]:
    """The manifest of a complete bundle at ``path``, every table checked against it."""
    b = load_bundle(path)
    files = {p.name for p in path.iterdir()}
    for table in b.manifest["tables"]:
        data = (path / f"{table['name']}.parquet").read_bytes()
        assert hashlib.sha256(data).hexdigest() == table["sha256"], (path, table["name"])
        assert b.frames[table["name"]].shape == (table["rows"], table["columns"])
        assert {f"{table['name']}.parquet", f"{table['name']}.csv"} <= files
    assert {"manifest.json", "result.json", "tables.xlsx"} <= files
    return b.manifest


def _regions(manifest: dict[str, Any]) -> Any:
    return manifest["regions"]


# ------------------------------------------------------------------------------ bundles
def test_a_bundle_killed_at_any_step_is_the_old_one_or_the_new_one(trials):
    base, status = trials
    old = _valid_bundle(base / "old")
    assert _regions(old) is None
    seen = {}
    for k in BUNDLE_POINTS:
        name = f"bundle-{k}"
        assert status[name] == "killed", (name, status[name])
        m = _valid_bundle(base / name)
        seen[k] = "new" if _regions(m) == NEW_REGIONS else "old"
        if seen[k] == "old":  # the very bundle that was there, byte for byte
            assert m["tables"] == old["tables"]
            for f in (base / "old").iterdir():
                assert (base / name / f.name).read_bytes() == f.read_bytes(), (name, f.name)
    # until the folder is in place the old bundle stands; from the exchange on, the new one
    assert seen == {k: "new" if k >= 23 else "old" for k in BUNDLE_POINTS}
    # what the killed writers left: the temporary folder (before the exchange), or the old
    # bundle at the temporary's name (killed right after it); nothing else
    for k in BUNDLE_POINTS:
        left = [n for n in _temporaries(base) if n.startswith(f".bundle-{k}.")]
        assert len(left) == 1 and _atomic.TMP_MARK in left[0], (k, left)


def test_a_bundle_killed_into_nothing_is_absent_or_complete(trials):
    base, status = trials
    for k in (1, 22):
        assert status[f"fresh-{k}"] == "killed"
        assert not (base / f"fresh-{k}").exists()


def test_killed_at_random_instants_the_bundle_is_always_whole(trials):
    base, status = trials
    versions = set()
    for t in range(2):
        name = f"random-{t}"
        assert status[name] == "killed"
        m = _valid_bundle(base / name)
        versions.add(str(_regions(m)))
    assert versions <= {"None", str(NEW_REGIONS)}


def test_the_next_write_leaves_no_temporaries_and_restores_a_folder_moved_aside(trials, tmp_path):
    base, status = trials
    # killed between moving the old folder aside and moving the new one in (no renameat2)
    assert status["aside"] == "killed" and not (base / "aside").exists()
    left = [n for n in _temporaries(base) if n.startswith(".aside.")]
    assert len(left) == 2 and sum(_atomic.OLD_MARK in n for n in left) == 1  # old aside, new built
    removed = _atomic.remove_leftovers(base / "aside")  # what the next write does first
    assert len(removed) == 1 and _atomic.TMP_MARK in removed[0].name
    assert _regions(_valid_bundle(base / "aside")) is None  # the old bundle is back, whole
    # the next real write removes what the killed writers left next to its target
    assert any(n.startswith(".bundle-1.") for n in _temporaries(base))
    run = tt.run("us-100", alongside=())
    tt.write_bundle(run, base / "bundle-1", regions=NEW_REGIONS)
    assert _regions(_valid_bundle(base / "bundle-1")) == NEW_REGIONS
    names = [f"bundle-{k}" for k in BUNDLE_POINTS] + [f"fresh-{k}" for k in (1, 22)]
    names += [f"random-{t}" for t in range(2)] + ["aside"]
    assert not [n for n in _temporaries(base) if n.startswith(".bundle-1.")]
    for name in names:
        _atomic.remove_leftovers(base / name)
    assert not [n for n in _temporaries(base) if n.startswith(tuple(f".{name}." for name in names))]


# ------------------------------------------------------------------------------ reports, stores
def test_a_report_killed_midway_is_the_old_page(trials):
    base, status = trials
    assert status["page-2.html"] == "killed"  # the temporary complete, not yet renamed over the page
    assert (base / "page-2.html").read_text(encoding="utf-8") == "old page"
    assert status["page-3.html"] == "killed"  # killed right after the rename: the new page, whole
    page = (base / "page-3.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    left = [n for n in _temporaries(base) if n.startswith(".page-")]
    assert len(left) == 1 and left[0].startswith(".page-2.html.tmp-")
    _atomic.atomic_write(base / "page-2.html", "newer page")
    assert not [n for n in _temporaries(base) if n.startswith(".page-")]


def test_a_baseline_store_killed_midway_is_the_old_baseline_or_the_new_one(trials):
    base, status = trials
    old, new = make_world(seed=0), make_world(seed=1)
    for k, expect in ((1, old), (2, old), (3, old), (4, new)):
        assert status[f"store-{k}"] == "killed"
        got = load_baseline(base / f"store-{k}")  # verifies the archive's sha256
        np.testing.assert_array_equal(got.flows, expect.flows)
    # the next save cleans up and replaces it whole
    save_baseline(new, base / "store-1")
    np.testing.assert_array_equal(load_baseline(base / "store-1").flows, new.flows)
    assert not [n for n in _temporaries(base) if n.startswith(".store-1.")]


def test_a_baseline_in_a_shared_folder_keeps_the_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    save_baseline(make_world(seed=2), tmp_path)
    save_baseline(make_world(seed=3), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrays.npz", "manifest.json", "notes.txt"]
    np.testing.assert_array_equal(load_baseline(tmp_path).flows, make_world(seed=3).flows)


# ------------------------------------------------------------------------------ sweeps
def test_a_sweep_killed_at_any_step_resumes_to_the_uninterrupted_result(trials):
    base, status = trials
    spec = base / "killed.toml"
    whole = tt.sweep(spec, base / "whole").frame()
    for k in SWEEP_POINTS:
        out = base / f"sweep-{k}"
        assert status[f"sweep-{k}"] == "killed"
        manifest = out / "manifest.json"
        if manifest.is_file():  # whatever it lists is on disk, whole
            m = json.loads(manifest.read_text(encoding="utf-8"))
            for rec in m["partitions"].values():
                assert hashlib.sha256((out / rec["file"]).read_bytes()).hexdigest() == rec["sha256"]
        else:
            assert k == 1
        res = tt.sweep(spec, out)
        assert len(res.computed) + len(res.resumed) == 3
        pd.testing.assert_frame_equal(res.frame(), whole, check_exact=True, obj=f"killed at step {k}")
        assert _temporaries(out) == []
    # killed after the last manifest was in place: nothing left to compute
    assert tt.sweep(spec, base / f"sweep-{SWEEP_POINTS[-1]}").computed == ()


# ------------------------------------------------------------------------------ the helper
def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    _atomic.atomic_write(target, "old")

    def fail(step: str, path: Path) -> None:
        if step == "file-written":
            raise OSError("disk full")

    monkeypatch.setattr(_atomic, "hook", fail)
    with pytest.raises(OSError, match="disk full"):
        _atomic.atomic_write(target, "new")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    monkeypatch.setattr(_atomic, "hook", None)
    assert _atomic.atomic_write(target, b"new") == target and target.read_bytes() == b"new"
    assert oct(target.stat().st_mode & 0o777) == oct(_atomic.FILE_MODE)


def test_atomic_directory_keeps_the_old_folder_on_error_and_leaves_live_temporaries(tmp_path):
    target = tmp_path / "d"
    with _atomic.atomic_directory(target) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError), _atomic.atomic_directory(target) as tmp:
        (tmp / "a").write_text("2")
        raise RuntimeError("stop")
    assert (target / "a").read_text() == "1" and _temporaries(tmp_path) == []
    # a temporary of a running process (this one) is not touched; one of a dead process is
    live = _atomic.temp_path(target)
    live.mkdir()
    dead = target.with_name(f".d{_atomic.TMP_MARK}999999999-0000abcd")
    dead.mkdir()
    assert _atomic.remove_leftovers(target) == [dead]
    assert live.is_dir() and not dead.exists()
    with _atomic.atomic_directory(target) as tmp:
        (tmp / "b").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert _temporaries(tmp_path) == [live.name]
