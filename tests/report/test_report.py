"""HTML reports: every chart is on the page with the result's numbers, nothing refers to the
network, plotly's script is inlined once, strings from files are escaped; bundles give the
same charts as the live result; the ``report`` command and its error paths."""

from __future__ import annotations

import copy
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tradetalks as tt
from tests.conftest import two_tariff_space
from tradetalks.analyses.deal_space import parse_deal_space
from tradetalks.analyses.options import DealOptions
from tradetalks.api.bundle import load_bundle, write_bundle
from tradetalks.cli import main
from tradetalks.errors import OptionsError
from tradetalks.report import ReportData, figures, report_data, to_html, write_report
from tradetalks.scenarios import builtin_text, read_toml

TOL = 1e-9
RUN_CHARTS = {"welfare", "headline", "tariff_changes", "bilateral", "sectors", "allies"}
DEAL_CHARTS = {"payoffs", "frontier", "onlookers"}


class Page(HTMLParser):
    """What the tests look at in a page: tags and attributes, scripts, styles, chart sections."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.styles: list[str] = []
        self.sections: list[str] = []
        self.text: list[str] = []
        self._in: tuple[str, dict[str, str]] | None = None
        self._buf: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        self.attrs += [(tag, k, v) for k, v in named.items()]
        if tag == "section" and named.get("id", "").startswith("chart-"):
            self.sections.append(named["id"].removeprefix("chart-"))
        if tag in ("script", "style"):
            self._in, self._buf = (tag, named), []

    def handle_endtag(self, tag: str) -> None:
        if self._in is not None and tag == self._in[0]:
            body = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._in[1], body))
            else:
                self.styles.append(body)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._buf.append(data)
        else:
            self.text.append(data)

    def figures(self) -> dict[str, dict[str, Any]]:
        return {
            a["data-key"]: json.loads(body)
            for a, body in self.scripts
            if a.get("type") == "application/json" and "figure-data" in a.get("class", "")
        }


def _trace(fig: dict[str, Any], name: str, axis: str | None = None) -> dict[str, Any]:
    found = [
        t for t in fig["data"] if t.get("name") == name and (axis is None or t.get("xaxis", "x") == axis)
    ]
    assert found, f"no trace {name!r} (axis {axis}); traces: {[t.get('name') for t in fig['data']]}"
    return found[0]


def _numbers(values: Any) -> np.ndarray:
    """A trace's data as floats (plain lists, or plotly's typed arrays)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float)
    return np.array(
        [np.nan if v is None else v for v in np.ravel(np.array(values, dtype=object))], dtype=float
    )


@pytest.fixture(scope="module")
def run() -> tt.ScenarioRun:
    return tt.run("us-100", baseline="default", fallout=True, alongside=["short"])


@pytest.fixture(scope="module")
def page_text(run: tt.ScenarioRun) -> str:
    return to_html(run)


@pytest.fixture(scope="module")
def page(page_text: str) -> Page:
    return Page(page_text)


