"""The docs site: ``mkdocs build --strict`` passes, works offline, and the tutorial stays true.

This is how CI builds the docs: the build runs once per module (a few seconds), with warnings as
errors (``strict: true`` in ``mkdocs.yml``; broken links, missing anchors, pages left out of the
nav and docstrings the API reference cannot render all fail it).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LEVER_PAGES = ("tariff", "export-control", "purchase", "critical-input", "trade-cost", "tariffs-of-date")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


def test_the_site_has_its_pages(site: Path) -> None:
    for page in ("index", "tutorial", "model", "levers", "data-sources", "api"):
        assert (site / f"{page}.html").is_file(), page
    for page in LEVER_PAGES:
        assert (site / "levers" / f"{page}.html").is_file(), page
    tutorial = (site / "tutorial.html").read_text(encoding="utf-8")
    assert "tradetalks run us-100" in tutorial and "tradetalks allies" in tutorial


def test_the_api_reference_documents_the_public_calls(site: Path) -> None:
    html = (site / "api.html").read_text(encoding="utf-8")
    for name in ("run", "deals", "war", "talks", "optimal_tariff", "allies", "sweep"):
        assert re.search(rf'id="tradetalks\.api\.[a-z_.]*\b{name}"', html), name
    for cls in ("ScenarioRun", "Result", "Provenance", "DealTable"):
        assert f'id="tradetalks.{cls}"' in html or re.search(rf'id="tradetalks\.[a-z_.]*\.{cls}"', html), cls
    assert "Parameters" in html  # NumPy sections rendered


class _Sources(HTMLParser):
    """Collects every resource a page loads: scripts, stylesheets, images, frames, fonts."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel", "") not in ("canonical", "alternate"):
            self.loads.append(a["href"])


def test_no_page_loads_anything_from_the_network(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 25
    remote = re.compile(r"^(https?:)?//", re.IGNORECASE)
    for page in pages:
        parser = _Sources()
        parser.feed(page.read_text(encoding="utf-8"))
        bad = [src for src in parser.loads if remote.match(src)]
        assert not bad, f"{page.relative_to(site)} loads {bad}"
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", text), css.name
        assert "fonts.googleapis" not in text, css.name


def _commands(path: Path) -> list[str]:
    """The ``tradetalks ...`` command lines inside the page's code blocks."""
    out, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside and line.startswith("tradetalks "):
            out.append(line.split("  #")[0].strip())
    return out


@pytest.mark.parametrize("page", ["tutorial.md", *(f"levers/{p}.md" for p in LEVER_PAGES)])
def test_every_command_the_pages_show_parses(page: str) -> None:
    from tradetalks.cli.commands import parser

    commands = _commands(DOCS / page)
    if page == "tutorial.md":
        assert len(commands) >= 8
    for cmd in commands:
        try:
            parser().parse_args(shlex.split(cmd)[1:])
        except SystemExit as exc:  # argparse reports the bad option on stderr
            pytest.fail(f"{page}: {cmd!r} does not parse (exit {exc.code})")


def _row(text: str, region: str) -> list[float]:
    """The numbers of the first table row of ``region`` after the us-100 command in the tutorial."""
    start = text.index("tradetalks run us-100 --regions all")
    match = re.search(rf"^{region}\s+(.+)$", text[start:], re.MULTILINE)
    assert match, region
    return [float(x) for x in match.group(1).split()]


def test_the_tutorials_us_100_numbers_are_what_the_model_gives() -> None:
    import tradetalks as tt

    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    regions = ["USA", "CHN", "JPN", "TWN", "MEX"]
    summary = tt.run("us-100").summary(regions=regions)
    for region in regions:
        # columns as printed: welfare, real wage, price index, exports, imports; long and short each
        computed = [float(v) for v in summary.loc[region].to_numpy()]
        assert _row(text, region) == pytest.approx(computed, abs=6e-4), region


def test_every_lever_type_has_its_page() -> None:
    from tradetalks.levers import LEVER_TYPES

    assert {t.replace("_", "-") for t in LEVER_TYPES} == set(LEVER_PAGES)


def _blocks(path: Path, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", path.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", LEVER_PAGES)
def test_the_lever_pages_examples_and_fields_are_the_parsers(page: str) -> None:
    import tomllib

    from tradetalks.errors import ScenarioError
    from tradetalks.levers import LEVER_TYPES, parse_levers

    kind = page.replace("-", "_")
    path = DOCS / "levers" / f"{page}.md"
    examples = [tomllib.loads(block)["levers"] for block in _blocks(path, "toml")]
    assert examples, page
    for levers in examples:
        assert {spec["type"] for spec in levers} == {kind}
        assert len(parse_levers(levers, page)) == len(levers)
    fields = path.read_text(encoding="utf-8").split("## Fields", 1)[1].split("\n## ", 1)[0]
    keys = {
        k
        for cell in re.findall(r"^\| (`[^|]+)\|", fields, re.MULTILINE)
        for k in re.findall(r"`(\w+)`", cell)
    }
    assert keys, page
    for key in sorted(keys):
        try:
            LEVER_TYPES[kind]({"type": kind, key: None})
        except (ScenarioError, TypeError, ValueError) as exc:
            assert "unknown key" not in str(exc), f"{page}: field {key!r} is not a key of the {kind} lever"
