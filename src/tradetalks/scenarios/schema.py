"""The scenario file as pydantic models: every lever, ``[[sources]]``, ``[run]``; its JSON Schema and docs.

The models check the structure of a file (keys, types, allowed values); the rules that tie fields
together (exactly one tariff mode, a cap needs a share or a value, ranges) are the lever
dataclasses' own (:mod:`tradetalks.levers`), so a lever built in Python obeys the same rules.
:func:`to_lever` turns a validated lever table into its dataclass, :func:`lever_to_dict` a lever
back into its table.

The JSON Schema and the reference page ``docs/scenario-files.md`` are generated from these
models by :mod:`tradetalks.scenarios.schema_docs`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from tradetalks.errors import ScenarioError
from tradetalks.levers import (
    CriticalInputNest,
    DatedTariffs,
    ExportControl,
    Lever,
    PurchaseCommitment,
    TariffChange,
    TradeCostChange,
)
from tradetalks.levers.common import REGION_GROUPS
from tradetalks.levers.critical_input import MAGNET_USERS
from tradetalks.levers.tariff import TARIFF_MODES
from tradetalks.scenarios import MAX_RATE_PCT
from tradetalks.scenarios.fields import (
    DATE_HELP,
    PRODUCT_LIST,
    REGIONS_HELP,
    SECTORS_HELP,
    DateText,
    ExportMode,
    Instrument,
    Labels,
    Number,
    Product,
    Rate,
    RateChange,
    Reach,
    TaxRate,
    Text,
)
from tradetalks.scenarios.run_options import RunOptions

#: The lever dataclass of each scenario-file ``type`` (the keys of :data:`tradetalks.levers.LEVER_TYPES`).
LEVER_CLASSES: dict[str, type] = {
    "tariff": TariffChange,
    "export_control": ExportControl,
    "purchase": PurchaseCommitment,
    "critical_input": CriticalInputNest,
    "trade_cost": TradeCostChange,
    "tariffs_of_date": DatedTariffs,
}


def _pct(what: str, **extra: Any) -> Any:
    return Field(None, description=what, json_schema_extra=extra or None)


class _Lever(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------ levers
class TariffLever(_Lever):
    """A tariff levied by `importer` on goods from `exporters` (docs/model.md, eq. 5.1).

    Give exactly one of `add_pp`, `set_pct`, `all_in_pct`, `over_mfn_pct` and `scale`.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"type": "tariff", "importer": "USA", "exporter": "CHN", "sectors": "goods", "add_pp": 100}
            ]
        }
    )

    type: Literal["tariff"] = Field(description="Lever type.")
    importer: Text = Field(description=f"Region that levies the tariff: one of the {REGIONS_HELP}.")
    exporter: Labels | None = Field(
        None,
        description=f"Region(s) whose goods are taxed: {REGIONS_HELP}, or "
        f"{' / '.join(f'`{g}`' for g in REGION_GROUPS)} (every region but the importer). "
        "Same as `exporters`.",
    )
    exporters: Labels | None = Field(None, description="Same as `exporter` (one of the two is required).")
    sectors: Labels = Field("goods", description=f"Taxed sectors: {SECTORS_HELP}.")
    add_pp: RateChange | None = _pct(
        "Percentage points added to the rate in force (100 = +100 pp; the rate it gives must be <= "
        "10000 %); a negative value is a cut, which takes a rate down to 0 at most, never to an import "
        'subsidy (that is a `purchase` lever with `instrument = "subsidy"`).',
        minimum=-MAX_RATE_PCT,
        maximum=MAX_RATE_PCT,
    )
    set_pct: Rate | None = _pct(
        "New rate in percent, replacing the rate in force (>= 0; an import subsidy is a `purchase` "
        'lever with `instrument = "subsidy"`).',
        minimum=0,
        maximum=MAX_RATE_PCT,
    )
    all_in_pct: Rate | None = _pct(
        "All-in rate in percent, inclusive of MFN, replacing every added duty: the rate becomes "
        "max(all_in_pct, MFN) (>= 0).",
        minimum=0,
        maximum=MAX_RATE_PCT,
    )
    over_mfn_pct: Rate | None = _pct(
        "Additional duty in percent on top of MFN, replacing every other added duty (>= 0).",
        minimum=0,
        maximum=MAX_RATE_PCT,
    )
    scale: Number | None = _pct(
        "Factor multiplying the rate in force (0.1: nine tenths of the tariff removed; >= 0; the rate "
        "it gives must be <= 10000 %).",
        minimum=0,
    )

    def to_lever(self) -> TariffChange:
        exp = self.exporters if self.exporters is not None else self.exporter
        if exp is None:
            raise ScenarioError("tariff lever: missing key 'exporter' (or 'exporters')")
        return TariffChange(
            importer=self.importer,
            exporters=(exp,) if isinstance(exp, str) else exp,
            sectors=self.sectors,
            **{m: getattr(self, m) for m in TARIFF_MODES},
        )


