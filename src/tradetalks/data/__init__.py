"""Data layer: readers of the raw sources, concordances, balancing, aggregation, the baseline
store and the builders of the shipped baselines.

Nothing is imported here on purpose (the readers need h5py, pyarrow and openpyxl, which only
rebuilding a baseline requires); import the submodules, e.g. ``tradetalks.data.catalog``.
"""
