"""Analyses built from solves: fallout on third countries, critical-input exposure (more to come)."""

from tradetalks.analyses.exposure import critical_input_exposure, global_leontief_row
from tradetalks.analyses.fallout import FALLOUT_REGIONS, Fallout, fallout

__all__ = ["FALLOUT_REGIONS", "Fallout", "critical_input_exposure", "fallout", "global_leontief_row"]