class ExportControlLever(_Lever):
    """Export controls by `exporters`: an export-tax equivalent, a ban or a quantity cap, with reach
    to third countries (docs/model.md, sections 5.2, 5.3 and eq. 5.11)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "export_control",
                    "exporters": ["USA", "JPN", "KOR", "TWN", "EU27"],
                    "products": ["semiconductors"],
                    "destinations": ["CHN"],
                    "mode": "tax",
                    "tax_pct": 100,
                    "reach": 1.0,
                    "reach_source": "BIS foreign direct product rule, expanded August 2024 (Reuters): "
                    "full reach, an upper bound",
                }
            ]
        }
    )

    type: Literal["export_control"] = Field(description="Lever type.")
    exporter: Labels | None = Field(
        None, description=f"Region(s) imposing the control: {REGIONS_HELP}. Same as `exporters`."
    )
    exporters: Labels | None = Field(None, description="Same as `exporter` (one of the two is required).")
    products: Labels | None = Field(None, description=f"Controlled goods: {SECTORS_HELP}. Same as `sectors`.")
    sectors: Labels | None = Field(None, description="Same as `products` (one of the two is required).")
    destinations: Labels = Field(
        "others",
        description=f"Importing regions affected: {REGIONS_HELP}, or `others` (everyone but the exporter).",
    )
    mode: ExportMode = Field(
        description="`tax`: an export-tax equivalent (`tax_pct`); `ban`: the flows vanish; `cap`: a "
        "quantity cap (`cap_share` or `cap_value`) met by an endogenous export tax."
    )
    tax_pct: TaxRate | None = _pct(
        "Mode `tax`: export-tax equivalent in percent (>= 0), added to any existing one.",
        minimum=0,
        maximum=MAX_RATE_PCT,
    )
    cap_share: Number | None = _pct(
        "Mode `cap`: the controlled flows' total may not exceed this share (> 0) of their baseline value.",
        exclusiveMinimum=0,
    )
    cap_value: Number | None = _pct("Mode `cap`: the cap in USD million (> 0).", exclusiveMinimum=0)
    reach: Reach = Field(
        0.0,
        description="Modes `tax` and `ban`: share in [0, 1] of other exporters' sales of the products to "
        "the destinations that the control also binds (the foreign direct product rule); a number for "
        "every other exporter or a table `{ MYS = 0.6 }` per exporter (absent: 0).",
    )
    reach_source: Text = Field("", description="Where the reach comes from (reported with the result).")

    def to_lever(self) -> ExportControl:
        exp = self.exporters if self.exporters is not None else self.exporter
        if exp is None:
            raise ScenarioError("export_control lever: missing key 'exporter' (or 'exporters')")
        what = self.products if self.products is not None else self.sectors
        if what is None:
            raise ScenarioError("export_control lever: missing key 'products' (or 'sectors')")
        return ExportControl(
            exporters=(exp,) if isinstance(exp, str) else exp,
            sectors=what,
            destinations=self.destinations,
            mode=self.mode,
            tax_pct=self.tax_pct,
            cap_share=self.cap_share,
            cap_value=self.cap_value,
            reach=self.reach,
            reach_source=self.reach_source,
        )


class PurchaseLever(_Lever):
    """A purchase commitment: `buyer` buys at least a target of `products` from `seller`, met by an
    endogenous wedge (docs/model.md, section 5.3). Give exactly one of `value_usd_mn`, `value_ratio`
    and `quantity` (with `unit_price_usd`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "purchase",
                    "buyer": "CHN",
                    "seller": "USA",
                    "products": ["soybeans"],
                    "quantity": 25e6,
                    "unit_price_usd": 471.5,
                    "price_source": "US soybean exports to China 2024: 12.64 bn USD for 985 mn bushels "
                    "(USDA FAS; AFBF) = 471.5 USD/t",
                }
            ]
        }
    )

    type: Literal["purchase"] = Field(description="Lever type.")
    buyer: Text = Field(description=f"Buying region: one of the {REGIONS_HELP}.")
    seller: Text = Field(description="Selling region (not the buyer).")
    products: Labels | None = Field(None, description=f"Goods bought: {SECTORS_HELP}. Same as `sectors`.")
    sectors: Labels | None = Field(None, description="Same as `products` (one of the two is required).")
    value_usd_mn: Number | None = _pct(
        "Target value in USD million at producer prices (> 0).", exclusiveMinimum=0
    )
    value_ratio: Number | None = _pct(
        "Target as a multiple of the baseline value of the covered flows (> 0; 1.5 = half as much again).",
        exclusiveMinimum=0,
    )
    quantity: Number | None = _pct(
        "Target quantity in the unit of `unit_price_usd` (tonnes for soybeans; > 0).", exclusiveMinimum=0
    )
    unit_price_usd: Number | None = _pct(
        "Unit price in USD converting `quantity` to a value (> 0); cite it in `price_source`.",
        exclusiveMinimum=0,
    )
    price_source: Text = Field("", description="Where the unit price comes from.")
    instrument: Instrument = Field(
        "preference",
        description="How the target is met: `preference` (managed trade: the buyer shifts its demand) or "
        "`subsidy` (an import subsidy paid by the buyer's budget).",
    )
    compliance: Number = Field(
        1.0,
        description="Share in (0, 1] of the commitment actually bought (Phase One: 0.57).",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    )
    compliance_source: Text = Field("", description="Where the compliance share comes from.")

    def to_lever(self) -> PurchaseCommitment:
        what = self.products if self.products is not None else self.sectors
        if what is None:
            raise ScenarioError("purchase lever: missing key 'products' (or 'sectors')")
        return PurchaseCommitment(
            buyer=self.buyer,
            seller=self.seller,
            sectors=what,
            value_usd_mn=self.value_usd_mn,
            value_ratio=self.value_ratio,
            quantity=self.quantity,
            unit_price_usd=self.unit_price_usd,
            price_source=self.price_source,
            instrument=self.instrument,
            compliance=self.compliance,
            compliance_source=self.compliance_source,
        )


