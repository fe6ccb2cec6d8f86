"""Deal spaces: issues with options, the two parties, the disagreement package and ratification
constraints (docs/model.md, section 7.5), and the deal-space files (``scenarios/deals/*.toml``).

Solving a space is :func:`tradetalks.analyses.deals.solve_deal_space`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tradetalks.analyses.objectives import Government
from tradetalks.errors import ScenarioError
from tradetalks.levers import Lever
from tradetalks.scenarios import Scenario, builtin_names, parse_levers_table, read_toml


@dataclass(frozen=True)
class Option:
    """One option of an issue: a name and the levers it pulls (none: the status quo)."""

    name: str
    levers: tuple[Lever, ...] = ()


@dataclass(frozen=True)
class Issue:
    name: str
    options: tuple[Option, ...]

    def option(self, name: str) -> Option:
        for o in self.options:
            if o.name == name:
                return o
        raise ScenarioError(
            f"issue {self.name!r} has no option {name!r}; allowed: {', '.join(o.name for o in self.options)}"
        )


@dataclass(frozen=True)
class WinSet:
    """A ratification constraint: ``region``'s output of ``sector`` may not change by less than
    ``min_output_pct`` (``0``: may not fall). Party ``party`` cannot sign a package violating it."""

    party: str
    region: str
    sector: str
    min_output_pct: float = 0.0


@dataclass(frozen=True)
class DealSpace:
    """Issues, the two parties, the disagreement package and ratification constraints."""

    name: str
    parties: tuple[Government, Government]
    issues: tuple[Issue, ...]
    disagreement: Mapping[str, str]
    win_sets: tuple[WinSet, ...] = ()
    base: Scenario = field(default_factory=lambda: Scenario("base", "", "", ()))
    description: str = ""

    def __post_init__(self) -> None:
        names = [i.name for i in self.issues]
        if len(set(names)) != len(names):
            raise ScenarioError(f"deal space {self.name!r}: duplicate issue names")
        missing = set(names) - set(self.disagreement)
        if missing:
            raise ScenarioError(
                f"deal space {self.name!r}: disagreement package lacks issues {sorted(missing)}"
            )
        for issue in self.issues:
            issue.option(self.disagreement[issue.name])

    @property
    def size(self) -> int:
        return int(np.prod([len(i.options) for i in self.issues]))

    def packages(self) -> list[tuple[str, ...]]:
        """Every package as a tuple of option names, in issue order."""
        return list(itertools.product(*[[o.name for o in i.options] for i in self.issues]))

    def levers(self, package: Sequence[str]) -> list[Lever]:
        """The levers of a package: the space's own (``base.levers``, in every package) and each
        issue's chosen option."""
        out: list[Lever] = list(self.base.levers)
        for issue, name in zip(self.issues, package, strict=True):
            out.extend(issue.option(name).levers)
        return out


DEAL_KEYS = (
    "name", "description", "parties", "date", "products", "levers", "issues", "disagreement", "win_sets",
)  # fmt: skip


def parse_deal_space(data: Mapping[str, Any], origin: str) -> DealSpace:
    """Validate a parsed deal-space table (see ``scenarios/deals/*.toml``)."""
    unknown = set(data) - set(DEAL_KEYS)
    if unknown:
        raise ScenarioError(f"{origin}: unknown keys {sorted(unknown)}; allowed: {list(DEAL_KEYS)}")
    parties = data.get("parties", ["USA", "CHN"])
    if len(parties) != 2:
        raise ScenarioError(f"{origin}: 'parties' must name two regions")
    issues = []
    for k, spec in enumerate(data.get("issues", [])):
        options = []
        for m, opt in enumerate(spec.get("options", [])):
            levers = parse_levers_table(opt.get("levers", []), origin, f"issues[{k}].options[{m}].levers")
            options.append(Option(str(opt["name"]), levers))
        if not options:
            raise ScenarioError(f"{origin}: issue {spec.get('name')!r} has no options")
        issues.append(Issue(str(spec["name"]), tuple(options)))
    win_sets = tuple(
        WinSet(str(w["party"]), str(w["region"]), str(w["sector"]), float(w.get("min_output_pct", 0.0)))
        for w in data.get("win_sets", [])
    )
    return DealSpace(
        name=str(data["name"]),
        parties=(Government(str(parties[0])), Government(str(parties[1]))),
        issues=tuple(issues),
        disagreement=dict(data.get("disagreement", {})),
        win_sets=win_sets,
        base=Scenario(
            "base",
            "",
            "",
            parse_levers_table(data.get("levers", []), origin),
            products=tuple(data.get("products", [])),
            date=data.get("date"),
        ),
        description=str(data.get("description", "")),
    )


def builtin_deal_spaces() -> list[str]:
    return builtin_names("deals")


def load_deal_space(name_or_path: str) -> DealSpace:
    """A built-in deal space by name or a deal-space TOML file by path."""
    data, origin = read_toml(name_or_path, "deals", "deal space")
    return parse_deal_space(data, origin)
