"""A sweep's folder: partition files written atomically, a manifest, and resuming (docs/sweeps.md).

The folder holds ``part-NNNNNN.parquet`` (partition ``NNNNNN``, eq. 9.10a) and ``manifest.json``.
Every file is written to a temporary file in the same folder and moved over its name with
``os.replace``, so that a reader (or a run killed at any instant) sees a whole file or none.
The manifest lists the partitions done with their rows and sha256; it is rewritten after each
partition. A later run on the same folder with the same spec skips the partitions the manifest
lists (after checking their sha256) and computes the others; another spec is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from tradetalks._atomic import TMP_MARK as _TMP_MARK
from tradetalks._atomic import atomic_write as _atomic_write
from tradetalks._version import __version__
from tradetalks.errors import OptionsError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: Version of the folder's layout.
FORMAT = 1
#: Marks a temporary file: ``.NAME.tmp-<pid>-<random>``.
TMP_MARK = _TMP_MARK
#: What a folder's manifest must agree on with a run that resumes it (the spec's sha256 covers the
#: name, the grid, the draws, the seed and the partition size).
CHECKED = ("spec_sha256", "version", "baselines", "scenario_files")


def partition_file(q: int) -> str:
    """The file name of partition ``q``."""
    return f"part-{q:06d}.parquet"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder, fsynced, and
    ``os.replace`` (:func:`tradetalks._atomic.atomic_write`; the folder's temporaries are removed
    when it is opened)."""
    _atomic_write(path, data, clean=False)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as parquet (pyarrow), without its index."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise OptionsError(
            "sweeps write parquet, which needs pyarrow: pip install 'tradetalks[dask]' (or '[data]')"
        ) from None
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def read_partition(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path, engine="pyarrow")


class SweepStore:
    """The folder of one sweep: its manifest and partition files.

    Parameters
    ----------
    out : Path
        The folder (created if missing).
    identity : mapping
        What makes the results (spec, its sha256, package version, baselines and scenario files
        with their sha256, seed): a folder holding another identity is refused.
    partitions : int
        Partitions of the sweep.
    """

    def __init__(self, out: Path, identity: Mapping[str, Any], partitions: int) -> None:
        self.out = Path(out)
        self.identity = dict(identity)
        self.total = partitions
        self.done: dict[int, dict[str, Any]] = {}
        self.created = now()
        self.resumed: tuple[int, ...] = ()

    # ------------------------------------------------------------------ opening
    def open(self) -> tuple[int, ...]:
        """Create or resume the folder; the partitions still to compute, in order.

        Raises
        ------
        OptionsError
            The folder holds another sweep (another spec, version, baseline or scenario file),
            or files that are not a sweep's.
        """
        if self.out.exists() and not self.out.is_dir():
            raise OptionsError(f"--out {str(self.out)!r}: exists and is not a folder")
        self.out.mkdir(parents=True, exist_ok=True)
        self._remove_temporaries()
        manifest_path = self.out / MANIFEST
        if manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise OptionsError(
                    f"--out {str(self.out)!r}: {MANIFEST} is not valid JSON ({exc}); not written by a sweep"
                ) from None
            self._resume(manifest)
        else:
            stray = sorted(p.name for p in self.out.iterdir() if not p.name.startswith("."))
            if stray:
                raise OptionsError(
                    f"--out {str(self.out)!r}: holds files but no {MANIFEST} ({', '.join(stray[:3])}"
                    f"{', ...' if len(stray) > 3 else ''}): not a sweep's folder; give an empty or new one"
                )
        self.write_manifest()
        return tuple(q for q in range(self.total) if q not in self.done)

    def _remove_temporaries(self) -> None:
        for p in self.out.iterdir():
            if p.name.startswith(".") and TMP_MARK in p.name and p.is_file():
                log.info("sweep: removing the temporary file %s of an interrupted run", p.name)
                p.unlink()

    def _resume(self, manifest: Mapping[str, Any]) -> None:
        diff = [k for k in CHECKED if manifest.get(k) != self.identity.get(k)]
        if diff:
            theirs, ours = str(manifest.get("spec_sha256"))[:12], str(self.identity["spec_sha256"])[:12]
            what = {
                "spec_sha256": f"another spec (sweep {manifest.get('sweep')!r}, spec sha256 {theirs}..., "
                f"this one {ours}...)",
                "version": f"results of tradetalks {manifest.get('version')} (this is {__version__})",
                "baselines": "results on other baseline data",
                "scenario_files": "results of other scenario files",
            }
            reasons = "; ".join(what.get(k, k) for k in diff)
            raise OptionsError(
                f"--out {str(self.out)!r} holds {reasons}: refusing to mix them; give another --out "
                "or remove the folder"
            )
        self.created = str(manifest.get("created") or self.created)
        kept: dict[int, dict[str, Any]] = {}
        for key, rec in dict(manifest.get("partitions", {})).items():
            q = int(key)
            path = self.out / str(rec["file"])
            if q >= self.total or not path.is_file() or _sha256(path.read_bytes()) != rec["sha256"]:
                log.warning("sweep: partition %d is missing or altered; computing it again", q)
                continue
            kept[q] = dict(rec)
        self.done = kept
        self.resumed = tuple(sorted(kept))

    # ------------------------------------------------------------------ writing
    def write_partition(self, q: int, frame: pd.DataFrame, points: range) -> dict[str, Any]:
        """Write partition ``q`` atomically and record it in the manifest."""
        data = parquet_bytes(frame)
        name = partition_file(q)
        atomic_write(self.out / name, data)
        rec = {
            "file": name,
            "points": [points.start, points.stop],
            "rows": len(frame),
            "sha256": _sha256(data),
            "written": now(),
        }
        self.done[q] = rec
        self.write_manifest()
        return rec

    def manifest(self) -> dict[str, Any]:
        complete = len(self.done) == self.total
        return {
            "format": FORMAT,
            **self.identity,
            "partitions_total": self.total,
            "partitions_done": len(self.done),
            "rows": sum(int(r["rows"]) for r in self.done.values()),
            "created": self.created,
            "updated": now(),
            "complete": complete,
            "partitions": {f"{q:06d}": self.done[q] for q in sorted(self.done)},
        }

    def write_manifest(self) -> None:
        text = json.dumps(self.manifest(), indent=1, allow_nan=False)
        atomic_write(self.out / MANIFEST, text.encode())

    # ------------------------------------------------------------------ reading
    def frame(self) -> pd.DataFrame:
        """Every partition's rows, in partition order (the sweep's long frame)."""
        missing = [q for q in range(self.total) if q not in self.done]
        if missing:
            raise OptionsError(f"sweep in {str(self.out)!r}: partitions {missing[:5]} are not done")
        frames = [read_partition(self.out / str(self.done[q]["file"])) for q in range(self.total)]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def snapshot(self) -> Mapping[str, Any]:
        """The manifest as an immutable mapping."""
        return MappingProxyType(json.loads(json.dumps(self.manifest())))