class CriticalInputLever(_Lever):
    """A chokepoint input: a CES nest with elasticity `sigma` for `input` in its `users`
    (docs/model.md, section 5.4; `sigma = 1` is Cobb-Douglas)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "critical_input",
                    "input": "rare-earth-magnets",
                    "users": list(MAGNET_USERS),
                    "sigma": 0.05,
                }
            ]
        }
    )

    type: Literal["critical_input"] = Field(description="Lever type.")
    input: Text = Field(description=f"The critical input: a sector code or a product ({PRODUCT_LIST}).")
    users: Labels = Field(
        MAGNET_USERS,
        description=f"Sectors that use it through the nest: {SECTORS_HELP} "
        f"(default: the magnet users {', '.join(MAGNET_USERS)}).",
    )
    sigma: Number = Field(
        description="Elasticity of substitution between the input and the rest (> 0; below 1: complements).",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    regions: Labels = Field("all", description=f"Regions whose users nest it: {REGIONS_HELP}, or `all`.")

    def to_lever(self) -> CriticalInputNest:
        return CriticalInputNest(input=self.input, users=self.users, sigma=self.sigma, regions=self.regions)


class TradeCostLever(_Lever):
    """A proportional change of iceberg trade costs (non-tariff frictions) on the flows from
    `exporters` to `importers`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "trade_cost",
                    "importers": ["CHN"],
                    "exporters": ["USA"],
                    "products": ["semiconductors", "chip-tools"],
                    "change_pct": -20,
                }
            ]
        }
    )

    type: Literal["trade_cost"] = Field(description="Lever type.")
    importers: Labels = Field(description=f"Importing regions: {REGIONS_HELP}, or `all`.")
    exporters: Labels = Field(description=f"Exporting regions: {REGIONS_HELP}, or `all`.")
    products: Labels | None = Field(
        None, description=f"Goods whose costs change: {SECTORS_HELP}. Same as `sectors`."
    )
    sectors: Labels | None = Field(None, description="Same as `products` (default: `goods`).")
    change_pct: Number = Field(
        description="Change of the cost of delivering the flows in percent (> -100, at most 10000; -20 "
        "cuts it by a fifth).",
        le=MAX_RATE_PCT,
        json_schema_extra={"exclusiveMinimum": -100},
    )

    def to_lever(self) -> TradeCostChange:
        what = self.products if self.products is not None else self.sectors
        return TradeCostChange(
            importers=self.importers,
            exporters=self.exporters,
            sectors="goods" if what is None else what,
            change_pct=self.change_pct,
        )


