"""A lever field that takes "a string or a list of strings" takes one string for a one-item list.

The dashboard's form (and a user writing by hand) sends ``sectors = "C22"`` where a built-in file
says ``sectors = ["C22"]``; both must compile to the same shocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.scenarios import builtin_names, parse_scenario
from tradetalks.scenarios.schema_docs import scenario_json_schema


def _string_or_list_fields() -> set[str]:
    schema = scenario_json_schema()
    out = set()
    for d in schema.get("$defs", {}).values():
        for field, prop in d.get("properties", {}).items():
            kinds = {o.get("type") for o in prop.get("anyOf", [])}
            if {"string", "array"} <= kinds:
                out.add(field)
    return out


FIELDS = _string_or_list_fields()


def _squash(lever: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v[0] if k in FIELDS and isinstance(v, list) and len(v) == 1 and isinstance(v[0], str) else v
        for k, v in lever.items()
    }


def test_the_schema_has_string_or_list_fields():
    assert {"sectors", "exporters", "products"} <= FIELDS


@pytest.mark.parametrize("name", builtin_names())
def test_one_item_lists_as_strings_compile_the_same(name):
    base = tt.load_baseline("default")
    doc = tt.load_scenario(name).to_dict()
    squashed = {**doc, "levers": [_squash(lever) for lever in doc["levers"]]}
    a, b = parse_scenario(doc, "file"), parse_scenario(squashed, "form")
    wa, wb = a.prepare(base), b.prepare(base)
    sa, sb = a.compile(wa), b.compile(wb)
    for field in ("tariffs", "export_taxes", "iceberg_hat", "deficits"):
        x, y = getattr(sa, field), getattr(sb, field)
        assert (x is None) == (y is None), field
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=field)
    assert len(sa.constraints) == len(sb.constraints)
    for ca, cb in zip(sa.constraints, sb.constraints, strict=True):
        np.testing.assert_array_equal(ca.cells, cb.cells)
        assert (ca.target, ca.kind) == (cb.target, cb.kind)
    assert len(sa.critical_inputs) == len(sb.critical_inputs)
    for ka, kb in zip(sa.critical_inputs, sb.critical_inputs, strict=True):
        np.testing.assert_array_equal(ka.users, kb.users)
        assert (ka.input_sector, ka.sigma) == (kb.input_sector, kb.sigma)
