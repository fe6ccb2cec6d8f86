"""The sweep specification (a TOML file) and the options of how a sweep runs (docs/sweeps.md).

A spec names the sweep, the job every point runs (``run``: a scenario on a baseline), a grid of
lists over the job's coordinates and, optionally, a Monte Carlo block of parameter draws::

    name = "us-100-draws"
    partition_size = 25

    [job]
    scenario = "us-100"
    baseline = "default"

    [grid]
    horizon = ["long", "short"]

    [monte_carlo]
    draws = 200
    seed = 7

Every model is frozen and forbids unknown fields; :func:`load_spec` reports a bad value as one
line naming the file, the field and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tradetalks.analyses.options import Options
from tradetalks.analyses.uncertainty import PARAMETERS
from tradetalks.errors import OptionsError, ScenarioError
from tradetalks.scenarios import builtin_names, read_toml

#: The coordinates a grid may vary, in the order points are expanded (the first varies slowest).
AXES: tuple[str, ...] = ("scenario", "baseline", "date", "elasticities", "closure", "horizon")
#: Jobs a sweep can run.
JOBS = ("run",)
#: Folder of the shipped example specs (``tradetalks.scenarios``' ``sweeps``).
SPEC_FOLDER = "sweeps"
#: Points a partition holds unless the spec says otherwise.
DEFAULT_PARTITION_SIZE = 50

Parameter = Literal[
    "trade_elasticity",
    "long_run_response",
    "critical_supply_elasticity",
    "critical_input_sigma",
    "purchase_compliance",
    "political_weight_scale",
]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SpecModel(BaseModel):
    """Base of the spec's tables: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class JobSpec(SpecModel):
    """``[job]``: what each point computes, and the coordinates the grid does not vary.

    Attributes
    ----------
    kind : {"run"}
        Solve ``scenario`` on ``baseline`` (:func:`tradetalks.run`'s solve, at one horizon).
    scenario : str
        A built-in scenario or a ``.toml`` path (relative paths: from the spec's folder).
    baseline : str
        A shipped baseline or a baseline directory.
    date : str, optional
        Tariffs in force on ``YYYY-MM-DD`` or a preset; ``"data"``: the data year's; default:
        the scenario's own date.
    elasticities : str, optional
        A published trade-elasticity set (``CP``, ``FGO``, ...); default: the baseline's.
    closure : {"fixed", "balanced"}
    horizon : {"short", "medium", "long"}
    """

    kind: Literal["run"] = "run"
    scenario: str = Field(default="us-100", min_length=1)
    baseline: str = Field(default="default", min_length=1)
    date: str | None = Field(default=None, min_length=1)
    elasticities: str | None = Field(default=None, min_length=1)
    closure: Literal["fixed", "balanced"] = "fixed"
    horizon: Literal["short", "medium", "long"] = "long"


