"""The scenario file's JSON Schema and its reference page, generated from the pydantic models of
:mod:`tradetalks.scenarios.schema`.

``python -m tradetalks.scenarios.schema_docs`` prints the JSON Schema; ``--docs`` the reference
page ``docs/scenario-files.md``; ``--lever TYPE`` one lever's schema.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from tradetalks.errors import ScenarioError
from tradetalks.scenarios.files import toml_value
from tradetalks.scenarios.run_options import RunOptions
from tradetalks.scenarios.schema import LEVER_MODELS, ScenarioFile, SourceTable


# ------------------------------------------------------------------ JSON Schema
def _strip_nulls(node: Any) -> Any:
    """TOML has no null: drop ``{"type": "null"}`` branches and ``default: null``."""
    if isinstance(node, list):
        return [_strip_nulls(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strip_nulls(v) for k, v in node.items()}
    if "anyOf" in out:
        branches = [b for b in out["anyOf"] if b != {"type": "null"}]
        if len(branches) == 1:
            del out["anyOf"]
            out = {**branches[0], **out}
        else:
            out["anyOf"] = branches
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, with descriptions, defaults, examples, enums."""
    schema = _strip_nulls(ScenarioFile.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tradetalks scenario file"
    return dict(schema)


def lever_json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one lever type (a key of :data:`LEVER_MODELS`)."""
    if kind not in LEVER_MODELS:
        raise ScenarioError(f"lever type {kind!r}; allowed: {', '.join(LEVER_MODELS)}")
    schema = _strip_nulls(LEVER_MODELS[kind].model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return dict(schema)


# ------------------------------------------------------------------ the docs page
def _type_text(prop: Mapping[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type_text(b) for b in prop["anyOf"])
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type_text(prop.get('items', {}))}"
    if kind == "object":
        return "table"
    return {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}.get(
        str(kind), str(kind or "any")
    )


def _allowed_text(prop: Mapping[str, Any]) -> str:
    items = prop.get("items", {}) if prop.get("type") == "array" else prop
    if "enum" in items:
        return ", ".join(f"`{v}`" for v in items["enum"])
    if "const" in items:
        return f"`{items['const']}`"
    bounds = []
    for key, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in items:
            bounds.append(f"{sign} {items[key]:g}")
    if "minItems" in items:
        bounds.append(f"at least {items['minItems']} item(s)")
    return ", ".join(bounds)


def _fields_table(model: type[BaseModel]) -> list[str]:
    schema = _strip_nulls(model.model_json_schema())
    required = set(schema.get("required", []))
    rows = ["| field | type | default | allowed | description |", "|---|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        items = prop.get("items", {})
        if "$ref" in prop or "$ref" in items or "oneOf" in items:
            kind = "table" if "$ref" in prop else "list of tables"
        else:
            kind = _type_text(prop)
        if name in required:
            default = "required"
        elif "default" in prop:
            d = prop["default"]
            default = f"`{toml_value(d)}`" if d not in ("", [], ()) else "(none)"
        else:
            default = "(none)"
        desc = str(prop.get("description", "")).replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {default} | {_allowed_text(prop)} | {desc} |")
    return rows


def _example_toml(header: str, example: Mapping[str, Any]) -> list[str]:
    return ["```toml", header, *(f"{k} = {toml_value(v)}" for k, v in example.items()), "```"]


def _first_sentence(text: str) -> str:
    """Up to the first full stop followed by a capital letter (``eq. 5.1`` does not end one)."""
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]


def _doc(model: type[BaseModel]) -> str:
    return " ".join(line.strip() for line in (model.__doc__ or "").strip().splitlines() if line.strip())


def markdown_reference() -> str:
    """The reference page ``docs/scenario-files.md``, generated from the models (never edited by hand)."""
    out = [
        "# Scenario files",
        "",
        "<!-- Generated from the pydantic models of tradetalks.scenarios.schema; do not edit. "
        "Regenerate: python -m tradetalks.scenarios.schema_docs --docs > docs/scenario-files.md -->",
        "",
        "A scenario is a TOML file: a few keys naming it, the sentence of the article it models, the "
        "levers it pulls (`[[levers]]` tables, applied in order) and, optionally, its sources and how to "
        "run it. Start from a built-in file: `tradetalks scenarios list` names them, "
        "`tradetalks scenarios show us-100 > my.toml` prints one to copy, and "
        "`tradetalks run my.toml` solves it. `tradetalks schema` prints the JSON Schema of the format "
        "(`--lever tariff` for one lever, `--out FILE` to write it), for editors and forms.",
        "",
        "```toml",
        'name = "my-tariff"',
        'title = "US adds 50 points on Chinese machinery and electronics"',
        'article = "The threat of escalating tariffs remains very real."',
        'date = "pre-summit-2025-10-15"',
        "",
        "[run]",
        'horizon = "short"',
        "",
        "[[levers]]",
        'type = "tariff"',
        'importer = "USA"',
        'exporter = "CHN"',
        'sectors = ["C26", "C28"]',
        "add_pp = 50",
        "```",
        "",
        "Errors name the file, the line and the field, and list what is allowed, e.g. "
        "`my.toml, line 12, levers[0].add_pp: must be a number (got 'ten')`. Regions are the "
        "baseline's codes (`tradetalks data info default`); they are checked when the scenario is "
        "compiled on a baseline.",
        "",
        "## Top-level keys",
        "",
        *_fields_table(ScenarioFile),
        "",
        "## `[run]`: how the scenario is solved by default",
        "",
        "Every key is optional. `tradetalks.run` (and `tradetalks run`) takes a key from here only where "
        "the caller gives none: an argument or a command-line option always wins.",
        "",
        *_fields_table(RunOptions),
        "",
        "```toml",
        "[run]",
        'horizon = "short"',
        "alongside = []",
        "draws = 200",
        "seed = 1",
        "```",
        "",
        "## `[[sources]]`: where the numbers come from",
        "",
        *_fields_table(SourceTable),
        "",
        "## Includes and overrides",
        "",
        'A file may start from others: `include = ["us-100", "other.toml"]` names built-in scenarios or '
        "`.toml` files relative to the including file. The included files' levers come first, in order, "
        "then the file's own; its top-level keys and `[run]` keys override the included ones; `products` "
        "and `sources` are merged. An include cycle or a missing file is an error naming the chain of "
        "files.",
        "",
        "```toml",
        'name = "us-100-short"',
        'include = ["us-100-retaliation"]',
        'title = "The US threat and China\'s answer, a year on"',
        "",
        "[run]",
        'horizon = "short"',
        "```",
        "",
        "Any key can also be set without editing the file: `tradetalks run us-100 --set run.horizon=short "
        "--set levers.0.add_pp=50` (values are TOML literals; a bare word is a string), or in Python "
        '`tradetalks.load_scenario("us-100", overrides={"run.horizon": "short", "levers.0.add_pp": 50})`. '
        "A path names a table key (`date`, `run.horizon`) or a lever by its position from 0 "
        "(`levers.0.add_pp`).",
        "",
        "## Levers",
        "",
        "| `type` | what it does |",
        "|---|---|",
        *(f"| [`{k}`](#{k}) | {_first_sentence(_doc(m))} |" for k, m in LEVER_MODELS.items()),
        "",
    ]
    for kind, model in LEVER_MODELS.items():
        extra = model.model_config.get("json_schema_extra")
        examples: list[dict[str, Any]] = extra.get("examples", []) if isinstance(extra, dict) else []  # type: ignore[assignment]
        page = f"levers/{kind.replace('_', '-')}.md"
        out += [f"### {kind}", "", _doc(model), f"The equations: [{page}]({page}).", ""]
        out += [*_fields_table(model), "", "Example:", ""]
        for ex in examples:
            out += [*_example_toml("[[levers]]", ex), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tradetalks.scenarios.schema [--docs | --lever TYPE]``: print the schema or the page."""
    p = argparse.ArgumentParser(prog="python -m tradetalks.scenarios.schema")
    p.add_argument("--docs", action="store_true", help="print the reference page docs/scenario-files.md")
    p.add_argument("--lever", default=None, help=f"one lever type: {', '.join(LEVER_MODELS)}")
    args = p.parse_args(argv)
    if args.docs:
        sys.stdout.write(markdown_reference())
    else:
        schema = scenario_json_schema() if args.lever is None else lever_json_schema(args.lever)
        sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
