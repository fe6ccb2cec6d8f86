"""Checks every result runs at construction: nothing non-finite, nothing negative that cannot be.

A solved :class:`~tradetalks.model.solver.Equilibrium` reaches a result only if every numeric
output is finite and every quantity that cannot be negative (prices, wages, unit costs,
spending, shares, flows, output, incomes) is ``>= 0``. Rounding noise below zero, at most
:data:`NOISE` times the largest magnitude of the same output, is a zero computed inexactly and
is set to zero; anything more negative raises :class:`~tradetalks.errors.ResultCheckError`
naming the output and its offending entries. The checks are a few vectorised reductions per
array (docs/model.md, section 3.3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.errors import ResultCheckError
from tradetalks.model import Equilibrium

FloatArray = NDArray[np.float64]

#: Negative values within this share of an output's largest magnitude are rounding noise.
NOISE = 1e-12
#: Offending entries listed in a message.
SHOWN = 5

#: Outputs of an equilibrium that cannot be negative, and their axes.
NON_NEGATIVE: Mapping[str, tuple[str, ...]] = {
    "w_hat": ("region",),
    "factor_price_hat": ("region", "sector"),
    "factor_income": ("region", "sector"),
    "P_hat": ("region", "sector"),
    "c_hat": ("region", "sector"),
    "spending": ("region", "sector"),
    "shares": ("importer", "exporter", "sector"),
    "flows": ("importer", "exporter", "sector"),
    "output": ("region", "sector"),
    "export_tax_revenue": ("region",),
    "income": ("region",),
    "va_share": ("region", "sector"),
    "io_share": ("region", "input", "sector"),
    "constraint_flows": ("constraint",),
}
#: Outputs that must be finite but may be negative (import subsidies, floors' wedges).
FINITE: Mapping[str, tuple[str, ...]] = {
    "tariff_revenue": ("region",),
    "constraint_wedges": ("constraint",),
    "state": ("entry",),
}


def check_equilibrium(eq: Equilibrium) -> Equilibrium:
    """``eq`` checked (see the module docstring); a copy with rounding noise set to zero when
    there is any, else ``eq`` itself.

    Raises
    ------
    ResultCheckError
        An output is not finite, or negative beyond rounding noise where it cannot be.
    """
    fixed: dict[str, FloatArray] = {}
    for name, axes in FINITE.items():
        _check_finite(eq, name, np.asarray(getattr(eq, name)), axes)
    for name, axes in NON_NEGATIVE.items():
        arr = np.asarray(getattr(eq, name))
        _check_finite(eq, name, arr, axes)
        if arr.size == 0 or float(arr.min()) >= 0.0:
            continue
        scale = float(np.abs(arr).max())
        noise = (arr < 0) & (arr >= -NOISE * scale)
        bad = (arr < 0) & ~noise
        if bad.any():
            _raise(eq, name, arr, bad, axes, "negative")
        clean = np.where(noise, 0.0, arr)
        clean.setflags(write=False)
        fixed[name] = clean
    return dataclasses.replace(eq, **fixed) if fixed else eq  # type: ignore[arg-type]


def check_outputs(eq: Equilibrium, outputs: Mapping[str, Any], axes: Sequence[str] = ("region",)) -> None:
    """Check derived outputs of a result (``welfare_hat``, ...): finite and ``>= 0``.

    Raises
    ------
    ResultCheckError
    """
    for name, value in outputs.items():
        arr = np.asarray(value, dtype=np.float64)
        _check_finite(eq, name, arr, tuple(axes))
        if (arr < 0).any():
            _raise(eq, name, arr, arr < 0, tuple(axes), "negative")


def _check_finite(eq: Equilibrium, name: str, arr: NDArray[Any], axes: tuple[str, ...]) -> None:
    finite = np.isfinite(arr)
    if not finite.all():
        _raise(eq, name, arr, ~finite, axes, "not finite")


def _raise(
    eq: Equilibrium, name: str, arr: NDArray[Any], bad: NDArray[np.bool_], axes: tuple[str, ...], what: str
) -> None:
    where = np.argwhere(bad)
    rows = tuple(
        f"{_label(eq.baseline, axes, tuple(int(k) for k in idx))} = {float(arr[tuple(idx)]):.6g}"
        for idx in where[:SHOWN]
    )
    more = f" and {len(where) - SHOWN} more" if len(where) > SHOWN else ""
    raise ResultCheckError(
        f"result output {name!r} is {what} at {len(where)} entries: {'; '.join(rows)}{more} "
        f"(baseline {eq.baseline.name!r}, {eq.info.iterations} iterations, residual {eq.info.residual:.3e}); "
        "every output must be finite and quantities >= 0",
        iterations=eq.info.iterations,
        residual=eq.info.residual,
        output=name,
        rows=rows,
    )


def _label(baseline: Baseline, axes: tuple[str, ...], idx: tuple[int, ...]) -> str:
    parts = []
    for axis, k in zip(axes, idx, strict=False):
        if axis in ("region", "importer", "exporter") and k < baseline.n_regions:
            parts.append(f"{axis}={baseline.regions[k]}")
        elif axis in ("sector", "input") and k < baseline.n_sectors:
            parts.append(f"{axis}={baseline.sectors[k]}")
        else:
            parts.append(f"{axis}={k}")
    return ", ".join(parts) if len(idx) == len(axes) else f"entry {idx}"
