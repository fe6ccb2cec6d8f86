"""Replications of published models and results.

Each replication lives in its own subpackage (e.g. :mod:`.ossa2014`, Ossa 2014), with its own
model, data readers and solvers, independent of the package's main model: a replication
imports only the package's errors, its raw-data helpers and itself.
"""
