"""Scenario files (TOML) and the built-in library, each citing the article it stands for.

A scenario file holds ``name``, ``title``, ``article`` (the sentence of the October 2025
article it models), optional ``notes``, optional ``[[sources]]`` (each with ``title`` and ``url``
of a public source of the numbers it uses, and optionally the ``item``, ``value`` and a ``note``)
and a list of ``[[levers]]`` tables, each with a ``type``. Unknown keys and unknown lever types
are errors that name the allowed values.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tradetalks.baseline import Baseline
from tradetalks.data.products import PRODUCTS
from tradetalks.errors import ScenarioError
from tradetalks.levers import Lever, compile_levers, parse_levers
from tradetalks.model.shocks import Shocks

SCENARIO_KEYS = ("name", "title", "article", "notes", "sources", "products", "date", "levers")
#: Keys of one ``[[sources]]`` table of a scenario file (``title`` and ``url`` required).
SOURCE_KEYS = ("item", "value", "title", "url", "note")


@dataclass(frozen=True)
class Source:
    """A public source of a number a scenario uses (a row of the project's facts tables)."""

    title: str
    url: str
    item: str = ""
    value: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in SOURCE_KEYS if getattr(self, k)}


@dataclass(frozen=True)
class Scenario:
    """A named set of levers."""

    name: str
    title: str
    article: str
    levers: tuple[Lever, ...]
    notes: str = ""
    products: tuple[str, ...] = ()
    date: str | None = None
    sources: tuple[Source, ...] = ()

    def prepare(self, baseline: Baseline) -> Baseline:
        """The baseline the scenario runs on: its ``products`` split out, then dated (``date``).

        Splitting first lets the dated tariffs give each product its own rate (soybeans, chips
        and magnets carry different duties from their parent sectors).
        """
        out = baseline
        missing = [p for p in self.products if PRODUCTS[p].code not in out.sectors]
        if missing:
            from tradetalks.data.splits import split_baseline

            out = split_baseline(out, missing)
        if self.date is not None:
            from tradetalks.calibration import dated_baseline

            out = dated_baseline(out, self.date)
        return out

    def compile(self, baseline: Baseline) -> Shocks:
        """The scenario's shocks on ``baseline``'s axes (run :meth:`prepare` first)."""
        return compile_levers(baseline, self.levers, label=self.name)


def parse_scenario(data: Mapping[str, Any], origin: str) -> Scenario:
    """Validate a parsed scenario table; errors name ``origin`` and the field."""
    unknown = set(data) - set(SCENARIO_KEYS)
    if unknown:
        raise ScenarioError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {list(SCENARIO_KEYS)}")
    if "name" not in data:
        raise ScenarioError(f"{origin}: missing key 'name'")
    levers = parse_levers(data.get("levers", []), f"{origin}: levers")
    products = data.get("products", [])
    if not isinstance(products, list) or any(p not in PRODUCTS for p in products):
        raise ScenarioError(f"{origin}: 'products' must be a list of {list(PRODUCTS)}, got {products!r}")
    date = data.get("date")
    sources = _sources(data.get("sources", []), origin)
    return Scenario(
        name=str(data["name"]),
        title=str(data.get("title", "")),
        article=str(data.get("article", "")),
        notes=str(data.get("notes", "")),
        levers=levers,
        products=tuple(products),
        date=None if date is None else str(date),
        sources=sources,
    )


def _sources(value: Any, origin: str) -> tuple[Source, ...]:
    """The ``[[sources]]`` tables (keys :data:`SOURCE_KEYS`, ``title`` and ``url`` required)."""
    if not isinstance(value, list):
        raise ScenarioError(f"{origin}: 'sources' must be a list of tables ([[sources]])")
    out = []
    for k, src in enumerate(value):
        if not isinstance(src, Mapping):
            raise ScenarioError(f"{origin}: sources[{k}] must be a table with 'title' and 'url'")
        unknown = set(src) - set(SOURCE_KEYS)
        if unknown:
            raise ScenarioError(
                f"{origin}: sources[{k}]: unknown keys {sorted(unknown)}; allowed: {list(SOURCE_KEYS)}"
            )
        missing = [key for key in ("title", "url") if not src.get(key)]
        if missing:
            raise ScenarioError(f"{origin}: sources[{k}]: missing {missing}")
        if not all(isinstance(v, str | int | float) for v in src.values()):
            raise ScenarioError(f"{origin}: sources[{k}]: values must be strings or numbers")
        out.append(Source(**{key: str(v) for key, v in src.items()}))
    return tuple(out)


def builtin_names(folder: str = "library") -> list[str]:
    """Names of the files shipped in ``folder`` (``library``: scenarios, ``deals``: deal spaces)."""
    lib = resources.files("tradetalks.scenarios") / folder
    return sorted(p.name.removesuffix(".toml") for p in lib.iterdir() if p.name.endswith(".toml"))


def builtin_text(name: str, folder: str = "library", what: str = "scenario") -> str:
    """The text of a built-in file of ``folder`` exactly as shipped (to copy and edit)."""
    names = builtin_names(folder)
    if name not in names:
        raise ScenarioError(f"unknown {what} {name!r}; built-in: {', '.join(names)}")
    return (resources.files("tradetalks.scenarios") / folder / f"{name}.toml").read_text(encoding="utf-8")


def read_toml(name_or_path: str, folder: str, what: str) -> tuple[dict[str, Any], str]:
    """Parse a built-in file of ``folder`` by name, or a ``.toml`` file by path: ``(table, origin)``."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        names = builtin_names(folder)
        if name_or_path not in names:
            raise ScenarioError(
                f"unknown {what} {name_or_path!r}; built-in: {', '.join(names)} (or a path to a .toml file)"
            )
        res = resources.files("tradetalks.scenarios") / folder / f"{name_or_path}.toml"
        text, origin = res.read_text(encoding="utf-8"), f"{what} {name_or_path!r}"
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None


def load_scenario(name_or_path: str) -> Scenario:
    """Load a built-in scenario by name or a scenario file by path."""
    data, origin = read_toml(name_or_path, "library", "scenario")
    return parse_scenario(data, origin)
