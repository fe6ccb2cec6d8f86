"""The dashboard in a real browser: Debian's headless Chromium driven by Selenium.

The real server (uvicorn, in a thread, on a free loopback port) and one browser are shared by
the module. Each test saves a screenshot into ``$TRADETALKS_SCREENSHOTS`` if set, else into its
pytest temporary folder. The browser and its driver come from the system (``/usr/bin/chromium``,
``/usr/bin/chromedriver``; CI installs Debian's ``chromium`` and ``chromium-driver``): nothing
downloads a browser, and the tests skip, saying so, where they are missing.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tradetalks as tt

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(
        f"browser tests need Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); "
        "install them with apt-get install chromium chromium-driver",
        allow_module_level=True,
    )

import uvicorn  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tradetalks.web import create_app  # noqa: E402

#: Longest wait for a job in the page (solve, charts, report and bundle).
JOB_S = 120


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(tmp_path_factory.mktemp("browser-results"), workers=2)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("the dashboard's server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def page(server: str, browser: Any) -> Any:
    browser.get(server + "/")
    WebDriverWait(browser, 60).until(lambda d: css(d, "body").get_attribute("data-ready"))
    return browser


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("TRADETALKS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dashboard-{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def no_script_errors(driver: Any) -> None:
    """No script error in the page (a refused request, say a 422, is the server's answer)."""
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]
    assert not severe, severe


def css(driver: Any, selector: str) -> Any:
    return driver.find_element(By.CSS_SELECTOR, selector)


def run_in_page(driver: Any, scenario: str) -> None:
    """Pick a built-in scenario, run it and wait for its charts."""
    Select(css(driver, "#scenario-select")).select_by_value(scenario)
    title = tt.load_scenario(scenario).title
    WebDriverWait(driver, 30).until(
        lambda d: css(d, "#scenario-form input[data-field=name]").get_attribute("value") == scenario
    )
    css(driver, "#run-button").click()
    WebDriverWait(driver, JOB_S).until(
        lambda d: (
            "done" in d.find_element(By.ID, "status").text or d.find_element(By.ID, "error").is_displayed()
        )
    )
    assert not css(driver, "#error").is_displayed(), css(driver, "#error").text
    assert title in css(driver, "#status").text
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#charts .js-plotly-plot"))


def plotted_points(driver: Any, selector: str) -> list[int]:
    """Points of every trace of the plotly chart ``selector`` as drawn in the page."""
    counts: list[int] = driver.execute_script(
        "const el = document.querySelector(arguments[0]);"
        "return el && el.data ? el.data.map(t => (t.x || t.y || t.z || []).length) : [];",
        selector,
    )
    return counts


def test_the_form_is_built_from_the_schema(page: Any, tmp_path: Path):
    assert [o.text for o in Select(css(page, "#horizon")).options] == ["short", "medium", "long"]
    assert "default" in [o.get_attribute("value") for o in Select(css(page, "#baseline")).options]
    # us-100's one lever: a tariff, its fields from the TariffLever schema
    kinds = page.find_elements(By.CSS_SELECTOR, "#scenario-form select.discriminator")
    assert [Select(k).first_selected_option.text for k in kinds] == ["tariff"]
    assert float(css(page, "#scenario-form input[data-field=add_pp]").get_attribute("value")) == 100.0
    assert css(page, "#scenario-form input[data-field=importer]").get_attribute("value") == "USA"
    for field in ("set_pct", "scale", "sectors"):  # the other fields of the lever type
        assert page.find_elements(By.CSS_SELECTOR, f"#scenario-form [data-field={field}]"), field
    # add a lever, switch its type: the fields swap
    css(page, "#add-lever").click()
    kinds = page.find_elements(By.CSS_SELECTOR, "#scenario-form select.discriminator")
    assert len(kinds) == 2
    Select(kinds[1]).select_by_value("export_control")
    modes = page.find_elements(By.CSS_SELECTOR, "#scenario-form select[data-field=mode]")
    assert len(modes) == 1
    assert [o.text for o in Select(modes[0]).options][1:] == ["tax", "ban", "cap"]
    screenshot(page, tmp_path, "form")
    page.find_elements(By.CSS_SELECTOR, "#scenario-form .remove-item")[1].click()
    assert len(page.find_elements(By.CSS_SELECTOR, "#scenario-form select.discriminator")) == 1
    # a field left empty: the server's error names it, in the page
    css(page, "#scenario-form input[data-field=importer]").clear()
    css(page, "#run-button").click()
    WebDriverWait(page, 30).until(lambda d: d.find_element(By.ID, "error").is_displayed())
    assert "importer" in css(page, "#error").text
    no_script_errors(page)


