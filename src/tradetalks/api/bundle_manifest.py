"""A bundle's manifest and the workflow call it records (docs/bundles.md).

:func:`manifest` builds ``manifest.json`` of a result: what was run, on which baseline (with its
sha256), the call with every argument encoded as JSON (scenarios and deal spaces as their tables,
option objects by their fields; :func:`record_call`), the solver's statistics and the result's
provenance. :func:`decode` turns a recorded argument back into the object the call takes.
:mod:`tradetalks.api.bundle` writes, reads and reruns bundles with these.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tradetalks._version import __version__
from tradetalks.analyses.deal_space import DealSpace, parse_deal_space
from tradetalks.analyses.deals import DealTable
from tradetalks.analyses.optimal import OptimalTariffs
from tradetalks.analyses.options import DealOptions, OptimizerOptions, TalksOptions, WarOptions
from tradetalks.analyses.talks import Talks
from tradetalks.analyses.uncertainty import Priors
from tradetalks.analyses.war import NashWar
from tradetalks.api.run import ScenarioRun
from tradetalks.baseline import Baseline
from tradetalks.errors import OptionsError
from tradetalks.model import SolverOptions
from tradetalks.results import baseline_sha256, json_safe
from tradetalks.scenarios import Scenario, parse_scenario, read_toml

#: ``format`` of a bundle's manifest.
FORMAT = "tradetalks-bundle/1"
#: Kinds of result a bundle holds, by the workflow call that makes them.
KINDS = ("run", "deals", "optimal-tariff", "war", "talks")

_OPTION_TYPES: dict[str, Any] = {
    "DealOptions": DealOptions,
    "TalksOptions": TalksOptions,
    "WarOptions": WarOptions,
    "OptimizerOptions": OptimizerOptions,
}


def kind_of(result: Any) -> str:
    """The bundle kind of a result (``run``, ``deals``, ``optimal-tariff``, ``war``, ``talks``)."""
    for cls, kind in (
        (ScenarioRun, "run"),
        (DealTable, "deals"),
        (OptimalTariffs, "optimal-tariff"),
        (NashWar, "war"),
        (Talks, "talks"),
    ):
        if isinstance(result, cls):
            return kind
    raise OptionsError(
        f"write_bundle: a {type(result).__name__} cannot be bundled; allowed: the results of "
        "tradetalks.run, deals, optimal_tariff, war and talks"
    )


# ----------------------------------------------------------------------------- the manifest
def canonical_sha256(value: Any) -> str:
    """sha256 of ``value`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(json_safe(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest(
    kind: str,
    result: Any,
    call: dict[str, Any],
    argv: Sequence[str] | None,
    regions: Sequence[str] | str | None,
) -> dict[str, Any]:
    """``manifest.json`` of a result (its ``tables`` are added as they are written)."""
    prov = result.provenance
    scenario = _scenario_table(call)
    space = call.get("space", {}).get("$deal_space") if isinstance(call.get("space"), dict) else None
    asked = call.get("baseline")
    if asked is None:  # the call left it to the scenario's [run] table or the default
        asked = base_name(prov.baseline)
    out: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": list(argv) if argv is not None else None,
        "subject": _subject(kind, result),
        "baseline": {
            "name": asked if isinstance(asked, str) else None,
            "year": prov.baseline_year,
            "source_sha256": source_sha(asked),
            "reference": prov.baseline,
            "sha256": prov.baseline_sha256,
            "tariff_date": prov.tariff_date,
            "products": list(prov.products),
        },
        "scenario": scenario,
        "scenario_sha256": None if scenario is None else canonical_sha256(scenario),
        "deal_space": space,
        "deal_space_sha256": None if space is None else canonical_sha256(space),
        "call": {"function": kind, "kwargs": call},
        "options": {k: _short(v) for k, v in call.items()},
        "regions": regions if regions is None or isinstance(regions, str) else list(regions),
        **_draws_seed(result, call),
        "solver": solver_statistics(result),
        "provenance": prov.to_dict(),
    }
    return out


def _draws_seed(result: Any, call: Mapping[str, Any]) -> dict[str, Any]:
    """``draws`` and ``seed`` of the result's parameter draws (0 and ``None`` without draws)."""
    unc = getattr(result, "uncertainty", None)
    if unc is not None:
        return {"draws": int(getattr(unc, "draws", 0) or 0), "seed": getattr(unc, "seed", call.get("seed"))}
    return {"draws": 0, "seed": None}


def _short(value: Any) -> Any:
    """A recorded argument for reading: a scenario or deal space by its name (the tables are the
    manifest's ``scenario`` and ``deal_space``)."""
    if isinstance(value, dict):
        for key in ("$scenario", "$deal_space"):
            if key in value:
                return value[key].get("name")
    return value


def _subject(kind: str, result: Any) -> str:
    if isinstance(result, ScenarioRun):
        return result.scenario.name
    if isinstance(result, DealTable):
        return result.space.name
    if isinstance(result, OptimalTariffs):
        return f"{result.region} on {','.join(result.partners)}"
    if isinstance(result, NashWar):
        return ",".join(result.players)
    if isinstance(result, Talks):
        return f"{','.join(result.parties)} from {result.threat}"
    return kind


def source_sha(name: Any) -> str | None:
    """sha256 of the baseline asked for, as loaded (before dating and splitting)."""
    if not isinstance(name, str):
        return None
    from tradetalks.data.catalog import load_baseline

    try:
        return baseline_sha256(load_baseline(name))
    except Exception:  # a baseline folder gone or unreadable: the manifest says so with null
        return None


def _scenario_table(call: Mapping[str, Any]) -> dict[str, Any] | None:
    for key in ("scenario", "threat"):
        value = call.get(key)
        if isinstance(value, dict) and "$scenario" in value:
            table: dict[str, Any] = value["$scenario"]
            return table
    return None


def solver_statistics(result: Any) -> dict[str, Any]:
    """Iterations, residual and seconds of the solves behind ``result`` (by horizon for a run)."""

    def of(info: Any) -> dict[str, Any]:
        return {
            "converged": bool(info.converged),
            "iterations": int(info.iterations),
            "residual": float(info.residual),
            "seconds": float(info.seconds),
            "method": str(info.method),
        }

    if isinstance(result, ScenarioRun):
        out = {result.horizon: of(result.result.solver)}
        out |= {h: of(r.solver) for h, r in result.alongside.items()}
        return {"horizons": out}
    if isinstance(result, DealTable):
        stats: dict[str, Any] = {"packages": len(result.solved), "seconds": float(result.seconds)}
        if "iterations" in result.solved:
            stats["iterations"] = int(result.solved["iterations"].sum())
        return stats
    if isinstance(result, OptimalTariffs):
        return {"iterations": int(result.iterations), "seconds": float(result.seconds)}
    if isinstance(result, NashWar):
        return {
            "method": result.method,
            "rounds": int(result.rounds),
            "max_change": float(result.max_change),
            "seconds": float(result.seconds),
        }
    if isinstance(result, Talks):
        return {"iterations": int(result.iterations), "seconds": float(result.seconds)}
    return {}


# ----------------------------------------------------------------------------- the call
def record_call(kind: str, result: Any, call: Mapping[str, Any] | None) -> dict[str, Any]:
    """The call as JSON, every object encoded (scenarios and deal spaces as their tables)."""
    if call is None:
        call = _infer_call(result)
    out = {}
    for key, value in call.items():
        if key == "progress":
            continue
        if key in ("scenario", "threat") and not (key == "threat" and value == "war"):
            value = _scenario_value(value, result if key == "scenario" else None)
        elif key == "space":
            value = _space_value(value)
        out[key] = _encode(value, key)
    return out


def _scenario_value(value: Any, result: Any) -> dict[str, Any]:
    """A scenario argument as its table: the scenario as run for a run, else loaded."""
    from tradetalks.api.inputs import scenario_of

    sc = result.scenario if isinstance(result, ScenarioRun) else scenario_of(value)
    return {"$scenario": scenario_to_dict(sc)}


def scenario_to_dict(sc: Scenario) -> dict[str, Any]:
    """A scenario's table (:meth:`Scenario.to_dict`), JSON-safe."""
    table: dict[str, Any] = json_safe(sc.to_dict())
    return table


def _space_value(value: Any) -> dict[str, Any]:
    """A deal-space argument as its table: the file's (a name or path) or the object's."""
    if isinstance(value, DealSpace):
        return {"$deal_space": deal_space_table(value), "origin": f"deal space {value.name!r}"}
    table, origin = read_toml(str(value), "deals", "deal space")
    return {"$deal_space": json_safe(table), "origin": origin}


def deal_space_table(space: DealSpace) -> dict[str, Any]:
    """A deal space as the table of a deal-space file (:func:`parse_deal_space` gives it back)."""
    from tradetalks.scenarios.schema import lever_to_dict

    def levers(items: Sequence[Any]) -> list[dict[str, Any]]:
        return [lever_to_dict(lever) for lever in items]

    out: dict[str, Any] = {"name": space.name}
    if space.description:
        out["description"] = space.description
    out["parties"] = [g.region for g in space.parties]
    if space.base.date is not None:
        out["date"] = space.base.date
    if space.base.products:
        out["products"] = list(space.base.products)
    out["levers"] = levers(space.base.levers)
    out["disagreement"] = dict(space.disagreement)
    out["issues"] = [
        {"name": i.name, "options": [{"name": o.name, "levers": levers(o.levers)} for o in i.options]}
        for i in space.issues
    ]
    if space.win_sets:
        out["win_sets"] = [dataclasses.asdict(w) for w in space.win_sets]
    table: dict[str, Any] = json_safe(out)
    return table


def _encode(value: Any, key: str) -> Any:
    if isinstance(value, Baseline):
        raise OptionsError(
            f"write_bundle: call.{key} is a Baseline object; a bundle records a shipped baseline's "
            "name or a baseline folder's path (rerun must load it again)"
        )
    if isinstance(value, SolverOptions):
        return {"$solver": dataclasses.asdict(value)}
    if isinstance(value, Priors):
        return {"$priors": value.to_dict()}
    if type(value).__name__ in _OPTION_TYPES:
        dumped = value.model_dump(mode="json")
        dumped.pop("cache_dir", None)  # a rerun solves again, never from a cache
        return {"$options": type(value).__name__, "fields": dumped}
    if isinstance(value, Path):
        return str(value)
    return json_safe(value)


def decode(value: Any, key: str) -> Any:
    if not isinstance(value, dict):
        return tuple(value) if isinstance(value, list) and key in ("alongside",) else value
    if "$scenario" in value:
        return parse_scenario(value["$scenario"], f"the bundle's {key}")
    if "$deal_space" in value:
        return parse_deal_space(value["$deal_space"], f"the bundle's deal space ({value.get('origin')})")
    if "$solver" in value:
        return SolverOptions(**value["$solver"])
    if "$priors" in value:
        p = value["$priors"]
        return Priors(vary=tuple(p["vary"]), elasticity_method=p["elasticity_method"])
    if "$options" in value:
        return _OPTION_TYPES[value["$options"]].model_validate(value["fields"])
    return value


def base_name(reference: str) -> str:
    """The baseline asked for from a reference world's name (``default+soybeans@2025-10-15``)."""
    return reference.split("@")[0].split("+")[0]


def _infer_call(result: Any) -> dict[str, Any]:
    """The workflow call behind a scenario run or a deal space, rebuilt from the result."""
    if isinstance(result, ScenarioRun):
        res = result.result
        prov = res.provenance
        call: dict[str, Any] = {
            "scenario": result.scenario,
            "baseline": base_name(res.source.name),
            "date": None,
            "elasticities": prov.elasticity_set,
            "closure": res.closure,
            "fallout": result.fallout is not None,
            "horizon": result.horizon,
            "alongside": list(result.alongside),
        }
        if res.solver_options is not None:
            call["solver"] = dataclasses.replace(res.solver_options, closure=res.closure)  # type: ignore[arg-type]
        if result.uncertainty is not None:
            unc = result.uncertainty
            call |= {"draws": unc.draws, "seed": unc.seed or 0, "intervals": unc.method}
            call["priors"] = Priors(
                vary=tuple(unc.priors.get("vary", ())),
                elasticity_method=str(unc.priors.get("elasticity_method", "lognormal")),
            )
        return call
    if isinstance(result, DealTable):
        prov = result.provenance
        deal_opts = dict(prov.options.get("deals", {}))
        call = {
            "space": result.space,
            "baseline": base_name(prov.baseline),
            "date": None,
            "elasticities": prov.elasticity_set,
            "closure": prov.closure,
            "horizon": prov.horizon,
            "options": DealOptions(**{k: v for k, v in deal_opts.items() if k != "cache_dir"}),
        }
        if result.uncertainty is not None:
            call |= {"draws": result.uncertainty.draws, "seed": result.uncertainty.seed}
        return call
    raise OptionsError(
        f"write_bundle: pass call= (the arguments of the call) for a {kind_of(result)} result; "
        "only scenario runs and deal spaces are rebuilt from the result"
    )


#: The manifest's fields (docs/bundles.md has the full table).
MANIFEST_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "format": "bundle format (tradetalks-bundle/1)",
        "kind": "run, deals, optimal-tariff, war or talks",
        "version": "package version that wrote it",
        "created": "UTC time, ISO 8601",
        "argv": "the command line (null from the Python API)",
        "baseline": "name, year, sha256 of the baseline asked for and of the reference world",
        "scenario": "the scenario table (Scenario.to_dict()); scenario_sha256: of its canonical JSON",
        "call": "the workflow call: function and every keyword argument",
        "seed": "seed of the draws",
        "draws": "number of draws",
        "solver": "iterations, residual and seconds of the solves",
        "provenance": "the result's provenance",
        "tables": "name, files, sha256 of the parquet bytes, rows, columns of every table",
    }
)


__all__ = [
    "FORMAT",
    "KINDS",
    "MANIFEST_FIELDS",
    "canonical_sha256",
    "deal_space_table",
    "decode",
    "kind_of",
    "manifest",
    "record_call",
    "scenario_to_dict",
    "solver_statistics",
]