class GridSpec(SpecModel):
    """``[grid]``: lists of values; the points are their Cartesian product (in :data:`AXES` order).

    An axis left out keeps the job's value.
    """

    scenario: tuple[str, ...] | None = Field(default=None, min_length=1)
    baseline: tuple[str, ...] | None = Field(default=None, min_length=1)
    date: tuple[str, ...] | None = Field(default=None, min_length=1)
    elasticities: tuple[str, ...] | None = Field(default=None, min_length=1)
    closure: tuple[Literal["fixed", "balanced"], ...] | None = Field(default=None, min_length=1)
    horizon: tuple[Literal["short", "medium", "long"], ...] | None = Field(default=None, min_length=1)

    @field_validator("*")
    @classmethod
    def _distinct(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            repeated = sorted({v for v in value if value.count(v) > 1})
            if repeated:
                raise ValueError(f"values must be distinct; repeated: {', '.join(repeated)}")
            empty = [v for v in value if not str(v).strip()]
            if empty:
                raise ValueError("values must be non-empty strings")
        return value

    def axes(self) -> dict[str, tuple[str, ...]]:
        """The axes the grid varies, in :data:`AXES` order."""
        return {a: v for a in AXES if (v := getattr(self, a)) is not None}


class MonteCarloSpec(SpecModel):
    """``[monte_carlo]``: draws of the uncertain parameters at every grid point (eq. 9.1).

    Attributes
    ----------
    draws : int
        Draws ``0 .. draws - 1`` of ``seed`` at each grid point (the same draws at every point).
    seed : int
    vary : list of str
        Parameters of :data:`tradetalks.analyses.uncertainty.PARAMETERS` that vary (default: all).
    elasticity_method : {"lognormal", "sets"}
        Trade elasticities log-normal around the chosen set, or one published set whole.
    """

    draws: int = Field(ge=1, le=10_000_000)
    seed: int = Field(ge=0, le=2**63 - 1)
    vary: tuple[Parameter, ...] = Field(default=cast("tuple[Parameter, ...]", PARAMETERS), min_length=1)
    elasticity_method: Literal["lognormal", "sets"] = "lognormal"

    @field_validator("vary")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(f"parameters must be distinct; repeated: {', '.join(repeated)}")
        return value


class SolverSpec(SpecModel):
    """``[solver]``: tolerances of the equilibrium solver (:class:`tradetalks.SolverOptions`)."""

    tol: float = Field(default=1e-11, gt=0.0, lt=1e-3)
    max_iter: int = Field(default=3000, ge=1, le=1_000_000)


class SweepSpec(SpecModel):
    """A whole sweep: its name, the size of its partitions, the job, the grid and the draws.

    Attributes
    ----------
    name : str
        Letters, digits, ``.``, ``_`` and ``-``.
    partition_size : int
        Points per partition file (docs/model.md, eq. 9.10a); results do not depend on it, but
        a folder holds one partition size (it is part of the spec).
    job : JobSpec
    grid : GridSpec
    monte_carlo : MonteCarloSpec, optional
        Without it every grid point is solved once, at the shipped values (the central case).
    solver : SolverSpec
    """

    name: str
    partition_size: int = Field(default=DEFAULT_PARTITION_SIZE, ge=1, le=1_000_000)
    job: JobSpec = Field(default_factory=JobSpec)
    grid: GridSpec = Field(default_factory=GridSpec)
    monte_carlo: MonteCarloSpec | None = None
    solver: SolverSpec = Field(default_factory=SolverSpec)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("allowed: letters, digits, '.', '_' and '-', starting with a letter or digit")
        return value

    @model_validator(mode="after")
    def _fits(self) -> SweepSpec:
        if self.grid_size * self.draws > 2**40:
            raise ValueError(f"{self.grid_size * self.draws} points: at most 2**40")
        return self

    # ------------------------------------------------------------------ derived
    @property
    def draws(self) -> int:
        """Points per grid point: the Monte Carlo draws, or 1 (the central case)."""
        return 1 if self.monte_carlo is None else self.monte_carlo.draws

    @property
    def grid_size(self) -> int:
        n = 1
        for values in self.grid.axes().values():
            n *= len(values)
        return n

    @property
    def points(self) -> int:
        """Grid points times draws (eq. 9.10)."""
        return self.grid_size * self.draws

    @property
    def partitions(self) -> int:
        """Partitions of :attr:`partition_size` points, the last one possibly shorter (eq. 9.10a)."""
        return -(-self.points // self.partition_size)

    def axis_values(self, axis: str) -> tuple[str | None, ...]:
        """The values of ``axis`` over the grid (the job's one value when the grid does not vary it)."""
        values: tuple[str | None, ...] | None = getattr(self.grid, axis)
        return values if values is not None else (getattr(self.job, axis),)

    def where(self, axis: str) -> str:
        """Where the spec sets ``axis``: ``grid.<axis>`` or ``job.<axis>``."""
        return f"grid.{axis}" if getattr(self.grid, axis) is not None else f"job.{axis}"

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain values, every default filled in (what its sha256 is taken of)."""
        return self.model_dump(mode="json")

    def sha256(self) -> str:
        """sha256 of the canonical JSON of :meth:`to_dict` (keys sorted): comments, layout and
        defaults written out or left implicit do not change it."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(text.encode()).hexdigest()


class SweepOptions(Options):
    """How a sweep runs; the results do not depend on it (docs/model.md, section 9.10).

    Attributes
    ----------
    workers : int
        Processes (a local pool; 1: in this process) or, with ``dask``, the workers of a
        ``dask.distributed.LocalCluster`` (one thread each).
    dask : bool
        Start a ``LocalCluster`` of ``workers`` workers.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``); its workers do the work.
    """

    workers: int = Field(default=1, ge=1, le=1024)
    dask: bool = False
    scheduler: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9+]*://\S+$")

    @model_validator(mode="after")
    def _one_backend(self) -> SweepOptions:
        if self.scheduler is not None and self.dask:
            raise ValueError("give either dask (start a local cluster) or scheduler (use a running one)")
        if self.scheduler is not None and self.workers != 1:
            raise ValueError("workers: the cluster at scheduler has its own workers; leave workers at 1")
        return self

    @property
    def backend(self) -> str:
        """``in-process``, ``process-pool``, ``dask-local`` or ``dask-scheduler``."""
        if self.scheduler is not None:
            return "dask-scheduler"
        if self.dask:
            return "dask-local"
        return "process-pool" if self.workers > 1 else "in-process"


# ---------------------------------------------------------------------------------- loading
def load_spec(source: str | Path | Mapping[str, Any] | SweepSpec) -> tuple[SweepSpec, str, Path]:
    """A sweep spec from a ``.toml`` path, a shipped example's name, a table or a spec object.

    Returns
    -------
    (SweepSpec, origin, folder)
        The validated spec, where it came from (for error messages) and the folder its relative
        paths are read from (the file's folder; the working directory otherwise).

    Raises
    ------
    OptionsError
        A malformed file or a bad field: ``FILE: FIELD = VALUE: what is allowed``.
    """
    if isinstance(source, SweepSpec):
        return source, f"sweep {source.name!r}", Path.cwd()
    if isinstance(source, Mapping):
        return parse_spec(source, "sweep spec"), "sweep spec", Path.cwd()
    path = Path(source)
    if path.suffix == ".toml" and path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise OptionsError(f"{path}: not valid TOML ({exc})") from None
        return parse_spec(data, str(path)), str(path), path.resolve().parent
    if path.suffix == ".toml":
        raise OptionsError(f"sweep spec {str(path)!r}: no such file")
    try:
        data, origin = read_toml(str(source), SPEC_FOLDER, "sweep spec")
    except ScenarioError as exc:
        if "no such file" in str(exc):  # a path that does not exist: say so, as the loader does
            raise OptionsError(str(exc)) from None
        raise OptionsError(
            f"sweep spec {str(source)!r}: not a .toml file; shipped examples: "
            f"{', '.join(builtin_names(SPEC_FOLDER))}"
        ) from None
    return parse_spec(data, origin), origin, Path.cwd()


def parse_spec(data: Mapping[str, Any], origin: str) -> SweepSpec:
    """Validate a parsed spec table; errors name ``origin``, the field and what is allowed."""
    try:
        return SweepSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise OptionsError(_message(origin, exc)) from None


def _message(origin: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        name = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            fields = _fields_at(loc[:-1])
            parts.append(f"{origin}: {name}: unknown field; allowed: {', '.join(fields)}")
        elif err["type"] == "missing":
            parts.append(f"{origin}: {name}: missing (required)")
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            parts.append(f"{origin}: {name} = {err.get('input')!r}: {msg}")
    return "; ".join(parts)


def _fields_at(loc: list[str]) -> list[str]:
    """The fields of the spec table at ``loc`` (``[]``: the top level; ``["job"]``: ``[job]``)."""
    model: type[BaseModel] = SweepSpec
    for key in loc:
        field = model.model_fields.get(key)
        annotation = getattr(field, "annotation", None)
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        sub = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if sub is None:
            break
        model = sub
    return list(model.model_fields)
