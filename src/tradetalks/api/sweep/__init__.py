"""Sweeps: a grid of runs and parameter draws, written to partitioned parquet, on Dask if asked.

>>> import tradetalks as tt
>>> res = tt.sweep("us-100-draws", out="sweeps/us-100")                  # doctest: +SKIP
>>> res = tt.sweep("my-sweep.toml", out="sweeps/mine",
...                options=tt.SweepOptions(workers=4, dask=True))        # doctest: +SKIP
>>> res.summary()                                                        # doctest: +SKIP

:mod:`.spec` reads and validates the spec, :mod:`.plan` expands its points and evaluates a
partition, :mod:`.store` writes the folder and resumes it, :mod:`.backends` runs partitions here,
on a process pool or on Dask, :mod:`.result` is the result object (docs/sweeps.md; the
definitions are docs/model.md, section 9.10).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from tradetalks._version import __version__
from tradetalks.analyses.uncertainty import parameter_draw
from tradetalks.api.inputs import scenario_of
from tradetalks.api.sweep.backends import execute
from tradetalks.api.sweep.plan import COLUMNS, SweepPlan, loaded_baseline, prepare_point, prepared
from tradetalks.api.sweep.result import SUMMARY_MEASURES, SweepResult
from tradetalks.api.sweep.spec import AXES, SweepOptions, SweepSpec, load_spec
from tradetalks.api.sweep.store import SweepStore
from tradetalks.data.horizons import at_horizon
from tradetalks.errors import OptionsError, TradetalksError
from tradetalks.progress import ProgressFn, no_progress
from tradetalks.results import Provenance
from tradetalks.results.common import baseline_sha256

log = logging.getLogger(__name__)

SpecLike = str | Path | Mapping[str, Any] | SweepSpec


def sweep(
    spec: SpecLike,
    out: str | Path,
    *,
    options: SweepOptions | None = None,
    progress: ProgressFn | None = None,
) -> SweepResult:
    """Run (or resume) a sweep and return its result (docs/sweeps.md; docs/model.md, 9.10).

    Parameters
    ----------
    spec : path, name, mapping or SweepSpec
        A spec file (``.toml``), a shipped example (``us-100-draws``, ``us-100-grid``), a parsed
        table or a :class:`SweepSpec`.
    out : path
        The folder of the partition files and the manifest. A folder an earlier run of the same
        spec left (finished or killed) is resumed: the partitions its manifest records are
        checked (sha256) and kept, the others computed. A folder of another spec is refused.
    options : SweepOptions, optional
        Workers and backend (this process, a process pool, a Dask ``LocalCluster`` or a running
        scheduler); the results are bit-identical whatever they are (eq. 9.10b).
    progress : ProgressFn, optional
        Called with ``(task, partitions done, partitions total)`` as partitions are written.

    Returns
    -------
    SweepResult

    Raises
    ------
    OptionsError
        A bad spec (naming the file and field), a bad backend option, dask missing, or a folder
        that holds another sweep.
    ConvergenceError
        A point whose equilibrium did not converge (the partitions written before stay).
    """
    t0 = time.perf_counter()
    opts = options or SweepOptions()
    the_spec, origin, folder = load_spec(spec)
    plan = SweepPlan.of(the_spec, folder)
    if opts.dask or opts.scheduler is not None:
        from tradetalks.api.sweep.backends import dask_distributed

        dask_distributed()
    identity, provenance = _validate(plan, origin)
    store = SweepStore(Path(out), identity, plan.partitions)
    todo = store.open()
    report = progress or no_progress
    task = f"sweep {the_spec.name}: partitions"
    report(task, len(store.done), plan.partitions)
    computed: list[int] = []

    def on_done(q: int, frame: pd.DataFrame) -> None:
        store.write_partition(q, frame, plan.partition_points(q))
        computed.append(q)
        report(task, len(store.done), plan.partitions)

    # BLAS on one thread here too, as on the workers: the same bits whatever the backend.
    with threadpool_limits(limits=1, user_api="blas"):
        execute(plan, todo, opts, on_done)
    frame = store.frame()
    log.info("sweep %s: %d partitions computed, %d resumed", the_spec.name, len(computed), len(store.resumed))
    return SweepResult(
        spec=the_spec,
        out=Path(out),
        manifest=store.snapshot(),
        provenance=provenance,
        computed=tuple(sorted(computed)),
        resumed=store.resumed,
        seconds=time.perf_counter() - t0,
        backend=opts.backend,
        _frame=frame,
    )


def _validate(plan: SweepPlan, origin: str) -> tuple[dict[str, Any], Provenance]:
    """Load every input once, so that a bad value fails here, naming the spec's field; return what
    identifies the results (for the manifest) and the provenance of grid point 0."""
    spec = plan.spec

    def check(axis: str, value: Any, make: Any) -> Any:
        try:
            return make()
        except TradetalksError as exc:
            msg = " ".join(str(exc).split())
            raise OptionsError(f"{origin}: {spec.where(axis)} = {value!r}: {msg}") from None

    baselines: dict[str, str] = {}
    first = plan.grid[0]
    for b in spec.axis_values("baseline"):
        assert b is not None
        base = check("baseline", b, lambda b=b: loaded_baseline(plan.baseline_ref(b), None))
        baselines[b] = baseline_sha256(base)
        for e in spec.axis_values("elasticities"):
            if e is not None:
                check("elasticities", e, lambda b=b, e=e: loaded_baseline(plan.baseline_ref(b), e))
    scenario_files: dict[str, str] = {}
    for s in spec.axis_values("scenario"):
        assert s is not None
        ref = plan.scenario_ref(s)
        check("scenario", s, lambda ref=ref: scenario_of(ref))
        if ref.endswith(".toml") and Path(ref).is_file():
            scenario_files[s] = hashlib.sha256(Path(ref).read_bytes()).hexdigest()
    for d in spec.axis_values("date"):
        if d is not None:
            check(
                "date",
                d,
                lambda d=d: prepared(
                    plan.scenario_ref(first.scenario),
                    plan.baseline_ref(first.baseline),
                    first.elasticities,
                    d,
                ),
            )
    prep = prepare_point(plan, first)
    mc = spec.monte_carlo
    if mc is not None:
        priors = plan.priors()
        check("baseline", first.baseline, lambda: parameter_draw(prep.baseline, 0, mc.seed, priors))
    identity = {
        "sweep": spec.name,
        "spec": spec.to_dict(),
        "spec_sha256": spec.sha256(),
        "version": __version__,
        "baselines": baselines,
        "scenario_files": scenario_files,
        "seed": None if mc is None else mc.seed,
        "draws": None if mc is None else mc.draws,
        "grid_points": spec.grid_size,
        "points": spec.points,
        "partition_size": spec.partition_size,
        "columns": list(COLUMNS),
    }
    world = at_horizon(prep.baseline, first.horizon)
    provenance = Provenance.of(
        world,
        "sweep",
        closure=first.closure,
        options={
            "spec": spec.to_dict(),
            "spec_sha256": spec.sha256(),
            "grid": {a: list(v) for a, v in spec.grid.axes().items()},
            "baselines": baselines,
            "points": spec.points,
        },
    )
    return identity, provenance


__all__ = [
    "AXES",
    "COLUMNS",
    "SUMMARY_MEASURES",
    "SweepOptions",
    "SweepPlan",
    "SweepResult",
    "SweepSpec",
    "load_spec",
    "sweep",
]
