"""Result bundles: a folder that holds a result, says where it comes from and replays exactly.

:func:`write_bundle` writes a folder::

    manifest.json        what, from what, how (docs/bundles.md lists every field)
    result.json          the result's full ``to_dict()``
    <frame>.parquet      every frame of ``result.frames()``, exact
    <frame>.csv          the same, MultiIndex columns flattened (``measure|horizon``)
    tables.xlsx          one sheet per frame

It is built in a temporary folder next to the target and renamed into place, so a bundle is
either complete or absent. :func:`load_bundle` reads one back (:class:`Bundle`);
:func:`rerun` repeats the recorded call from the manifest alone (the scenario from its recorded
table, not from any file on disk) and compares every table by content (:class:`RerunReport`).

The call recorded is the workflow call that made the result (:func:`tradetalks.run`,
:func:`tradetalks.deals`, :func:`tradetalks.war`, :func:`tradetalks.talks`,
:func:`tradetalks.optimal_tariff`) with every argument as given; the command line passes its
own. Without one, :func:`write_bundle` reconstructs the call of a scenario run or a deal space
from the result (verified on rerun through the baseline's sha256).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from tradetalks._version import __version__
from tradetalks.analyses.deal_space import DealSpace, parse_deal_space
from tradetalks.analyses.deals import DealTable
from tradetalks.analyses.optimal import OptimalTariffs
from tradetalks.analyses.options import DealOptions, OptimizerOptions, TalksOptions, WarOptions
from tradetalks.analyses.talks import Talks
from tradetalks.analyses.uncertainty import Priors
from tradetalks.analyses.war import NashWar
from tradetalks.api.run import ScenarioRun
from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError
from tradetalks.model import SolverOptions
from tradetalks.progress import ProgressFn
from tradetalks.results import baseline_sha256, json_safe
from tradetalks.scenarios import Scenario, parse_scenario, read_toml

log = logging.getLogger(__name__)

#: ``format`` of a bundle's manifest.
FORMAT = "tradetalks-bundle/1"
MANIFEST = "manifest.json"
RESULT = "result.json"
WORKBOOK = "tables.xlsx"
#: Kinds of result a bundle holds, by the workflow call that makes them.
KINDS = ("run", "deals", "optimal-tariff", "war", "talks")
#: Separator of flattened MultiIndex column names (csv, xlsx).
FLAT = "|"

_OPTION_TYPES: dict[str, Any] = {
    "DealOptions": DealOptions,
    "TalksOptions": TalksOptions,
    "WarOptions": WarOptions,
    "OptimizerOptions": OptimizerOptions,
}


# ----------------------------------------------------------------------------- objects
@dataclass(frozen=True)
class Bundle:
    """A bundle read back from its folder.

    Attributes
    ----------
    path : Path
        The folder.
    manifest : dict
        ``manifest.json`` as written.
    frames : dict of str to DataFrame
        Every table, from its parquet file (exactly as the result gave it).
    kind : str
        What the bundle holds: ``run``, ``deals``, ``optimal-tariff``, ``war`` or ``talks``.
    result : dict
        ``result.json``: the result's full ``to_dict()``.
    """

    path: Path
    manifest: dict[str, Any]
    frames: dict[str, pd.DataFrame]
    kind: str
    result: dict[str, Any] = field(default_factory=dict)

    def frame(self, name: str) -> pd.DataFrame:
        """A copy of table ``name``."""
        if name not in self.frames:
            raise OptionsError(f"bundle {self.path}: no table {name!r}; tables: {', '.join(self.frames)}")
        return self.frames[name].copy()

    @property
    def provenance(self) -> dict[str, Any]:
        """The result's provenance as recorded (``manifest["provenance"]``)."""
        prov: dict[str, Any] = self.manifest.get("provenance") or {}
        return prov

    def describe(self) -> str:
        """One line: kind, what was run, on which baseline, when."""
        m = self.manifest
        what = (m.get("scenario") or {}).get("name") or m.get("subject") or ""
        return (
            f"{self.kind} {what} on {m.get('baseline', {}).get('name')} "
            f"({len(self.frames)} tables; tradetalks {m.get('version')}, {m.get('created')})"
        )


