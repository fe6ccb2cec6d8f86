"""Reading scenario files: includes, overrides and the file and line of every field.

``tomllib`` gives no positions, so :func:`key_lines` finds them: the k-th ``[[levers]]`` header
(or the k-th inline table of ``levers = [...]``) and the key lines under it, the ``[run]`` and
``[[sources]]`` tables and the top-level keys. :class:`Provenance` remembers, for a table merged
from several files (includes) and overrides, which file and which path each part came from, so an
error names the file it is in: ``my.toml, line 12, levers[1].add_pp: must be a number``.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tradetalks.errors import ScenarioError

Path_ = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*(\]\]?)\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_-]+)\s*=")


@dataclass(frozen=True)
class Origin:
    """Where a table came from: its name in messages, its text (to find lines) and its folder."""

    name: str
    text: str | None = None
    folder: Path | None = None


def key_lines(text: str) -> dict[Path_, int]:
    """The line (from 1) of every key, table header and array-of-tables entry of a TOML text.

    Paths are tuples: ``("name",)``, ``("run", "horizon")``, ``("levers", 1)`` (the header),
    ``("levers", 1, "add_pp")``. Multi-line strings are skipped; a multi-line array of inline tables
    (``levers = [`` then one ``{ ... }`` a line) numbers its tables.
    """
    out: dict[Path_, int] = {}
    counts: dict[str, int] = {}
    table: Path_ = ()
    in_string: str | None = None
    array: tuple[Path_, int] | None = None  # (path of the array key, items seen)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        stripped = line.strip()
        if array is not None:
            where, seen = array
            if stripped.startswith("{"):
                out.setdefault((*where, seen), lineno)
                for m in _INLINE_KEY.finditer(stripped):
                    out.setdefault((*where, seen, m.group(1)), lineno)
                array = (where, seen + 1)
            if stripped.startswith("]"):
                array = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            name = header.group(2).replace('"', "").replace("'", "").strip()
            parts: list[str | int] = [p.strip() for p in name.split(".")]
            if header.group(1) == "[[":
                k = counts.get(name, 0)
                counts[name] = k + 1
                table = (*parts, k)
            else:
                table = tuple(parts)
            out.setdefault(table, lineno)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        name = key.group(1).strip('"')
        path = (*table, name)
        out.setdefault(path, lineno)
        rest = line[key.end() :].strip()
        for quote in ('"""', "'''"):
            if rest.startswith(quote) and rest.count(quote) == 1:
                in_string = quote
        if rest.startswith("[") and rest.count("[") > rest.count("]"):
            array = (path, 0)
            inner = rest[1:].strip()
            if inner.startswith("{"):
                out.setdefault((*path, 0), lineno)
                array = (path, 1)
        elif rest.startswith("[") and "{" in rest:
            # a one-line array of inline tables: every table on this line
            for k in range(rest.count("{")):
                out.setdefault((*path, k), lineno)
            for m in _INLINE_KEY.finditer(rest):
                out.setdefault((*path, 0, m.group(1)), lineno)
    return out


@dataclass
class Provenance:
    """Which origin, and which path in it, each part of a (merged, overridden) table comes from."""

    default: Origin
    entries: dict[Path_, tuple[Origin, Path_]] = field(default_factory=dict)
    _lines: dict[int, dict[Path_, int]] = field(default_factory=dict)

    def lookup(self, path: Path_) -> tuple[Origin, Path_]:
        """The origin of ``path`` and the path it has there (the longest known prefix decides)."""
        for i in range(len(path), 0, -1):
            hit = self.entries.get(path[:i])
            if hit is not None:
                return hit[0], hit[1] + path[i:]
        return self.default, path

    def line(self, origin: Origin, path: Path_) -> int | None:
        """The line of ``path`` in ``origin``'s text, or of its nearest enclosing table or key."""
        if origin.text is None:
            return None
        lines = self._lines.setdefault(id(origin), key_lines(origin.text))
        for i in range(len(path), 0, -1):
            if path[:i] in lines:
                return lines[path[:i]]
        return None

    def where(self, path: Path_) -> str:
        """``FILE, line N`` (or ``FILE`` where no line is known) of a field."""
        origin, inner = self.lookup(path)
        line = self.line(origin, inner)
        return origin.name if line is None else f"{origin.name}, line {line}"

    def field(self, path: Path_) -> Path_:
        """The path of a field in the file it comes from (an included file numbers its own levers)."""
        origin, inner = self.lookup(path)
        return inner if origin.text is not None else path

    def folder(self, path: Path_) -> Path | None:
        """The folder of the file that gave ``path`` (relative paths in it are relative to it)."""
        return self.lookup(path)[0].folder


def dotted(path: Sequence[str | int]) -> str:
    """``levers[1].add_pp`` for ``("levers", 1, "add_pp")``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


# ------------------------------------------------------------------ reading files and includes
def _builtin_names(folder: str) -> list[str]:
    lib = resources.files("tradetalks.scenarios") / folder
    return sorted(p.name.removesuffix(".toml") for p in lib.iterdir() if p.name.endswith(".toml"))


def looks_like_path(entry: str) -> bool:
    """Whether ``entry`` names a file rather than a built-in: it has a folder part or a suffix
    (built-in names have neither: ``us-100``, ``busan-2025``)."""
    return "/" in entry or "\\" in entry or Path(entry).suffix != ""


def resolve(entry: str, folder: str, what: str, base: Path | None) -> tuple[str, Origin]:
    """Text and origin of a built-in name or a ``.toml`` path (relative to ``base`` if given)."""
    if not isinstance(entry, str) or not entry.strip():
        raise ScenarioError(f"{what} {entry!r}: expected a built-in name or the path of a .toml file")
    path = Path(entry)
    if base is not None and not path.is_absolute():
        path = base / path
    if looks_like_path(entry):
        if not path.is_file():
            kind = "a folder, not a file" if path.is_dir() else "no such file"
            raise ScenarioError(f"{entry!r}: {kind} ({path}); give the path of an existing {what} file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{entry!r}: cannot read the {what} file ({path}): {exc}") from None
        return text, Origin(str(path), None, path.resolve().parent)
    names = _builtin_names(folder)
    if entry not in names:
        raise ScenarioError(
            f"unknown {what} {entry!r}; built-in: {', '.join(names)} (or a path to a .toml file)"
        )
    res = resources.files("tradetalks.scenarios") / folder / f"{entry}.toml"
    return res.read_text(encoding="utf-8"), Origin(f"{what} {entry!r}")


def _parse(text: str, origin: Origin) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin.name}: not valid TOML: {exc}") from None


def read_file(
    name_or_path: str, folder: str = "library", what: str = "scenario"
) -> tuple[dict[str, Any], Provenance]:
    """A scenario file by built-in name or path, its includes merged in: ``(table, provenance)``."""
    text, origin = resolve(name_or_path, folder, what, None)
    return _load(text, origin, folder, what, ())


def _key(origin: Origin) -> str:
    return str(Path(origin.name).resolve()) if origin.folder is not None else origin.name


def _load(
    text: str, origin: Origin, folder: str, what: str, chain: tuple[Origin, ...]
) -> tuple[dict[str, Any], Provenance]:
    origin = Origin(origin.name, text, origin.folder)
    own = _parse(text, origin)
    prov = Provenance(origin)
    includes = own.pop("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(v, str) for v in includes):
        raise ScenarioError(
            f"{prov.where(('include',))}, include: must be a list of built-in names or .toml paths "
            f"(got {includes!r})"
        )
    merged: dict[str, Any] = {}
    names = [o.name for o in (*chain, origin)]
    for entry in includes:
        here = prov.where(("include",))
        try:
            inc_text, inc_origin = resolve(entry, folder, what, origin.folder)
        except ScenarioError as exc:
            raise ScenarioError(f"{here}, include: {exc} (included from {' -> '.join(names)})") from None
        if any(_key(o) == _key(inc_origin) for o in (*chain, origin)):
            raise ScenarioError(f"{here}, include: cycle {' -> '.join([*names, inc_origin.name])}")
        table, inc_prov = _load(inc_text, inc_origin, folder, what, (*chain, origin))
        _merge(merged, prov, table, inc_prov)
    _merge(merged, prov, own, Provenance(origin))
    return merged, prov


def _merge(acc: dict[str, Any], acc_prov: Provenance, table: Mapping[str, Any], prov: Provenance) -> None:
    """Merge ``table`` into ``acc``: levers and sources appended, products united, ``run`` keys and
    other keys overridden; ``acc_prov`` learns where each part came from."""
    for key, value in table.items():
        old = acc.get(key)
        if key in ("levers", "sources") and isinstance(value, list) and isinstance(old, list | None):
            start = len(old or [])
            acc[key] = [*(old or []), *value]
            for k in range(len(value)):
                acc_prov.entries[(key, start + k)] = prov.lookup((key, k))
        elif key == "products" and isinstance(value, list) and isinstance(old, list):
            acc[key] = [*old, *(p for p in value if p not in old)]
            acc_prov.entries[(key,)] = prov.lookup((key,))
        elif key == "run" and isinstance(value, Mapping) and isinstance(old, Mapping):
            acc[key] = {**old, **value}
            for k in value:
                acc_prov.entries[(key, k)] = prov.lookup((key, k))
        else:
            acc[key] = value
            acc_prov.entries[(key,)] = prov.lookup((key,))
            if isinstance(value, list):
                for k in range(len(value)):
                    acc_prov.entries[(key, k)] = prov.lookup((key, k))
            elif isinstance(value, Mapping):
                for k in value:
                    acc_prov.entries[(key, k)] = prov.lookup((key, k))


# ------------------------------------------------------------------ overrides
def parse_path(text: str) -> Path_:
    """``"levers.0.add_pp"`` as ``("levers", 0, "add_pp")``."""
    parts = [p.strip() for p in text.split(".")]
    if not text or any(not p for p in parts):
        raise ScenarioError(f"override {text!r}: not a path like 'run.horizon' or 'levers.0.add_pp'")
    return tuple(int(p) if p.isdigit() else p for p in parts)


def apply_overrides(table: dict[str, Any], prov: Provenance, overrides: Mapping[str, Any]) -> None:
    """Set each ``path = value`` of ``overrides`` in ``table`` (in place); errors name the path."""
    for text, value in overrides.items():
        path = parse_path(text)
        label = f"{prov.default.name}: override {text!r}"
        if path[0] == "include":
            raise ScenarioError(f"{label}: includes cannot be overridden (edit the file's 'include')")
        node: Any = table
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            here = dotted(path[:depth]) if depth else "the scenario"
            if isinstance(node, list):
                if not isinstance(part, int) or part >= len(node):
                    n = len(node)
                    stem = dotted(path[:depth])
                    have = "none" if not n else f"{stem}.0" if n == 1 else f"{stem}.0 .. {stem}.{n - 1}"
                    raise ScenarioError(
                        f"{label}: {here} has {n} entr{'y' if n == 1 else 'ies'} ({have}); no {part!r}"
                    )
            elif isinstance(node, dict):
                if isinstance(part, int):
                    raise ScenarioError(f"{label}: {here} is a table; {part} is not one of its keys")
                if not last and part not in node:
                    node[part] = {}
            else:
                raise ScenarioError(f"{label}: {here} is a value, not a table or a list")
            if last:
                node[part] = value
            else:
                node = node[part]
        prov.entries[path] = (Origin(label), ())


def parse_literal(text: str) -> Any:
    """A ``--set`` value as a TOML literal (``50``, ``true``, ``["USA"]``, ``"x"``); else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# ------------------------------------------------------------------ writing
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    """A TOML key: bare where it can be, else quoted."""
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML literal: strings quoted, whole floats as integers, lists and tables inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # JSON's escapes are TOML's; TOML also wants DEL escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ScenarioError(f"cannot write {value!r} ({type(value).__name__}) as TOML")


def dumps_toml(table: Mapping[str, Any]) -> str:
    """A scenario table as TOML text (``tomllib.loads`` gives it back): keys, then ``[tables]``, then
    ``[[arrays of tables]]``; ``None`` values are left out."""
    head: list[str] = []
    tail: list[str] = []
    for key, value in table.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tail += ["", f"[{toml_key(key)}]"]
            tail += [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items() if v is not None]
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
            for item in value:
                tail += ["", f"[[{toml_key(key)}]]"]
                tail += [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in item.items() if v is not None]
        else:
            head.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join([*head, *tail]) + "\n"
