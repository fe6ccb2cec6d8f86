"""The dashboard's defences: hosts, origins, size and length limits, the job queue's limit, the run
time limit, no unpickling, escaped markup, downloads confined to the results folder, and a bounded
load test of the real server on loopback.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import os
import pickle
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.test_api import BASE, wait
from tradetalks.web import create_app
from tradetalks.web.guard import MAX_PATH_CHARS, MAX_QUERY_CHARS, host_name
from tradetalks.web.jobs import JOB_ID, Job, JobManager, valid_id

WEB = Path(__file__).resolve().parents[2] / "src" / "tradetalks" / "web"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_server_load.py"
SCRIPT = "<script>alert(1)</script>"
SECRET = "TOP-SECRET-FILE-CONTENT"
#: A cheap real run: us-100 on the shipped default baseline, long run only.
CHEAP_RUN = {"scenario": "us-100", "alongside": []}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the results, holding a secret file and a fake job folder."""
    root = tmp_path_factory.mktemp("outside")
    (root / "secret.json").write_text(json.dumps({"regions": [{"code": SECRET}], "x": SECRET}))
    (root / "job").mkdir()
    return root


def _done_job(folder: Path, job_id: str) -> None:
    folder.mkdir(exist_ok=True)
    job = Job(id=job_id, kind="run", request={}, status="done", progress=1.0, message="done", title="t")
    (folder / "job.json").write_text(json.dumps(job.to_dict()))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, outside: Path) -> dict[str, str]:
    """A results folder whose job folders try to lead outside it: by a symlinked file or folder."""
    results = tmp_path_factory.mktemp("planted-results")
    ids = {"linked_file": "a" * 16, "linked_folder": "b" * 16, "plain": "c" * 16, "bad_name": "../evil"}
    _done_job(results / ids["linked_file"], ids["linked_file"])
    (results / ids["linked_file"] / "result.json").symlink_to(outside / "secret.json")
    _done_job(outside / "job", ids["linked_folder"])
    (outside / "job" / "result.json").write_text(json.dumps({"regions": [{"code": SECRET}]}))
    (results / ids["linked_folder"]).symlink_to(outside / "job", target_is_directory=True)
    _done_job(results / ids["plain"], ids["plain"])
    (results / ids["plain"] / "result.json").write_text(json.dumps({"regions": [{"code": "USA"}]}))
    for job_id, changes in (
        ("d" * 16, {"kind": "evil"}),
        ("e" * 16, {"id": "f" * 16}),
        ("1" * 16, {"title": 5}),
    ):
        _done_job(results / job_id, job_id)  # tampered job files
        data = json.loads((results / job_id / "job.json").read_text())
        (results / job_id / "job.json").write_text(json.dumps({**data, **changes}))
    (results / "not-an-id").mkdir()
    (results / "not-an-id" / "job.json").write_text(
        json.dumps({"id": "../evil", "kind": "run", "request": {}})
    )
    return {**ids, "root": str(results)}


@pytest.fixture(scope="module")
def client(planted: dict[str, str]):
    with TestClient(create_app(Path(planted["root"]), max_jobs=0), base_url=BASE) as c:
        yield c


# -- hosts, origins, sizes, lengths, headers ---------------------------------------------------


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("[::1]:8000", True),  # IPv6 loopback with a port
        ("LOCALHOST:80", True),
        ("evil.example", False),
        ("127.0.0.1.evil.example", False),  # DNS rebinding names
        ("localhost.evil.example:8000", False),
        ("", False),
    ],
)
def test_only_loopback_host_names_are_answered(client: TestClient, host: str, served: bool):
    r = client.get("/api/meta", headers={"Host": host})
    assert r.status_code == (200 if served else 400), (host, r.text)
    if not served:
        assert r.headers["content-type"] == "application/json"
        assert "allowed: 127.0.0.1" in r.json()["detail"]


def test_host_names_lose_their_port():
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("LocalHost:1") == "localhost"
    assert host_name("127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example", "http://127.0.0.1:9"]
)
def test_cross_site_posts_are_refused(client: TestClient, origin: str):
    r = client.post("/api/runs", json=CHEAP_RUN, headers={"Origin": origin})
    assert r.status_code == 403
    assert "cross-site" in r.json()["detail"]


def test_same_site_post_reaches_the_queue(client: TestClient):
    r = client.post("/api/runs", json=CHEAP_RUN, headers={"Origin": "http://127.0.0.1"})
    assert r.status_code == 429  # past the guard; this app takes no jobs (max_jobs=0)


