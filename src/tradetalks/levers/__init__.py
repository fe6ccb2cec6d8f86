"""Policy levers. Each lever compiles to changes of the wedge arrays in :class:`~tradetalks.model.Shocks`."""

from tradetalks.levers.tariff import TariffChange, compile_levers

__all__ = ["TariffChange", "compile_levers"]
