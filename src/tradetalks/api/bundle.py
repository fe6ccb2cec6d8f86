"""Result bundles: a folder that holds a result, says where it comes from and replays exactly.

:func:`write_bundle` writes a folder::

    manifest.json        what, from what, how (docs/bundles.md lists every field)
    result.json          the result's full ``to_dict()``
    <frame>.parquet      every frame of ``result.frames()``, exact
    <frame>.csv          the same, MultiIndex columns flattened (``measure|horizon``)
    tables.xlsx          one sheet per frame

It is built in a temporary folder next to the target, every file fsynced, and put in place in
one step (:func:`tradetalks._atomic.atomic_directory`), so that a bundle is complete or absent,
and a bundle it replaces stays whole until then, even if the process is killed midway.
:func:`load_bundle` reads one back (:class:`Bundle`);
:func:`rerun` repeats the recorded call from the manifest alone (the scenario from its recorded
table, not from any file on disk) and compares every table by content (:class:`RerunReport`).

The call recorded is the workflow call that made the result (:func:`tradetalks.run`,
:func:`tradetalks.deals`, :func:`tradetalks.war`, :func:`tradetalks.talks`,
:func:`tradetalks.optimal_tariff`) with every argument as given; the command line passes its
own. Without one, :func:`write_bundle` reconstructs the call of a scenario run or a deal space
from the result (verified on rerun through the baseline's sha256). The manifest and the recorded
call are built by :mod:`tradetalks.api.bundle_manifest`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tradetalks._atomic import atomic_directory, write_synced
from tradetalks._version import __version__
from tradetalks.api.bundle_manifest import (
    FORMAT,
    KINDS,
    MANIFEST_FIELDS,
    canonical_sha256,
    deal_space_table,
    decode,
    kind_of,
    manifest,
    record_call,
    scenario_to_dict,
    solver_statistics,
    source_sha,
)
from tradetalks.api.run import ScenarioRun
from tradetalks.errors import OptionsError
from tradetalks.progress import ProgressFn
from tradetalks.results import json_safe

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
RESULT = "result.json"
WORKBOOK = "tables.xlsx"
#: Separator of flattened MultiIndex column names (csv, xlsx).
FLAT = "|"


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
    return write_bundle_info(result, directory, call=call, argv=argv, force=force, regions=regions).path


@dataclass(frozen=True)
class WrittenBundle:
    """What :func:`write_bundle_info` wrote.

    Attributes
    ----------
    path : Path
        The bundle's folder.
    manifest : dict
        Its ``manifest.json``, as written.
    """

    path: Path
    manifest: dict[str, Any]

    @property
    def tables(self) -> int:
        """Tables in the bundle."""
        return len(self.manifest.get("tables", []))


def write_bundle_info(
    result: Any,
    directory: str | Path,
    *,
    call: Mapping[str, Any] | None = None,
    argv: Sequence[str] | None = None,
    force: bool = False,
    regions: Sequence[str] | str | None = None,
) -> WrittenBundle:
    """:func:`write_bundle`, returning the folder and the manifest written (no need to read the
    bundle back to say what it holds)."""
    kind = kind_of(result)
    target = Path(directory)
    _check_target(target, force)
    recorded = record_call(kind, result, call)
    frames = _frames(result, regions)
    doc = manifest(kind, result, recorded, argv, regions)
    with atomic_directory(target) as tmp:  # the old bundle stays whole until this one replaces it
        doc["tables"] = _write_tables(frames, tmp)
        data = result.to_dict(regions) if kind == "run" else result.to_dict()
        write_synced(tmp / RESULT, json.dumps(data, indent=2, allow_nan=False) + "\n")
        doc = json_safe(doc)
        write_synced(tmp / MANIFEST, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    log.info("bundle written to %s: %d tables", target, len(frames))
    return WrittenBundle(target, doc)


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise OptionsError(f"bundle folder {target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file() and not force:
        raise OptionsError(
            f"bundle folder {target}: not empty and not a bundle (no {MANIFEST}); "
            "choose another folder or pass force (--force) to replace it"
        )


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
    workbook = io.BytesIO()
    with pd.ExcelWriter(workbook, engine="openpyxl") as xlsx:
        for name, frame in frames.items():
            data = parquet_bytes(frame)
            write_synced(folder / f"{name}.parquet", data)
            table = flat(frame)
            write_synced(folder / f"{name}.csv", table.to_csv(index=False))
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
    write_synced(folder / WORKBOOK, workbook.getvalue())
    return tables


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
    kwargs = {k: decode(v, k) for k, v in (call.get("kwargs") or {}).items()}
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
    now_sha = source_sha(base.get("name"))
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


__all__ = [
    "FORMAT",
    "KINDS",
    "MANIFEST_FIELDS",
    "Bundle",
    "RerunReport",
    "WrittenBundle",
    "canonical_sha256",
    "deal_space_table",
    "load_bundle",
    "rerun",
    "scenario_to_dict",
    "solver_statistics",
    "write_bundle",
    "write_bundle_info",
]