def test_bodies_are_bounded_before_they_are_read(tmp_path: Path):
    json_type = {"content-type": "application/json"}
    with TestClient(create_app(tmp_path, max_request_bytes=1000, max_jobs=0), base_url=BASE) as c:
        big = c.post("/api/runs", json={"scenario": {"name": "x" * 5000}})
        assert big.status_code == 413
        assert big.json()["detail"] == "request body over the limit of 1000 bytes"
        at_limit = b" " * 992 + b'{"x": 1}'
        assert len(at_limit) == 1000
        r = c.post("/api/runs", content=at_limit, headers=json_type)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "x"]  # past the guard
        assert c.post("/api/runs", content=b" " + at_limit, headers=json_type).status_code == 413
        chunked = c.post("/api/runs", content=iter([b"{", b"}"]), headers=json_type)
        assert chunked.status_code == 411
        odd = c.post("/api/runs", content=b"{}", headers={"content-length": b"\xb2"})  # a latin-1 "digit"
        assert odd.status_code == 400 and "Content-Length" in odd.json()["detail"]


def test_paths_and_queries_are_bounded(client: TestClient):
    long_path = client.get("/api/scenarios/" + "x" * MAX_PATH_CHARS)
    assert long_path.status_code == 414
    assert f"at most {MAX_PATH_CHARS}" in long_path.json()["detail"]
    long_query = client.get("/api/meta?q=" + "x" * MAX_QUERY_CHARS)
    assert long_query.status_code == 414
    assert f"at most {MAX_QUERY_CHARS}" in long_query.json()["detail"]
    assert client.get("/api/scenarios/" + "x" * 201).status_code == 422  # a name of 200 at most
    assert client.get("/api/meta?q=" + "x" * (MAX_QUERY_CHARS - 2)).status_code == 200


def test_every_answer_carries_the_browser_safety_headers(client: TestClient):
    for r in (
        client.get("/api/meta"),
        client.get("/api/jobs/" + "0" * 16),
        client.get("/", headers={"Host": "x"}),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp


def test_nan_and_deep_bodies_answer_4xx(client: TestClient):
    nan = client.post("/api/runs", content=b'{"draws": NaN}', headers={"content-type": "application/json"})
    assert nan.status_code == 422 and nan.json()["detail"][0]["loc"] == ["body", "draws"]
    inf_table = b'{"scenario": {"name": "x", "levers": [{"type": "tariff", "add_pp": Infinity}]}}'
    r = client.post("/api/runs", content=inf_table, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not finite" in r.text
    deep = b'{"horizon": ' + b"[" * 900 + b"]" * 900 + b"}"  # an echo of it would not render
    r = client.post("/api/runs", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "horizon"]
    deeper = b"[" * 100_000 + b"]" * 100_000  # past the JSON reader's recursion
    assert (
        client.post("/api/runs", content=deeper, headers={"content-type": "application/json"}).status_code
        == 400
    )
    table = {
        "name": "x",
        "levers": [{"type": "tariff", "importer": "USA", "exporters": ["CHN"], "add_pp": 1}],
    }
    for _ in range(20):
        table = {"name": "x", "levers": [table]}
    r = client.post("/api/runs", json={"scenario": table})
    assert r.status_code == 422 and "nested deeper" in r.text


# -- the job queue and the time limit -----------------------------------------------------------


def test_a_full_queue_answers_429_and_a_stopped_job_frees_its_place(tmp_path: Path):
    app = create_app(tmp_path, workers=1, max_jobs=1, run_timeout_s=0.5)
    with TestClient(app, base_url=BASE) as c:
        first = c.post("/api/runs", json=CHEAP_RUN)
        assert first.status_code == 202, first.text
        full = c.post("/api/deals", json={"space": "busan-2025"})
        assert full.status_code == 429
        assert "max_jobs=1" in full.json()["detail"] and full.headers["retry-after"] == "10"
        pid = None
        end = time.monotonic() + 30
        while pid is None and time.monotonic() < end:  # the job's process, while it runs
            running = dict(app.state.jobs._running)
            pid = running[first.json()["id"]][0].pid if running else None
            time.sleep(0.02)
        done = wait(c, first.json()["id"], timeout=30)
        assert done["status"] == "failed"
        assert done["error"] == "the job ran past the time limit of 0.5 s and was stopped"
        assert 0.45 <= done["finished"] - done["started"] < 5  # the limit is counted from the start
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
        again = c.post("/api/runs", json=CHEAP_RUN)
        assert again.status_code == 202  # the failed job no longer counts
        assert app.state.jobs.active() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.json()["id"], again.json()["id"]])