def test_run_a_scenario_and_see_its_charts(page: Any, tmp_path: Path):
    run_in_page(page, "us-100")
    keys = [c.get_attribute("data-key") for c in page.find_elements(By.CSS_SELECTOR, "#charts .chart")]
    assert "welfare" in keys
    points = plotted_points(page, "#charts .chart[data-key=welfare] .js-plotly-plot")
    assert points and max(points) >= 8, points
    # the headline table shows the numbers of tradetalks.run
    want = tt.run("us-100").result.summary(["USA"])["welfare_pct"].iloc[0]
    usa = next(
        r for r in page.find_elements(By.CSS_SELECTOR, "#summary-table tbody tr") if r.text.startswith("USA")
    )
    assert float(usa.find_elements(By.TAG_NAME, "td")[1].text) == pytest.approx(want, abs=5e-4)
    assert css(page, "#report-link").get_attribute("href").endswith("/report.html")
    assert css(page, "#bundle-link").get_attribute("href").endswith("/bundle.zip")
    screenshot(page, tmp_path, "run")
    page.execute_script("document.getElementById('charts').scrollIntoView()")
    screenshot(page, tmp_path, "run-charts")
    no_script_errors(page)


def test_compare_two_runs(page: Any, tmp_path: Path):
    run_in_page(page, "us-100-retaliation")
    css(page, "#tab-compare").click()
    WebDriverWait(page, 30).until(lambda d: len(Select(d.find_element(By.ID, "compare-a")).options) >= 2)
    options = [o.get_attribute("value") for o in Select(css(page, "#compare-a")).options]
    Select(css(page, "#compare-a")).select_by_value(options[-1])
    Select(css(page, "#compare-b")).select_by_value(options[0])
    css(page, "#compare-button").click()
    WebDriverWait(page, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#compare-result tbody tr"))
    points = plotted_points(page, "#compare-chart")
    assert len(points) == 2 and min(points) >= 8, points  # A and B, every region
    caption = css(page, "#compare-result caption").text
    assert tt.load_scenario("us-100").title in caption
    assert tt.load_scenario("us-100-retaliation").title in caption
    screenshot(page, tmp_path, "compare")
    no_script_errors(page)


def test_open_a_deal_space_and_see_the_scatter(page: Any, tmp_path: Path):
    css(page, "#tab-deals").click()
    assert Select(css(page, "#deal-space")).first_selected_option.text == "busan-2025"
    css(page, "#deals-button").click()
    WebDriverWait(page, JOB_S).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#deal-charts .chart .js-plotly-plot")
            or d.find_element(By.ID, "deal-error").is_displayed()
        )
    )
    assert not css(page, "#deal-error").is_displayed(), css(page, "#deal-error").text
    traces = page.execute_script(
        "return [...document.querySelectorAll('#deal-charts .js-plotly-plot')]"
        ".flatMap(el => el.data.map(t => [t.type || 'scatter', (t.x || []).length]));"
    )
    assert any(kind == "scatter" and n >= 10 for kind, n in traces), traces  # the packages' payoffs
    assert "done" in css(page, "#deal-status").text
    page.execute_script("document.getElementById('deal-charts').scrollIntoView()")
    screenshot(page, tmp_path, "deals")
    no_script_errors(page)
