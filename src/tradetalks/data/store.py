"""Save and load baselines: ``arrays.npz`` + ``manifest.json`` in one directory.

``arrays.npz`` is an ordinary NumPy archive (``numpy.load`` reads it) written with fixed zip
timestamps, fixed member order and a fixed compression level, so that the same baseline always
gives the same bytes (a rebuild is bit for bit identical). ``manifest.json`` holds the labels,
the units, the sha256 of ``arrays.npz`` and every entry of the baseline's ``meta`` (sources,
sha256 of the raw files, build command, adjustments, ...) at its top level. Loading verifies the
archive's sha256 against the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tradetalks._atomic import atomic_directory, atomic_write, write_synced
from tradetalks.baseline import Baseline
from tradetalks.errors import DataError

log = logging.getLogger(__name__)

FORMAT = "tradetalks-baseline/1"
ARRAYS_FILE = "arrays.npz"
MANIFEST_FILE = "manifest.json"
ARRAY_FIELDS = ("flows", "tariffs", "va_share", "io_share", "theta")
#: Manifest keys written by the store itself; ``meta`` may not use them.
RESERVED = ("format", "name", "year", "units", "regions", "sectors", "arrays", "mobility")

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_LEVEL = 9


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def npz_bytes(arrays: dict[str, np.ndarray[Any, Any]]) -> bytes:
    """Deterministic bytes of a compressed ``.npz`` archive holding ``arrays`` (sorted by name)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL)
    return out.getvalue()


def manifest_dict(b: Baseline, arrays_sha256: str) -> dict[str, Any]:
    """The manifest of a baseline (pure; see the module docstring)."""
    clash = sorted(set(b.meta) & set(RESERVED))
    if clash:
        raise DataError(f"baseline {b.name!r}: meta keys {clash} are reserved for the manifest")
    head: dict[str, Any] = {
        "format": FORMAT,
        "name": b.name,
        "year": int(b.year),
        "units": b.units,
        "regions": list(b.regions),
        "sectors": list(b.sectors),
        "arrays": {
            "file": ARRAYS_FILE,
            "sha256": arrays_sha256,
            "shapes": {k: list(getattr(b, k).shape) for k in ARRAY_FIELDS},
            "axes": {
                "flows": "[importer n, exporter i, sector j]",
                "tariffs": "[importer n, exporter i, sector j]",
                "va_share": "[region n, sector j]",
                "io_share": "[region n, input k, output j]",
                "theta": "[sector j]",
            },
        },
    }
    if b.mobility is not None:
        head["mobility"] = float(b.mobility)
    head.update(dict(b.meta))
    return head


def _own_folder(d: Path) -> bool:
    """``d`` is missing, or holds nothing but a baseline's two files (and hidden temporaries)."""
    if not d.exists():
        return True
    if not d.is_dir():
        raise DataError(f"baseline directory {d}: exists and is not a directory")
    return all(p.name in (ARRAYS_FILE, MANIFEST_FILE) or p.name.startswith(".") for p in d.iterdir())


def save_baseline(b: Baseline, directory: str | Path) -> Path:
    """Write ``arrays.npz`` and ``manifest.json`` of ``b`` into ``directory`` (created if needed).

    A directory that holds only a baseline (or nothing yet) is replaced whole, in one step
    (:func:`tradetalks._atomic.atomic_directory`): a process killed midway leaves the old baseline
    or the new one, never the new archive under the old manifest. In a directory that holds other
    files too, each file is replaced atomically, the archive first.

    Returns
    -------
    Path
        The directory.
    """
    d = Path(directory)
    blob = npz_bytes({k: getattr(b, k) for k in ARRAY_FIELDS})
    digest = hashlib.sha256(blob).hexdigest()
    manifest = manifest_dict(b, digest)
    try:
        text = json.dumps(manifest, indent=2, ensure_ascii=True, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise DataError(f"baseline {b.name!r}: meta is not JSON-serialisable: {exc}") from None
    if _own_folder(d):
        with atomic_directory(d) as tmp:
            write_synced(tmp / ARRAYS_FILE, blob)
            write_synced(tmp / MANIFEST_FILE, text)
    else:
        atomic_write(d / ARRAYS_FILE, blob)
        atomic_write(d / MANIFEST_FILE, text)
    log.info("saved baseline %s: %s (%d bytes)", b.name, d / ARRAYS_FILE, len(blob))
    return d


def load_baseline(directory: str | Path) -> Baseline:
    """Read a baseline written by :func:`save_baseline`, verifying the archive's sha256.

    Raises
    ------
    DataError
        If a file is missing, the format is unknown, the sha256 does not match or an array is
        missing or misshapen.
    """
    d = Path(directory)
    mpath, apath = d / MANIFEST_FILE, d / ARRAYS_FILE
    for p in (mpath, apath):
        if not p.is_file():
            raise DataError(f"baseline directory {d.name!r}: {p.name} not found")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{d.name}/{MANIFEST_FILE}: invalid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise DataError(
            f"{d.name}/{MANIFEST_FILE}: field 'format' is {manifest.get('format')!r}; allowed: {FORMAT}"
        )
    expected = manifest["arrays"]["sha256"]
    actual = sha256_file(apath)
    if actual != expected:
        raise DataError(
            f"{d.name}/{ARRAYS_FILE}: sha256 {actual} does not match the manifest ({expected}); "
            "the file was changed or corrupted"
        )
    with np.load(apath, allow_pickle=False) as z:
        missing = [k for k in ARRAY_FIELDS if k not in z.files]
        if missing:
            raise DataError(f"{d.name}/{ARRAYS_FILE}: arrays {missing} missing")
        arrays = {k: np.array(z[k]) for k in ARRAY_FIELDS}
    meta = {k: v for k, v in manifest.items() if k not in RESERVED}
    return Baseline(
        name=str(manifest["name"]),
        year=int(manifest["year"]),
        regions=tuple(manifest["regions"]),
        sectors=tuple(manifest["sectors"]),
        flows=arrays["flows"],
        tariffs=arrays["tariffs"],
        va_share=arrays["va_share"],
        io_share=arrays["io_share"],
        theta=arrays["theta"],
        units=str(manifest["units"]),
        meta=meta,
        mobility=None if manifest.get("mobility") is None else float(manifest["mobility"]),
    )
