"""Calibration steps that need an equilibrium of the model.

The data layer reads, balances and aggregates without ever solving the model; the steps that
do solve it sit here, one layer above the model (and below the levers):

* :func:`dated_baseline`: a baseline moved to the tariffs in force on a date (the layers are
  assembled by :mod:`tradetalks.data.tariffs`, the counterfactual is solved here);
* :func:`load_cp2015`: Caliendo and Parro (2015)'s 1993 world, equilibrated as in their
  calibration step (the data side is :mod:`tradetalks.data.cp2015`).
"""

from tradetalks.calibration.cp2015 import load_cp2015
from tradetalks.calibration.dated import dated_baseline

__all__ = ["dated_baseline", "load_cp2015"]
