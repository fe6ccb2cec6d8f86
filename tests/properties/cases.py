"""Generated inputs of the three entry points and the property each must satisfy.

Every strategy draws a *case*: an input together with what the package must do with it, valid
(accepted) or invalid (refused with a :class:`~tradetalks.errors.TradetalksError` whose message
names ``field``). The ``check_*`` functions run one case and raise :class:`PropertyFailedError` when
the package does anything else: accepts an invalid input, refuses a valid one, raises another
exception type, or refuses without naming the field. They import nothing from pytest, so that
``bench/fuzz_inputs.py`` runs them through hypothesis alone.

Entry points: (a) the scenario file loader (:func:`tradetalks.load_scenario` on a TOML file
written from a generated table), (b) the Python API (:func:`tradetalks.api.inputs.check_run_options`,
:func:`tradetalks.run` for the arguments it refuses before solving, and the option objects),
(c) the command line (in :mod:`tests.properties.cli_cases`: :func:`tradetalks.cli.main` in this
process, the workflow calls replaced by a stub that validates their arguments, so that no case
solves a model). :mod:`tests.properties.entry_points` lists the three.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tradetalks.errors import TradetalksError

REGIONS = ("USA", "CHN", "JPN", "KOR", "TWN", "MYS", "ASEAN", "EU27", "BRA", "MEX", "CAN", "IND", "ROW")
SECTORS = ("A01", "C10T12", "C24", "C26", "C27", "C28", "C29")
PRODUCTS = ("soybeans", "aircraft", "rare-earth-magnets", "rare-earth-compounds", "semiconductors")
DATES = ("pre-war-2017", "phase-one-2020", "2025-01-20", "geneva-2025", "pre-summit-2025-10-15", "2019-06-01")
BAD_DATES = ("2099-01-01", "2017-06-01", "garbage", "2025-13-01", "2025-02-30", "", "yesterday")
HORIZONS = ("short", "medium", "long")
MAX_RATE = 10_000.0


@dataclass(frozen=True)
class Case:
    """An input and the verdict it must get: ``field`` is ``None`` for a valid input, else the
    text the refusal must contain (the name of the offending field)."""

    value: Any
    field: str | None = None
    why: str = ""

    @property
    def valid(self) -> bool:
        return self.field is None


class PropertyFailedError(AssertionError):
    """The package broke the property on a case."""


@dataclass
class Tally:
    """What the cases of one entry point gave: counts by verdict and error type, and failures."""

    tried: int = 0
    valid: int = 0
    invalid: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def record(self, case: Case, error: BaseException | None, label: str | None = None) -> None:
        """Count a case and the error it raised (by type, or by ``label``)."""
        self.tried += 1
        if case.valid:
            self.valid += 1
        else:
            self.invalid += 1
        if error is not None:
            self.errors[label or type(error).__name__] += 1


def _judge(case: Case, error: BaseException | None, message: str) -> None:
    """Raise :class:`PropertyFailedError` unless the outcome fits the case."""
    if case.valid:
        if error is not None:
            raise PropertyFailedError(
                f"valid input refused: {case.value!r}: {type(error).__name__}: {message}"
            )
        return
    if error is None:
        raise PropertyFailedError(f"invalid input ({case.why}) accepted: {case.value!r}")
    if not isinstance(error, TradetalksError):
        raise PropertyFailedError(f"invalid input ({case.why}) raised {type(error).__name__}: {message}")
    if case.field is not None and case.field not in message:
        raise PropertyFailedError(f"refusal of {case.why} does not name {case.field!r}: {message}")


# ------------------------------------------------------------------ (a) scenario files
def _number(low: float, high: float) -> st.SearchStrategy[float | int]:
    ints = st.integers(math.ceil(low), math.floor(high))
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.one_of(ints, floats, st.sampled_from([low, high]))


_labels = st.one_of(
    st.sampled_from(REGIONS), st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3, unique=True)
)
_sectors = st.one_of(
    st.sampled_from(("goods", "all")), st.lists(st.sampled_from(SECTORS), min_size=1, max_size=3, unique=True)
)
#: The modes of a tariff lever and the range of each (docs/scenario-files.md).
TARIFF_RANGES = {
    "add_pp": (-MAX_RATE, MAX_RATE),
    "set_pct": (0.0, MAX_RATE),
    "all_in_pct": (0.0, MAX_RATE),
    "over_mfn_pct": (0.0, MAX_RATE),
    "scale": (0.0, 1e6),
}


@st.composite
def tariff_lever(draw: st.DrawFn) -> dict[str, Any]:
    importer = draw(st.sampled_from(REGIONS))
    exporter = draw(st.sampled_from([r for r in REGIONS if r != importer]))
    mode = draw(st.sampled_from(tuple(TARIFF_RANGES)))
    low, high = TARIFF_RANGES[mode]
    lever = {"type": "tariff", "importer": importer, "exporter": exporter, mode: draw(_number(low, high))}
    if draw(st.booleans()):
        lever["sectors"] = draw(_sectors)
    return lever


@st.composite
def purchase_lever(draw: st.DrawFn) -> dict[str, Any]:
    buyer, seller = draw(st.permutations(REGIONS))[:2]
    target = draw(st.sampled_from(("value_usd_mn", "value_ratio", "quantity")))
    lever: dict[str, Any] = {
        "type": "purchase",
        "buyer": buyer,
        "seller": seller,
        "products": draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=2, unique=True)),
        target: draw(_number(1e-3, 1e9)),
        "instrument": draw(st.sampled_from(("preference", "subsidy"))),
        "compliance": draw(_number(1e-3, 1.0)),
    }
    if target == "quantity":
        lever["unit_price_usd"] = draw(_number(1e-2, 1e6))
    return lever


@st.composite
def export_lever(draw: st.DrawFn) -> dict[str, Any]:
    mode = draw(st.sampled_from(("tax", "ban", "cap")))
    lever: dict[str, Any] = {
        "type": "export_control",
        "exporters": draw(_labels),
        "products": draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=2, unique=True)),
        "mode": mode,
    }
    if mode == "tax":
        lever["tax_pct"] = draw(_number(0.0, MAX_RATE))
    elif mode == "cap":
        lever["cap_share"] = draw(_number(1e-3, 1.0))
    if mode != "cap" and draw(st.booleans()):
        lever["reach"] = draw(_number(0.0, 1.0))
    return lever


@st.composite
def other_lever(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("trade_cost", "critical_input", "tariffs_of_date")))
    if kind == "trade_cost":
        return {
            "type": kind,
            "importers": draw(_labels),
            "exporters": draw(_labels),
            "change_pct": draw(_number(-99.0, MAX_RATE)),
        }
    if kind == "critical_input":
        return {"type": kind, "input": "rare-earth-magnets", "sigma": draw(_number(1e-3, 10.0))}
    return {"type": kind, "date": draw(st.sampled_from(DATES)), "importers": ["USA"]}


valid_lever = st.one_of(tariff_lever(), purchase_lever(), export_lever(), other_lever())

_NOT_NUMBERS = st.sampled_from([math.nan, math.inf, -math.inf, "ten", True, [1]])


@st.composite
def valid_scenario(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": draw(st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12)),
        "title": draw(st.text(max_size=20)),
        "products": list(PRODUCTS),
        "levers": draw(st.lists(valid_lever, min_size=0, max_size=4)),
    }
    if draw(st.booleans()):
        doc["date"] = draw(st.sampled_from(DATES))
    if draw(st.booleans()):
        doc["run"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "horizon": st.sampled_from(HORIZONS),
                    "closure": st.sampled_from(("fixed", "balanced")),
                    "draws": st.integers(1, 10_000),
                    "seed": st.integers(0, 2**31),
                    "fallout": st.booleans(),
                    "elasticities": st.sampled_from(("CP", "BSY", "IS")),
                },
            )
        )
    return doc


def _lever_mutation(draw: st.DrawFn, doc: dict[str, Any]) -> str:
    """Make one lever of ``doc`` invalid; return the field the refusal must name."""
    if not doc["levers"]:
        doc["levers"].append(draw(tariff_lever()))
    k = draw(st.integers(0, len(doc["levers"]) - 1))
    lever = doc["levers"][k]
    kind = lever["type"]
    numeric = {
        "tariff": [m for m in TARIFF_RANGES if m in lever],
        "purchase": ["compliance"],
        "export_control": [m for m in ("tax_pct", "cap_share", "reach") if m in lever] or ["reach"],
        "trade_cost": ["change_pct"],
        "critical_input": ["sigma"],
        "tariffs_of_date": [],
    }[kind]
    choice = draw(st.sampled_from(("unknown key", "bad type", "missing", "number", "range")))
    if choice == "unknown key":
        key = draw(st.sampled_from(("add_ppp", "importr", "rate", "subsidy_pct")))
        lever[key] = 1
        return key
    if choice == "bad type":
        lever["type"] = draw(st.sampled_from(("tarif", "quota", "", "TARIFF")))
        return "type"
    if choice == "missing" or not numeric:
        required = {
            "tariff": "importer",
            "purchase": "buyer",
            "export_control": "mode",
            "trade_cost": "change_pct",
            "critical_input": "sigma",
            "tariffs_of_date": "date",
        }[kind]
        del lever[required]
        return required
    name = draw(st.sampled_from(numeric))
    if choice == "number":
        lever[name] = draw(_NOT_NUMBERS)
        return name
    bad = {
        "add_pp": st.one_of(st.floats(-1e12, -MAX_RATE - 1), st.floats(MAX_RATE + 1, 1e12)),
        "set_pct": st.one_of(st.floats(-1e12, -1e-9), st.floats(MAX_RATE + 1e-6, 1e12)),
        "all_in_pct": st.floats(-1e12, -1e-9),
        "over_mfn_pct": st.floats(MAX_RATE + 1e-6, 1e12),
        "scale": st.floats(-1e12, -1e-9),
        "compliance": st.one_of(st.floats(-10, 0), st.floats(1.0 + 1e-9, 1e6)),
        "tax_pct": st.one_of(st.floats(-1e6, -1e-9), st.floats(MAX_RATE + 1e-6, 1e12)),
        "cap_share": st.floats(-1e6, 0),
        "reach": st.one_of(st.floats(-1e6, -1e-9), st.floats(1.0 + 1e-9, 1e6)),
        "change_pct": st.one_of(st.floats(-1e6, -100), st.floats(MAX_RATE + 1e-6, 1e12)),
        "sigma": st.floats(-1e6, 0),
    }[name]
    lever[name] = draw(bad)
    return name


@st.composite
def scenario_case(draw: st.DrawFn) -> Case:
    """A scenario table, valid or with one defect."""
    doc = draw(valid_scenario())
    what = draw(st.sampled_from(("valid", "valid", "lever", "lever", "top", "run")))
    if what == "valid":
        return Case(doc)
    if what == "lever":
        name = _lever_mutation(draw, doc)
        return Case(doc, name, f"lever {name}")
    if what == "top":
        choice = draw(st.sampled_from(("date", "unknown", "name", "products")))
        if choice == "date":
            doc["date"] = draw(st.sampled_from(BAD_DATES))
            return Case(doc, "date", "bad date")
        if choice == "unknown":
            doc["nmae"] = "x"
            return Case(doc, "nmae", "unknown top-level key")
        if choice == "name":
            doc["name"] = draw(st.sampled_from(("", 5, ["a"], True)))
            return Case(doc, "name", "bad name")
        doc["products"] = [*doc["products"], draw(st.sampled_from(("soybean", "chips", "oil")))]
        return Case(doc, "products", "unknown product")
    run = dict(doc.get("run", {}))
    key, bad = draw(
        st.sampled_from(
            [
                ("draws", 0),
                ("draws", -3),
                ("draws", 2.5),
                ("draws", True),
                ("draws", "ten"),
                ("seed", -1),
                ("seed", 1.5),
                ("horizon", "forever"),
                ("closure", "open"),
                ("fallout", "yes"),
                ("elasticities", "XX"),
                ("intervals", "bootstrap"),
                ("workers", 0),
            ]
        )
    )
    run[key] = bad
    doc["run"] = run
    return Case(doc, key, f"run.{key} = {bad!r}")


@st.composite
def scenario_text_case(draw: st.DrawFn) -> Case:
    """A scenario file: a generated table written as TOML, or text that is not TOML at all."""
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from(("name = ", "[[levers]\n", "name = 'x'\nname = 'y'\n", "= 3", "x = [1,")))
        return Case({"text": text}, "not valid TOML", "broken TOML")
    case = draw(scenario_case())
    from tradetalks.scenarios.files import dumps_toml

    return Case({"text": dumps_toml(case.value)}, case.field, case.why)


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tt-props-") as folder:
        yield Path(folder)


def check_scenario_file(case: Case, tally: Tally | None = None) -> None:
    """Property (a): the file loader accepts a valid file and refuses an invalid one by name."""
    from tradetalks.scenarios import load_scenario

    error: BaseException | None = None
    with _scratch() as folder:
        path = folder / "case.toml"
        path.write_text(case.value["text"], encoding="utf-8")
        try:
            load_scenario(path)
        except Exception as exc:
            error = exc
    if tally is not None:
        tally.record(case, error)
    _judge(case, error, "" if error is None else str(error))


# ------------------------------------------------------------------ (b) the Python API
_VALID_RUN = {
    "scenario": st.sampled_from(("us-100", "modest-deal", "rcep", "us-100-retaliation")),
    "baseline": st.sampled_from(("default", None)),
    "date": st.sampled_from((*DATES, "data", None)),
    "elasticities": st.sampled_from(("CP", "BSY", "FGO", "GYY", "IS", "LL", "Shap", "U4", None)),
    "closure": st.sampled_from(("fixed", "balanced", None)),
    "fallout": st.sampled_from((True, False, None)),
    "horizon": st.sampled_from((*HORIZONS, None)),
    "alongside": st.one_of(st.none(), st.lists(st.sampled_from(HORIZONS), max_size=3)),
    "draws": st.one_of(st.none(), st.integers(0, 100_000)),
    "seed": st.one_of(st.none(), st.integers(0, 2**40)),
}
#: Invalid values of each argument of :func:`tradetalks.run` (nan, negative, wrong type, unknown).
_BAD_RUN: dict[str, st.SearchStrategy[Any]] = {
    "scenario": st.sampled_from(("", 3, None, ["us-100"], 1.5)),
    "baseline": st.sampled_from(("", 3, ["default"], 2.0)),
    "date": st.one_of(st.sampled_from(BAD_DATES), st.sampled_from((3, 2025.1, True))),
    "elasticities": st.one_of(st.sampled_from(("cp", "XX", "", 1)), st.text(min_size=3, max_size=5)),
    "closure": st.sampled_from(("open", "", "FIXED", 1, True)),
    "fallout": st.sampled_from(("yes", 1, 0, "true", math.nan)),
    "horizon": st.sampled_from(("forever", "", "Long", 1, ["long"])),
    "alongside": st.sampled_from(("short", ["forever"], [1], 3, ["short", "x"])),
    "draws": st.one_of(
        st.integers(-(2**40), -1), st.sampled_from((1.5, math.nan, math.inf, "10", True, False))
    ),
    "seed": st.one_of(st.integers(-(2**40), -1), st.sampled_from((0.5, math.nan, "1", True))),
    "intervals": st.sampled_from(("bootstrap", "MC", "", 2)),
}
#: Arguments :func:`tradetalks.run` refuses before solving (whatever the other arguments): all.
RUN_REFUSES = tuple(_BAD_RUN)


@st.composite
def run_case(draw: st.DrawFn) -> Case:
    """Keyword arguments of :func:`tradetalks.run`: valid, or with one invalid argument."""
    kwargs = {k: draw(s) for k, s in _VALID_RUN.items() if draw(st.booleans()) or k == "scenario"}
    kwargs = {k: v for k, v in kwargs.items() if v is not None or k != "scenario"}
    if draw(st.booleans()):
        kwargs["intervals"] = draw(st.sampled_from(("mc", "delta")))
        if kwargs["intervals"] == "mc":
            kwargs["draws"] = draw(st.integers(1, 1000))
        else:
            kwargs.pop("draws", None)
    elif "draws" not in kwargs or not kwargs["draws"]:
        kwargs.pop("intervals", None)
    if draw(st.integers(0, 2)) == 0:
        return Case(kwargs)
    key = draw(st.sampled_from(tuple(_BAD_RUN)))
    kwargs[key] = draw(_BAD_RUN[key])
    return Case(kwargs, key, f"run({key}={kwargs[key]!r})")


def check_run_options_case(case: Case, tally: Tally | None = None) -> None:
    """Property (b1): :func:`check_run_options` accepts valid arguments and names a bad one, and
    :func:`tradetalks.run` refuses every invalid argument set the same way, before solving (valid
    sets are not solved here: ``tests/properties/test_api_inputs.py`` solves a few)."""
    import tradetalks
    from tradetalks.api.inputs import check_run_options

    error: BaseException | None = None
    try:
        check_run_options(**case.value)
    except Exception as exc:
        error = exc
    if tally is not None:
        tally.record(case, error)
    _judge(case, error, "" if error is None else str(error))
    if not case.valid and case.field in RUN_REFUSES:
        try:
            tradetalks.run(**case.value)
        except Exception as exc:
            _judge(case, exc, str(exc))
        else:
            _judge(case, None, "")


#: The option objects: valid and invalid values of each field, and the field's name.
_OPTION_FIELDS: dict[str, dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]]] = {
    "DealOptions": {
        "workers": (st.integers(1, 256), st.one_of(st.integers(-1000, 0), st.integers(257, 10**6))),
        "tie_tol": (
            st.floats(0.0, 1e-4),
            st.one_of(st.floats(-1.0, -1e-12), st.floats(1e-4 * 1.0001, 1e6), st.just(math.nan)),
        ),
        "discount": (
            st.tuples(st.floats(0.01, 0.99), st.floats(0.01, 0.99)),
            st.tuples(st.floats(1.0, 5.0), st.floats(-1.0, 0.0)),
        ),
    },
    "TalksOptions": {
        "solution": (st.sampled_from(("nash", "equal-gains")), st.sampled_from(("split", "", "Nash"))),
        "upper": (st.floats(0.01, 100.0), st.one_of(st.floats(-10.0, 0.0), st.floats(100.01, 1e9))),
        "max_iter": (st.integers(1, 100_000), st.integers(-100, 0)),
    },
    "WarOptions": {
        "tol": (st.floats(1e-9, 0.5), st.one_of(st.floats(-1.0, 0.0), st.floats(1.0, 1e6))),
        "max_rounds": (st.integers(1, 10_000), st.integers(-100, 0)),
        "method": (st.sampled_from(("joint", "best-response")), st.sampled_from(("nash", "", "Joint"))),
    },
    "OptimizerOptions": {
        "upper": (st.floats(0.01, 100.0), st.floats(-10.0, 0.0)),
        "gtol": (st.floats(1e-9, 0.5), st.floats(-1.0, 0.0)),
        "max_iter": (st.integers(1, 100_000), st.integers(-(10**6), 0)),
    },
    "SweepOptions": {
        "workers": (st.integers(1, 1024), st.integers(-1000, 0)),
    },
}


@st.composite
def options_case(draw: st.DrawFn) -> Case:
    """An option object's keyword arguments: valid, or with one invalid field."""
    cls = draw(st.sampled_from(tuple(_OPTION_FIELDS)))
    fields = _OPTION_FIELDS[cls]
    kwargs = {k: draw(good) for k, (good, _) in fields.items() if draw(st.booleans())}
    if draw(st.booleans()):
        return Case((cls, kwargs))
    key = draw(st.sampled_from(tuple(fields)))
    kwargs[key] = draw(fields[key][1])
    return Case((cls, kwargs), key, f"{cls}({key}={kwargs[key]!r})")


def _option_class(name: str) -> Callable[..., Any]:
    from tradetalks.analyses import options
    from tradetalks.api.sweep import SweepOptions

    return SweepOptions if name == "SweepOptions" else getattr(options, name)


def check_options_case(case: Case, tally: Tally | None = None) -> None:
    """Property (b2): the option objects accept valid fields and refuse a bad one by name."""
    name, kwargs = case.value
    error: BaseException | None = None
    try:
        _option_class(name)(**kwargs)
    except Exception as exc:
        error = exc
    if tally is not None:
        tally.record(case, error)
    _judge(case, error, "" if error is None else str(error))
