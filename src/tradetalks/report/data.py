"""What a report is drawn from: the frames and the JSON of a result, live or read back from a bundle.

A report reads the same frame names a result's ``frames()`` gives (``regions``, ``headline``,
``sectors``, ``bilateral``, ``fallout``, ``intervals``, ``chokepoints`` of a scenario run;
``packages``, ``summary`` and ``draw_packages`` of a deal space) and the result's ``to_dict()``
(provenance, title, the other horizons solved). A live result gives both directly; a bundle
(:func:`tradetalks.api.bundle.load_bundle`) gives its tables and the ``result.json`` it keeps, so
that a report of a bundle is the report of the run it holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from tradetalks.analyses.deals import DealTable
from tradetalks.api.run import ScenarioRun
from tradetalks.errors import OptionsError

#: Kinds of result a report can be drawn for.
KINDS = ("run", "deals")

#: The index of each frame a report reads (restored when a table comes back with it as columns).
INDEXES: dict[str, tuple[str, ...]] = {
    "regions": ("region",),
    "headline": ("region",),
    "fallout": ("region",),
    "sectors": ("region", "sector"),
    "bilateral": ("importer", "exporter", "sector"),
    "intervals": ("horizon", "region", "measure"),
    "packages": ("package",),
    "draw_packages": ("package",),
}


@dataclass(frozen=True, eq=False)
class ReportData:
    """The tables and the JSON a report is drawn from.

    Attributes
    ----------
    kind : {"run", "deals"}
        A scenario run (:func:`tradetalks.run`) or a deal space (:func:`tradetalks.deals`).
    frames : mapping of str to DataFrame
        The result's frames by name (copies are handed out by :meth:`frame`).
    doc : mapping
        The result's ``to_dict()``: provenance, title, article, the other horizons solved.
    source : str
        Where the data came from: ``live`` or the bundle's folder name.
    spec : mapping
        The scenario or deal space as a file table (its name, title, notes, levers; empty when
        unknown).
    created : str or None
        When a bundle was written (UTC, ISO 8601).
    """

    kind: str
    frames: Mapping[str, pd.DataFrame]
    doc: Mapping[str, Any]
    source: str = "live"
    spec: Mapping[str, Any] = field(default_factory=dict)
    created: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise OptionsError(f"report kind={self.kind!r}; allowed: {', '.join(KINDS)}")
        frames = {name: _indexed(name, frame) for name, frame in self.frames.items()}
        object.__setattr__(self, "frames", MappingProxyType(frames))
        object.__setattr__(self, "doc", MappingProxyType(dict(self.doc)))
        object.__setattr__(self, "spec", MappingProxyType(dict(self.spec)))

    def has(self, name: str) -> bool:
        """Whether the frame ``name`` is there and has rows."""
        frame = self.frames.get(name)
        return frame is not None and len(frame) > 0

    def frame(self, name: str) -> pd.DataFrame:
        """A copy of the frame ``name`` (an empty frame when the result has none)."""
        frame = self.frames.get(name)
        return pd.DataFrame() if frame is None else frame.copy()

    @property
    def provenance(self) -> dict[str, Any]:
        """The result's provenance (``to_dict()["provenance"]``)."""
        prov = self.doc.get("provenance")
        return dict(prov) if isinstance(prov, Mapping) else {}

    @property
    def horizon(self) -> str:
        """The horizon the result leads with."""
        return str(self.doc.get("horizon") or self.provenance.get("horizon") or "long")

    def horizons(self) -> list[str]:
        """Every horizon solved, the leading one first."""
        others = self.doc.get("horizons")
        return [self.horizon, *(others.keys() if isinstance(others, Mapping) else [])]

    def region_measures(self, horizon: str) -> pd.DataFrame:
        """Welfare, real wage and the other region measures at ``horizon`` (rows: regions shown).

        The leading horizon comes from the ``regions`` frame, the others from the JSON."""
        if horizon == self.horizon:
            return self.frame("regions")
        return _records_frame(self._other(horizon).get("regions", []), "code", "region")

    def headline_at(self, horizon: str) -> pd.DataFrame:
        """The headline numbers at ``horizon`` for the regions shown (rows: regions)."""
        shown = list(self.frame("regions").index)
        if horizon == self.horizon and self.has("headline"):
            head = self.frame("headline")
            return head.loc[[r for r in shown if r in head.index]]
        source = (
            self.doc.get("headline", [])
            if horizon == self.horizon
            else self._other(horizon).get("headline", [])
        )
        head = _records_frame(source, "region", "region")
        return head.loc[[r for r in shown if r in head.index]] if shown else head

    def _other(self, horizon: str) -> Mapping[str, Any]:
        others = self.doc.get("horizons")
        if not isinstance(others, Mapping) or horizon not in others:
            raise OptionsError(f"horizon {horizon!r} was not solved; solved: {', '.join(self.horizons())}")
        out: Mapping[str, Any] = others[horizon]
        return out


