"""Compile a list of levers, in order, into one :class:`~tradetalks.model.Shocks`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from tradetalks.baseline import Baseline
from tradetalks.levers.capacity import capacity_constraints
from tradetalks.model.shocks import CriticalInput, FlowConstraint, Shocks


@dataclass
class ShockBuilder:
    """Private, mutable accumulator the levers write into; frozen into :class:`Shocks` at the end."""

    tariffs: NDArray[np.float64]
    export_taxes: NDArray[np.float64]
    iceberg_hat: NDArray[np.float64]
    constraints: list[FlowConstraint] = field(default_factory=list)
    critical_inputs: list[CriticalInput] = field(default_factory=list)

    @classmethod
    def start(cls, baseline: Baseline) -> ShockBuilder:
        return cls(
            np.array(baseline.tariffs, dtype=np.float64),
            np.zeros_like(baseline.flows),
            np.ones_like(baseline.flows),
        )

    def freeze(self, label: str) -> Shocks:
        return Shocks(
            tariffs=self.tariffs,
            export_taxes=self.export_taxes if np.any(self.export_taxes) else None,
            iceberg_hat=self.iceberg_hat if np.any(self.iceberg_hat != 1.0) else None,
            constraints=tuple(self.constraints),
            critical_inputs=tuple(self.critical_inputs),
            label=label,
        )


class Lever(Protocol):
    """Anything that writes its wedges into a :class:`ShockBuilder`."""

    def apply(self, baseline: Baseline, shocks: ShockBuilder) -> None: ...


def compile_levers(baseline: Baseline, levers: Sequence[Lever], label: str = "") -> Shocks:
    """Compile levers, in order, into :class:`Shocks` on the baseline's axes; at a horizon shorter
    than the long run, the capacity limits of critical products (:mod:`.capacity`) are added."""
    builder = ShockBuilder.start(baseline)
    for lever in levers:
        lever.apply(baseline, builder)
    taken = np.zeros(baseline.flows.shape, dtype=bool)
    for c in builder.constraints:
        taken |= c.cells
    # the export-control ban of a supplier leaves it no sales to limit on those routes
    taken |= ~np.isfinite(builder.export_taxes)
    builder.constraints.extend(capacity_constraints(baseline, taken))
    return builder.freeze(label)
