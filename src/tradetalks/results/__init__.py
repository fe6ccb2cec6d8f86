"""Results: the scenario result, the protocol every result follows, and provenance.

:class:`Result` is the outcome of one scenario (:mod:`.scenario`); :mod:`.common` holds what all
results share (:class:`Provenance`, :class:`ResultProtocol`, :class:`Report`, JSON helpers).
"""

from tradetalks.results.common import (
    DECIMALS,
    Provenance,
    Report,
    ResultProtocol,
    Section,
    baseline_sha256,
    json_safe,
)
from tradetalks.results.scenario import Result, compare

__all__ = [
    "DECIMALS",
    "Provenance",
    "Report",
    "Result",
    "ResultProtocol",
    "Section",
    "baseline_sha256",
    "compare",
    "json_safe",
]