def _records_frame(rows: Any, key: str, name: str) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows or []))
    if frame.empty or key not in frame.columns:
        return pd.DataFrame(index=pd.Index([], name=name))
    out = frame.set_index(key).rename_axis(name)
    return out.apply(pd.to_numeric, errors="coerce") if len(out.columns) else out


def _indexed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its usual index (a table read back from CSV has it as columns)."""
    want = INDEXES.get(name)
    if want is None or list(frame.index.names) == list(want):
        return frame
    if all(c in frame.columns for c in want):
        return frame.set_index(list(want))
    return frame


def _bundle_doc(bundle: Any) -> dict[str, Any]:
    """The ``to_dict()`` a bundle keeps: its ``result`` attribute, the manifest's ``result`` entry
    or the ``result.json`` of its folder; else what the manifest records of it."""
    manifest = dict(getattr(bundle, "manifest", {}) or {})
    for candidate in (getattr(bundle, "result", None), manifest.get("result")):
        if isinstance(candidate, Mapping):
            return dict(candidate)
    for attr in ("directory", "path", "root"):
        folder = getattr(bundle, attr, None)
        if isinstance(folder, str | Path) and (Path(folder) / "result.json").is_file():
            doc: dict[str, Any] = json.loads((Path(folder) / "result.json").read_text(encoding="utf-8"))
            return doc
    return {k: manifest[k] for k in ("provenance", "title", "article", "horizon") if k in manifest}


def _file_table(scenario: Any) -> dict[str, Any]:
    """A scenario as its file table (``Scenario.to_dict()``), else its name, title and notes."""
    to_dict = getattr(scenario, "to_dict", None)
    if callable(to_dict):
        table = to_dict()
        if isinstance(table, Mapping):
            return dict(table)
    return {k: getattr(scenario, k) for k in ("name", "title", "article", "notes") if hasattr(scenario, k)}


def _bundle_kind(bundle: Any, frames: Mapping[str, pd.DataFrame]) -> str:
    kind = str(getattr(bundle, "kind", "") or "")
    if kind in KINDS:
        return kind
    if "packages" in frames:
        return "deals"
    if "regions" in frames:
        return "run"
    raise OptionsError(
        f"report: a bundle of kind {kind!r} has no report; allowed: bundles of {', '.join(KINDS)} "
        "(tradetalks run --out, tradetalks deals --out)"
    )


def report_data(obj: Any, regions: Sequence[str] | str | None = None) -> ReportData:
    """The :class:`ReportData` of a scenario run, a deal space or a bundle of either.

    Parameters
    ----------
    obj : ScenarioRun, DealTable, Bundle or ReportData
        What :func:`tradetalks.run` or :func:`tradetalks.deals` returned, or a bundle loaded by
        :func:`tradetalks.api.bundle.load_bundle`.
    regions : sequence of str or "all", optional
        The regions a scenario run's report shows (default: the article's, as ``run.summary()``);
        a bundle shows those it was written with.

    Raises
    ------
    OptionsError
        ``obj`` is none of these.
    """
    if isinstance(obj, ReportData):
        return obj
    if isinstance(obj, ScenarioRun):
        shown: Any = regions  # a string is checked as a comma-separated list (or "all")
        return ReportData("run", obj.frames(shown), obj.to_dict(shown), spec=_file_table(obj.scenario))
    if isinstance(obj, DealTable):
        space = obj.space
        spec = {"name": space.name, "description": space.description}
        return ReportData("deals", obj.frames(), obj.to_dict(), spec=spec)
    frames = getattr(obj, "frames", None)
    if isinstance(frames, Mapping) and hasattr(obj, "manifest"):
        kind = _bundle_kind(obj, frames)
        folder = next(
            (
                getattr(obj, a)
                for a in ("directory", "path", "root")
                if isinstance(getattr(obj, a, None), str | Path)
            ),
            "bundle",
        )
        manifest = dict(getattr(obj, "manifest", {}) or {})
        table = manifest.get("scenario") if kind == "run" else manifest.get("deal_space")
        return ReportData(
            kind,
            dict(frames),
            _bundle_doc(obj),
            source=Path(folder).name,
            spec=dict(table) if isinstance(table, Mapping) else {},
            created=str(manifest["created"]) if manifest.get("created") else None,
        )
    raise OptionsError(
        f"report: cannot draw a report of a {type(obj).__name__}; allowed: the result of tradetalks.run "
        "(ScenarioRun), of tradetalks.deals (DealTable), or a bundle (tradetalks.load_bundle)"
    )
