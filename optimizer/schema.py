"""The input tables: their files, columns, keys and cross-references (see docs/data.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

TONNES_PER_MODEL_UNIT = {"t": 1.0, "kt": 1e3, "Mt": 1e6}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "number"  # "id", "text", "number", "integer", "idlist", "choice"
    low: float | None = None  # inclusive lower bound for numbers
    high: float | None = None  # inclusive upper bound for numbers
    positive: bool = False  # strictly > 0
    choices: tuple[str, ...] = ()
    optional: bool = False  # may be empty (text and idlist only)
    why: str = ""  # why the range is what it is, said with the error


# Plausible ranges. Every number has an upper bound, so that a slip of the keyboard (1e9 transit
# days, a price in USD/kg typed as USD/t x 1e6) is caught by validation instead of growing the LP
# without bound or drowning HiGHS in badly scaled coefficients. The bounds sit far above any
# shipped value (docs/data.md) and any real one.
MAX_TONNES = 1e9  # a billion tonnes: above any country's yearly use or stock of any commodity here
MAX_USD_PER_T = 1e8  # 100,000 USD/kg: above any traded mineral (germanium ~4,100 USD/kg)
MAX_PENALTY_USD_PER_T = 1e9  # damage per tonne short: up to 10x the dearest reference price
MAX_DAYS = 365  # a voyage or a release taking longer than a year is no supply in a crisis


def tonnes(name: str, **kwargs) -> Column:
    return Column(name, low=0, high=MAX_TONNES, why="a billion tonnes is the most any row may hold", **kwargs)


def usd_per_t(name: str, **kwargs) -> Column:
    return Column(name, high=MAX_USD_PER_T, why="100,000 USD/kg, above any traded mineral", **kwargs)


@dataclass(frozen=True)
class Reference:
    """Columns of this table that must name a row of another table."""

    columns: tuple[str, ...]
    table: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: tuple[Reference, ...] = field(default_factory=tuple)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


SOURCE = Column("source", "text")
ID = "id"


def _ref(cols: str, table: str, target: str | None = None) -> Reference:
    names = tuple(cols.split(","))
    return Reference(names, table, tuple((target or cols).split(",")))


TABLES: tuple[Table, ...] = (
    Table("members", (Column("member", ID), Column("name", "text"),
                      Column("stockpile_agency", "text"), SOURCE), key=("member",)),
    Table(
        "commodities",
        (Column("commodity", ID), Column("name", "text"),
         Column("model_unit", "choice", choices=tuple(TONNES_PER_MODEL_UNIT)),
         usd_per_t("reference_price_usd_per_t", positive=True), SOURCE),
        key=("commodity",),
    ),
    Table(
        "demand",
        (Column("member", ID), Column("commodity", ID), tonnes("demand_t_per_year"), SOURCE),
        key=("member", "commodity"),
        references=(_ref("member", "members"), _ref("commodity", "commodities")),
    ),
    Table(
        "suppliers",
        (Column("commodity", ID), Column("supplier", ID), usd_per_t("price_usd_per_t", positive=True),
         tonnes("export_capacity_t_per_year"), SOURCE),
        key=("commodity", "supplier"),
        references=(_ref("commodity", "commodities"),),
    ),
    Table(
        "import_shares",
        (Column("member", ID), Column("commodity", ID), Column("supplier", ID),
         Column("import_share", low=0, high=1), SOURCE),
        key=("member", "commodity", "supplier"),
        references=(_ref("member", "members"), _ref("commodity,supplier", "suppliers")),
    ),
    Table("chokepoints", (Column("chokepoint", ID), Column("name", "text"), SOURCE),
          key=("chokepoint",)),
    Table(
        "routes",
        (Column("route", ID), Column("commodity", ID), Column("supplier", ID), Column("member", ID),
         Column("transit_days", "integer", low=0, high=MAX_DAYS, why="no voyage takes a year"),
         usd_per_t("freight_usd_per_t", low=0),
         Column("chokepoints", "idlist", optional=True), SOURCE),
        key=("route",),
        references=(_ref("commodity,supplier", "suppliers"), _ref("member", "members"),
                    _ref("chokepoints", "chokepoints", "chokepoint")),
    ),
    Table(
        "stockpiles",
        (Column("member", ID), Column("commodity", ID), tonnes("current_stock_t"),
         tonnes("existing_capacity_t"),
         Column("target_days", low=0, high=3650, why="ten years of demand; policy targets are 9 to 100 days"),
         SOURCE),
        key=("member", "commodity"),
        references=(_ref("member", "members"), _ref("commodity", "commodities")),
    ),
    Table(
        "stockpile_costs",
        (Column("commodity", ID), Column("holding_cost_share_per_year", low=0, high=1),
         usd_per_t("capacity_cost_usd_per_t_year", low=0),
         Column("release_max_share_per_month", low=0, high=1),
         Column("release_lead_days", "integer", low=0, high=MAX_DAYS, why="a release taking a year helps no crisis"),
         usd_per_t("handling_cost_usd_per_t", low=0), SOURCE),
        key=("commodity",),
        references=(_ref("commodity", "commodities"),),
    ),
    Table(
        "demand_response",
        (Column("commodity", ID), Column("restraint_max_share", low=0, high=1),
         Column("restraint_cost_usd_per_t", low=0, high=MAX_PENALTY_USD_PER_T,
                why="10x the dearest reference price is the most a tonne not used can cost"),
         Column("shortfall_penalty_usd_per_t", positive=True, high=MAX_PENALTY_USD_PER_T,
                why="10x the dearest reference price is the most a tonne short can cost"),
         Column("sharing_penalty_share", low=0, high=1), SOURCE),
        key=("commodity",),
        references=(_ref("commodity", "commodities"),),
    ),
    Table(
        "domestic_supply",
        (Column("member", ID), Column("commodity", ID), tonnes("supply_t_per_year"),
         usd_per_t("cost_usd_per_t", low=0), SOURCE),
        key=("member", "commodity"),
        references=(_ref("member", "members"), _ref("commodity", "commodities")),
    ),
    Table(
        "transfers",
        (Column("commodity", ID), Column("from_member", ID), Column("to_member", ID),
         Column("lag_months", "integer", low=0, high=24,
                why="a transfer arriving two years late is no crisis transfer"),
         tonnes("max_t_per_month"), usd_per_t("cost_usd_per_t", low=0), SOURCE),
        key=("commodity", "from_member", "to_member"),
        references=(_ref("commodity", "commodities"), _ref("from_member", "members", "member"),
                    _ref("to_member", "members", "member")),
    ),
    Table(
        "swaps",
        (Column("commodity", ID), Column("lender", ID), Column("borrower", ID),
         Column("payback_months", "integer", low=1, high=120, why="a swap repaid after ten years is a sale"),
         tonnes("max_t_per_month"), usd_per_t("fee_usd_per_t", low=0), SOURCE),
        key=("commodity", "lender", "borrower"),
        references=(_ref("commodity", "commodities"), _ref("lender", "members", "member"),
                    _ref("borrower", "members", "member")),
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}
