"""Atomic writes: a file or a folder is replaced whole or not at all.

A process killed at any instant (``kill -9``, a crash, a full disk) leaves the previous file or
folder, or the new one complete, never a half-written one:

* :func:`atomic_write` writes a file's bytes to a temporary file in the same folder
  (``.NAME.tmp-<pid>-<random>``), flushes and fsyncs it, moves it over ``NAME`` with
  :func:`os.replace` (one rename, atomic on POSIX and Windows) and fsyncs the folder.
* :func:`atomic_directory` builds a folder in a temporary sibling, fsyncs every file in it and
  then puts it in place in one step: on Linux by exchanging the two folders
  (``renameat2(RENAME_EXCHANGE)``), so that the old folder stays at its name until the new one
  takes it; elsewhere by moving the old folder aside and the new one in (two renames; a process
  killed between them leaves the old folder at ``.NAME.old-<pid>-<random>``, and the next write
  puts it back before it replaces it).

Temporary files and folders that a killed process left are removed by the next write to the
same name (:func:`remove_leftovers`): those whose process is no longer running.

:data:`hook` is ``None``; a test sets it to a function called at every step of a write (the step's
name and the path), which may stop the process there.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: Marks a temporary file or folder: ``.NAME.tmp-<pid>-<random>``.
TMP_MARK = ".tmp-"
#: Marks an old folder moved aside while the new one is moved in: ``.NAME.old-<pid>-<random>``.
OLD_MARK = ".old-"
#: Permissions of the files written (before the umask-free ``chmod``).
FILE_MODE = 0o644
#: Where the process that left a temporary cannot be asked whether it runs (Windows): its age in
#: seconds after which the temporary counts as left.
STALE_S = 3600.0

#: Called as ``hook(step, path)`` at every step of a write when set (tests only); steps:
#: ``synced`` (a file written by :func:`write_synced`: a temporary file, or a file of a folder
#: being built), ``file-written`` (a temporary file complete, not yet in place),
#: ``file-replaced`` (in place), ``folder-built`` (every file synced, not yet in place),
#: ``folder-exchanged`` / ``folder-moved-aside`` / ``folder-replaced``.
hook: Callable[[str, Path], None] | None = None

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _reached(step: str, path: Path) -> None:
    if hook is not None:
        hook(step, path)


def temp_path(path: Path, mark: str = TMP_MARK) -> Path:
    """A fresh temporary name next to ``path``: ``.NAME<mark><pid>-<random>``."""
    return path.with_name(f".{path.name}{mark}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def fsync_dir(folder: Path) -> None:
    """fsync a folder, so that the renames in it survive a crash (a no-op where folders cannot be
    opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems do not sync folders
        pass
    finally:
        os.close(fd)


def _as_bytes(data: bytes | str, encoding: str) -> bytes:
    return data.encode(encoding) if isinstance(data, str) else bytes(data)


def write_synced(path: Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` (created or truncated), flushed and fsynced.

    Not atomic by itself: for the files of a folder that :func:`atomic_directory` builds, or of a
    temporary file.
    """
    with open(path, "wb") as fh:
        fh.write(_as_bytes(data, encoding))
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, FILE_MODE)
    _reached("synced", path)


def atomic_write(
    path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8", clean: bool = True
) -> Path:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` atomically.

    The bytes go to a temporary file in the same folder, are fsynced, and the file is renamed over
    ``path`` (:func:`os.replace`); the folder is created if missing. With ``clean``, temporaries of
    ``path`` that interrupted writes left are removed first (:func:`remove_leftovers`; a caller
    that writes many files in a folder it cleans itself passes ``False``).

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if clean:
        remove_leftovers(target)
    tmp = temp_path(target)
    try:
        write_synced(tmp, data, encoding=encoding)
        _reached("file-written", tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _reached("file-replaced", target)
    fsync_dir(target.parent)
    return target


# ----------------------------------------------------------------------------- folders
@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a folder that replaces ``path`` whole when the ``with`` block ends without error.

    Yields the temporary sibling folder to write into (:func:`write_synced` or any writer; every
    file is fsynced before the folder is put in place). An error inside the block removes the
    temporary folder and leaves ``path`` as it was. What is at ``path`` (a folder or nothing) stays
    there, whole, until the new folder takes its place.

    Yields
    ------
    Path
        The temporary folder.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    tmp = temp_path(target)
    tmp.mkdir()
    try:
        yield tmp
        _sync_tree(tmp)
        _reached("folder-built", tmp)
        _put_in_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _sync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def _put_in_place(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target``, replacing what is there."""
    if not target.exists() and not target.is_symlink():
        os.replace(tmp, target)
        _reached("folder-replaced", target)
        fsync_dir(target.parent)
        return
    if exchange(tmp, target):  # ``tmp`` now holds the old folder
        _reached("folder-exchanged", target)
        fsync_dir(target.parent)
        _remove(tmp)
        return
    old = temp_path(target, OLD_MARK)
    os.replace(target, old)
    _reached("folder-moved-aside", old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)
        raise
    _reached("folder-replaced", target)
    fsync_dir(target.parent)
    _remove(old)


def exchange(a: Path, b: Path) -> bool:
    """Swap the two existing paths ``a`` and ``b`` in one step; ``False`` where the platform or
    the file system cannot (then nothing was done)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):  # not glibc >= 2.28 (macOS, Windows, musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, f"cannot exchange {a} and {b}: {os.strerror(err)}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- leftovers
def _owner(name: str, mark: str) -> int | None:
    """The pid in a temporary's name (``None``: not one of ours, or written without a pid)."""
    pid = name.rsplit(mark, 1)[-1].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _running(pid: int | None, path: Path) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True  # this process may be writing it now (another thread)
    if os.name == "nt":  # no harmless way to ask: go by age
        try:
            return time.time() - path.stat().st_mtime < STALE_S
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def leftovers(path: Path) -> list[Path]:
    """Temporaries next to ``path`` that a process no longer running left (files and folders)."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    out = []
    for mark in (TMP_MARK, OLD_MARK):
        prefix = f".{path.name}{mark}"
        for p in path.parent.iterdir():
            if p.name.startswith(prefix) and not _running(_owner(p.name, mark), p):
                out.append(p)
    return sorted(out)


def remove_leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """Remove what interrupted writes to ``path`` left; put back an old folder moved aside whose
    replacement never arrived (``path`` missing). Returns what was removed."""
    target = Path(path)
    found = leftovers(target)
    old = [p for p in found if OLD_MARK in p.name and p.is_dir()]
    if old and not target.exists():
        back = max(old, key=lambda p: p.stat().st_mtime)
        os.replace(back, target)
        log.warning("restored %s, moved aside by a write that was interrupted", target)
        found.remove(back)
    for p in found:
        log.info("removing %s, left by an interrupted write", p.name)
        _remove(p)
    return found


__all__ = [
    "OLD_MARK",
    "TMP_MARK",
    "atomic_directory",
    "atomic_write",
    "exchange",
    "fsync_dir",
    "hook",
    "leftovers",
    "remove_leftovers",
    "temp_path",
    "write_synced",
]
