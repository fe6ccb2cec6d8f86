"""Where a sweep's partitions are evaluated: this process, a local process pool, or Dask.

Each backend calls :func:`~tradetalks.api.sweep.plan.evaluate_partition` on the partitions still
to do and hands every finished partition to ``on_done`` in this process (which writes it), in
the order they finish. What a partition holds does not depend on the backend (docs/model.md,
section 9.10): only when it arrives does.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

import pandas as pd

from tradetalks.api.sweep.plan import SweepPlan, evaluate_partition
from tradetalks.api.sweep.spec import SweepOptions
from tradetalks.errors import OptionsError

log = logging.getLogger(__name__)

OnDone = Callable[[int, pd.DataFrame], None]
#: Partitions queued per worker of the local pool (bounds the memory of finished, unwritten ones).
QUEUE_PER_WORKER = 2
#: Seconds to wait for a running Dask scheduler to answer.
CONNECT_TIMEOUT_S = 20


def execute(plan: SweepPlan, todo: Sequence[int], options: SweepOptions, on_done: OnDone) -> None:
    """Evaluate the partitions ``todo`` of ``plan`` on the backend ``options`` names."""
    if not todo:
        return
    backend = options.backend
    log.info("sweep %s: %d partitions on %s", plan.spec.name, len(todo), backend)
    if backend == "in-process":
        for q in todo:
            on_done(q, evaluate_partition(plan, q))
    elif backend == "process-pool":
        _pool(plan, todo, options.workers, on_done)
    else:
        _dask(plan, todo, options, on_done)


def _context() -> Any:
    """``fork`` where the platform has it (workers start at once and inherit the inputs already
    loaded), else the platform's default."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _pool(plan: SweepPlan, todo: Sequence[int], workers: int, on_done: OnDone) -> None:
    queue = list(reversed(todo))
    running: dict[Future[pd.DataFrame], int] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        try:
            while queue or running:
                while queue and len(running) < QUEUE_PER_WORKER * workers:
                    q = queue.pop()
                    running[pool.submit(evaluate_partition, plan, q)] = q
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=running.__getitem__):
                    q = running.pop(fut)
                    on_done(q, fut.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def dask_distributed() -> Any:
    """The ``distributed`` module, or an error saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise OptionsError(
            "dask (--dask or --scheduler) needs dask.distributed, which is not installed: "
            "pip install 'tradetalks[dask]'"
        ) from None
    return distributed


def _dask(plan: SweepPlan, todo: Sequence[int], options: SweepOptions, on_done: OnDone) -> None:
    distributed = dask_distributed()
    cluster = None
    if options.scheduler is not None:
        try:
            client = distributed.Client(options.scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise OptionsError(
                f"scheduler {options.scheduler!r}: cannot connect ({' '.join(str(exc).split())}); "
                "give the address of a running Dask scheduler, tcp://HOST:PORT"
            ) from None
    else:
        cluster = distributed.LocalCluster(
            n_workers=options.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
    futures: dict[Any, int] = {}
    try:
        shared = client.scatter(plan, broadcast=True, hash=False)
        futures = {client.submit(evaluate_partition, shared, q, pure=False): q for q in todo}
        for fut in distributed.as_completed(list(futures)):
            frame = fut.result()
            q = futures.pop(fut)
            fut.release()
            on_done(q, frame)
    finally:
        if futures:
            client.cancel(list(futures))
        client.close()
        if cluster is not None:
            cluster.close()