@pytest.fixture(scope="module")
def bundle_dir(run: tt.ScenarioRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(run, tmp_path_factory.mktemp("report") / "bundle")


#: Options of the built-in busan-2025 deal space left out of the tests' copy (96 packages, not 324),
#: none of them picked by a solution on the full space.
DROPPED = {"us-tariff-on-china": "pause", "china-tariff-on-us": "pause", "soybeans": "12 Mt"}


@pytest.fixture(scope="module")
def space() -> Any:
    """busan-2025 with its issues, disagreement point and win-set, less the options of DROPPED."""
    data, origin = read_toml("busan-2025", "deals", "deal space")
    data = copy.deepcopy(dict(data))
    data["name"] = "busan-2025-small"
    for issue in data["issues"]:
        issue["options"] = [o for o in issue["options"] if DROPPED.get(issue["name"]) != o["name"]]
    return tt.deals(parse_deal_space(data, origin), baseline="default", options=DealOptions(workers=1))


@pytest.fixture(scope="module")
def space_page(space: Any) -> Page:
    return Page(to_html(space))


# ----------------------------------------------------------------------------- a scenario run
def test_every_chart_of_a_run_has_data(page: Page) -> None:
    figs = page.figures()
    assert set(page.sections) == set(figs) == RUN_CHARTS
    for key, fig in figs.items():
        assert fig["data"], key
        for trace in fig["data"]:
            values = _numbers(
                trace.get("z")
                if trace["type"] == "heatmap"
                else trace["x" if trace.get("orientation") == "h" else "y"]
            )
            assert values.size and np.isfinite(values).any(), (key, trace.get("name"))


def test_welfare_bars_are_the_results_numbers(run: tt.ScenarioRun, page: Page) -> None:
    fig = page.figures()["welfare"]
    for horizon, axis in (("long", "x"), ("short", "x")):
        trace = _trace(fig, f"{horizon} run", axis)
        frame = run.at(horizon).regions_frame()
        got = dict(zip(trace["y"], _numbers(trace["x"]), strict=True))
        for region in ("USA", "CHN", "JPN"):
            assert got[region] == pytest.approx(frame.loc[region, "welfare_pct"], abs=TOL)
    wage = next(t for t in fig["data"] if t["name"] == "long run" and t.get("xaxis") == "x2")
    got = dict(zip(wage["y"], _numbers(wage["x"]), strict=True))
    assert got["USA"] == pytest.approx(run.result.regions_frame().loc["USA", "real_wage_pct"], abs=TOL)
    assert got["USA"] < 0 < got["KOR"]  # the threat hurts the US, Korea gains from diversion


def test_headline_bilateral_sectors_allies_numbers(run: tt.ScenarioRun, page: Page) -> None:
    figs = page.figures()
    head = run.result.headline()
    after = [
        t
        for t in figs["headline"]["data"]
        if t["name"] == "long run" and "etr_after_pct" in t["hovertemplate"]
    ]
    got = dict(zip(after[0]["x"], _numbers(after[0]["y"]), strict=True))
    assert got["USA"] == pytest.approx(head.loc["USA", "etr_after_pct"], abs=TOL)

    heat = figs["bilateral"]["data"][0]
    z = _numbers(heat["z"]).reshape(len(heat["y"]), len(heat["x"]))
    pairs = run.result.bilateral_frame()
    usa, chn = heat["y"].index("USA"), heat["x"].index("CHN")
    assert z[usa, chn] == pytest.approx(pairs.loc[("USA", "CHN"), "trade_pct"], rel=1e-9)
    assert z[usa, chn] < -40.0  # +100 points: US imports from China collapse
    assert np.isnan(z[usa, heat["x"].index("USA")])  # home sales left blank

    sec = figs["sectors"]["data"][0]
    z = _numbers(sec["z"]).reshape(len(sec["y"]), len(sec["x"]))
    frame = run.result.sectors_frame()
    assert z[sec["y"].index("CHN"), sec["x"].index("C26")] == pytest.approx(
        frame.loc[("CHN", "C26"), "quantity_pct"], abs=TOL
    )
    assert sec["customdata"][0][0][0] != sec["x"][0]  # the sector's name in the hover text

    allies = _trace(figs["allies"], "welfare")
    got = dict(zip(allies["y"], _numbers(allies["x"]), strict=True))
    assert got["JPN"] == pytest.approx(run.fallout.summary().loc["JPN", "welfare_pct"], abs=TOL)


def test_page_is_self_contained(page: Page, page_text: str) -> None:
    network = re.compile(r"^\s*(https?:)?//", re.I)
    for tag, name, value in page.attrs:
        if name in ("src", "href", "action", "poster", "data", "background", "srcset"):
            assert not network.match(value), (tag, name, value)
    assert not any(tag in ("link", "img", "iframe", "object", "embed") for tag, _, _ in page.attrs)
    assert not [a for a, _ in page.scripts if "src" in a]
    for css in page.styles:
        assert "@import" not in css and "url(" not in css
    big = [body for a, body in page.scripts if a.get("type") != "application/json" and len(body) > 1_000_000]
    assert len(big) == 1, "plotly's script is inlined exactly once"
    rest = page_text.replace(big[0], "")
    assert not re.search(r"https?://", rest), "only plotly's own string constants may hold a URL"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", rest)


def test_header_says_what_the_result_is(run: tt.ScenarioRun, page: Page) -> None:
    text = " ".join(page.text)
    for needle in (
        run.scenario.title,
        "default@2025-10-15 (data year 2022)",
        "in force on 2025-10-15",
        "long, short",
        "CP",
        "fixed",
        tt.__version__,
        run.provenance.baseline_sha256,
        "add_pp = 100",
        "Headline numbers",
    ):
        assert needle in text, needle


def test_titles_and_notes_from_files_are_escaped(tmp_path: Path) -> None:
    text = builtin_text("us-100")
    evil = '<script>alert("x")</script> & <b>bold</b>'
    text = re.sub(r'^title = ".*"$', f"title = {json.dumps(evil)}", text, flags=re.M)
    text = re.sub(r'^notes = ".*"$', 'notes = "<img src=http://example.com/x.png>"', text, flags=re.M)
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    result = tt.run(path, baseline="default", alongside=[])
    out = write_report(result, tmp_path / "evil.html")
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>bold" not in html and "<img" not in html
    parsed = Page(html)
    assert evil in " ".join(parsed.text)
    # without fallout the allies' chart is left out and the page says how to get it
    assert "allies" not in parsed.sections
    assert "--fallout" in " ".join(parsed.text)
    assert not list(tmp_path.glob(".evil.html.*"))  # no temporary file left


def test_intervals_give_error_bars(tmp_path: Path) -> None:
    result = tt.run("us-100", baseline="default", draws=3, alongside=[])
    fig = {c.key: c.figure for c in figures(result)}["welfare"].to_plotly_json()
    bar = _trace(fig, "long run", "x")
    iv = result.uncertainty.frame(["USA"]).loc[("long", "USA", "welfare_pct")]
    k = list(bar["y"]).index("USA")
    central = result.result.regions_frame().loc["USA", "welfare_pct"]
    assert bar["error_x"]["array"][k] == pytest.approx(max(iv["p95"] - central, 0.0), abs=TOL)
    assert bar["error_x"]["arrayminus"][k] == pytest.approx(max(central - iv["p5"], 0.0), abs=TOL)


def test_a_bundle_reports_as_the_live_result(run: tt.ScenarioRun, bundle_dir: Path) -> None:
    bundle = load_bundle(bundle_dir)
    live = {c.key: c.figure.to_plotly_json() for c in figures(run)}
    saved = {c.key: c.figure.to_plotly_json() for c in figures(bundle)}
    assert set(saved) == set(live) == RUN_CHARTS
    for key in live:
        assert json.dumps(saved[key], sort_keys=True, default=str) == json.dumps(
            live[key], sort_keys=True, default=str
        ), key
    text = " ".join(Page(to_html(bundle)).text)
    assert "bundle" in text and run.scenario.title in text


# ----------------------------------------------------------------------------- a deal space
def test_payoff_scatter_marks_frontier_zone_and_solutions(space: Any, space_page: Page) -> None:
    figs = space_page.figures()
    assert set(space_page.sections) == set(figs) == DEAL_CHARTS
    fig = figs["payoffs"]
    packages = space.packages()
    found = space.solutions()
    nash = _trace(fig, f"Nash (package {found['nash']})")
    assert nash["x"][0] == pytest.approx(packages.loc[found["nash"], "payoff_USA_pct"], abs=TOL)
    assert nash["y"][0] == pytest.approx(packages.loc[found["nash"], "payoff_CHN_pct"], abs=TOL)
    for label in ("Kalai-Smorodinsky", "equal gains", "Rubinstein (USA first)", "Rubinstein (CHN first)"):
        assert any(t["name"].startswith(label + " (package") for t in fig["data"]), label
    d = _trace(fig, "disagreement")
    assert d["x"][0] == pytest.approx(packages.loc[space.disagreement, "payoff_USA_pct"], abs=TOL)
    frontier = _trace(fig, "Pareto frontier")
    on = packages[packages["frontier"]]
    assert sorted(_numbers(frontier["x"])) == pytest.approx(sorted(on["payoff_USA_pct"]), abs=TOL)
    zone = _trace(fig, "in the zone of agreement")
    assert len(zone["x"]) == int((packages["zopa"] & packages["ratified"]).sum())
    assert any(s["type"] == "rect" for s in fig["layout"]["shapes"])  # the zone shaded
    assert len(_numbers(_trace(fig, "fails ratification")["x"])) == int((~packages["ratified"]).sum())
    assert "rare-earths: ban" in d["hovertext"][0]  # hover names the package's options


def test_onlookers_and_header_of_a_deal_space(space: Any, space_page: Page) -> None:
    fig = space_page.figures()["onlookers"]
    summary = space.summary()
    bar = _trace(fig, "disagreement")
    got = dict(zip(bar["y"], _numbers(bar["x"]), strict=True))
    assert got["JPN"] == pytest.approx(summary.loc["disagreement", "welfare_JPN_pct"], abs=TOL)
    text = " ".join(space_page.text)
    doc = space.to_dict()
    assert doc["packages_solved"] == 96
    for needle in (
        "busan-2025-small",
        "USA and CHN",
        f"{doc['packages_solved']} solved, {doc['packages_distinct']} distinct",
        "soybeans",
        "in force on 2025-10-15",
    ):
        assert needle in text, needle
    assert "--draws" in text  # how to get the solution probabilities


SMALL_SPACE = two_tariff_space(
    "small", us_pause="<i>pause</i>", description="Two tariffs only: <b>test</b> space"
)


def test_deal_space_under_draws_has_probabilities(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_SPACE, encoding="utf-8")
    space = tt.deals(path, baseline="default", options=DealOptions(workers=1), draws=3, seed=1)
    html = to_html(space)
    parsed = Page(html)
    fig = parsed.figures()["probabilities"]
    probs = space.frames()["draw_packages"]
    bar = _trace(fig, "Nash")
    for label, value in zip(bar["x"], _numbers(bar["y"]), strict=True):
        assert value == pytest.approx(probs.loc[int(label.removeprefix("package ")), "prob_nash"], abs=TOL)
    assert sum(_numbers(bar["y"])) == pytest.approx(1.0)  # one Nash package in every draw
    assert "<i>pause" not in html and "<b>test" not in html  # option names and description escaped
    assert "&lt;i&gt;pause&lt;/i&gt;" in json.dumps(fig)
    assert "3 parameter draws, seed 1" in " ".join(parsed.text)


# ----------------------------------------------------------------------------- errors, writing, CLI
def test_what_cannot_be_reported() -> None:
    with pytest.raises(OptionsError, match=r"allowed: the result of tradetalks\.run"):
        figures(object())
    with pytest.raises(OptionsError, match="allowed: run, deals"):
        ReportData("war", {}, {})


def test_write_is_atomic(run: tt.ScenarioRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_report(report_data(run), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_cli_report_of_a_scenario_and_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.html"
    assert (
        main(["-q", "report", "us-100", "--alongside", "none", "--regions", "USA,CHN,TWN", "-o", str(out)])
        == 0
    )
    line = capsys.readouterr().out
    assert f"report: {out}" in line and "charts" in line
    figs = Page(out.read_text(encoding="utf-8")).figures()
    assert _trace(figs["welfare"], "long run")["y"] == ["USA", "CHN", "TWN"]
    folder = tmp_path / "b"
    assert main(["-q", "run", "us-100", "--alongside", "none", "--out", str(folder)]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "report", str(folder)]) == 0
    assert "b-report.html" in capsys.readouterr().out
    assert (tmp_path / "b-report.html").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "us-100", "--deals", "busan-2025"], "not both"),
        (["report", "--deals", "busan-2025", "--fallout"], "--fallout does not apply to a deal space"),
        (["report", "us-100", "--workers", "2"], "--workers does not apply to a scenario"),
        (["report", "{tmp}"], "a folder without manifest.json"),
        (["report", "us-100", "--draws", "0"], "--draws=0; allowed"),
    ],
)
def test_cli_report_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]  # an empty folder: no manifest
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_report_refuses_solving_options_on_a_bundle(
    bundle_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(bundle_dir), "--baseline", "default"]) == 2
    assert "--baseline does not apply to a bundle" in capsys.readouterr().err


def test_chokepoints_chart_and_constraints_table() -> None:
    ban = tt.run("rare-earth-ban", baseline="default", alongside=[])
    chart = {c.key: c for c in figures(ban)}["chokepoints"]
    bar = _trace(chart.figure.to_plotly_json(), "output value")
    hit = ban.result.chokepoints_frame()
    assert bar["y"][0] == f"{hit.loc[0, 'region']} {hit.loc[0, 'sector']}"
    assert bar["x"][0] == pytest.approx(hit.loc[0, "output_pct"], abs=TOL)
    assert bar["x"][0] < 0  # the users of the banned magnets produce less
    soy = tt.run("soybeans-12mt", baseline="default", alongside=[])
    page = Page(to_html(soy))
    text = " ".join(page.text)
    assert "Quantity constraints" in text and "CHN buys soybeans from USA" in text
    assert "chokepoints" not in page.sections and "critical_input lever" in text
