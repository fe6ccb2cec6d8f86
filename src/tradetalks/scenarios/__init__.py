"""Scenario files (TOML) and the built-in library, each citing the article it stands for.

A scenario file holds ``name``, ``title``, ``article`` (the sentence of the October 2025
article it models), optional ``notes``, ``date``, ``products``, ``include``, ``[[sources]]`` (each
with ``title`` and ``url`` of a public source of the numbers it uses, and optionally the ``item``,
``value`` and a ``note``), a ``[run]`` table of defaults for :func:`tradetalks.run` and a list of
``[[levers]]`` tables, each with a ``type``. The format is defined by the pydantic models of
:mod:`tradetalks.scenarios.schema` (docs/scenario-files.md is generated from them); errors name the
file, the line and the field, and the allowed values.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from tradetalks.baseline import Baseline
from tradetalks.data.products import PRODUCTS
from tradetalks.errors import DataError, ScenarioError
from tradetalks.levers import Lever, compile_levers
from tradetalks.levers.builder import ShockBuilder
from tradetalks.model.shocks import Shocks
from tradetalks.scenarios.files import Origin, Provenance, apply_overrides, dotted, dumps_toml, read_file
from tradetalks.scenarios.run_options import RunOptions

#: Highest tariff (and export-tax) rate a lever may give, in percent. Not an estimate: a bound of
#: the input format, set so that tariffs up to 10,000 % (a landed price 101 times the producer
#: price) can be studied; it is 80 times the peak of the tariff schedule (the 125 % US reciprocal
#: tariff on China of April 2025, :mod:`tradetalks.data.tariffs.measures`). Larger values are
#: refused as typos.
MAX_RATE_PCT = 10_000.0

SCENARIO_KEYS = (
    "name",
    "title",
    "article",
    "notes",
    "include",
    "sources",
    "products",
    "date",
    "levers",
    "run",
)
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
    """A named set of levers, with the defaults of its run (``run``, the file's ``[run]`` table)."""

    name: str
    title: str
    article: str
    levers: tuple[Lever, ...]
    notes: str = ""
    products: tuple[str, ...] = ()
    date: str | None = None
    sources: tuple[Source, ...] = ()
    run: RunOptions = field(default_factory=RunOptions)

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
        """The scenario's shocks on ``baseline``'s axes (run :meth:`prepare` first).

        A cut (a tariff lever with a negative ``add_pp``) takes a rate down to zero at most
        (:class:`~tradetalks.levers.TariffChange`): where less than the cut is in force the duty is
        removed, never turned into an import subsidy (that is a ``purchase`` lever with
        ``instrument = "subsidy"``).

        Raises
        ------
        ScenarioError
            If a lever leaves a tariff it changes above 10,000 % (the largest rate a lever may give).
        """
        levers = list(self.levers)
        shocks = compile_levers(baseline, levers, label=self.name)
        new = shocks.tariffs
        if new is not None and np.any((new != baseline.tariffs) & (new > MAX_RATE_PCT / 100.0)):
            _refuse_levels(baseline, self.name, levers)
        return shocks

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a file table (JSON- and TOML-able): :func:`parse_scenario` gives it back.

        Includes are resolved (the levers of included files are listed), defaults are left out.
        """
        from tradetalks.scenarios.schema import lever_to_dict

        out: dict[str, Any] = {"name": self.name, "title": self.title, "article": self.article}
        if self.notes:
            out["notes"] = self.notes
        if self.date is not None:
            out["date"] = self.date
        if self.products:
            out["products"] = list(self.products)
        run = self.run.given()
        if run:
            out["run"] = run
        if self.sources:
            out["sources"] = [s.to_dict() for s in self.sources]
        out["levers"] = [lever_to_dict(lever) for lever in self.levers]
        return out

    def to_toml(self) -> str:
        """The scenario as a TOML scenario file (:meth:`to_dict` written out; loads back equal)."""
        return dumps_toml(self.to_dict())


def _refuse_levels(baseline: Baseline, name: str, levers: Sequence[Lever]) -> None:
    """Raise the error naming the first lever that leaves a tariff above 10,000 %."""
    builder = ShockBuilder.start(baseline)
    for k, lever in enumerate(levers):
        before = builder.tariffs.copy()
        lever.apply(baseline, builder)
        after = builder.tariffs
        bad = (after != before) & (after > MAX_RATE_PCT / 100.0)
        if np.any(bad):
            n, i, j = (int(x[0]) for x in np.nonzero(bad))
            raise ScenarioError(
                f"scenario {name!r}, levers[{k}]: the tariff of {baseline.regions[n]} on "
                f"{baseline.sectors[j]} from {baseline.regions[i]} would be {100.0 * after[n, i, j]:.6g} %; "
                f"allowed: at most {MAX_RATE_PCT:g} % (the largest rate a lever may give)"
            )
    raise ScenarioError(f"scenario {name!r}: a tariff would exceed {MAX_RATE_PCT:g} %")


def parse_scenario(data: Mapping[str, Any], origin: str, *, provenance: Provenance | None = None) -> Scenario:
    """Validate a parsed scenario table (no includes); errors name ``origin``, the line and the field.

    Parameters
    ----------
    data : mapping
        The table (``tomllib.load`` of a file, or :meth:`Scenario.to_dict`).
    origin : str
        How messages name it (a path, ``scenario 'us-100'``).
    provenance : Provenance, optional
        Where each part comes from (files and lines), as :func:`load_scenario` passes it.
    """
    from tradetalks.scenarios.schema import ScenarioFile, to_lever

    prov = provenance or Provenance(Origin(origin))
    table = dict(data)
    if table.get("include"):
        raise ScenarioError(
            f"{prov.where(('include',))}, include: includes are resolved when a file is read "
            "(tradetalks.load_scenario), not in a table"
        )
    table.pop("include", None)
    try:
        model = ScenarioFile.model_validate(table)
    except ValidationError as exc:
        raise ScenarioError(validation_message(exc, prov, table)) from None
    levers = []
    for k, spec in enumerate(model.levers):
        try:
            levers.append(to_lever(spec))
        except ScenarioError as exc:
            at = _mentioned(("levers", k), table["levers"][k], str(exc))
            raise ScenarioError(f"{prov.where(at)}, {dotted(prov.field(('levers', k)))}: {exc}") from None
    if model.date is not None:
        from tradetalks.data.tariffs.dated import resolve_date

        try:
            resolve_date(model.date)
        except DataError as exc:
            raise ScenarioError(f"{prov.where(('date',))}, date: {exc}") from None
    run = model.run or RunOptions()
    if run.mapping is not None:
        folder = prov.folder(("run", "mapping"))
        if folder is not None and not Path(run.mapping).is_absolute():
            run = run.model_copy(update={"mapping": str(folder / run.mapping)})
    return Scenario(
        name=model.name,
        title=model.title,
        article=model.article,
        notes=model.notes,
        levers=tuple(levers),
        products=model.products,
        date=model.date,
        sources=tuple(Source(**s.model_dump()) for s in model.sources),
        run=run,
    )


def _mentioned(path: tuple[str | int, ...], raw: Any, message: str) -> tuple[str | int, ...]:
    """The path of the first key of ``raw`` that ``message`` names (for its line), else ``path``."""
    if isinstance(raw, Mapping):
        for key in raw:
            if key != "type" and re.search(rf"(?<![\w-]){re.escape(str(key))}(?![\w-])", message):
                return (*path, str(key))
    return path


#: Plain words for pydantic's error types (the rest keep pydantic's message).
_MESSAGES = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number (not nan or inf)",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "missing": "missing (required)",
}
_HINTS: dict[tuple[str | int, ...], str] = {
    ("levers",): " of tables ([[levers]])",
    ("sources",): " of tables ([[sources]])",
}


def _clean_loc(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Drop pydantic's union tag (``levers, 0, tariff, add_pp`` -> ``levers, 0, add_pp``)."""
    from tradetalks.scenarios.schema import LEVER_MODELS

    out: list[str | int] = []
    for part in loc:
        if out and isinstance(out[-1], int) and part in LEVER_MODELS and len(out) >= 2:
            continue
        out.append(part)
    return tuple(out)


def _fields_at(table: Any, path: tuple[str | int, ...]) -> list[str]:
    """The keys allowed at ``path`` of a scenario table (for unknown-key messages)."""
    from tradetalks.scenarios.schema import LEVER_MODELS, ScenarioFile, SourceTable

    if not path:
        return list(ScenarioFile.model_fields)
    if path == ("run",):
        return list(RunOptions.model_fields)
    if len(path) == 2 and path[0] == "sources":
        return list(SourceTable.model_fields)
    if len(path) == 2 and path[0] == "levers":
        try:
            kind = table["levers"][path[1]]["type"]
        except (KeyError, IndexError, TypeError):
            return []
        model = LEVER_MODELS.get(kind)
        return list(model.model_fields) if model else []
    return []


def validation_message(
    exc: ValidationError, prov: Provenance, table: Mapping[str, Any], levers_field: str = "levers"
) -> str:
    """Every error of ``exc`` as ``FILE, line N, FIELD: what is wrong (got ...); allowed: ...``.

    ``levers_field`` names the lever list in messages (a deal space's ``issues[0].options[1].levers``).
    """

    def name(loc: tuple[str | int, ...]) -> str:
        loc = prov.field(loc)
        text = dotted(loc)
        return levers_field + text[len("levers") :] if loc and loc[0] == "levers" else text

    from tradetalks.scenarios.schema import LEVER_MODELS

    lines: list[str] = []
    unknown: dict[tuple[str | int, ...], list[str]] = {}
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            unknown.setdefault(loc[:-1], []).append(str(loc[-1]))
            continue
        got = err.get("input")
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
            tag = err.get("ctx", {}).get("tag") if kind == "union_tag_invalid" else None
            msg = (
                f"type={tag!r}; allowed: {', '.join(LEVER_MODELS)}"
                if tag
                else f"missing; allowed: {', '.join(LEVER_MODELS)}"
            )
        elif kind in _MESSAGES:
            msg = _MESSAGES[kind] + _HINTS.get(loc, "")
            if kind != "missing":
                msg += f" (got {got!r})"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            sign = {
                "greater_than_equal": ">=",
                "greater_than": ">",
                "less_than_equal": "<=",
                "less_than": "<",
            }[kind]
            bound = next(iter(err.get("ctx", {}).values()), "")
            msg = f"must be {sign} {bound} (got {got!r})"
        elif kind == "string_too_short":
            msg = "must not be empty"
        else:
            msg = err["msg"]
        lines.append(f"{prov.where(loc)}, {name(loc)}: {msg}")
    for parent, keys in unknown.items():
        allowed = _fields_at(table, parent)
        first = (*parent, keys[0])
        tail = f"; allowed: {', '.join(allowed)}" if allowed else ""
        lines.append(f"{prov.where(first)}, {name(parent)}: unknown keys {keys}{tail}")

    def line_of(text: str) -> int:
        m = re.search(r", line (\d+), ", text)
        return int(m.group(1)) if m else 0

    return "\n".join(sorted(lines, key=line_of))


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
    """Parse a built-in file of ``folder`` by name, or a file by path: ``(table, origin)``.

    A name with a folder part or a suffix is a path; a path that does not exist is an error that
    says so (naming the path), never an unknown built-in.
    """
    from tradetalks.scenarios.files import resolve

    text, where = resolve(str(name_or_path), folder, what, None)
    try:
        return tomllib.loads(text), where.name
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where.name}: not valid TOML: {exc}") from None


