"""Where the raw data lives.

The raw files (OECD ICIO trade cube, ADB MRIO calibration, ...) are not part of the package:
they are read from a directory found at call time, never at import time:

1. the environment variable ``TRADETALKS_DATA``, if set;
2. ``../shared/data`` relative to the current working directory;
3. ``../shared/data`` relative to the repository root, found by walking up from this file.

A candidate counts only if it is a directory holding at least one of the known raw-data
folders (``icio-cube``, ``adb-mrio``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from tradetalks.errors import DataError

log = logging.getLogger(__name__)

#: Environment variable that points at the raw data directory.
ENV_VAR = "TRADETALKS_DATA"

#: Sub-folders of which at least one marks a raw data directory.
MARKERS = ("icio-cube", "adb-mrio")

_RELATIVE = Path("..") / "shared" / "data"


def _looks_like_data_dir(path: Path) -> bool:
    return path.is_dir() and any((path / m).is_dir() for m in MARKERS)


def candidate_dirs(cwd: Path | None = None) -> list[Path]:
    """Directories searched for the raw data, in order (the environment variable not included).

    Parameters
    ----------
    cwd : Path, optional
        Working directory to start from; the process's working directory by default.
    """
    start = Path.cwd() if cwd is None else cwd
    out = [start / _RELATIVE]
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() or (parent / ".git").exists() or (parent / "src").is_dir():
            out.append(parent / _RELATIVE)
    seen: set[Path] = set()
    unique: list[Path] = []
    for p in out:
        r = p.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(r)
    return unique


def find_data_dir(cwd: Path | None = None) -> Path | None:
    """Locate the raw data directory, or return ``None`` when it is absent.

    Parameters
    ----------
    cwd : Path, optional
        Working directory to search from (default: the process's working directory).

    Returns
    -------
    Path or None
        The first directory found (see the module docstring for the order).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if _looks_like_data_dir(path):
            return path.resolve()
        log.warning("%s=%s is not a raw data directory (no %s inside); ignoring it", ENV_VAR, env, MARKERS)
    for cand in candidate_dirs(cwd):
        if _looks_like_data_dir(cand):
            return cand
    return None


def require_data_dir(data_dir: str | Path | None = None) -> Path:
    """Return ``data_dir`` (checked) or the directory :func:`find_data_dir` finds.

    Raises
    ------
    DataError
        If no raw data directory is given or found.
    """
    if data_dir is not None:
        path = Path(data_dir)
        if not _looks_like_data_dir(path):
            raise DataError(
                f"data_dir {str(path)!r} is not a raw data directory: it must contain one of {list(MARKERS)}"
            )
        return path
    found = find_data_dir()
    if found is None:
        raise DataError(
            f"raw data directory not found: set {ENV_VAR} or place the data in ../shared/data "
            "(relative to the working directory or to the repository root)"
        )
    return found


def dataset_dir(data_dir: str | Path | None, subdir: str | Path, files: Sequence[str], what: str) -> Path:
    """The folder of one raw dataset: ``data_dir`` itself or ``data_dir/subdir``, holding ``files``.

    ``data_dir`` defaults to :func:`find_data_dir`. Raises :class:`DataError` naming the dataset
    (``what``), where it was looked for and which files are missing.
    """
    sub = Path(subdir)
    if data_dir is None:
        root = find_data_dir()
        if root is None:
            raise DataError(
                f"raw data directory not found: set {ENV_VAR} or place the data in ../shared/data; "
                f"{what} files are expected in {sub.as_posix()}/ inside it"
            )
        data_dir = root
    base = Path(data_dir)
    for cand in (base, base / sub):
        if all((cand / name).is_file() for name in files):
            return cand
    missing = [name for name in files if not (base / sub / name).is_file()]
    raise DataError(
        f"{what} data not found under {str(base)!r} (looked in it and in {sub.as_posix()}/); "
        f"missing: {', '.join(missing)}"
    )