@dataclass(frozen=True)
class RerunReport:
    """What :func:`rerun` found.

    Attributes
    ----------
    identical : bool
        Every table reproduced exactly (same values, dtypes, index and columns).
    differences : list of str
        One line per table that differs, is missing or is new.
    tables : int
        Tables compared.
    warnings : list of str
        A different package version or baseline sha256 than the bundle's.
    seconds : float
        Time of the rerun.
    """

    identical: bool
    differences: list[str]
    tables: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    path: Path | None = None

    def summary(self) -> str:
        """``reproduced: N tables identical``, or the differences, after any warning."""
        lines = [f"warning: {w}" for w in self.warnings]
        if self.identical:
            lines.append(f"reproduced: {self.tables} tables identical")
        else:
            lines.append(f"not reproduced: {len(self.differences)} of {self.tables} tables differ")
            lines += [f"  {d}" for d in self.differences]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- writing
def write_bundle(
    result: Any,
    directory: str | Path,
    *,
    call: Mapping[str, Any] | None = None,
    argv: Sequence[str] | None = None,
    force: bool = False,
    regions: Sequence[str] | str | None = None,
) -> Path:
    """Write ``result`` as a bundle folder ``directory`` (docs/bundles.md).

    Parameters
    ----------
    result : ScenarioRun, DealTable, OptimalTariffs, NashWar or Talks
        What :func:`tradetalks.run`, :func:`~tradetalks.deals`, :func:`~tradetalks.optimal_tariff`,
        :func:`~tradetalks.war` or :func:`~tradetalks.talks` returned.
    directory : path
        The bundle's folder. An existing bundle there is replaced; an empty folder is used; any
        other non-empty folder is refused unless ``force``.
    call : mapping, optional
        The keyword arguments of the workflow call that made ``result`` (positional ones by
        name), recorded so that :func:`rerun` can repeat it. Default: rebuilt from the result
        (scenario runs and deal spaces only).
    argv : sequence of str, optional
        The command line, when the call came from one.
    force : bool
        Replace a non-empty folder that is not a bundle.
    regions : str or sequence of str, optional
        Regions of a scenario run's tables (``frames(regions)``; default: the article's regions,
        ``"all"``: every region).

    Returns
    -------
    Path
        The bundle's folder.
    """
    kind = kind_of(result)
    target = Path(directory)
    _check_target(target, force)
    recorded = _record_call(kind, result, call)
    frames = _frames(result, regions)
    manifest = _manifest(kind, result, recorded, argv, regions)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        manifest["tables"] = _write_tables(frames, tmp)
        doc = result.to_dict(regions) if kind == "run" else result.to_dict()
        (tmp / RESULT).write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (tmp / MANIFEST).write_text(
            json.dumps(json_safe(manifest), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        _replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("bundle written to %s: %d tables", target, len(frames))
    return target


def kind_of(result: Any) -> str:
    """The bundle kind of a result (``run``, ``deals``, ``optimal-tariff``, ``war``, ``talks``)."""
    for cls, kind in (
        (ScenarioRun, "run"),
        (DealTable, "deals"),
        (OptimalTariffs, "optimal-tariff"),
        (NashWar, "war"),
        (Talks, "talks"),
    ):
        if isinstance(result, cls):
            return kind
    raise OptionsError(
        f"write_bundle: a {type(result).__name__} cannot be bundled; allowed: the results of "
        "tradetalks.run, deals, optimal_tariff, war and talks"
    )


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise OptionsError(f"bundle folder {target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file() and not force:
        raise OptionsError(
            f"bundle folder {target}: not empty and not a bundle (no {MANIFEST}); "
            "choose another folder or pass force (--force) to replace it"
        )


def _replace(tmp: Path, target: Path) -> None:
    """Put the finished folder ``tmp`` at ``target``, replacing what is there."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _frames(result: Any, regions: Sequence[str] | str | None) -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = (
        result.frames(regions) if isinstance(result, ScenarioRun) else result.frames()
    )
    return frames


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as parquet bytes (pyarrow; the bytes a bundle holds and hashes)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow")
    return buf.getvalue()


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for csv and spreadsheets: MultiIndex columns joined with ``|``, a named or
    multi-level index as leading columns."""
    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [FLAT.join(str(p) for p in c) for c in out.columns]
    named = any(n is not None for n in out.index.names)
    return out.reset_index() if named or isinstance(out.index, pd.MultiIndex) else out


def _sheet_names(names: Sequence[str]) -> dict[str, str]:
    """A distinct sheet name (at most 31 characters) for every table."""
    out: dict[str, str] = {}
    for name in names:
        sheet = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]
        k = 1
        while sheet in out.values():
            suffix = f"~{k}"
            sheet, k = sheet[: 31 - len(suffix)] + suffix, k + 1
        out[name] = sheet
    return out


def _write_tables(frames: Mapping[str, pd.DataFrame], folder: Path) -> list[dict[str, Any]]:
    """Every frame as parquet and csv, all in one workbook; the manifest's ``tables``."""
    tables = []
    sheets = _sheet_names(list(frames))
    with pd.ExcelWriter(folder / WORKBOOK, engine="openpyxl") as xlsx:
        for name, frame in frames.items():
            data = parquet_bytes(frame)
            (folder / f"{name}.parquet").write_bytes(data)
            table = flat(frame)
            table.to_csv(folder / f"{name}.csv", index=False)
            table.to_excel(xlsx, sheet_name=sheets[name], index=False)
            tables.append(
                {
                    "name": name,
                    "files": [f"{name}.parquet", f"{name}.csv", f"{WORKBOOK}#{sheets[name]}"],
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "rows": int(frame.shape[0]),
                    "columns": int(frame.shape[1]),
                    "index": [str(n) if n is not None else None for n in frame.index.names],
                }
            )
    return tables


# ----------------------------------------------------------------------------- the manifest
def canonical_sha256(value: Any) -> str:
    """sha256 of ``value`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(json_safe(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest(
    kind: str,
    result: Any,
    call: dict[str, Any],
    argv: Sequence[str] | None,
    regions: Sequence[str] | str | None,
) -> dict[str, Any]:
    prov = result.provenance
    scenario = _scenario_table(call)
    space = call.get("space", {}).get("$deal_space") if isinstance(call.get("space"), dict) else None
    base_name = call.get("baseline")
    if base_name is None:  # the call left it to the scenario's [run] table or the default
        base_name = _base_name(prov.baseline)
    out: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": list(argv) if argv is not None else None,
        "subject": _subject(kind, result),
        "baseline": {
            "name": base_name if isinstance(base_name, str) else None,
            "year": prov.baseline_year,
            "source_sha256": _source_sha(base_name),
            "reference": prov.baseline,
            "sha256": prov.baseline_sha256,
            "tariff_date": prov.tariff_date,
            "products": list(prov.products),
        },
        "scenario": scenario,
        "scenario_sha256": None if scenario is None else canonical_sha256(scenario),
        "deal_space": space,
        "deal_space_sha256": None if space is None else canonical_sha256(space),
        "call": {"function": kind, "kwargs": call},
        "options": {k: _short(v) for k, v in call.items()},
        "regions": regions if regions is None or isinstance(regions, str) else list(regions),
        **_draws_seed(result, call),
        "solver": solver_statistics(result),
        "provenance": prov.to_dict(),
    }
    return out


def _draws_seed(result: Any, call: Mapping[str, Any]) -> dict[str, Any]:
    """``draws`` and ``seed`` of the result's parameter draws (0 and ``None`` without draws)."""
    unc = getattr(result, "uncertainty", None)
    if unc is not None:
        return {"draws": int(getattr(unc, "draws", 0) or 0), "seed": getattr(unc, "seed", call.get("seed"))}
    return {"draws": 0, "seed": None}


def _short(value: Any) -> Any:
    """A recorded argument for reading: a scenario or deal space by its name (the tables are the
    manifest's ``scenario`` and ``deal_space``)."""
    if isinstance(value, dict):
        for key in ("$scenario", "$deal_space"):
            if key in value:
                return value[key].get("name")
    return value


def _subject(kind: str, result: Any) -> str:
    if isinstance(result, ScenarioRun):
        return result.scenario.name
    if isinstance(result, DealTable):
        return result.space.name
    if isinstance(result, OptimalTariffs):
        return f"{result.region} on {','.join(result.partners)}"
    if isinstance(result, NashWar):
        return ",".join(result.players)
    if isinstance(result, Talks):
        return f"{','.join(result.parties)} from {result.threat}"
    return kind


def _source_sha(name: Any) -> str | None:
    """sha256 of the baseline asked for, as loaded (before dating and splitting)."""
    if not isinstance(name, str):
        return None
    from tradetalks.data.catalog import load_baseline

    try:
        return baseline_sha256(load_baseline(name))
    except Exception:  # a baseline folder gone or unreadable: the manifest says so with null
        return None


def _scenario_table(call: Mapping[str, Any]) -> dict[str, Any] | None:
    for key in ("scenario", "threat"):
        value = call.get(key)
        if isinstance(value, dict) and "$scenario" in value:
            table: dict[str, Any] = value["$scenario"]
            return table
    return None


def solver_statistics(result: Any) -> dict[str, Any]:
    """Iterations, residual and seconds of the solves behind ``result`` (by horizon for a run)."""

    def of(info: Any) -> dict[str, Any]:
        return {
            "converged": bool(info.converged),
            "iterations": int(info.iterations),
            "residual": float(info.residual),
            "seconds": float(info.seconds),
            "method": str(info.method),
        }

    if isinstance(result, ScenarioRun):
        out = {result.horizon: of(result.result.solver)}
        out |= {h: of(r.solver) for h, r in result.alongside.items()}
        return {"horizons": out}
    if isinstance(result, DealTable):
        stats: dict[str, Any] = {"packages": len(result.solved), "seconds": float(result.seconds)}
        if "iterations" in result.solved:
            stats["iterations"] = int(result.solved["iterations"].sum())
        return stats
    if isinstance(result, OptimalTariffs):
        return {"iterations": int(result.iterations), "seconds": float(result.seconds)}
    if isinstance(result, NashWar):
        return {
            "method": result.method,
            "rounds": int(result.rounds),
            "max_change": float(result.max_change),
            "seconds": float(result.seconds),
        }
    if isinstance(result, Talks):
        return {"iterations": int(result.iterations), "seconds": float(result.seconds)}
    return {}


# ----------------------------------------------------------------------------- the call
def _record_call(kind: str, result: Any, call: Mapping[str, Any] | None) -> dict[str, Any]:
    """The call as JSON, every object encoded (scenarios and deal spaces as their tables)."""
    if call is None:
        call = _infer_call(result)
    out = {}
    for key, value in call.items():
        if key == "progress":
            continue
        if key in ("scenario", "threat") and not (key == "threat" and value == "war"):
            value = _scenario_value(value, result if key == "scenario" else None)
        elif key == "space":
            value = _space_value(value)
        out[key] = _encode(value, key)
    return out


def _scenario_value(value: Any, result: Any) -> dict[str, Any]:
    """A scenario argument as its table: the scenario as run for a run, else loaded."""
    from tradetalks.api.inputs import scenario_of

    sc = result.scenario if isinstance(result, ScenarioRun) else scenario_of(value)
    return {"$scenario": scenario_to_dict(sc)}


def scenario_to_dict(sc: Scenario) -> dict[str, Any]:
    """A scenario's table (:meth:`Scenario.to_dict`), JSON-safe."""
    table: dict[str, Any] = json_safe(sc.to_dict())
    return table


def _space_value(value: Any) -> dict[str, Any]:
    """A deal-space argument as its table: the file's (a name or path) or the object's."""
    if isinstance(value, DealSpace):
        return {"$deal_space": deal_space_table(value), "origin": f"deal space {value.name!r}"}
    table, origin = read_toml(str(value), "deals", "deal space")
    return {"$deal_space": json_safe(table), "origin": origin}


def deal_space_table(space: DealSpace) -> dict[str, Any]:
    """A deal space as the table of a deal-space file (:func:`parse_deal_space` gives it back)."""
    from tradetalks.scenarios.schema import lever_to_dict

    def levers(items: Sequence[Any]) -> list[dict[str, Any]]:
        return [lever_to_dict(lever) for lever in items]

    out: dict[str, Any] = {"name": space.name}
    if space.description:
        out["description"] = space.description
    out["parties"] = [g.region for g in space.parties]
    if space.base.date is not None:
        out["date"] = space.base.date
    if space.base.products:
        out["products"] = list(space.base.products)
    out["levers"] = levers(space.base.levers)
    out["disagreement"] = dict(space.disagreement)
    out["issues"] = [
        {"name": i.name, "options": [{"name": o.name, "levers": levers(o.levers)} for o in i.options]}
        for i in space.issues
    ]
    if space.win_sets:
        out["win_sets"] = [dataclasses.asdict(w) for w in space.win_sets]
    table: dict[str, Any] = json_safe(out)
    return table


def _encode(value: Any, key: str) -> Any:
    if isinstance(value, Baseline):
        raise OptionsError(
            f"write_bundle: call.{key} is a Baseline object; a bundle records a shipped baseline's "
            "name or a baseline folder's path (rerun must load it again)"
        )
    if isinstance(value, SolverOptions):
        return {"$solver": dataclasses.asdict(value)}
    if isinstance(value, Priors):
        return {"$priors": value.to_dict()}
    if type(value).__name__ in _OPTION_TYPES:
        dumped = value.model_dump(mode="json")
        dumped.pop("cache_dir", None)  # a rerun solves again, never from a cache
        return {"$options": type(value).__name__, "fields": dumped}
    if isinstance(value, Path):
        return str(value)
    return json_safe(value)


def _decode(value: Any, key: str) -> Any:
    if not isinstance(value, dict):
        return tuple(value) if isinstance(value, list) and key in ("alongside",) else value
    if "$scenario" in value:
        return parse_scenario(value["$scenario"], f"the bundle's {key}")
    if "$deal_space" in value:
        return parse_deal_space(value["$deal_space"], f"the bundle's deal space ({value.get('origin')})")
    if "$solver" in value:
        return SolverOptions(**value["$solver"])
    if "$priors" in value:
        p = value["$priors"]
        return Priors(vary=tuple(p["vary"]), elasticity_method=p["elasticity_method"])
    if "$options" in value:
        return _OPTION_TYPES[value["$options"]].model_validate(value["fields"])
    return value


def _base_name(reference: str) -> str:
    """The baseline asked for from a reference world's name (``default+soybeans@2025-10-15``)."""
    return reference.split("@")[0].split("+")[0]


def _infer_call(result: Any) -> dict[str, Any]:
    """The workflow call behind a scenario run or a deal space, rebuilt from the result."""
    if isinstance(result, ScenarioRun):
        res = result.result
        prov = res.provenance
        call: dict[str, Any] = {
            "scenario": result.scenario,
            "baseline": _base_name(res.source.name),
            "date": None,
            "elasticities": prov.elasticity_set,
            "closure": res.closure,
            "fallout": result.fallout is not None,
            "horizon": result.horizon,
            "alongside": list(result.alongside),
        }
        if res.solver_options is not None:
            call["solver"] = dataclasses.replace(res.solver_options, closure=res.closure)  # type: ignore[arg-type]
        if result.uncertainty is not None:
            unc = result.uncertainty
            call |= {"draws": unc.draws, "seed": unc.seed or 0, "intervals": unc.method}
            call["priors"] = Priors(
                vary=tuple(unc.priors.get("vary", ())),
                elasticity_method=str(unc.priors.get("elasticity_method", "lognormal")),
            )
        return call
    if isinstance(result, DealTable):
        prov = result.provenance
        deal_opts = dict(prov.options.get("deals", {}))
        call = {
            "space": result.space,
            "baseline": _base_name(prov.baseline),
            "date": None,
            "elasticities": prov.elasticity_set,
            "closure": prov.closure,
            "horizon": prov.horizon,
            "options": DealOptions(**{k: v for k, v in deal_opts.items() if k != "cache_dir"}),
        }
        if result.uncertainty is not None:
            call |= {"draws": result.uncertainty.draws, "seed": result.uncertainty.seed}
        return call
    raise OptionsError(
        f"write_bundle: pass call= (the arguments of the call) for a {kind_of(result)} result; "
        "only scenario runs and deal spaces are rebuilt from the result"
    )


# ----------------------------------------------------------------------------- reading
def load_bundle(directory: str | Path) -> Bundle:
    """Read a bundle folder written by :func:`write_bundle`."""
    path = Path(directory)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise OptionsError(f"bundle {path}: no {MANIFEST} (not a bundle folder)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise OptionsError(f"bundle {path}: format {manifest.get('format')!r}; allowed: {FORMAT}")
    frames = {}
    for table in manifest.get("tables", []):
        file = path / f"{table['name']}.parquet"
        if not file.is_file():
            raise OptionsError(f"bundle {path}: table {table['name']!r} is missing ({file.name})")
        frames[table["name"]] = pd.read_parquet(file, engine="pyarrow")
    result_path = path / RESULT
    doc = json.loads(result_path.read_text(encoding="utf-8")) if result_path.is_file() else {}
    return Bundle(path, manifest, frames, str(manifest["kind"]), doc)


# ----------------------------------------------------------------------------- rerun
def _calls() -> dict[str, Callable[..., Any]]:
    from tradetalks.api import workflow

    return {
        "run": workflow.run,
        "deals": workflow.deals,
        "optimal-tariff": workflow.optimal_tariff,
        "war": workflow.war,
        "talks": workflow.talks,
    }


def replay(manifest: Mapping[str, Any], progress: ProgressFn | None = None) -> Any:
    """Repeat the call a manifest records and return its result."""
    call = manifest.get("call") or {}
    kind = call.get("function")
    if kind not in KINDS:
        raise OptionsError(f"bundle manifest: call.function {kind!r}; allowed: {', '.join(KINDS)}")
    kwargs = {k: _decode(v, k) for k, v in (call.get("kwargs") or {}).items()}
    if progress is not None:
        kwargs["progress"] = progress
    return _calls()[kind](**kwargs)


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """``None`` if ``a`` and ``b`` are the same table exactly, else what differs."""
    if a.shape != b.shape:
        return f"shape {a.shape} -> {b.shape}"
    if not a.columns.equals(b.columns):
        return "columns differ"
    if not a.index.equals(b.index) or list(a.index.names) != list(b.index.names):
        return "index differs"
    if not a.dtypes.equals(b.dtypes):
        return "dtypes differ"
    if not a.equals(b):
        cols = [str(c) for c in a.columns if not a[c].equals(b[c])]
        return "values differ in " + ", ".join(cols[:8]) + (" ..." if len(cols) > 8 else "")
    return None


def rerun(directory: str | Path, progress: ProgressFn | None = None) -> RerunReport:
    """Repeat a bundle's call from its manifest and compare every table with the bundle's.

    The scenario (or deal space) comes from the manifest's recorded table, never from a file on
    disk. Tables compare by content, exactly: values, dtypes, index and columns, after the same
    parquet round trip the bundle's tables went through.

    Returns
    -------
    RerunReport
        ``identical`` and the differences; a different package version or baseline says so in
        ``warnings``.
    """
    t0 = time.perf_counter()
    bundle = load_bundle(directory)
    m = bundle.manifest
    warnings = []
    if m.get("version") != __version__:
        warnings.append(f"bundle written by tradetalks {m.get('version')}; this is tradetalks {__version__}")
    base = m.get("baseline") or {}
    now_sha = _source_sha(base.get("name"))
    if base.get("source_sha256") and now_sha != base.get("source_sha256"):
        warnings.append(
            f"baseline {base.get('name')!r}: sha256 {now_sha} here, {base.get('source_sha256')} in the bundle"
        )
    result = replay(m, progress)
    regions = m.get("regions")
    frames = _frames(result, regions)
    differences = []
    prov = result.provenance
    if base.get("sha256") and prov.baseline_sha256 != base.get("sha256"):
        differences.append(
            f"reference baseline: sha256 {prov.baseline_sha256}, the bundle's {base.get('sha256')}"
        )
    for name, old in bundle.frames.items():
        if name not in frames:
            differences.append(f"{name}: not in the rerun's result")
            continue
        new = pd.read_parquet(io.BytesIO(parquet_bytes(frames[name])), engine="pyarrow")
        why = same_frame(old, new)
        if why is not None:
            differences.append(f"{name}: {why}")
    differences += [f"{name}: new in the rerun's result" for name in frames if name not in bundle.frames]
    return RerunReport(
        identical=not differences,
        differences=differences,
        tables=len(bundle.frames),
        warnings=warnings,
        seconds=time.perf_counter() - t0,
        path=bundle.path,
    )


#: The manifest's fields (docs/bundles.md has the full table).
MANIFEST_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "format": "bundle format (tradetalks-bundle/1)",
        "kind": "run, deals, optimal-tariff, war or talks",
        "version": "package version that wrote it",
        "created": "UTC time, ISO 8601",
        "argv": "the command line (null from the Python API)",
        "baseline": "name, year, sha256 of the baseline asked for and of the reference world",
        "scenario": "the scenario table (Scenario.to_dict()); scenario_sha256: of its canonical JSON",
        "call": "the workflow call: function and every keyword argument",
        "seed": "seed of the draws",
        "draws": "number of draws",
        "solver": "iterations, residual and seconds of the solves",
        "provenance": "the result's provenance",
        "tables": "name, files, sha256 of the parquet bytes, rows, columns of every table",
    }
)

__all__ = [
    "FORMAT",
    "KINDS",
    "Bundle",
    "RerunReport",
    "load_bundle",
    "rerun",
    "write_bundle",
]