def load_scenario(name_or_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a built-in scenario by name or a scenario file by path, its includes merged in.

    Parameters
    ----------
    name_or_path : str or path
        A built-in name (``tradetalks scenarios list``) or a ``.toml`` file.
    overrides : mapping, optional
        ``{"run.horizon": "short", "date": "2025-01-20", "levers.0.add_pp": 50}``: keys of the
        merged table set before it is validated (a lever by its position from 0).
    """
    table, prov = read_file(str(name_or_path), "library", "scenario")
    if overrides:
        apply_overrides(table, prov, overrides)
    return parse_scenario(table, prov.default.name, provenance=prov)


def parse_levers_table(specs: Any, origin: str, field: str = "levers") -> tuple[Lever, ...]:
    """Validate a list of lever tables (a deal space's); errors name ``origin``, ``field[k].key``."""
    from tradetalks.scenarios.schema import LeverList, to_lever

    prov = Provenance(Origin(origin))
    table = {"levers": specs}
    try:
        model = LeverList.model_validate(table)
    except ValidationError as exc:
        raise ScenarioError(validation_message(exc, prov, table, field)) from None
    out = []
    for k, spec in enumerate(model.levers):
        try:
            out.append(to_lever(spec))
        except ScenarioError as exc:
            raise ScenarioError(f"{origin}, {field}[{k}]: {exc}") from None
    return tuple(out)