class TariffsOfDateLever(_Lever):
    """The schedule's tariffs of another date in place of the baseline date's: every dated layer
    (Section 301, 232, IEEPA, retaliation) moves to its state on `date` ("back to 2017 tariffs")."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "tariffs_of_date",
                    "date": "pre-war-2017",
                    "importers": ["USA"],
                    "exporters": ["CHN"],
                }
            ]
        }
    )

    type: Literal["tariffs_of_date"] = Field(description="Lever type.")
    date: DateText = Field(description=f"The date whose tariffs apply: {DATE_HELP}.")
    importers: Labels | None = Field(
        None,
        description=f"Importers whose tariffs move: {REGIONS_HELP} (default: every importer; only the US "
        "and China have dated layers).",
    )
    exporters: Labels | None = Field(
        None,
        description=f"Only the tariffs on goods from these exporters move: {REGIONS_HELP} (default: every "
        "exporter).",
    )

    def to_lever(self) -> DatedTariffs:
        def tup(v: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
            return (v,) if isinstance(v, str) else v

        return DatedTariffs(date=self.date, importers=tup(self.importers), exporters=tup(self.exporters))


LEVER_MODELS: dict[str, type[_Lever]] = {
    "tariff": TariffLever,
    "export_control": ExportControlLever,
    "purchase": PurchaseLever,
    "critical_input": CriticalInputLever,
    "trade_cost": TradeCostLever,
    "tariffs_of_date": TariffsOfDateLever,
}

LeverTable = Annotated[
    TariffLever
    | ExportControlLever
    | PurchaseLever
    | CriticalInputLever
    | TradeCostLever
    | TariffsOfDateLever,
    Field(discriminator="type"),
]


# ------------------------------------------------------------------ the file
def _source_text(value: Any) -> Any:
    """Numbers in a source table (``value = 15``) are kept as text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


SourceText = Annotated[str, BeforeValidator(_source_text), Strict()]


class SourceTable(BaseModel):
    """A public source of a number the scenario uses (a `[[sources]]` table)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "item": "RCEP share of goods trade on which tariffs are eventually eliminated",
                    "value": "90 percent",
                    "title": "Philippines News Gazette (PNA) - World's largest trade deal RCEP to enter into "
                    "force on Jan 1",
                    "url": "https://www.philippinesnewsgazette.com/",
                }
            ]
        },
    )

    title: SourceText = Field(min_length=1, description="Title of the source (required).")
    url: SourceText = Field(min_length=1, description="Its public address (required).")
    item: SourceText = Field("", description="What the number is.")
    value: SourceText = Field("", description="The number as the source states it (text or number).")
    note: SourceText = Field("", description="Anything a reader should know about it.")


class ScenarioFile(BaseModel):
    """A scenario file: a named set of levers, the article sentence it models, its sources and how
    to run it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text = Field(
        min_length=1, description="Short name of the scenario (the file's stem for the built-in ones)."
    )
    title: Text = Field("", description="One line saying what the scenario does.")
    article: Text = Field("", description="The sentence of the October 2025 article it models.")
    notes: Text = Field("", description="Assumptions, approximations and where the numbers come from.")
    include: tuple[Text, ...] = Field(
        (),
        description="Scenarios whose levers come first: built-in names or `.toml` paths relative to this "
        "file. Their keys and `[run]` keys are overridden by this file's; `products` and `sources` are "
        "merged.",
        examples=[["us-100", "other.toml"]],
    )
    date: DateText | None = Field(
        None,
        description=f"Tariffs in force on this date form the baseline: {DATE_HELP} (default: the data "
        "year's applied tariffs).",
    )
    products: tuple[Product, ...] = Field(
        (),
        description="Products split out of their parent sectors so levers can name them (and dated "
        "tariffs give each its own rate).",
        examples=[["soybeans", "aircraft"]],
    )
    sources: tuple[SourceTable, ...] = Field(
        (), description="Public sources of the numbers used (`[[sources]]`)."
    )
    levers: tuple[LeverTable, ...] = Field(
        (), description="The policy changes (`[[levers]]` tables, applied in order), each with a `type`."
    )
    run: RunOptions | None = Field(
        None, description="How `tradetalks run` solves the scenario by default (`[run]`)."
    )


class LeverList(BaseModel):
    """A list of lever tables alone (a deal space's ``levers``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levers: tuple[LeverTable, ...] = ()


def to_lever(table: BaseModel) -> Lever:
    """The lever dataclass of a validated lever table (its cross-field rules raise ScenarioError)."""
    lever: Lever = table.to_lever()  # type: ignore[attr-defined]
    return lever


def lever_type(lever: Lever) -> str:
    """The scenario-file ``type`` of a lever object."""
    for name, cls in LEVER_CLASSES.items():
        if isinstance(lever, cls):
            return name
    raise ScenarioError(f"lever {lever!r} has no scenario-file type; types: {', '.join(LEVER_CLASSES)}")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def lever_to_dict(lever: Lever) -> dict[str, Any]:
    """The scenario-file table of a lever: ``type`` and every field not at the file's default."""
    kind = lever_type(lever)
    fields = LEVER_MODELS[kind].model_fields
    out: dict[str, Any] = {"type": kind}
    for f in dataclasses.fields(lever):  # type: ignore[arg-type]
        value = getattr(lever, f.name)
        spec = fields.get(f.name)
        if value is None or (
            spec is not None and not spec.is_required() and _plain(value) == _plain(spec.default)
        ):
            continue
        out[f.name] = _plain(value)
    return out