def test_the_limit_holds_under_concurrent_posts(tmp_path: Path):
    jobs = JobManager(tmp_path, workers=1, max_active=3)
    jobs._ensure_started = lambda: None  # type: ignore[method-assign]  # count only, start nothing
    got: list[Job | None] = []
    threads = [threading.Thread(target=lambda: got.append(jobs.submit("run", {}))) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [j for j in got if j is not None]
    assert len(got) == 24 and len(accepted) == 3 and jobs.active() == 3
    assert len(list(tmp_path.iterdir())) == 3


def test_a_read_only_app_queues_nothing(client: TestClient, planted: dict[str, str]):
    before = sorted(os.listdir(planted["root"]))
    r = client.post("/api/deals", json={"space": "busan-2025"})
    assert r.status_code == 429 and "max_jobs=0" in r.json()["detail"]
    assert sorted(os.listdir(planted["root"])) == before


# -- no unpickling, no eval, escaped markup -----------------------------------------------------


def test_the_web_package_never_evaluates_or_unpickles():
    banned_calls = {"eval", "exec", "compile", "__import__"}
    banned_modules = {"pickle", "cPickle", "dill", "marshal", "shelve", "yaml", "jinja2", "string"}
    for path in sorted(WEB.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in banned_calls, (path.name, node.lineno)
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & banned_modules, (
                    path.name,
                    node.lineno,
                )
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in banned_modules, (path.name, node.lineno)
    for path in sorted((WEB / "static").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        for word in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert word not in text, (path.name, word)


def test_job_reports_are_json_and_anything_else_is_ignored(tmp_path: Path, caplog):
    jobs = JobManager(tmp_path)
    job_id = "d" * 16
    jobs._jobs[job_id] = Job(id=job_id, kind="run", request={}, status="running")
    jobs._handle(json.dumps([job_id, "progress", [0.25, "solving"]]))
    assert (jobs.get(job_id).progress, jobs.get(job_id).message) == (0.25, "solving")  # type: ignore[union-attr]
    with caplog.at_level(logging.WARNING):
        jobs._handle(pickle.dumps((job_id, "done", {"title": "x"})))  # a pickle is never loaded
        jobs._handle((job_id, "done", {}))
    assert jobs.get(job_id).status == "running"  # type: ignore[union-attr]
    assert sum("malformed report" in r.getMessage() for r in caplog.records) == 2
    jobs._handle(json.dumps(["../" + job_id, "failed", "x"]))
    assert jobs.get(job_id).status == "running"  # type: ignore[union-attr]


def test_markup_from_the_user_comes_back_escaped(tmp_path: Path):
    table = {
        "name": SCRIPT,
        "title": SCRIPT + " title",
        "notes": f'"><img src=x onerror=alert(1)> {SCRIPT}',
        "levers": [{"type": "tariff", "importer": "USA", "exporters": ["CHN"], "add_pp": 100.0}],
    }
    with TestClient(create_app(tmp_path), base_url=BASE) as c:
        page = c.get("/", params={"scenario": SCRIPT})
        assert SCRIPT not in page.text  # the page is static: nothing from the URL enters it
        missing = c.get(f"/api/scenarios/{SCRIPT}")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
        assert missing.headers["x-content-type-options"] == "nosniff"
        r = c.post("/api/runs", json={"scenario": table, "alongside": []})
        if r.status_code == 422:  # refusing the markup outright is as good as escaping it
            assert r.headers["content-type"] == "application/json"
            return
        assert r.status_code == 202, r.text
        done = wait(c, r.json()["id"])
        assert done["status"] == "done", done
        assert done["title"] == SCRIPT + " title"  # JSON carries it as text
        report = c.get(f"/api/runs/{done['id']}/report.html")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert SCRIPT not in report.text and "<img src=x" not in report.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; title" in report.text


# -- downloads stay inside the results folder ----------------------------------------------------


def test_job_ids_are_strict():
    assert valid_id("0123456789abcdef")
    for bad in (
        "0123456789ABCDEF",
        "0123456789abcde",
        "0123456789abcdef0",
        "0123456789abcdef\n",
        "../x",
        "",
        "g" * 16,
    ):
        assert not valid_id(bad), bad
    assert JOB_ID.pattern == "[0-9a-f]{16}"


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/../../etc/passwd",
        "/api/runs/..%2F..%2Fsecret.json/result",
        "/api/runs/%2e%2e%2f%2e%2e%2foutside/result",
        "/api/runs/%2e%2e%5c%2e%2e%5csecret.json/result",
        "/api/runs/..%5C..%5Csecret.json/report.html",
        "/api/runs/%2Fetc%2Fpasswd/result",
        "/api/runs//etc/passwd/result",
        "/api/runs/cccccccccccccccc%00/result",
        "/api/runs/cccccccccccccccc%00.json/result",
        "/api/runs/cccccccccccccccc%0A/result",
        "/api/runs/cccccccccccccccc%2F..%2F..%2Fsecret.json/result",
        "/api/runs/cccccccccccccccc/..%2F..%2Fsecret.json",
        "/api/runs/cccccccccccccccc/result%00",
        "/api/runs/CCCCCCCCCCCCCCCC/result",
        "/api/runs/%252e%252e%252fsecret.json/result",
        "/api/jobs/..%2F..%2Fnot-an-id",
        "/api/jobs/..%2Fevil",
        "/static/%2e%2e%2fapp.py",
        "/static/..%5Capp.py",
        "/static/app.js%00",
        "/static/%2Fetc%2Fpasswd",
        "/api/compare?a=..%2F..%2Fsecret.json&b=cccccccccccccccc",
        "/api/compare?a=%2Fetc%2Fpasswd&b=cccccccccccccccc",
        "/api/compare?a=aaaaaaaaaaaaaaaa&b=cccccccccccccccc",  # a's result is a link outside
        "/api/compare?a=bbbbbbbbbbbbbbbb&b=cccccccccccccccc",  # b's folder is a link outside
        "/api/runs/aaaaaaaaaaaaaaaa/result",  # a file linked outside the results
        "/api/runs/bbbbbbbbbbbbbbbb/result",  # a folder linked outside the results
    ],
)
def test_downloads_stay_inside_the_results(client: TestClient, planted: dict[str, str], path: str):
    r = client.get(path)
    assert r.status_code in (404, 422), (path, r.status_code, r.text[:200])
    assert SECRET not in r.text and "root:" not in r.text
    assert r.headers["content-type"] == "application/json"


def test_a_plain_job_is_served_and_odd_folders_are_not_listed(client: TestClient, planted: dict[str, str]):
    r = client.get(f"/api/runs/{planted['plain']}/result")
    assert r.status_code == 200 and r.json() == {"regions": [{"code": "USA"}]}  # the control
    jobs = client.get("/api/jobs")
    assert jobs.status_code == 200
    listed = {j["id"] for j in jobs.json()}
    assert listed == {planted["plain"], planted["linked_file"]}  # not a linked folder, not a tampered file


# -- the command line ---------------------------------------------------------------------------


def test_serve_passes_its_limits_and_warns_off_loopback(monkeypatch, tmp_path: Path, caplog):
    import uvicorn

    from tradetalks.cli import commands

    apps = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append((app, kw)))
    argv = ["--quiet", "serve", "--results", str(tmp_path), "--max-jobs", "3", "--run-timeout", "42.5"]
    args = commands.parser().parse_args([*argv, "--host", "::1", "--max-request-bytes", "5000"])
    with caplog.at_level(logging.WARNING):
        commands.HANDLERS["serve"](args)
    app, kw = apps[-1]
    assert kw["host"] == "::1" and not caplog.records
    assert (app.state.jobs.max_active, app.state.jobs.timeout_s) == (3, 42.5)
    with TestClient(app, base_url="http://[::1]:8000") as c:
        assert c.get("/api/meta").status_code == 200
        assert c.get("/api/meta", headers={"Host": "evil.example"}).status_code == 400
        assert c.post("/api/runs", content=b"x" * 5001).status_code == 413
    args = commands.parser().parse_args([*argv, "--host", "192.168.1.20"])
    with caplog.at_level(logging.WARNING):
        commands.HANDLERS["serve"](args)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("192.168.1.20" in m and "no login" in m for m in warned)
    with TestClient(apps[-1][0], base_url="http://192.168.1.20:8000") as c:  # any host name off loopback
        assert c.get("/api/meta").status_code == 200
    for bad in (
        ["--max-jobs", "-1"],
        ["--run-timeout", "0"],
        ["--run-timeout", "nan"],
        ["--max-request-bytes", "0"],
    ):
        with pytest.raises(SystemExit):
            commands.parser().parse_args(["serve", *bad])


# -- a bounded load test of the real server -------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("bench_server_load", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_real_server_answers_a_burst_without_5xx(tmp_path: Path):
    bench = _bench()
    with bench.ThreadServer(tmp_path, max_jobs=0) as server:  # uvicorn on a loopback socket
        report = bench.load(server.url, clients=50, requests=400)
    figures = report.summary()
    assert figures["answered"] == 400, figures
    assert figures["server_errors"] == 0 and figures["connection_errors"] == 0, figures
    by_status = figures["by_status"]
    assert by_status["413"] >= 10 and by_status["422"] >= 20 and by_status["404"] >= 20, by_status
    assert by_status["429"] == 1  # the one valid run of 400, refused by a read-only server
    assert set(by_status) <= {"200", "404", "413", "422", "429"}
    assert figures["throughput_rps"] > 0 and figures["p99_ms"] >= figures["p50_ms"] > 0
