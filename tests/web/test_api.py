"""The dashboard's JSON API (tradetalks.web.create_app) through FastAPI's test client.

One app and one solved run of us-100 (long run only) are shared by the module; every number a
test checks comes from that run and is compared with ``tradetalks.run`` called directly.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import tradetalks as tt
from tradetalks.api.bundle import load_bundle, rerun
from tradetalks.data.catalog import shipped_baselines
from tradetalks.errors import OptionsError
from tradetalks.report import figures as report_figures
from tradetalks.web import create_app

BASE = "http://127.0.0.1"
#: A job of the shared app must finish within this many seconds.
WAIT_S = 120.0


def wait(client: TestClient, job_id: str, timeout: float = WAIT_S) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not finished after {timeout} s: {job}")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-results")


@pytest.fixture(scope="module")
def client(results: Path):
    app = create_app(results, workers=2)
    with TestClient(app, base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def run_job(client: TestClient) -> dict:
    job = client.post("/api/runs", json={"scenario": "us-100", "alongside": []})
    assert job.status_code == 202, job.text
    done = wait(client, job.json()["id"])
    assert done["status"] == "done", done
    return done


@pytest.fixture(scope="module")
def direct() -> tt.ScenarioRun:
    return tt.run("us-100", alongside=())


def test_meta_lists_the_choices(client: TestClient):
    meta = client.get("/api/meta").json()
    assert [b["name"] for b in meta["baselines"]] == list(shipped_baselines())
    assert meta["horizons"] == ["short", "medium", "long"]
    assert meta["closures"] == ["fixed", "balanced"]
    assert {"CP", "BSY", "U4"} <= {e["name"] for e in meta["elasticities"]}
    assert {"name": "pre-war-2017", "date": "2017-12-31"} in meta["dates"]["presets"]
    scenarios = {s["name"]: s for s in meta["scenarios"]}
    assert scenarios["us-100"]["title"] == tt.load_scenario("us-100").title
    assert "busan-2025" in [d["name"] for d in meta["deal_spaces"]]
    assert meta["version"] == tt.__version__


def test_schema_and_scenario_tables(client: TestClient):
    schema = client.get("/api/schema").json()
    assert schema["properties"]["levers"]["items"]["discriminator"]["propertyName"] == "type"
    assert "TariffLever" in schema["$defs"]
    table = client.get("/api/scenarios/us-100").json()
    assert table == tt.load_scenario("us-100").to_dict()
    assert table["levers"][0]["type"] == "tariff"
    assert table["levers"][0]["add_pp"] == pytest.approx(100.0)
    missing = client.get("/api/scenarios/no-such-scenario")
    assert missing.status_code == 404
    assert "us-100" in missing.json()["detail"]


def test_run_job_gives_the_numbers_of_tradetalks_run(client: TestClient, run_job: dict, direct):
    assert run_job["progress"] == pytest.approx(1.0)
    assert run_job["title"] == tt.load_scenario("us-100").title
    assert run_job["finished"] >= run_job["started"] >= run_job["created"]
    result = client.get(f"/api/runs/{run_job['id']}/result").json()
    welfare = {r["code"]: r["welfare_pct"] for r in result["regions"]}
    assert set(welfare) == set(direct.result.regions)  # every region, not the focus only
    want = direct.result.summary(list(direct.result.regions))["welfare_pct"]
    for region, value in want.items():
        assert welfare[region] == pytest.approx(value, abs=1e-9)
    assert welfare["USA"] == pytest.approx(-0.307, abs=0.01)  # README's table
    assert result["provenance"]["horizon"] == "long"


def test_figures_report_and_bundle(client: TestClient, run_job: dict, direct):
    job_id = run_job["id"]
    figures = client.get(f"/api/runs/{job_id}/figures").json()
    want = [c.key for c in report_figures(direct)]
    assert [f["key"] for f in figures] == want
    assert "welfare" in want
    for f in figures:
        assert f["title"] and f["reading"]
        assert f["figure"]["data"], f["key"]
    welfare = next(f for f in figures if f["key"] == "welfare")["figure"]["data"]
    assert any(len(trace.get("x") or trace.get("y") or ()) >= 8 for trace in welfare)

    report = client.get(f"/api/runs/{job_id}/report.html")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "<html" in report.text[:500].lower()
    assert not re.search(r"<script[^>]*\ssrc=", report.text)  # plotly's script is inlined

    zipped = client.get(f"/api/runs/{job_id}/bundle.zip")
    assert zipped.status_code == 200
    assert zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert {"manifest.json", "regions.parquet", "regions.csv", "tables.xlsx"} <= names
    assert manifest["kind"] == "run"
    bundle = load_bundle(Path(client.app.state.jobs.root) / job_id / "bundle")
    usa = bundle.frames["regions"].loc["USA", "welfare_pct"]
    assert float(usa) == pytest.approx(float(direct.result.summary(["USA"])["welfare_pct"].iloc[0]), abs=1e-9)
    assert rerun(Path(client.app.state.jobs.root) / job_id / "bundle").identical  # replays bit for bit


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"scenario": "no-such-scenario"}, "scenario", "us-100"),
        ({"horizon": "forever"}, "horizon", "short, medium, long"),
        ({"closure": "open"}, "closure", "fixed, balanced"),
        ({"elasticities": "XX"}, "elasticities", "CP"),
        ({"baseline": "/etc"}, "baseline", "default"),
        ({"date": "2031-01-01"}, "date", "pre-war-2017"),
        ({"draws": -1}, "draws", "greater than or equal"),
        ({"colour": "red"}, "colour", "Extra inputs"),
        ({"scenario": {"name": "x", "levers": [{"type": "tarif"}]}}, "scenario", "tariff"),
        (
            {"scenario": {"name": "x", "levers": [{"type": "tariff", "importer": "USA"}]}},
            "scenario",
            "exporter",
        ),
    ],
)
def test_bad_requests_answer_422_naming_the_field(client: TestClient, body: dict, field: str, says: str):
    r = client.post("/api/runs", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    hits = [d for d in detail if d["loc"][-1] == field]
    assert hits, detail
    assert says in hits[0]["msg"]


def test_bad_deal_space_answers_422(client: TestClient):
    r = client.post("/api/deals", json={"space": "no-such-space"})
    assert r.status_code == 422
    assert "busan-2025" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/../x/result",
        "/api/runs/..%2F..%2Fjob.json/result",
        "/api/runs/%2e%2e/report.html",
        "/api/runs/..%252Fx/bundle.zip",
        "/api/runs/0123456789abcdef/result",  # the form of an id, but no such job
        "/api/runs/0123456789ABCDEF/figures",
        "/api/jobs/..",
        "/api/jobs/%2e%2e%2fjob.json",
        "/static/..%2Fapp.py",
        "/static/../app.py",
        "/api/compare?a=../x&b=..%2Fy",
    ],
)
def test_downloads_never_leave_the_results(client: TestClient, run_job: dict, path: str):
    r = client.get(path)
    assert r.status_code in (404, 422), (path, r.status_code)
    assert "import" not in r.text and '"status"' not in r.text


def test_an_unfinished_or_deal_job_is_not_compared(client: TestClient, run_job: dict):
    r = client.get(f"/api/compare?a={run_job['id']}&b=0123456789abcdef")
    assert r.status_code == 404


def test_compare_two_runs(client: TestClient, run_job: dict):
    other = client.post("/api/runs", json={"scenario": "us-100-retaliation", "alongside": []}).json()
    done = wait(client, other["id"])
    assert done["status"] == "done", done
    doc = client.get(f"/api/compare?a={run_job['id']}&b={other['id']}").json()
    rows = {r["code"]: r for r in doc["regions"]}
    direct_b = tt.run("us-100-retaliation", alongside=())
    assert rows["USA"]["welfare_pct"]["b"] == pytest.approx(
        float(direct_b.result.summary(["USA"])["welfare_pct"].iloc[0]), abs=1e-9
    )
    assert rows["USA"]["welfare_pct"]["a"] != pytest.approx(rows["USA"]["welfare_pct"]["b"], abs=1e-6)
    assert doc["a"]["title"] == tt.load_scenario("us-100").title
    assert doc["measures"][0] == "welfare_pct"
    listed = [j["id"] for j in client.get("/api/jobs").json()]
    assert {run_job["id"], other["id"]} <= set(listed)


def test_the_server_answers_while_a_deal_space_solves(client: TestClient):
    job = client.post("/api/deals", json={"space": "busan-2025"}).json()
    end = time.monotonic() + WAIT_S
    while client.get(f"/api/jobs/{job['id']}").json()["status"] == "queued" and time.monotonic() < end:
        time.sleep(0.05)
    seen = []
    for _ in range(3):
        t0 = time.perf_counter()
        assert client.get("/api/meta").status_code == 200
        seen.append(time.perf_counter() - t0)
        status = client.get(f"/api/jobs/{job['id']}").json()
    assert status["status"] == "running", status  # the job was solving meanwhile
    assert max(seen) < 0.5, seen
    done = wait(client, job["id"])
    assert done["status"] == "done", done
    figures = client.get(f"/api/runs/{job['id']}/figures").json()
    scatter = [f for f in figures if f["figure"]["data"] and f["figure"]["data"][0].get("type") == "scatter"]
    assert scatter, [f["key"] for f in figures]
    result = client.get(f"/api/runs/{job['id']}/result").json()
    assert result["parties"] == ["USA", "CHN"] or "USA" in json.dumps(result)[:2000]


def test_a_job_that_fails_says_why(client: TestClient):
    bad = {
        "name": "bad",
        "levers": [{"type": "tariff", "importer": "ATLANTIS", "exporter": "CHN", "add_pp": 10}],
    }
    r = client.post("/api/runs", json={"scenario": bad, "alongside": []})
    if r.status_code == 422:  # the scenario's regions are checked up front
        assert "ATLANTIS" in r.text
        return
    done = wait(client, r.json()["id"])
    assert done["status"] == "failed"
    assert "ATLANTIS" in done["error"]
    assert client.get(f"/api/runs/{done['id']}/result").status_code == 409


def test_limits_hosts_and_cross_site_posts(tmp_path: Path):
    app = create_app(tmp_path, max_request_bytes=200)
    with TestClient(app, base_url=BASE) as c:
        big = c.post("/api/runs", json={"scenario": {"name": "x" * 500}})
        assert big.status_code == 413
        assert "200 bytes" in big.json()["detail"]
        evil = c.post("/api/runs", json={}, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403
        assert c.get("/api/meta", headers={"Host": "evil.example"}).status_code == 400
        assert c.get("/api/meta").status_code == 200
    with pytest.raises(OptionsError, match="workers"):
        create_app(tmp_path, workers=0)


def test_a_job_past_its_time_limit_is_stopped(tmp_path: Path):
    app = create_app(tmp_path, run_timeout_s=0.3)
    with TestClient(app, base_url=BASE) as c:
        job = c.post("/api/deals", json={"space": "busan-2025"}).json()
        done = wait(c, job["id"], timeout=30)
    assert done["status"] == "failed"
    assert "time limit of 0.3 s" in done["error"]


def test_a_new_server_lists_the_finished_jobs(results: Path, run_job: dict):
    app = create_app(results)
    with TestClient(app, base_url=BASE) as c:
        job = c.get(f"/api/jobs/{run_job['id']}").json()
        assert job["status"] == "done"
        assert c.get(f"/api/runs/{run_job['id']}/result").status_code == 200


def test_page_and_its_scripts_are_served_locally(client: TestClient):
    page = client.get("/")
    assert page.status_code == 200
    for ref in ("/static/plotly.min.js", "/static/schema-form.js", "/static/app.js", "/static/style.css"):
        assert ref in page.text
        r = client.get(ref)
        assert r.status_code == 200 and len(r.content) > 1000, ref
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/plotly.min.js").text.startswith("/**")


def test_serve_warns_off_loopback_and_prints_the_url(monkeypatch, tmp_path, caplog, capsys):
    import uvicorn

    from tradetalks.cli import commands, serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    args = commands.parser().parse_args(["serve", "--results", str(tmp_path / "r"), "--port", "8123"])
    assert args.host == "127.0.0.1"
    with caplog.at_level(logging.WARNING):
        commands.HANDLERS["serve"](args)
    assert calls[-1] == {"host": "127.0.0.1", "port": 8123, "log_level": "warning", "timeout_keep_alive": 30}
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out
    assert not caplog.records
    args = commands.parser().parse_args(["serve", "--host", "0.0.0.0", "--results", str(tmp_path / "r")])
    with caplog.at_level(logging.WARNING):
        commands.HANDLERS["serve"](args)
    assert calls[-1]["host"] == "0.0.0.0"
    assert any(r.levelno == logging.WARNING and "0.0.0.0" in r.getMessage() for r in caplog.records)
    assert serve.is_loopback("::1") and serve.is_loopback("localhost") and not serve.is_loopback("10.0.0.1")
