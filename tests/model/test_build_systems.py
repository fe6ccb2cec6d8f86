"""``build_systems`` gives every member the system ``build_system`` gives it, array for array."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import tradetalks as tt
from tradetalks.analyses.deal_solve import compile_packages
from tradetalks.analyses.deals import load_deal_space
from tradetalks.errors import ShockError
from tradetalks.model.equilibrium import System
from tradetalks.model.system import build_system, build_systems


def _same(a: System, b: System) -> list[str]:
    """The fields where two systems differ (empty: identical arrays and shapes)."""
    bad = []
    for name in ("buyer_side", "seller_side", "deficits", "va_share", "io_share", "theta"):
        x, y = getattr(a, name), getattr(b, name)
        if x.shape != y.shape or not np.array_equal(x, y):
            bad.append(name)
    for part in ("wedges", "nests"):
        x, y = getattr(a, part), getattr(b, part)
        if (x is None) != (y is None):
            bad.append(part)
            continue
        if x is None:
            continue
        for f in dataclasses.fields(x):
            u, v = getattr(x, f.name), getattr(y, f.name)
            if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
                if u is None or v is None or u.shape != v.shape or not np.array_equal(u, v):
                    bad.append(f"{part}.{f.name}")
            elif u != v:
                bad.append(f"{part}.{f.name}")
    if a.mobility != b.mobility:
        bad.append("mobility")
    return bad


@pytest.fixture(scope="module")
def busan() -> tuple[tt.Baseline, list]:
    space = load_deal_space("busan-2025")
    world = space.base.prepare(tt.load_baseline("default"))
    return world, compile_packages(world, space, space.packages(), "fixed")


def test_deal_space_members_identical(busan) -> None:
    world, shocks = busan
    kinds = {(s.export_taxes is not None, bool(s.constraints), bool(s.critical_inputs)) for s in shocks}
    assert len(kinds) > 1  # members with and without export taxes, caps, nests
    one_by_one = [build_system(world, s) for s in shocks]
    for k, (one, many) in enumerate(zip(one_by_one, build_systems(world, shocks), strict=True)):
        assert _same(one, many) == [], f"member {k}"


@pytest.mark.parametrize("order", ["reversed", "rotated"])
def test_any_first_member(busan, order: str) -> None:
    """The first member is the reference; any member may be first (with or without export taxes,
    constraints, nests) and the systems are the same."""
    world, shocks = busan
    members = shocks[::-1] if order == "reversed" else shocks[100:] + shocks[:100]
    one_by_one = [build_system(world, s) for s in members]
    for one, many in zip(one_by_one, build_systems(world, members), strict=True):
        assert _same(one, many) == []


def test_first_without_export_taxes(busan) -> None:
    """A member with export taxes after a first member without any gets its two seller rows."""
    world, shocks = busan
    plain = dataclasses.replace(shocks[0], export_taxes=None, constraints=[], critical_inputs=[])
    taxed = [s for s in shocks if s.export_taxes is not None and np.any(s.export_taxes)][:3]
    assert taxed
    systems = build_systems(world, [plain, *taxed])
    assert systems[0].seller_side.shape[0] == 1
    for s, sys in zip(taxed, systems[1:], strict=True):
        assert _same(build_system(world, s), sys) == []


def test_bad_member_refused(busan) -> None:
    world, shocks = busan
    bad = dataclasses.replace(shocks[1], tariffs=np.full(world.flows.shape, -2.0))
    with pytest.raises(ShockError, match="tariffs"):
        build_systems(world, [shocks[0], bad])
    assert build_systems(world, []) == []
