"""A progress bar on stderr for the long commands (rich), shown only after a short delay.

Quick commands print nothing; a command still running after :data:`DELAY` seconds shows its
task, steps and elapsed time on stderr, and clears it when done. ``--format json`` runs silent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from tradetalks.progress import ProgressFn, no_progress

#: Seconds a command runs before its progress bar appears.
DELAY = 1.5


@contextmanager
def stderr_progress(enabled: bool, delay: float = DELAY) -> Iterator[ProgressFn]:
    """A :data:`~tradetalks.progress.ProgressFn` that draws on stderr (nothing if not ``enabled``)."""
    if not enabled:
        yield no_progress
        return
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    t0 = time.perf_counter()
    task: list[TaskID] = []

    def report(description: str, done: int, total: int | None) -> None:
        if not task:
            if time.perf_counter() - t0 < delay:
                return
            bar.start()
            task.append(bar.add_task(description, total=total))
        bar.update(task[0], description=description, completed=done, total=total)

    try:
        yield report
    finally:
        if task:
            bar.stop()
