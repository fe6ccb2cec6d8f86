"""Progress of long computations: a callback the analyses call and the interfaces render.

The analyses report ``(task, done, total)`` through a :data:`ProgressFn` and know nothing of how
it is shown; the command line draws a progress bar on stderr (:mod:`tradetalks.cli.progress`),
and a caller of the API may pass any function (a log line, a notebook widget) or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(task, done, total)``: a description, the steps done and the steps expected
#: (``None`` when unknown: iterations of an optimiser, rounds of a war).
ProgressFn = Callable[[str, int, int | None], None]


def no_progress(task: str, done: int, total: int | None) -> None:
    """The default: report nothing."""
    return None
